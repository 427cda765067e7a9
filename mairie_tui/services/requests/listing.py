"""The agents' inbox: requests across households, filtered and counted by status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from mairie_tui.clock import PARIS, Clock
from mairie_tui.db import read_session
from mairie_tui.models import (
    Household,
    Person,
    Request,
)
from mairie_tui.services.common import (
    Actor,
    require_counter_agent,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests.demarches import OPEN_STATUSES, status_label, type_label
from mairie_tui.services.requests.lookups import requester_of
from mairie_tui.services.requests.views import InboxRow


def _age_days(created_at: datetime, today: date) -> int:
    return (today - created_at.astimezone(PARIS).date()).days


def _row(request: Request, dossier: str | None, requester: str, today: date) -> InboxRow:
    assert request.id is not None
    return InboxRow(
        id=request.id,
        number=request.number,
        type=request.type,
        type_label=type_label(request.type),
        status=request.status,
        status_label=status_label(request.status, request.type),
        household_id=request.household_id,
        dossier=dossier,
        requester=requester,
        created_at=request.created_at,
        age_days=_age_days(request.created_at, today),
        appointment_at=request.appointment_at,
    )


@requires("demarches.lire")
def inbox(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    statuses: Sequence[str] | None = OPEN_STATUSES,
    types: Sequence[str] | None = None,
    min_age_days: int | None = None,
    household_id: int | None = None,
    limit: int = 200,
) -> list[InboxRow]:
    """Requests across households, oldest first: filtered by status (None: all), type, age in days."""
    require_counter_agent(actor)
    today = clock.today()
    query = (
        select(Request, Household.dossier, Person.first_name, Person.last_name)
        .join(Household, col(Household.id) == Request.household_id, isouter=True)
        .join(
            Person,
            (col(Person.household_id) == Request.household_id)
            & (col(Person.role) == "representative"),
            isouter=True,
        )
    )
    if statuses:
        query = query.where(col(Request.status).in_(list(statuses)))
    if types:
        query = query.where(col(Request.type).in_(list(types)))
    if household_id is not None:
        query = query.where(Request.household_id == household_id)
    if min_age_days is not None:
        # Older than N days in Paris wall time: created before the start of (today - N + 1).
        limit_day = today - timedelta(days=min_age_days - 1)
        cutoff = datetime.combine(limit_day, datetime.min.time(), tzinfo=PARIS)
        query = query.where(col(Request.created_at) < cutoff)
    order = (
        (col(Request.created_at).desc(), col(Request.id).desc())
        if household_id is not None
        else (col(Request.created_at), col(Request.id))
    )
    query = query.order_by(*order).limit(limit)
    with read_session(engine) as session:
        rows = session.exec(query).all()
    seen: set[int] = set()
    result = []
    for request, dossier, first, last in rows:
        if request.id is None or request.id in seen:
            continue
        seen.add(request.id)
        representative = f"{first or ''} {last or ''}".strip() or None
        result.append(_row(request, dossier, requester_of(request, representative), today))
    return result
