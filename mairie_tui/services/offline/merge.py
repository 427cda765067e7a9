"""`import_offline`: merge the marks and closings of a copy into the main database.

One transaction. The copy is refused whole unless its seal agrees (see
copy_read.py). Then each mark and closing is checked against what the copy
could have made — whatever the copy's own triggers or tables say:

- its unit is one of the copy's units and of the copy's site (in the main
  database), its child one of the copy's enrolments, its day within the
  copy's period and a day the unit runs;
- a mark identical to the main database's is unchanged: importing twice
  changes nothing;
- a day closed at the mairie (not by this copy) is never overwritten;
- a mark made at the mairie after the export that differs from the copy's
  wins (the copy's is reported, not written); a mairie mark the copy already
  held at export time is replaced by the copy's later tick;
- a child ticked present whose booking was cancelled at the counter in the
  meantime is recorded as an unexpected presence, and reported;
- nothing else of the main database changes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from mairie_tui.clock import Clock
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import ReadOnlyCopy
from mairie_tui.services.offline.copy_read import CopyData, check_seal, check_source, read_copy
from mairie_tui.services.offline.guard import is_offline_copy
from mairie_tui.services.offline.merge_closings import merge_closings
from mairie_tui.services.offline.merge_marks import merge_marks
from mairie_tui.services.offline.merge_state import load_main
from mairie_tui.services.offline.report import DryRun, ImportReport, Tally
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import writing


# Two desks importing the same copy (or a desk ticking the same child meanwhile):
# the unique marks and closings refuse the second row; the retry re-reads and
# finds them, so the second import reports them unchanged instead of failing.
@requires("copie.importer")
@write_use_case(retry_on_duplicate=True)
def import_offline(
    engine: Engine, path: Path, *, clock: Clock, actor: Actor, dry_run: bool = False
) -> ImportReport:
    """Merge the pointage made in an offline copy into the main database (see module rules)."""
    require_counter_agent(actor)
    if is_offline_copy(engine):
        raise ReadOnlyCopy("Impossible d'importer une copie dans une copie hors ligne.")
    data = read_copy(Path(path))
    now = clock.now()
    try:
        with writing(engine, "import de copie hors ligne") as session:
            check_seal(session, data)
            check_source(session, data)
            report = _merge(session, data, now, actor, dry_run)
            if dry_run:
                raise DryRun(report)
    except DryRun as done:
        return done.report
    return report


def _merge(
    session: Session, data: CopyData, now: datetime, actor: Actor, dry_run: bool
) -> ImportReport:
    main = load_main(session, data)
    tally = Tally()
    merge_closings(session, data, main, tally, now=now, actor=actor, dry_run=dry_run)
    merge_marks(session, data, main, tally, now=now, actor=actor, dry_run=dry_run)
    meta = data.meta
    report = ImportReport(
        copy_id=meta.id,
        site=meta.site,
        start=meta.start_date,
        end=meta.end_date,
        exported_at=meta.created_at,
        dry_run=dry_run,
        marks_in_copy=len(data.marks),
        added=tally.added,
        updated=tally.updated,
        unchanged=tally.unchanged,
        closings_added=tally.closings_added,
        issues=tuple(tally.issues),
    )
    if not dry_run and report.changes:
        audit(
            session,
            at=now,
            actor=actor,
            action="offline.import",
            entity="offline_copy",
            entity_id=None,
            details={
                "copy_id": meta.id,
                "site": meta.site,
                "added": report.added,
                "updated": report.updated,
                "closings_added": report.closings_added,
                "issues": len(report.issues),
            },
        )
    return report
