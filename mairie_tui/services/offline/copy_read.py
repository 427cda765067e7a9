"""Read an offline copy for the import, and refuse one that is not this database's.

Nothing read from the copy is trusted but what its seal vouches for: its id,
site, period, export time and scope. The seal is recomputed with the main
database's secret; an edited or foreign copy does not match.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from mairie_tui.models import Activity, Agent, Booking, Enrolment
from mairie_tui.models.attendance import Attendance, DayClosing, OfflineCopy
from mairie_tui.services.errors import NotFoundError, ServiceError
from mairie_tui.services.offline.export_rows import Rows, rows
from mairie_tui.services.offline.guard import table_of
from mairie_tui.services.offline.seal import COPY_ID, Scope, existing_secret, seal

REFUSED = "Import refusé, rien n'a été écrit."
NOT_OURS = "Cette copie a été modifiée ou ne vient pas de cette base (sceau invalide). " + REFUSED


@dataclass
class CopyData:
    """What the import reads from a copy."""

    meta: OfflineCopy
    scope: Scope
    marks: Rows
    closings: Rows
    bookings: dict[tuple[int, date, int], str]
    agents: dict[int, str]
    # (id, code) of its activities (checked against the main database's).
    activities: list[tuple[int, str]]


def read_copy(path: Path) -> CopyData:
    if not path.is_file():
        raise NotFoundError(f"Fichier introuvable : {path}.")
    copy = create_engine(f"sqlite:///{path}")
    try:
        tables = set(inspect(copy).get_table_names())
        if not {"offline_copy", "attendance", "day_closing", "booking", "agent"} <= tables:
            raise ServiceError(f"{path.name} n'est pas une copie hors ligne de mairie-tui.")
        with Session(copy) as session:
            return _read(session, path)
    except SQLAlchemyError as exc:
        raise ServiceError(f"Copie illisible ({path.name}) : {exc.__class__.__name__}.") from None
    finally:
        copy.dispose()


def _read(session: Session, path: Path) -> CopyData:
    metas = session.exec(sm_select(OfflineCopy)).all()
    if not metas:
        raise ServiceError(f"{path.name} n'est pas une copie hors ligne de mairie-tui.")
    if len(metas) > 1:
        raise ServiceError(NOT_OURS)
    meta = metas[0]
    session.expunge(meta)
    if not meta.seal:
        raise ServiceError(
            "Cette copie a été faite par une version antérieure, sans sceau : " + REFUSED
        )
    try:
        scope = Scope.from_json(meta.scope)
    except (ValueError, KeyError, TypeError):
        raise ServiceError(NOT_OURS) from None
    own = col(Attendance.origin) == meta.id
    return CopyData(
        meta=meta,
        scope=scope,
        marks=rows(session, select(table_of(Attendance)).where(own)),
        closings=rows(
            session, select(table_of(DayClosing)).where(col(DayClosing.origin) == meta.id)
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
        agents={row[0]: row[1] for row in session.execute(select(col(Agent.id), col(Agent.login)))},
        activities=[
            (row[0], row[1])
            for row in session.execute(select(col(Activity.id), col(Activity.code)))
        ],
    )


def check_seal(session: Session, data: CopyData) -> None:
    """The copy's identity and scope are what this database exported (its secret agrees)."""
    meta = data.meta
    secret = existing_secret(session)
    if secret is None or not COPY_ID.fullmatch(meta.id):
        raise ServiceError(NOT_OURS)
    expected = seal(
        secret,
        copy_id=meta.id,
        site=meta.site,
        start=meta.start_date,
        end=meta.end_date,
        created_at=meta.created_at,
        access_code_hash=meta.access_code_hash,
        scope=data.scope,
    )
    if not hmac.compare_digest(expected, meta.seal):
        raise ServiceError(NOT_OURS)


def check_source(session: Session, data: CopyData) -> None:
    """The copy's activities and enrolments are the main database's (same ids); its units
    are checked mark by mark against the site."""

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

    if differ(Activity, Activity.code, data.activities) or differ(
        Enrolment, Enrolment.person_id, list(data.scope.enrolments)
    ):
        raise ServiceError(
            f"Cette copie ne vient pas de cette base : les activités ou inscriptions du site "
            f"« {data.meta.site} » diffèrent. {REFUSED}"
        )
