"""The error log: an unexpected error, recorded for the support, without personal data.

Each error gets a reference (ERR-20200915-ab12cd) that the agent reads on the
screen and quotes to the support, who finds it in `<dossier de données>/erreurs.log`.
The file is 0600, opened with O_NOFOLLOW (a symbolic link there is refused,
never followed) and appended to.

What is written: the reference, the time, the exception classes and where they
were raised (files, lines, functions, source lines). What is never written: an
exception's message, the values of SQL statements, local variables. A message
may quote what the agent typed or a family's data (« Key (email)=(…) already
exists », a name that failed to convert, the parameters SQLAlchemy prints), so
none is kept; for a database error the statement is kept, with its placeholders
only, and the driver's error code and constraint name.
"""

from __future__ import annotations

import os
import secrets
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from mairie_tui.clock import SystemClock
from mairie_tui.files import make_private_dir, open_private

LOG_NAME = "erreurs.log"
_directory: Path | None = None


@dataclass(frozen=True)
class Incident:
    reference: str
    log: Path | None  # None: the log could not be written (the reference still stands)

    def where(self) -> str:
        if self.log is None:
            return f"référence {self.reference} (le journal d'erreurs n'a pas pu être écrit)"
        return f"référence {self.reference}, détails dans {self.log}"


def set_directory(path: Path | None) -> None:
    """Where the log goes: the data folder of the settings in use."""
    global _directory
    _directory = path


def log_directory() -> Path | None:
    """The data folder set by the settings, else MAIRIE_DATA_DIR; None if neither."""
    if _directory is not None:
        return _directory
    from_env = os.environ.get("MAIRIE_DATA_DIR")
    return Path(from_env).expanduser() if from_env else None


def new_reference() -> str:
    return f"ERR-{SystemClock().now():%Y%m%d}-{secrets.token_hex(3)}"


def _chain(error: BaseException) -> list[BaseException]:
    """The error and its causes, oldest first (as Python prints them)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        cause = current.__cause__
        current = (
            cause if cause is not None or current.__suppress_context__ else current.__context__
        )
    return list(reversed(chain))


def _database_facts(error: BaseException) -> list[str]:
    """The SQL (placeholders only) and the driver's codes of a SQLAlchemy error."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(error, sa_exc.StatementError):
        return []
    lines = []
    if error.statement:
        lines.append("  SQL : " + " ".join(str(error.statement).split()))
    orig = error.orig
    if orig is not None:
        facts = [f"{type(orig).__module__}.{type(orig).__qualname__}"]
        diag = getattr(orig, "diag", None)
        for label, value in (
            ("sqlstate", getattr(orig, "sqlstate", None)),
            ("sqlite", getattr(orig, "sqlite_errorname", None)),
            ("table", getattr(diag, "table_name", None)),
            ("contrainte", getattr(diag, "constraint_name", None)),
        ):
            if value:
                facts.append(f"{label}={value}")
        lines.append("  Pilote : " + " ".join(facts))
    return lines


def describe(error: BaseException) -> str:
    """The error as the log keeps it: classes and places, no message, no values."""
    parts: list[str] = []
    for link in _chain(error):
        kind = type(link)
        parts.append(f"{kind.__module__}.{kind.__qualname__} (message non conservé)")
        parts.extend(_database_facts(link))
        frames = traceback.extract_tb(link.__traceback__)
        parts.extend(line.rstrip("\n") for line in frames.format())
    return "\n".join(parts)


def record(error: BaseException, *, directory: Path | None = None) -> Incident:
    """Append the error to the log of the data folder; never raises."""
    reference = new_reference()
    folder = directory if directory is not None else log_directory()
    if folder is None:
        return Incident(reference, None)
    path = folder / LOG_NAME
    entry = f"--- {reference} {SystemClock().now().isoformat(timespec='seconds')}\n"
    try:
        entry += describe(error) + "\n"
    except Exception as failure:  # noqa: BLE001 - the log must not fail the error report
        entry += f"(description impossible : {type(failure).__name__})\n"
    try:
        make_private_dir(folder)
        fd = open_private(path, append=True)
        with os.fdopen(fd, "ab") as handle:
            handle.write(entry.encode("utf-8", "replace"))
    except OSError:
        return Incident(reference, None)
    return Incident(reference, path)
