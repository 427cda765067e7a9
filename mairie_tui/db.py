"""Engine and sessions from Settings; SQLite pragmas; Alembic migrations.

Nothing here runs at import time: the app factory and the CLI build the
engine, tests build their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from mairie_tui.files import create_private_file, tighten

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
# PostgreSQL session limits (see docs/architecture.md, « Concurrence »): a desk
# waits at most 5 s for a row lock (then the write is retried, see
# services/transactions.py), a statement runs at most 30 s, and a transaction
# left open and idle (a crashed desk) is ended after 60 s, releasing its locks.
PG_LOCK_TIMEOUT_MS = 5000
PG_STATEMENT_TIMEOUT_MS = 30000
PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60000


class DatabaseError(Exception):
    """The database cannot be reached or used; the message is French."""


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would not).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Write units of work take the write lock at BEGIN, so two desks
        # validating at once queue on the busy timeout instead of failing
        # with "database is locked" when a read transaction upgrades.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _prepare_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would follow the umask).

    SQLite gives its -wal and -shm files the mode of the base, so they are 0600
    too. An existing base of ours that is readable by others is tightened.
    """
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    try:
        create_private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):
            tighten(path.with_name(path.name + suffix))
    except OSError:
        pass  # SQLite says it better when it opens the file (missing folder, rights).


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for a database URL (already normalised by config)."""
    # hide_parameters: an error's text never carries the values of a statement
    # (names, addresses…), wherever it ends up (error log, screen, echo).
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            _prepare_sqlite_file(url)
        engine = create_engine(url, **kwargs)
        _install_sqlite_pragmas(engine)
        return engine
    kwargs["pool_pre_ping"] = True
    kwargs["connect_args"] = {"options": pg_session_options()}
    return create_engine(url, **kwargs)


def pg_session_options(
    *,
    lock_timeout_ms: int = PG_LOCK_TIMEOUT_MS,
    statement_timeout_ms: int = PG_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_ms: int = PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
) -> str:
    """The libpq `options` setting the session limits of every connection."""
    return (
        f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms} "
        f"-c idle_in_transaction_session_timeout={idle_in_transaction_ms}"
    )


def write_engine(engine: Engine) -> Engine:
    """The same engine, whose transactions start as writers (SQLite: BEGIN IMMEDIATE)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; objects stay usable after it closes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise."""
    with Session(write_engine(engine), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseError(f"base de données inaccessible : {exc.orig}") from None


def reset_database(engine: Engine) -> None:
    """Drop every table of the application (the demo's --force); then upgrade() again."""
    from sqlmodel import SQLModel

    import mairie_tui.models  # noqa: F401  (registers the tables)

    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE IF EXISTS household_fts")
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            conn.exec_driver_sql("DROP TABLE IF EXISTS household_search")
        SQLModel.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
