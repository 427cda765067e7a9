"""The retry policy of write use cases, the French translation of database errors,
and the PostgreSQL session limits (a frozen desk never holds locks for long)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from mairie_tui.db import unit_of_work
from mairie_tui.models import Unit
from mairie_tui.services import transactions
from mairie_tui.services.errors import BusyError, DatabaseUnavailable, StorageRefused
from mairie_tui.services.transactions import lock_rows, run_write, write_use_case
from tests.services.test_requests import fast_seed


class PgError(Exception):
    """Stands for a psycopg error: only its SQLSTATE matters here."""

    def __init__(self, sqlstate: str, text: str = "erreur") -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def failing(errors: list[Exception]):
    """A use case that raises the given errors one call after the other, then answers 42."""
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return 42

    return work, calls


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(transactions.time, "sleep", lambda _seconds: None)


@pytest.mark.parametrize("code", ["40001", "40P01", "55P03"])
def test_a_lost_race_on_postgresql_is_retried(code):
    work, calls = failing([OperationalError("UPDATE", {}, PgError(code))] * 2)
    assert run_write(work) == 42
    assert len(calls) == 3


def test_sqlite_busy_is_retried_then_gives_a_french_busy_error():
    locked = OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
    work, calls = failing([locked] * 10)
    with pytest.raises(BusyError, match="Un autre guichet enregistre en ce moment, réessayez."):
        run_write(work)
    assert len(calls) == transactions.ATTEMPTS


def test_other_database_errors_are_not_retried_and_become_french():
    cases = [
        (IntegrityError("INSERT", {}, PgError("23503")), StorageRefused, "n'existe plus"),
        (IntegrityError("INSERT", {}, PgError("23505")), StorageRefused, "même donnée"),
        (DataError("INSERT", {}, PgError("22001")), StorageRefused, "trop longue"),
        (OperationalError("SELECT", {}, PgError("57014")), DatabaseUnavailable, "temps maximal"),
        (OperationalError("SELECT", {}, PgError("08006")), DatabaseUnavailable, "indisponible"),
    ]
    for error, kind, words in cases:
        work, calls = failing([error])
        with pytest.raises(kind, match=words):
            run_write(work)
        assert len(calls) == 1


def test_a_duplicate_is_retried_once_when_the_use_case_asks():
    duplicate = IntegrityError("INSERT", {}, PgError("23505"))
    work, calls = failing([duplicate])
    assert run_write(work, retry_on_duplicate=True) == 42
    assert len(calls) == 2


def test_a_nested_use_case_leaves_the_retries_to_the_outer_one():
    inner_calls: list[int] = []

    @write_use_case()
    def inner() -> None:
        inner_calls.append(1)
        raise OperationalError("UPDATE", {}, PgError("40P01"))

    @write_use_case()
    def outer() -> None:
        inner()

    with pytest.raises(BusyError):
        outer()
    assert len(inner_calls) == transactions.ATTEMPTS


def test_backoff_is_short_bounded_and_jittered():
    delays = [transactions.backoff(attempt) for attempt in range(10) for _ in range(20)]
    assert max(delays) <= transactions.BACKOFF_MAX_S * 1.5
    assert min(delays) >= transactions.BACKOFF_FIRST_S * 0.5
    assert len(set(delays)) > 1


@pytest.mark.pg
def test_postgresql_sessions_have_lock_statement_and_idle_limits(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("limites de session PostgreSQL")
    with engine.connect() as conn:
        shown = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
        }
    assert shown == {
        "lock_timeout": "5s",
        "statement_timeout": "30s",
        "idle_in_transaction_session_timeout": "1min",
    }


@pytest.mark.pg
def test_a_locked_unit_makes_the_other_desk_wait_not_fail(engine):
    """lock_rows really blocks on PostgreSQL: the second desk gets the row only after commit."""
    ids = fast_seed(engine)
    order: list[str] = []
    locked = threading.Event()

    def first() -> None:
        with unit_of_work(engine) as session:
            lock_rows(session, Unit, [ids.unit_id])
            locked.set()
            second_thread.join(timeout=0.5)  # the second desk is stuck meanwhile
            order.append("first commits")

    def second() -> None:
        locked.wait(timeout=10)
        with unit_of_work(engine) as session:
            lock_rows(session, Unit, [ids.unit_id])
            order.append("second locks")

    second_thread = threading.Thread(target=second)
    first_thread = threading.Thread(target=first)
    second_thread.start()
    first_thread.start()
    first_thread.join(timeout=30)
    second_thread.join(timeout=30)
    # SQLite: BEGIN IMMEDIATE makes the second desk wait at BEGIN; same order.
    assert order == ["first commits", "second locks"]
