"""Test-only views of the pièces (the application itself does not need them)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from mairie_tui.clock import Clock
from mairie_tui.services.common import Actor
from mairie_tui.services.documents import EXPIRING_DAYS, DocumentView, household_documents


def expiring_documents(
    engine: Engine, household_id: int, *, actor: Actor, clock: Clock, soon_days: int = EXPIRING_DAYS
) -> list[DocumentView]:
    """The pièces expired or expiring within `soon_days`."""
    return [
        view
        for view in household_documents(
            engine, household_id, actor=actor, clock=clock, soon_days=soon_days
        )
        if view.state in ("expire", "expire_bientot")
    ]


def document_file(data_dir: Path, view: DocumentView) -> Path:
    """The stored file of a document, checked to stay inside the data dir."""
    path = (data_dir / view.path).resolve()
    assert data_dir.resolve() in path.parents, "document outside the data dir"
    return path
