"""Is this database an offline copy? Its writes other than pointage are refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Table
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from sqlmodel import select as sm_select

from mairie_tui.db import read_session
from mairie_tui.models.attendance import OfflineCopy
from mairie_tui.services.errors import READ_ONLY_COPY_MESSAGE
from mairie_tui.services.uow import is_copy

__all__ = ["READ_ONLY_MESSAGE", "is_offline_copy"]

# The copy's read-only triggers say the same as the services' refusal.
READ_ONLY_MESSAGE = READ_ONLY_COPY_MESSAGE

# Tables a copy may still write: pointage, closings, audit; agents may only be updated
# (sign-in throttling counters), not added or removed.
WRITABLE_IN_COPY = ("attendance", "day_closing", "auditevent")


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _copy_row(session: Session) -> OfflineCopy | None:
    try:
        return session.exec(sm_select(OfflineCopy).limit(1)).first()
    except SQLAlchemyError:
        # A database older than migration 0002 (or 0007) cannot be a current copy.
        session.rollback()
        return None


def is_offline_copy(target: Engine | Session) -> bool:
    """True in an offline copy made by export_offline (a write is refused there by
    services.uow.writing, which asks the same question)."""
    if isinstance(target, Session):
        return is_copy(target)
    with read_session(target) as session:
        return is_copy(session)


def copy_access_hash(session: Session) -> str | None:
    """In an offline copy, the hash of the code its staff sign in with; None elsewhere.

    An empty string is a copy made before the codes (its agents kept their hashes).
    """
    row = _copy_row(session)
    return None if row is None else row.access_code_hash
