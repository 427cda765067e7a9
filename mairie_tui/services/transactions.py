"""Write use cases under concurrency: bounded retries, row locks, French errors.

Twenty desks write to one database. A write use case (one unit of work) can
lose a race in ways that are nobody's fault and vanish when it runs again:
a PostgreSQL serialisation failure or deadlock (SQLSTATE 40001, 40P01), a
lock it waited for too long (55P03, after `lock_timeout`), SQLite's
"database is locked" after its busy timeout. `write_use_case` re-runs the
whole use case a few times with a short jittered backoff, then gives up with
BusyError ("Un autre guichet enregistre en ce moment, réessayez.").

Only whole use cases are wrapped: a retry re-runs the unit of work from the
start, re-reading everything, so nothing half-decided is replayed. Whatever
database error remains becomes a French ServiceError; no driver error
reaches the agent. See docs/architecture.md, « Concurrence ».
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session, col, select

from mairie_tui.services.errors import (
    BusyError,
    DatabaseUnavailable,
    ServiceError,
    StorageRefused,
)

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

ATTEMPTS = 5
BACKOFF_FIRST_S = 0.05
BACKOFF_MAX_S = 0.8
# serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
SQLITE_BUSY_TEXTS = ("database is locked", "database is busy", "database table is locked")
UNIQUE_SQLSTATES = frozenset({"23505", "23P01"})  # unique_violation, exclusion_violation
ENROLMENT_OVERLAP = "ex_enrolment_overlap"

_running: ContextVar[bool] = ContextVar("mairie_write_use_case", default=False)
# Lost races retried in this process since it started (read by the load harness).
_retries = 0


def retries_so_far() -> int:
    """How many times this process re-ran a write use case after a lost race."""
    return _retries


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a PostgreSQL error (psycopg 3, or psycopg2's pgcode); None otherwise."""
    orig = getattr(error, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else None


def is_busy(error: BaseException) -> bool:
    """A lost race that a plain retry can win."""
    if not isinstance(error, DBAPIError):
        return False
    if sqlstate(error) in RETRY_SQLSTATES:
        return True
    text = str(error.orig).lower()
    return isinstance(error, OperationalError) and any(t in text for t in SQLITE_BUSY_TEXTS)


def is_duplicate(error: BaseException) -> bool:
    """A unique or exclusion constraint refused a row another desk has just written."""
    if not isinstance(error, IntegrityError):
        return False
    if sqlstate(error) in UNIQUE_SQLSTATES:
        return True
    text = str(error.orig)
    return "UNIQUE constraint failed" in text or ENROLMENT_OVERLAP in text


def french_error(error: DBAPIError) -> ServiceError:
    """The French ServiceError for a database error that no retry cured."""
    code = sqlstate(error) or ""
    text = str(error.orig)
    if is_busy(error):
        return BusyError()
    if isinstance(error, IntegrityError):
        if ENROLMENT_OVERLAP in text:
            return StorageRefused(
                "Enregistrement refusé : l'enfant a déjà une inscription à cette activité "
                "sur cette période."
            )
        if is_duplicate(error):
            return StorageRefused(
                "Enregistrement refusé : un autre guichet vient d'enregistrer la même donnée. "
                "Rechargez la fiche et vérifiez."
            )
        if code == "23503" or "FOREIGN KEY" in text:
            return StorageRefused(
                "Enregistrement refusé : une donnée liée n'existe plus (supprimée entre-temps ?). "
                "Rechargez la fiche."
            )
        return StorageRefused(
            "Enregistrement refusé : une valeur ne respecte pas les règles de la base. "
            "Rien n'a été enregistré."
        )
    if isinstance(error, DataError):
        return StorageRefused(
            "Valeur refusée par la base de données (trop longue ou hors limites) : "
            "rien n'a été enregistré."
        )
    if code == "57014":  # query_canceled: statement_timeout
        return DatabaseUnavailable(
            "L'opération a dépassé le temps maximal accordé : rien n'a été enregistré, réessayez."
        )
    return DatabaseUnavailable(
        "Base de données indisponible : rien n'a été enregistré, réessayez dans un instant."
    )


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: doubling, capped, jittered (×0.5–1.5)."""
    delay: float = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt)
    return delay * random.uniform(0.5, 1.5)


def run_write(
    work: Callable[[], T], *, retry_on_duplicate: bool = False, attempts: int = ATTEMPTS
) -> T:
    """Run `work` (one whole write use case), retrying lost races; French errors only.

    `retry_on_duplicate`: a unique violation is also retried, for use cases
    whose own checks, re-run, turn the other desk's row into the right
    answer (a French refusal, or a row skipped).
    """
    if _running.get():
        # Inside another write use case: the outermost one retries everything.
        return work()
    token = _running.set(True)
    try:
        for attempt in range(attempts):
            try:
                return work()
            except DBAPIError as error:
                retry = is_busy(error) or (retry_on_duplicate and is_duplicate(error))
                if not retry or attempt == attempts - 1:
                    raise french_error(error) from error
                global _retries
                _retries += 1
                log.info("course perdue (%s), nouvel essai %d", sqlstate(error), attempt + 2)
                time.sleep(backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        _running.reset(token)


def write_use_case(
    *, retry_on_duplicate: bool = False
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator form of run_write for a service function that opens its own unit of work."""

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return run_write(lambda: func(*args, **kwargs), retry_on_duplicate=retry_on_duplicate)

        return wrapper

    return decorate


def lock_rows(session: Session, model: Any, ids: Iterable[int | None], *where: Any) -> list[int]:
    """Lock the rows of `model` with these ids (and matching `where`), in id order.

    PostgreSQL: SELECT … FOR NO KEY UPDATE — desks taking the same lock queue
    behind each other, while plain inserts that only reference the row (foreign
    keys take KEY SHARE) are not blocked. Id order: two desks locking
    overlapping sets cannot deadlock. SQLite ignores the clause: its write
    transactions are already serialised by BEGIN IMMEDIATE. Returns the ids locked.
    """
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return []
    found = session.exec(
        select(col(model.id))
        .where(col(model.id).in_(wanted), *where)
        .order_by(col(model.id))
        .with_for_update(key_share=True)
    ).all()
    return [int(i) for i in found]
