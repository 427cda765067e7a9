"""The database handle the interface holds and hands to services, opaque to it.

The interface never imports SQLAlchemy (import contract in pyproject.toml): it
opens, passes and closes the database through these names only.
"""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy import Engine

DatabaseHandle: TypeAlias = Engine


def open_database(url: str) -> DatabaseHandle:
    """The handle for `url` (nothing is connected before the first use)."""
    from mairie_tui.db import make_engine

    return make_engine(url)


def close_database(handle: DatabaseHandle) -> None:
    """Close the handle's connections (the application is quitting)."""
    handle.dispose()
