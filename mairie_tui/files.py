"""Files only their owner can read: the data folder, databases, exports.

The data folder holds families' personal data (the SQLite base, the pièces
justificatives, the error log), so it is 0700 and what we write is 0600,
whatever the umask of the shell that started us. Files are opened with
O_NOFOLLOW: a symbolic link planted where we write is refused, never followed.
The CLI also sets a umask of 0o077 at start (see cli.main) for what third
parties create (SQLite's -wal/-shm take the mode of the base itself).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _owned(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def make_private_dir(path: Path) -> Path:
    """Create `path` (and its parents) and make it 0700 if it is ours and looser."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten(path, PRIVATE_DIR)
    return path


def tighten(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Remove group and other rights from a file or folder we own (no-op otherwise)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or not _owned(info):
        return
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(info.st_mode) & mode)


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file if nothing is there yet; tighten an existing one."""
    try:
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE
        )
    except FileExistsError:
        tighten(path)
        return
    os.close(fd)


def open_private(path: Path, *, append: bool = False) -> int:
    """A descriptor for writing `path` 0600; OSError(ELOOP) if it is a symbolic link.

    An existing regular file keeps its content when `append`, else is emptied;
    either way it ends 0600. Something else than a regular file (a FIFO, a
    device) is refused with OSError(EINVAL) before anything is written.
    """
    flags = os.O_WRONLY | os.O_CREAT | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | (os.O_APPEND if append else 0), PRIVATE_FILE)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(22, "pas un fichier ordinaire", str(path))
        if stat.S_IMODE(info.st_mode) != PRIVATE_FILE and _owned(info):
            os.fchmod(fd, PRIVATE_FILE)
        if not append:
            os.ftruncate(fd, 0)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` (replacing its content), 0600, refusing a symbolic link."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd = open_private(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
