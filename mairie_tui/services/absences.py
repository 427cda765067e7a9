"""« Signaler une absence »: a child's absence cancels the bookings of those days.

The absence is one validated Request (type `absence`, status `traitee`) whose
recap lists each cancelled booking. Filing it (`services.requests.file_request`)
runs its effects, `absence_effects.apply_absence`: which days are cancelled,
which stay. `declare_absence` is the same démarche with typed values (the load
harness drives it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from mairie_tui.clock import Clock
from mairie_tui.services.common import Actor
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests import FiledRequest, file_request, prefill


@requires("foyers.modifier")
def declare_absence(
    engine: Engine,
    *,
    household_id: int,
    child_id: int,
    start: date,
    end: date,
    reason: str,
    actor: Actor,
    clock: Clock,
    justified: bool = False,
    certificate_id: int | None = None,
    email: str | None = None,
) -> FiledRequest:
    """Signaler une absence: the `absence` démarche with typed values (see `file_request`)."""
    answers: dict[str, str | None] = {
        **prefill(engine, "absence", household_id, actor=actor),
        "enfant": str(child_id),
        "du": start.isoformat(),
        "au": end.isoformat(),
        "motif": reason,
        "justifiee": "oui" if justified else "non",
    }
    if email:
        answers["email"] = email
    return file_request(
        engine,
        code="absence",
        answers=answers,
        actor=actor,
        clock=clock,
        household_id=household_id,
        document_ids=[certificate_id] if certificate_id is not None else [],
    )
