"""Import of households: one check for the dry run and --apply, then one transaction.

`id_externe` is the idempotency key: a household whose external id (or dossier
number) is already in the database is not imported again. Everything --apply
writes has passed the same checks as the dry run (schema limits included), so
--apply can only differ from it through another desk writing meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, or_
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain.household_rules import CleanHousehold
from mairie_tui.models import Household, Person
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import ImportFileError
from mairie_tui.services.household_edit import next_dossiers
from mairie_tui.services.household_io.json_reader import read_json
from mairie_tui.services.household_io.report import ImportReport
from mairie_tui.services.household_io.source import SourceHousehold
from mairie_tui.services.household_io.tables import read_csv, read_xlsx
from mairie_tui.services.household_io.validation import Checked, check_households
from mairie_tui.services.permissions import requires
from mairie_tui.services.schema_limits import schema_limits
from mairie_tui.services.search import index_households
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import writing

CHUNK = 2000
FORMATS = ("csv", "json", "xlsx")
READERS: dict[str, Callable[[bytes, ImportReport], Iterator[SourceHousehold]]] = {
    "csv": read_csv,
    "json": read_json,
    "xlsx": read_xlsx,
}


def file_format(path: Path, fmt: str | None) -> str:
    """The format asked for, else the one of the file's extension (CSV by default)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ImportFileError(f"Format inconnu : « {fmt} » (csv, json ou xlsx).")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def check_file(
    raw: bytes,
    fmt: str,
    clock: Clock,
    report: ImportReport,
    progress: Callable[[int, int], None] | None = None,
) -> list[Checked]:
    """Read and check the whole file (ImportFileError if it cannot be read at all)."""
    sources = list(READERS[fmt](raw, report))
    total = len(sources)
    tick = (lambda done: progress(done, total)) if progress else None
    good = check_households(sources, clock.today(), schema_limits(), report, tick)
    if progress:
        progress(total, total)
    return good


# A concurrent import of the same households: the unique external id refuses
# the second desk's rows; the retry re-reads them as already present.
@requires("foyers.importer")
@write_use_case(retry_on_duplicate=True)
def import_households(
    engine: Engine,
    path: Path,
    *,
    actor: Actor,
    clock: Clock,
    apply: bool = False,
    all_or_nothing: bool = False,
    progress: Callable[[int, int], None] | None = None,
    fmt: str | None = None,
) -> ImportReport:
    """Read, check and (with apply) import the good households in one transaction."""
    require_counter_agent(actor)
    kind = file_format(path, fmt)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Fichier illisible : {path} ({exc.strerror})") from None
    report = ImportReport()
    good = check_file(raw, kind, clock, report, progress)
    with read_session(engine) as session:
        present = _present(session, [c.clean.data.external_id or "" for c in good])
    fresh = [c for c in good if c.clean.data.external_id not in present]
    report.already_present = len(good) - len(fresh)
    report.good = len(fresh)
    if not apply or (all_or_nothing and report.bad) or not fresh:
        return report
    now = clock.now()
    with writing(engine, "import de foyers") as session:
        # Re-read inside the transaction: another desk may have imported meanwhile.
        present = _present(session, [c.clean.data.external_id or "" for c in fresh])
        fresh = [c for c in fresh if c.clean.data.external_id not in present]
        for start in range(0, len(fresh), CHUNK):
            created = _insert_chunk(session, [c.clean for c in fresh[start : start + CHUNK]], now)
            # Only the imported households: the rest of the index is left as it is.
            index_households(session, created)
        audit(
            session,
            at=now,
            actor=actor,
            action="household.import",
            entity="household",
            entity_id=None,
            details={"file": path.name, "imported": len(fresh), "bad_lines": report.bad_lines},
        )
    report.imported = len(fresh)
    report.applied = True
    return report


def _present(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for external_id, dossier in session.exec(
            select(col(Household.external_id), col(Household.dossier)).where(
                or_(col(Household.external_id).in_(chunk), col(Household.dossier).in_(chunk))
            )
        ):
            found.update(value for value in (external_id, dossier) if value in chunk)
    return found


def _insert_chunk(session: Session, chunk: list[CleanHousehold], now: Any) -> list[int]:
    """Insert the households and their members; returns the new households' ids."""
    dossiers = next_dossiers(session, len(chunk))
    households = [
        {
            "dossier": dossier,
            "address": clean.data.address,
            "postcode": clean.postcode,
            "commune_insee": clean.commune_insee,
            "commune_name": clean.commune_name,
            "phone": clean.data.phone,
            "email": clean.data.email,
            "quotient_familial": clean.data.quotient_familial,
            "qf_valid_until": clean.data.qf_valid_until,
            "external_id": clean.data.external_id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for dossier, clean in zip(dossiers, chunk, strict=True)
    ]
    session.execute(insert(Household), households)
    ids: dict[str, int] = {
        dossier: household_id
        for dossier, household_id in session.exec(
            select(col(Household.dossier), col(Household.id)).where(
                col(Household.dossier).in_(dossiers)
            )
        )
        if household_id is not None
    }
    session.execute(insert(Person), _people(ids, dossiers, chunk))
    return list(ids.values())


def _people(
    ids: dict[str, int], dossiers: list[str], chunk: list[CleanHousehold]
) -> list[dict[str, Any]]:
    people = []
    for dossier, clean in zip(dossiers, chunk, strict=True):
        for position, member in enumerate(clean.data.members()):
            people.append(
                {
                    "household_id": ids[dossier],
                    "role": member.role,
                    "civility": member.civility,
                    "first_name": member.first_name,
                    "last_name": member.last_name,
                    "birth_date": member.birth_date,
                    "phone": member.phone,
                    "email": member.email,
                    "school": member.school,
                    "school_class": member.school_class,
                    "position": position,
                }
            )
    return people
