"""`export_offline`: write a site's offline copy (a private, sealed SQLite file).

The copy is a standalone SQLite database, migrated like any other (the
application opens it with ``--db sqlite:///FILE.db``). Triggers make every
table read-only except the pointage, the day closings, the audit trail and
the agents (sign-in counters). The file is created 0600 before any byte is
written (SQLite gives its -wal and -shm files the same mode).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.engine import Connection

from mairie_tui.clock import Clock
from mairie_tui.db import make_engine, read_session, upgrade
from mairie_tui.domain import fr
from mairie_tui.models import (
    Absence,
    Activity,
    Agent,
    AgentSite,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.models.attendance import Attendance, DayClosing, OfflineCopy
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import ReadOnlyCopy, ServiceError
from mairie_tui.services.lists import resolve_site
from mairie_tui.services.offline.export_rows import Extract, gather
from mairie_tui.services.offline.fingerprint import site_fingerprint
from mairie_tui.services.offline.guard import (
    READ_ONLY_MESSAGE,
    WRITABLE_IN_COPY,
    is_offline_copy,
    table_of,
)
from mairie_tui.services.offline.seal import hash_access_code, main_secret, new_access_code, seal
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import writing

MAX_EXPORT_DAYS = 366
SIDE_FILES = ("-wal", "-shm", "-journal")


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
    # Shown once to whoever exports: staff sign in to the copy with it (not stored anywhere).
    access_code: str = ""

    @property
    def period_label(self) -> str:
        return fr.period(self.start, self.end)


@requires("copie.exporter")
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
    out = _check_request(engine, start, end, Path(out), actor, overwrite)
    now = clock.now()
    copy_id = f"copie-{uuid.uuid4().hex[:16]}"
    secret = main_secret(engine)
    # One snapshot for every query (PostgreSQL's default READ COMMITTED would not give one).
    source = (
        engine.execution_options(isolation_level="REPEATABLE READ")
        if engine.dialect.name == "postgresql"
        else engine
    )
    with read_session(source) as session:
        site_name = resolve_site(session, site)
        extract = gather(session, site_name, start, end, now)
        fingerprint = site_fingerprint(session, site_name)
    code = new_access_code()
    meta: dict[str, Any] = {
        "id": copy_id,
        "site": site_name,
        "start_date": start,
        "end_date": end,
        "created_at": now,
        "created_by": actor.name,
        "source_fingerprint": fingerprint,
        "read_only_except_pointage": True,
        "scope": extract.scope.to_json(),
        "access_code_hash": hash_access_code(code),
    }
    meta["seal"] = seal(
        secret,
        copy_id=copy_id,
        site=site_name,
        start=start,
        end=end,
        created_at=now,
        access_code_hash=meta["access_code_hash"],
        scope=extract.scope,
    )
    _write_copy(out, extract, meta)
    summary = _summary(out, meta, extract, code)
    _audit_export(engine, summary, now, actor)
    return summary


def _check_request(
    engine: Engine, start: date, end: date, out: Path, actor: Actor, overwrite: bool
) -> Path:
    require_counter_agent(actor)
    if end < start:
        raise ServiceError("La date de fin précède la date de début.", field="end")
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise ServiceError("Une copie hors ligne couvre au plus un an.", field="end")
    if is_offline_copy(engine):
        raise ReadOnlyCopy("Impossible d'exporter depuis une copie hors ligne.")
    if out.exists() and not overwrite:
        raise ServiceError(f"Le fichier {out} existe déjà.", field="out")
    if not out.parent.is_dir():
        raise ServiceError(f"Le dossier {out.parent} n'existe pas.", field="out")
    return out


def _remove(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _create_private(path: Path) -> None:
    """An empty file readable by its owner only, made before SQLite writes a byte."""
    _remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask or the file system did


def _write_copy(out: Path, extract: Extract, meta: dict[str, Any]) -> None:
    temporary = out.with_name(out.name + ".part")
    _create_private(temporary)
    copy = make_engine(f"sqlite:///{temporary}")
    try:
        upgrade(copy)
        with copy.begin() as conn:
            _fill(conn, extract, meta)
            _read_only_triggers(conn)
        with copy.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        copy.dispose()
        _remove(temporary)
        raise
    copy.dispose()
    for suffix in SIDE_FILES:
        Path(f"{out}{suffix}").unlink(missing_ok=True)
        Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    temporary.replace(out)
    os.chmod(out, 0o600)


def _insert(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table_of(model)), rows)


def _fill(conn: Connection, extract: Extract, meta: dict[str, Any]) -> None:
    _insert(conn, Agent, extract.agents)
    _insert(conn, AgentSite, extract.agent_sites)
    _insert(conn, Activity, extract.activities)
    _insert(conn, Unit, extract.units)
    _insert(conn, Closure, extract.closures)
    _insert(conn, Household, extract.households)
    _insert(conn, Person, extract.children + extract.contacts)
    _insert(conn, Enrolment, extract.enrolments)
    _insert(conn, Booking, extract.bookings)
    _insert(conn, Absence, extract.absences)
    _insert(conn, Attendance, extract.marks)
    _insert(conn, DayClosing, extract.closings)
    _insert(conn, OfflineCopy, [meta])
    # Explicitly: no secret and no password hash of the main database in a copy.
    leaked = conn.exec_driver_sql(
        "SELECT (SELECT count(*) FROM app_secret) + "
        "(SELECT count(*) FROM agent WHERE password_hash != '')"
    ).scalar_one()
    if leaked:
        raise ServiceError("Export interrompu : la copie contiendrait un secret de la base.")


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


def _summary(out: Path, meta: dict[str, Any], extract: Extract, code: str) -> ExportSummary:
    return ExportSummary(
        path=out,
        copy_id=meta["id"],
        site=meta["site"],
        start=meta["start_date"],
        end=meta["end_date"],
        activities=len(extract.activities),
        units=len(extract.units),
        children=len(extract.children),
        contacts=len(extract.contacts),
        households=len(extract.households),
        enrolments=len(extract.enrolments),
        bookings=len(extract.bookings),
        absences=len(extract.absences),
        marks=len(extract.marks),
        closings=len(extract.closings),
        agents=sum(1 for row in extract.agents if row["active"]),
        size_bytes=out.stat().st_size,
        access_code=code,
    )


def _audit_export(engine: Engine, summary: ExportSummary, now: datetime, actor: Actor) -> None:
    with writing(engine, "copie hors ligne") as session:
        audit(
            session,
            at=now,
            actor=actor,
            action="offline.export",
            entity="offline_copy",
            entity_id=None,
            details={
                "copy_id": summary.copy_id,
                "site": summary.site,
                "start": summary.start.isoformat(),
                "end": summary.end.isoformat(),
                "file": summary.path.name,
                "children": summary.children,
                "bookings": summary.bookings,
            },
        )
