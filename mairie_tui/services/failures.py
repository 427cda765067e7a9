"""What a failure that is not a `ServiceError` means: the database driver's errors, classified.

The interface turns every failure into a French sentence (tui/errors.py) but
never imports SQLAlchemy (import contract in pyproject.toml): the driver's
exception classes are known here, below it.
"""

from __future__ import annotations

from enum import Enum


class DatabaseFailure(Enum):
    UNAVAILABLE = "unavailable"  # cannot connect, locked, timed out: try again
    OTHER = "other"  # any other driver error: nothing was saved


def database_failure(error: BaseException) -> DatabaseFailure | None:
    """The kind of database failure `error` is, or None when it is not the database's."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(error, OperationalError):
        return DatabaseFailure.UNAVAILABLE
    if isinstance(error, SQLAlchemyError):
        return DatabaseFailure.OTHER
    return None
