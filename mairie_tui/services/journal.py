"""One audit row for an action the command line does outside an audited use case.

Backups, restores, printed lists and mail sending write or export data without a use case
of their own that audits; the command line records them here, with the signed-in agent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from mairie_tui.clock import Clock
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.uow import writing


def record(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    action: str,
    entity: str,
    entity_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit row, in its own transaction (an offline copy may write its journal)."""
    with writing(engine, "journal", allowed_on_copy=True) as session:
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details,
        )
