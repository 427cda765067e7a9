"""The offline copy of a site for the school staff, and the merge of its pointage.

`export_offline` writes a standalone SQLite database (migrated like any
other: the application opens it with ``--db sqlite:///FILE.db``) holding only
what a site's staff need for some days: the site's activities and units, the
enrolled children (names, birth date, class), the phones of their
representatives and authorised persons, the bookings, absences, closures,
pointage and day closings of those days, and the staff and supervisors'
accounts. No address, no e-mail, no quotient familial, no document, no
démarche. Triggers make every table read-only except the pointage, the day
closings, the audit trail and the agents (sign-in counters);
:func:`ensure_writable` gives services the same answer with a French message.

`import_offline` merges the marks and closings made in the copy back into
the main database, in one transaction. Rules (each case is reported):

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

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from mairie_tui.clock import Clock
from mairie_tui.db import make_engine, read_session, unit_of_work, upgrade
from mairie_tui.domain import fr
from mairie_tui.models import (
    Absence,
    Activity,
    Agent,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.models.attendance import Attendance, DayClosing, OfflineCopy
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import NotFoundError, PermissionDenied, ServiceError
from mairie_tui.services.lists import CONTACT_ROLES, resolve_site
from mairie_tui.services.transactions import write_use_case

READ_ONLY_MESSAGE = "Copie hors ligne : seul le pointage est possible"
# Tables a copy may still write: pointage, closings, audit; agents may only be updated
# (sign-in throttling counters), not added or removed.
WRITABLE_IN_COPY = ("attendance", "day_closing", "auditevent")
MAX_EXPORT_DAYS = 366


class ReadOnlyCopy(PermissionDenied):
    """A write other than pointage was attempted in an offline copy."""


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


# ------------------------------------------------------------------ copy checks


def _copy_row(session: Session) -> OfflineCopy | None:
    try:
        return session.exec(sm_select(OfflineCopy).limit(1)).first()
    except SQLAlchemyError:
        # A database older than migration 0002 cannot be a copy.
        session.rollback()
        return None


def is_offline_copy(target: Engine | Session) -> bool:
    """True in an offline copy made by export_offline."""
    if isinstance(target, Session):
        return _copy_row(target) is not None
    with read_session(target) as session:
        return _copy_row(session) is not None


def ensure_writable(target: Engine | Session, what: str) -> None:
    """Refuse a write other than pointage in an offline copy (call it first in a use case)."""
    if is_offline_copy(target):
        raise ReadOnlyCopy(f"{READ_ONLY_MESSAGE} ({what} refusé).")


def site_fingerprint(session: Session, site: str) -> str:
    """Hash of the site's activities and units at export time (kept in the copy, for the record)."""
    activities = session.exec(
        sm_select(Activity.id, Activity.code)
        .where(Activity.site == site)
        .order_by(col(Activity.id))
    ).all()
    ids = [activity_id for activity_id, _ in activities]
    units = session.exec(
        sm_select(Unit.id, Unit.activity_id, Unit.name)
        .where(col(Unit.activity_id).in_(ids))
        .order_by(col(Unit.id))
    ).all()
    text = json.dumps([site, [list(a) for a in activities], [list(u) for u in units]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ export


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    copy_id: str
    site: str
    start: date
    end: date
    activities: int
    units: int
    children: int
    contacts: int
    households: int
    enrolments: int
    bookings: int
    absences: int
    marks: int
    closings: int
    agents: int
    size_bytes: int

    @property
    def period_label(self) -> str:
        return fr.period(self.start, self.end)


def _rows(session: Session, statement: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(statement)]


def _insert(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(_table(model)), rows)


def _read_only_triggers(conn: Connection) -> None:
    names = [
        name
        for (name,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        )
        if not name.startswith(("sqlite_", "household_fts", "alembic_"))
        and name not in WRITABLE_IN_COPY
    ]
    for name in names:
        operations = ("INSERT", "DELETE") if name == "agent" else ("INSERT", "UPDATE", "DELETE")
        for operation in operations:
            conn.exec_driver_sql(
                f'CREATE TRIGGER "ro_{name}_{operation.lower()}" BEFORE {operation} ON "{name}" '
                f"BEGIN SELECT RAISE(ABORT, '{READ_ONLY_MESSAGE}'); END"
            )


def export_offline(
    engine: Engine,
    *,
    site: str,
    start: date,
    end: date,
    out: Path,
    clock: Clock,
    actor: Actor,
    overwrite: bool = False,
) -> ExportSummary:
    """Write the offline copy of a site for the days start..end to `out` (a new SQLite file)."""
    require_counter_agent(actor)
    if end < start:
        raise ServiceError("La date de fin précède la date de début.", field="end")
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise ServiceError("Une copie hors ligne couvre au plus un an.", field="end")
    if is_offline_copy(engine):
        raise ReadOnlyCopy("Impossible d'exporter depuis une copie hors ligne.")
    out = Path(out)
    if out.exists() and not overwrite:
        raise ServiceError(f"Le fichier {out} existe déjà.", field="out")
    if not out.parent.is_dir():
        raise ServiceError(f"Le dossier {out.parent} n'existe pas.", field="out")
    now = clock.now()
    copy_id = f"copie-{uuid.uuid4().hex[:16]}"

    # One snapshot for every query (PostgreSQL's default READ COMMITTED would not give one).
    source = (
        engine.execution_options(isolation_level="REPEATABLE READ")
        if engine.dialect.name == "postgresql"
        else engine
    )
    with read_session(source) as session:
        site_name = resolve_site(session, site)
        activities = _rows(session, select(_table(Activity)).where(col(Activity.site) == site_name))
        activity_ids = [row["id"] for row in activities]
        units = _rows(session, select(_table(Unit)).where(col(Unit.activity_id).in_(activity_ids)))
        unit_ids = [row["id"] for row in units]
        closures = _rows(
            session,
            select(_table(Closure)).where(
                col(Closure.day) >= start,
                col(Closure.day) <= end,
                (col(Closure.activity_id).is_(None)) | col(Closure.activity_id).in_(activity_ids),
            ),
        )
        enrolments = _rows(
            session,
            select(_table(Enrolment)).where(
                col(Enrolment.activity_id).in_(activity_ids),
                col(Enrolment.start_date) <= end,
                col(Enrolment.end_date) >= start,
            ),
        )
        enrolment_ids = [row["id"] for row in enrolments]
        child_ids = sorted({row["person_id"] for row in enrolments})
        children = _rows(
            session,
            select(
                col(Person.id),
                col(Person.household_id),
                col(Person.role),
                col(Person.first_name),
                col(Person.last_name),
                col(Person.birth_date),
                col(Person.school),
                col(Person.school_class),
                col(Person.position),
            ).where(col(Person.id).in_(child_ids)),
        )
        household_ids = sorted({row["household_id"] for row in children})
        contacts = _rows(
            session,
            select(
                col(Person.id),
                col(Person.household_id),
                col(Person.role),
                col(Person.civility),
                col(Person.first_name),
                col(Person.last_name),
                col(Person.phone),
                col(Person.position),
            ).where(
                col(Person.household_id).in_(household_ids),
                col(Person.role).in_(CONTACT_ROLES),
            ),
        )
        households = _rows(
            session,
            select(col(Household.id), col(Household.dossier), col(Household.phone)).where(
                col(Household.id).in_(household_ids)
            ),
        )
        bookings = _rows(
            session,
            select(
                col(Booking.id),
                col(Booking.enrolment_id),
                col(Booking.day),
                col(Booking.unit_id),
                col(Booking.status),
                col(Booking.updated_at),
            ).where(
                col(Booking.enrolment_id).in_(enrolment_ids),
                col(Booking.day) >= start,
                col(Booking.day) <= end,
            ),
        )
        absences = _rows(
            session,
            select(
                col(Absence.id),
                col(Absence.person_id),
                col(Absence.start_date),
                col(Absence.end_date),
                col(Absence.reason),
                col(Absence.justified),
            ).where(
                col(Absence.person_id).in_(child_ids),
                col(Absence.start_date) <= end,
                col(Absence.end_date) >= start,
            ),
        )
        marks = _rows(
            session,
            select(_table(Attendance)).where(
                col(Attendance.unit_id).in_(unit_ids),
                col(Attendance.enrolment_id).in_(enrolment_ids),
                col(Attendance.day) >= start,
                col(Attendance.day) <= end,
            ),
        )
        closings = _rows(
            session,
            select(_table(DayClosing)).where(
                col(DayClosing.unit_id).in_(unit_ids),
                col(DayClosing.day) >= start,
                col(DayClosing.day) <= end,
            ),
        )
        # Staff and supervisors can sign in to the copy; other agents named by
        # a mark or a closing come along disabled and without a password.
        named = {row["agent_id"] for row in marks + closings if row["agent_id"] is not None}
        agents = _rows(
            session,
            select(
                col(Agent.id),
                col(Agent.login),
                col(Agent.name),
                col(Agent.role),
                col(Agent.password_hash),
                col(Agent.active),
            ).where(
                (col(Agent.role).in_(("staff", "supervisor")) & col(Agent.active).is_(True))
                | col(Agent.id).in_(named)
            ),
        )
        fingerprint = site_fingerprint(session, site_name)

    for row in agents:
        if not (row["role"] in ("staff", "supervisor") and row["active"]):
            row["active"] = False
            row["password_hash"] = ""
        row["failed_attempts"] = 0
        row["last_failed_at"] = None
    for row in households:
        row.update(
            address="",
            postcode="",
            commune_insee="",
            commune_name="",
            email=None,
            quotient_familial=None,
            qf_valid_until=None,
            qf_document_id=None,
            external_id=None,
            version=1,
            created_at=now,
            updated_at=now,
        )
    for row in children:
        row.update(civility=None, phone=None, email=None)
    for row in contacts:
        row.update(birth_date=None, email=None, school=None, school_class=None)
    for row in bookings:
        row.update(forced_reason=None, request_id=None, agent_id=None)
    for row in absences:
        row.update(document_id=None, request_id=None)

    temporary = out.with_name(out.name + ".part")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    copy = make_engine(f"sqlite:///{temporary}")
    try:
        upgrade(copy)
        with copy.begin() as conn:
            _insert(conn, Agent, agents)
            _insert(conn, Activity, activities)
            _insert(conn, Unit, units)
            _insert(conn, Closure, closures)
            _insert(conn, Household, households)
            _insert(conn, Person, children + contacts)
            _insert(conn, Enrolment, enrolments)
            _insert(conn, Booking, bookings)
            _insert(conn, Absence, absences)
            _insert(conn, Attendance, marks)
            _insert(conn, DayClosing, closings)
            _insert(
                conn,
                OfflineCopy,
                [
                    {
                        "id": copy_id,
                        "site": site_name,
                        "start_date": start,
                        "end_date": end,
                        "created_at": now,
                        "created_by": actor.name,
                        "source_fingerprint": fingerprint,
                        "read_only_except_pointage": True,
                    }
                ],
            )
            _read_only_triggers(conn)
        with copy.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        copy.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        raise
    copy.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    temporary.replace(out)

    summary = ExportSummary(
        path=out,
        copy_id=copy_id,
        site=site_name,
        start=start,
        end=end,
        activities=len(activities),
        units=len(units),
        children=len(children),
        contacts=len(contacts),
        households=len(households),
        enrolments=len(enrolments),
        bookings=len(bookings),
        absences=len(absences),
        marks=len(marks),
        closings=len(closings),
        agents=sum(1 for row in agents if row["active"]),
        size_bytes=out.stat().st_size,
    )
    with unit_of_work(engine) as session:
        audit(
            session,
            at=now,
            actor=actor,
            action="offline.export",
            entity="offline_copy",
            entity_id=None,
            details={
                "copy_id": copy_id,
                "site": site_name,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "file": out.name,
                "children": summary.children,
                "bookings": summary.bookings,
            },
        )
    return summary


# ------------------------------------------------------------------ import


@dataclass(frozen=True)
class ImportIssue:
    kind: str  # "booking_cancelled", "day_closed", "mark_differs", "unknown"
    day: date
    unit_name: str
    child: str
    message: str
    # True when the copy's mark was written anyway (adjusted), False when it was not.
    written: bool

    @property
    def day_label(self) -> str:
        return fr.long_date(self.day)


@dataclass(frozen=True)
class ImportReport:
    copy_id: str
    site: str
    start: date
    end: date
    exported_at: datetime
    dry_run: bool
    marks_in_copy: int
    added: int
    updated: int
    unchanged: int
    closings_added: int
    issues: tuple[ImportIssue, ...] = field(default_factory=tuple)

    @property
    def changes(self) -> int:
        return self.added + self.updated + self.closings_added

    @property
    def conflicts(self) -> tuple[ImportIssue, ...]:
        """Marks of the copy not written because the main database disagrees."""
        return tuple(issue for issue in self.issues if not issue.written)


class _DryRun(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def _mark_text(present: bool | None, unexpected: bool = False) -> str:
    if present is None:
        return "non pointé"
    if not present:
        return "absent"
    return "présent (inattendu)" if unexpected else "présent"


@dataclass
class _CopyData:
    """What the import reads from a copy."""

    meta: OfflineCopy
    marks: list[dict[str, Any]]
    closings: list[dict[str, Any]]
    bookings: dict[tuple[int, date, int], str]
    agents: dict[int, str]
    # (id, code) of its activities, (id, activity) of its units, (id, child) of its enrolments.
    activities: list[tuple[int, str]]
    units: list[tuple[int, int]]
    enrolments: list[tuple[int, int]]


def _read_copy(path: Path) -> _CopyData:
    if not path.is_file():
        raise NotFoundError(f"Fichier introuvable : {path}.")
    copy = create_engine(f"sqlite:///{path}")
    try:
        tables = set(inspect(copy).get_table_names())
        if not {"offline_copy", "attendance", "day_closing", "booking", "agent"} <= tables:
            raise ServiceError(f"{path.name} n'est pas une copie hors ligne de mairie-tui.")
        with Session(copy) as session:
            meta = session.exec(sm_select(OfflineCopy)).first()
            if meta is None:
                raise ServiceError(f"{path.name} n'est pas une copie hors ligne de mairie-tui.")
            session.expunge(meta)

            def pairs(statement: Any) -> list[tuple[Any, Any]]:
                return [(row[0], row[1]) for row in session.execute(statement)]

            data = _CopyData(
                meta=meta,
                marks=_rows(
                    session, select(_table(Attendance)).where(col(Attendance.origin) == meta.id)
                ),
                closings=_rows(
                    session, select(_table(DayClosing)).where(col(DayClosing.origin) == meta.id)
                ),
                bookings={
                    (row.enrolment_id, row.day, row.unit_id): row.status
                    for row in session.execute(
                        select(
                            col(Booking.enrolment_id),
                            col(Booking.day),
                            col(Booking.unit_id),
                            col(Booking.status),
                        )
                    )
                },
                agents=dict(pairs(select(col(Agent.id), col(Agent.login)))),
                activities=pairs(select(col(Activity.id), col(Activity.code))),
                units=pairs(select(col(Unit.id), col(Unit.activity_id))),
                enrolments=pairs(select(col(Enrolment.id), col(Enrolment.person_id))),
            )
    except SQLAlchemyError as exc:
        raise ServiceError(f"Copie illisible ({path.name}) : {exc.__class__.__name__}.") from None
    finally:
        copy.dispose()
    return data


def _check_source(session: Session, data: _CopyData) -> None:
    """The copy's activities, units and enrolments are the main database's (same ids)."""

    def differ(model: Any, column: Any, expected: list[tuple[int, Any]]) -> bool:
        if not expected:
            return False
        found = {
            row[0]: row[1]
            for row in session.execute(
                select(col(model.id), col(column)).where(
                    col(model.id).in_([key for key, _ in expected])
                )
            )
        }
        # A row deleted since the export is reported mark by mark; a row that
        # is there with other content means another database.
        return any(key in found and found[key] != value for key, value in expected)

    if (
        differ(Activity, Activity.code, data.activities)
        or differ(Unit, Unit.activity_id, data.units)
        or differ(Enrolment, Enrolment.person_id, data.enrolments)
    ):
        raise ServiceError(
            f"Cette copie ne vient pas de cette base : les activités ou inscriptions du site "
            f"« {data.meta.site} » diffèrent. Import refusé."
        )


# Two desks importing the same copy (or a desk ticking the same child meanwhile):
# the unique marks and closings refuse the second row; the retry re-reads and
# finds them, so the second import reports them unchanged instead of failing.
@write_use_case(retry_on_duplicate=True)
def import_offline(
    engine: Engine, path: Path, *, clock: Clock, actor: Actor, dry_run: bool = False
) -> ImportReport:
    """Merge the pointage made in an offline copy into the main database (see module rules)."""
    require_counter_agent(actor)
    if is_offline_copy(engine):
        raise ReadOnlyCopy("Impossible d'importer une copie dans une copie hors ligne.")
    data = _read_copy(Path(path))
    now = clock.now()
    try:
        with unit_of_work(engine) as session:
            _check_source(session, data)
            report = _merge(
                session,
                data.meta,
                data.marks,
                data.closings,
                data.bookings,
                data.agents,
                now,
                actor,
                dry_run,
            )
            if dry_run:
                raise _DryRun(report)
    except _DryRun as done:
        return done.report
    return report


def _merge(
    session: Session,
    meta: OfflineCopy,
    marks: list[dict[str, Any]],
    closings: list[dict[str, Any]],
    copy_bookings: dict[tuple[int, date, int], str],
    copy_agents: dict[int, str],
    now: datetime,
    actor: Actor,
    dry_run: bool,
) -> ImportReport:
    exported_at = meta.created_at.astimezone(UTC)
    unit_ids = sorted({row["unit_id"] for row in marks + closings})
    enrolment_ids = sorted({row["enrolment_id"] for row in marks})
    units = {
        unit_id: name
        for unit_id, name in session.exec(
            sm_select(Unit.id, col(Unit.name)).where(col(Unit.id).in_(unit_ids))
        ).all()
        if unit_id is not None
    }
    children = {
        enrolment_id: f"{last} {first}"
        for enrolment_id, first, last in session.exec(
            sm_select(Enrolment.id, col(Person.first_name), col(Person.last_name))
            .join(Person, col(Person.id) == col(Enrolment.person_id))
            .where(col(Enrolment.id).in_(enrolment_ids))
        ).all()
        if enrolment_id is not None
    }
    main_agents = {
        agent_id: login
        for agent_id, login in session.exec(sm_select(Agent.id, col(Agent.login))).all()
        if agent_id is not None
    }

    def agent_of(agent_id: int | None) -> int | None:
        if agent_id is None:
            return None
        login = copy_agents.get(agent_id)
        return agent_id if login is not None and main_agents.get(agent_id) == login else None

    # The copy refuses days outside its range, but a hand-edited file might not.
    days = [row["day"] for row in marks + closings]
    first_day = min([meta.start_date, *days])
    last_day = max([meta.end_date, *days])

    def in_range(column_unit: Any, column_day: Any) -> Any:
        return (
            col(column_unit).in_(unit_ids)
            & (col(column_day) >= first_day)
            & (col(column_day) <= last_day)
        )

    main_marks = {
        (row.enrolment_id, row.day, row.unit_id): row
        for row in session.exec(
            sm_select(Attendance).where(in_range(Attendance.unit_id, Attendance.day))
        ).all()
    }
    main_closings = {
        (row.unit_id, row.day): row
        for row in session.exec(
            sm_select(DayClosing).where(in_range(DayClosing.unit_id, DayClosing.day))
        ).all()
    }
    main_bookings = {
        (enrolment_id, day, unit_id): status
        for enrolment_id, day, unit_id, status in session.exec(
            sm_select(
                Booking.enrolment_id, col(Booking.day), col(Booking.unit_id), col(Booking.status)
            ).where(
                in_range(Booking.unit_id, Booking.day), col(Booking.enrolment_id).in_(enrolment_ids)
            )
        ).all()
    }
    closer_names = {
        agent_id: name
        for agent_id, name in session.exec(sm_select(Agent.id, col(Agent.name))).all()
        if agent_id is not None
    }

    issues: list[ImportIssue] = []
    added = updated = unchanged = closings_added = 0

    for row in sorted(closings, key=lambda r: (r["day"], r["unit_id"])):
        closing_key = (row["unit_id"], row["day"])
        unit_name = units.get(row["unit_id"], f"unité n° {row['unit_id']}")
        if row["unit_id"] not in units:
            issues.append(
                ImportIssue(
                    "unknown", row["day"], unit_name, "", "Unité inconnue : clôture ignorée.", False
                )
            )
            continue
        current = main_closings.get(closing_key)
        if current is not None:
            if current.origin != meta.id:
                issues.append(
                    ImportIssue(
                        "day_closed",
                        row["day"],
                        unit_name,
                        "",
                        "Journée déjà clôturée à la mairie : la clôture de la copie est ignorée.",
                        False,
                    )
                )
            continue
        closings_added += 1
        if not dry_run:
            new_closing = DayClosing(
                unit_id=row["unit_id"],
                day=row["day"],
                agent_id=agent_of(row["agent_id"]),
                closed_at=row["closed_at"],
                origin=meta.id,
            )
            session.add(new_closing)
            session.flush()
            audit(
                session,
                at=now,
                actor=actor,
                action="day.close.import",
                entity="day_closing",
                entity_id=new_closing.id,
                details={
                    "copy_id": meta.id,
                    "unit_id": row["unit_id"],
                    "day": row["day"].isoformat(),
                },
            )

    for row in sorted(marks, key=lambda r: (r["day"], r["unit_id"], r["enrolment_id"])):
        key = (row["enrolment_id"], row["day"], row["unit_id"])
        day, unit_id = row["day"], row["unit_id"]
        unit_name = units.get(unit_id, f"unité n° {unit_id}")
        child = children.get(row["enrolment_id"], f"inscription n° {row['enrolment_id']}")
        if unit_id not in units or row["enrolment_id"] not in children:
            issues.append(
                ImportIssue(
                    "unknown", day, unit_name, child,
                    "Inscription ou unité inconnue de la base : pointage non importé.", False,
                )
            )  # fmt: skip
            continue
        present: bool = row["present"]
        booked_main = main_bookings.get(key) == "booked"
        unexpected = present and (bool(row["unexpected"]) or not booked_main)
        existing = main_marks.get(key)
        if existing is not None and (existing.present, existing.unexpected) == (
            present,
            unexpected,
        ):
            unchanged += 1
            continue
        day_closing = main_closings.get((unit_id, day))
        if day_closing is not None and day_closing.origin != meta.id:
            who = closer_names.get(day_closing.agent_id or -1, "un superviseur")
            issues.append(
                ImportIssue(
                    "day_closed",
                    day,
                    unit_name,
                    child,
                    f"Journée clôturée à la mairie par {who} : pointage de la copie "
                    f"({_mark_text(present, unexpected)}) non importé, la mairie garde "
                    f"« {_mark_text(existing.present if existing else None, existing.unexpected if existing else False)} ».",
                    False,
                )
            )
            continue
        if (
            existing is not None
            and existing.origin != meta.id
            and existing.marked_at.astimezone(UTC) > exported_at
        ):
            issues.append(
                ImportIssue(
                    "mark_differs",
                    day,
                    unit_name,
                    child,
                    f"Pointé « {_mark_text(existing.present, existing.unexpected)} » à la mairie "
                    f"après l'export, « {_mark_text(present, unexpected)} » dans la copie : "
                    "la mairie l'emporte.",
                    False,
                )
            )
            continue
        if copy_bookings.get(key) == "booked" and not booked_main:
            issues.append(
                ImportIssue(
                    "booking_cancelled",
                    day,
                    unit_name,
                    child,
                    "Réservation annulée à la mairie entre-temps : "
                    + (
                        "présence enregistrée comme inattendue."
                        if present
                        else "absence importée telle quelle."
                    ),
                    True,
                )
            )
        before = None if existing is None else _mark_text(existing.present, existing.unexpected)
        if existing is None:
            added += 1
        else:
            updated += 1
        if dry_run:
            continue
        target = existing or Attendance(
            enrolment_id=row["enrolment_id"],
            day=day,
            unit_id=unit_id,
            present=present,
            marked_at=row["marked_at"],
        )
        target.present = present
        target.unexpected = unexpected
        target.agent_id = agent_of(row["agent_id"])
        target.marked_at = row["marked_at"]
        target.origin = meta.id
        session.add(target)
        session.flush()
        audit(
            session,
            at=now,
            actor=actor,
            action="attendance.import",
            entity="attendance",
            entity_id=target.id,
            details={
                "copy_id": meta.id,
                "enrolment_id": row["enrolment_id"],
                "day": day.isoformat(),
                "unit_id": unit_id,
                "present": present,
                "unexpected": unexpected,
                "before": before,
                "marked_by": copy_agents.get(row["agent_id"]) if row["agent_id"] else None,
            },
        )

    report = ImportReport(
        copy_id=meta.id,
        site=meta.site,
        start=meta.start_date,
        end=meta.end_date,
        exported_at=meta.created_at,
        dry_run=dry_run,
        marks_in_copy=len(marks),
        added=added,
        updated=updated,
        unchanged=unchanged,
        closings_added=closings_added,
        issues=tuple(issues),
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
                "added": added,
                "updated": updated,
                "closings_added": closings_added,
                "issues": len(issues),
            },
        )
    return report
