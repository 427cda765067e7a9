"""The one way a use case writes: a guarded unit of work, and rows fetched or refused.

`writing(engine, what)` is `db.unit_of_work` plus the offline-copy check: an
offline copy of a site (a SQLite file for the school staff) accepts only the
pointage, so every other write is refused there with a French message before
anything is read. The check is one query on the session the use case then
writes with — no per-engine cache, since a database becomes a copy by having
its OfflineCopy row, which a cache could miss.

The check reads the OfflineCopy table itself rather than going through
services.offline, which imports services.lists (pointage writes through here).

`get_or_404(session, Model, id)` returns the row or raises NotFoundError,
`Foyer introuvable (n° 12).` by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from mairie_tui.db import unit_of_work
from mairie_tui.models import (
    Activity,
    Agenda,
    Agent,
    Appointment,
    Booking,
    Document,
    Enrolment,
    Household,
    OfflineCopy,
    OutboxEmail,
    Person,
    Request,
    Unit,
)
from mairie_tui.services.errors import NotFoundError, ReadOnlyCopy

M = TypeVar("M")

# The French noun of each table, as NotFoundError says it by default.
NOUNS: dict[type[Any], str] = {
    Activity: "Activité",
    Agenda: "Agenda",
    Agent: "Agent",
    Appointment: "Rendez-vous",
    Booking: "Réservation",
    Document: "Pièce",
    Enrolment: "Inscription",
    Household: "Foyer",
    OutboxEmail: "Courriel",
    Person: "Personne",
    Request: "Demande",
    Unit: "Unité",
}


def is_copy(session: Session) -> bool:
    """True in an offline copy (its OfflineCopy row exists); one query."""
    try:
        return session.exec(select(col(OfflineCopy.id)).limit(1)).first() is not None
    except SQLAlchemyError:
        # A database older than the offline_copy table cannot be a copy.
        session.rollback()
        return False


def refuse_on_copy(session: Session, what: str) -> None:
    """Raise ReadOnlyCopy in an offline copy; `what` names the refused write in French."""
    if is_copy(session):
        raise ReadOnlyCopy.refusing(what)


@contextmanager
def writing(engine: Engine, what: str, *, allowed_on_copy: bool = False) -> Iterator[Session]:
    """One write transaction (committed if the block ends normally, rolled back otherwise),
    refused in an offline copy unless `allowed_on_copy` (the pointage and its closings).

    `what` is the French name of the write, for the refusal:
    `Copie hors ligne : seul le pointage est possible (<what> refusé).`
    """
    with unit_of_work(engine) as session:
        if not allowed_on_copy:
            refuse_on_copy(session, what)
        yield session


def get_or_404(
    session: Session,
    model: type[M],
    ident: int,
    message: str | None = None,
    *,
    where: Callable[[M], bool] | None = None,
    field: str | None = None,
    for_update: bool = False,
) -> M:
    """The row of `model` with this primary key, or NotFoundError.

    `where`: the row must also pass it (it belongs to this household, this
    activity…), else it is not found either. `message`: the French refusal,
    by default `<Noun> introuvable (n° <id>).` `for_update`: lock the row (SELECT … FOR
    UPDATE on PostgreSQL) for the rest of the transaction.
    """
    row = session.get(model, ident, with_for_update=for_update or None)
    if row is None or (where is not None and not where(row)):
        if message is None:
            message = NotFoundError.numbered(NOUNS.get(model, "Élément"), ident).message
        raise NotFoundError(message, field=field)
    return row
