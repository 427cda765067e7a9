"""The backup file: a gzipped tar of ``manifest.json`` then the payload.

The manifest names the application, the format, the dialect, the Alembic
revision, the date, the counts of households, bookings and requests, and the
payload's size and SHA-256, so that a restore recognises our files, and a
truncated or altered one, before it changes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

APPLICATION = "mairie-tui"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAMES = {"sqlite": "base.sqlite3", "postgresql": "base.pgdump"}
DIALECT_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Tables a copy must hold to be a database of this application.
REQUIRED_TABLES = ("alembic_version", "household", "person", "booking", "request", "agent")
COUNTED_TABLES = {"households": "household", "bookings": "booking", "requests": "request"}
MAX_MANIFEST_BYTES = 64 * 1024
CHUNK = 1 << 20

NOT_A_BACKUP = "« {name} » n'est pas une sauvegarde de mairie-tui."
DAMAGED = "la sauvegarde « {name} » est incomplète ou abîmée : elle ne peut pas être restaurée."


class BackupError(Exception):
    """A backup or a restore cannot be done; the message is one French line."""


@dataclass(frozen=True)
class Counts:
    households: int
    bookings: int
    requests: int

    def text(self) -> str:
        return (
            f"{self.households} foyer(s), {self.bookings} réservation(s), "
            f"{self.requests} demande(s)"
        )


@dataclass(frozen=True)
class Manifest:
    application: str
    format: int
    dialect: str
    schema_revision: str
    created_at: str
    counts: Counts
    payload: str
    sha256: str
    size: int

    def to_json(self) -> bytes:
        data = dict(self.__dict__, counts=dict(self.counts.__dict__))
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_archive(out: Path, manifest: Manifest, payload: Path, mtime: float) -> None:
    """Write the tar beside `out` (mode 0600), fsync it, then rename it into place."""
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw:
            # Level 1: a 30 MB base in 0.8 s instead of 2.5 s (level 6), 15 % larger.
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1) as tar:
                data = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mode, info.mtime = len(data), 0o600, mtime
                tar.addfile(info, _BytesReader(data))
                tar.add(payload, arcname=manifest.payload, recursive=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise BackupError(f"écriture impossible : {out} ({exc.strerror or exc})") from None
    fsync_dir(out.parent)


class _BytesReader:
    """A minimal file object over bytes, for tarfile.addfile."""

    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk, self._at = self._data[self._at : end], min(end, len(self._data))
        return chunk


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file, checked; BackupError if the file is not one of ours."""
    name = str(path)
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            member = tar.next()
            if (
                member is None
                or member.name != MANIFEST_NAME
                or not member.isfile()
                or member.size > MAX_MANIFEST_BYTES
            ):
                raise BackupError(NOT_A_BACKUP.format(name=name))
            handle = tar.extractfile(member)
            assert handle is not None
            data = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"fichier introuvable : {name}") from None
    except IsADirectoryError:
        raise BackupError(f"« {name} » est un dossier, pas une sauvegarde.") from None
    except PermissionError:
        raise BackupError(f"lecture impossible : {name} (droits insuffisants)") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError):
        raise BackupError(NOT_A_BACKUP.format(name=name)) from None
    return _manifest_from(data, name)


def _manifest_from(data: Any, name: str) -> Manifest:
    if not isinstance(data, dict) or data.get("application") != APPLICATION:
        raise BackupError(NOT_A_BACKUP.format(name=name))
    if data.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"« {name} » est une sauvegarde d'un format inconnu ({data.get('format')}) : "
            "mettez à jour mairie-tui."
        )
    try:
        counts = Counts(**{key: int(data["counts"][key]) for key in COUNTED_TABLES})
        manifest = Manifest(**{**data, "counts": counts})
    except (KeyError, TypeError, ValueError):
        raise BackupError(NOT_A_BACKUP.format(name=name)) from None
    if manifest.dialect not in PAYLOAD_NAMES or manifest.payload != PAYLOAD_NAMES[manifest.dialect]:
        raise BackupError(NOT_A_BACKUP.format(name=name))
    return manifest


def extract_payload(path: Path, manifest: Manifest, dest: Path) -> None:
    """Copy the payload to `dest` (0600), checking its size and SHA-256 against the manifest."""
    damaged = DAMAGED.format(name=path)
    digest, size = hashlib.sha256(), 0
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            member = next((m for m in tar if m.name == manifest.payload and m.isfile()), None)
            source: IO[bytes] | None = tar.extractfile(member) if member is not None else None
            if source is None:
                raise BackupError(damaged)
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
    except (tarfile.TarError, EOFError, zlib.error, ValueError):
        raise BackupError(damaged) from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError | PermissionError) and not dest.exists():
            raise BackupError(f"lecture impossible : {path} ({exc.strerror or exc})") from None
        raise BackupError(damaged) from None
    if size != manifest.size or digest.hexdigest() != manifest.sha256:
        raise BackupError(damaged)
