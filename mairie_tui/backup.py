"""Backups of the whole database in one file, and their restore.

A backup is a gzipped tar holding, in this order, ``manifest.json`` (the
application, the format, the dialect, the Alembic revision, the date, the
counts of households, bookings and requests, the payload's SHA-256) and the
payload: a copy of the SQLite file made with SQLite's online backup API, or a
``pg_dump --format=custom`` archive. Both are taken from one snapshot while
the desks keep working, and the counts are read from that same snapshot.

Restoring checks the file before anything changes (our manifest, a known
schema revision no newer than the code's, the target's dialect, the payload's
checksum, SQLite's integrity and foreign keys or ``pg_restore --list``), then
replaces the database: on SQLite the checked copy, brought to the current
schema, replaces the file atomically (the desks must be closed: a connected
desk makes the restore refuse); on PostgreSQL ``pg_restore --clean`` runs in a
single transaction. An older schema is upgraded after the restore.

The file format itself is in backup_archive.py. This is one of the few
modules with database-specific code (see DESIGN.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine

from mairie_tui.backup_archive import (
    APPLICATION,
    COUNTED_TABLES,
    DAMAGED,
    DIALECT_LABELS,
    FORMAT_VERSION,
    PAYLOAD_NAMES,
    REQUIRED_TABLES,
    BackupError,
    Counts,
    Manifest,
    extract_payload,
    fsync_dir,
    read_manifest,
    sha256_of,
    write_archive,
)
from mairie_tui.clock import Clock
from mairie_tui.db import alembic_config, head_revision, make_engine, upgrade

__all__ = [
    "BackupError",
    "BackupReport",
    "Counts",
    "Manifest",
    "PreparedRestore",
    "RestoreReport",
    "backup",
    "check_compatible",
    "count_rows",
    "describe_target",
    "prepare_restore",
    "read_manifest",
]


@dataclass(frozen=True)
class BackupReport:
    path: str
    manifest: Manifest


@dataclass(frozen=True)
class RestoreReport:
    path: str
    dialect: str
    backup_revision: str
    revision: str | None
    upgraded: bool
    counts: Counts


# ---------------------------------------------------------------- common


def count_rows(conn: Connection) -> Counts:
    """Households, bookings and requests in the database `conn` reads."""
    numbers = {
        key: int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
        for key, table in COUNTED_TABLES.items()
    }
    return Counts(**numbers)


def describe_target(engine: Engine) -> str:
    """The database in words, for the confirmation question (never a password)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"SQLite « {url.database} »"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"PostgreSQL « {url.database} » sur {where}"


def _known_revisions(engine: Engine) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(engine))


# ---------------------------------------------------------------- backup


def backup(engine: Engine, out: Path, *, clock: Clock) -> BackupReport:
    """Back up the database of `engine` into the file `out` (replaced if it exists)."""
    out = out.expanduser().absolute()
    if not out.parent.is_dir():
        raise BackupError(f"dossier introuvable : {out.parent}")
    if out.is_dir():
        raise BackupError(f"« {out} » est un dossier : donnez un nom de fichier.")
    dialect = engine.dialect.name
    with tempfile.TemporaryDirectory(prefix=".mairie-sauvegarde-", dir=out.parent) as work:
        payload = Path(work) / PAYLOAD_NAMES[dialect]
        if dialect == "sqlite":
            revision, counts = _sqlite_backup(engine, payload)
        else:
            revision, counts = _pg_dump(engine, payload)
        sha256, size = sha256_of(payload)
        manifest = Manifest(
            application=APPLICATION,
            format=FORMAT_VERSION,
            dialect=dialect,
            schema_revision=revision,
            created_at=clock.now().isoformat(timespec="seconds"),
            counts=counts,
            payload=payload.name,
            sha256=sha256,
            size=size,
        )
        write_archive(out, manifest, payload, clock.now().timestamp())
    return BackupReport(path=str(out), manifest=manifest)


def _sqlite_backup(engine: Engine, payload: Path) -> tuple[str, Counts]:
    if engine.url.database in (None, "", ":memory:"):
        raise BackupError("une base SQLite en mémoire ne se sauvegarde pas.")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        copy = sqlite3.connect(payload)
        try:
            # One step (pages=-1): a single read transaction, hence one consistent
            # snapshot; in WAL mode the desks keep writing meanwhile.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copie de la base impossible : {exc}") from None
    finally:
        raw.close()
    os.chmod(payload, 0o600)
    return _check_sqlite_copy(payload, "la base")


def _check_sqlite_copy(path: Path, what: str) -> tuple[str, Counts]:
    """Integrity, foreign keys, our tables, the revision and the counts of a SQLite file."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{what} est illisible : {exc}") from None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            raise BackupError(
                f"{what} n'est pas une base de mairie-tui (table {missing[0]} absente)."
            )
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{what} est abîmée (integrity_check : {problems[0]}).")
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            table, rowid = orphans[0][0], orphans[0][1]
            raise BackupError(
                f"{what} a {len(orphans)} lien(s) cassé(s) (foreign_key_check : {table} n° {rowid})."
            )
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        numbers = {
            key: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for key, table in COUNTED_TABLES.items()
        }
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} est illisible : {exc}") from None
    finally:
        conn.close()
    if revision is None:
        raise BackupError(f"{what} n'a pas de révision de schéma (alembic_version vide).")
    return str(revision[0]), Counts(**numbers)


# ---------------------------------------------------------------- PostgreSQL tools


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} introuvable : installez les outils clients PostgreSQL "
            "(paquet postgresql-client), de la même version que le serveur ou plus récente."
        )
    return path


def _pg_connection(engine: Engine) -> tuple[str, dict[str, str]]:
    """The libpq URL without its password, and an environment carrying the password."""
    url = engine.url
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} impossible : {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        first = lines[0] if lines else f"code {done.returncode}"
        raise BackupError(f"{what} a échoué : {first}")
    return done.stdout


def _pg_dump(engine: Engine, payload: Path) -> tuple[str, Counts]:
    pg_dump = _pg_tool("pg_dump")
    dsn, env = _pg_connection(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        # pg_dump reads the snapshot this transaction exports: the manifest's
        # counts and revision are those of the dump, even while desks write.
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        counts = count_rows(conn)
        args = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={payload}"]
        _run_pg([*args, f"--dbname={dsn}"], env, "pg_dump")
    os.chmod(payload, 0o600)
    if revision is None:
        raise BackupError("la base n'a pas de révision de schéma (alembic_version vide).")
    _pg_tables_of(payload)
    return str(revision), counts


def _pg_tables_of(dump: Path) -> set[str]:
    """The tables of a custom-format dump (pg_restore --list), or BackupError."""
    listing = _run_pg(
        [_pg_tool("pg_restore"), "--list", str(dump)], dict(os.environ), "pg_restore --list"
    )
    tables = set()
    for line in listing.splitlines():
        parts = line.split()
        # "215; 1259 16390 TABLE public household postgres"
        if len(parts) >= 6 and not line.startswith(";") and parts[3:4] == ["TABLE"]:
            tables.add(parts[5])
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise BackupError(f"le dump n'est pas une base de mairie-tui (table {missing[0]} absente).")
    return tables


# ---------------------------------------------------------------- restore


def check_compatible(engine: Engine, manifest: Manifest) -> None:
    """Refuse a backup of the other database kind, or of a newer schema than the code's."""
    target = engine.dialect.name
    if manifest.dialect != target:
        raise BackupError(
            f"cette sauvegarde vient d'une base {DIALECT_LABELS[manifest.dialect]} et la base "
            f"visée est {DIALECT_LABELS.get(target, target)} : restaurez-la dans une base "
            f"{DIALECT_LABELS[manifest.dialect]} (pour changer de base, passez par "
            "« export households » / « import households »)."
        )
    try:
        known = _known_revisions(engine).get_revision(manifest.schema_revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"cette sauvegarde a un schéma plus récent (révision {manifest.schema_revision}) "
            f"que cette version de mairie-tui (révision {head_revision()}) : "
            "mettez à jour mairie-tui avant de la restaurer."
        )


class PreparedRestore:
    """A backup checked and unpacked, ready to replace the database (see prepare_restore)."""

    def __init__(self, engine: Engine, path: Path, manifest: Manifest, payload: Path) -> None:
        self.engine, self.path, self.manifest, self.payload = engine, path, manifest, payload
        self._pg_tables: set[str] = set()

    def check(self) -> None:
        if self.manifest.dialect == "sqlite":
            revision, _counts = _check_sqlite_copy(self.payload, "la base sauvegardée")
            if revision != self.manifest.schema_revision:
                raise BackupError(DAMAGED.format(name=self.path))
            if revision != head_revision():
                # Migrate the copy before it replaces anything: a failed
                # migration leaves the database as it was.
                copy = make_engine(f"sqlite:///{self.payload}")
                try:
                    upgrade(copy)
                finally:
                    copy.dispose()
                _single_file(self.payload)
        else:
            self._pg_tables = _pg_tables_of(self.payload)

    def apply(self) -> RestoreReport:
        """Replace the database with the backup; the engine's connections are closed first."""
        self.engine.dispose()
        if self.manifest.dialect == "sqlite":
            _replace_sqlite(self.engine, self.payload)
        else:
            _pg_restore(self.engine, self.payload, self._pg_tables)
            if self.manifest.schema_revision != head_revision():
                upgrade(self.engine)
        with self.engine.connect() as conn:
            counts = count_rows(conn)
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return RestoreReport(
            path=str(self.path),
            dialect=self.manifest.dialect,
            backup_revision=self.manifest.schema_revision,
            revision=None if revision is None else str(revision),
            upgraded=self.manifest.schema_revision != revision,
            counts=counts,
        )


@contextmanager
def prepare_restore(engine: Engine, path: Path) -> Iterator[PreparedRestore]:
    """Check a backup against the database of `engine` without changing anything yet."""
    path = path.expanduser().absolute()
    manifest = read_manifest(path)
    check_compatible(engine, manifest)
    if manifest.dialect == "sqlite":
        if engine.url.database in (None, "", ":memory:"):
            raise BackupError("une base SQLite en mémoire ne se restaure pas.")
        # Unpacked beside the database: the final rename stays on one file system.
        workdir = Path(str(engine.url.database)).expanduser().absolute().parent
    else:
        _pg_tool("pg_restore")
        workdir = Path(tempfile.gettempdir())
    with tempfile.TemporaryDirectory(prefix=".mairie-restauration-", dir=workdir) as work:
        payload = Path(work) / manifest.payload
        extract_payload(path, manifest, payload)
        prepared = PreparedRestore(engine, path, manifest, payload)
        prepared.check()
        yield prepared


def _single_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _replace_sqlite(engine: Engine, payload: Path) -> None:
    target = Path(str(engine.url.database)).expanduser().absolute()
    if target.exists():
        _take_over(target)
    for suffix in ("-wal", "-shm", "-journal"):
        # A journal left beside the old file must never be replayed into the new one.
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with payload.open("rb") as handle:
        os.fsync(handle.fileno())
    try:
        os.replace(payload, target)
    except OSError as exc:
        raise BackupError(f"remplacement de {target} impossible : {exc.strerror or exc}") from None
    fsync_dir(target.parent)


def _take_over(target: Path) -> None:
    """Leave WAL mode on the old file: SQLite refuses while another desk is connected."""
    try:
        conn = sqlite3.connect(target, timeout=1.0)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                "la base est encore ouverte sur un poste : fermez mairie-tui partout, "
                "puis relancez la restauration (rien n'a été changé)."
            ) from None
    except sqlite3.DatabaseError:
        pass  # a damaged database is exactly what a restore replaces
    finally:
        conn.close()


def _application_tables() -> set[str]:
    from sqlmodel import SQLModel

    import mairie_tui.models  # noqa: F401  (registers the tables)

    return {*SQLModel.metadata.tables, "household_search", "alembic_version"}


def _pg_restore(engine: Engine, dump: Path, dump_tables: set[str]) -> None:
    dsn, env = _pg_connection(engine)
    with engine.begin() as conn:
        present = {
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        # Tables of a newer schema than the backup's (an older backup restored
        # after an upgrade) are not in the dump, so --clean would keep them.
        # Only ours: a table of another application in the same schema stays.
        for table in sorted((present & _application_tables()) - dump_tables):
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    args = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={dsn}",
        str(dump),
    ]
    _run_pg(args, env, "pg_restore")
