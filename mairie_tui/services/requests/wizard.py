"""Wizard support (Mon rendez-vous · Mes informations · Ma demande · Le récapitulatif):
the field context, prefilled values, the recap and the whole-form check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain.catalogue import (
    Demarche,
    FieldContext,
    display_value,
    for_day,
    is_shown,
    validate_answers,
)
from mairie_tui.services.common import (
    Actor,
    require_counter_agent,
)
from mairie_tui.services.errors import InvalidAnswers
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests.demarches import demarche_of
from mairie_tui.services.requests.lookups import children_of, household_of, representative_of
from mairie_tui.services.requests.views import RecapItem


@requires("demarches.lire")
def form_context(
    engine: Engine, household_id: int | None, *, actor: Actor, clock: Clock
) -> FieldContext:
    """What `validate_field` needs while the agent types (today, the household's children)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        household_of(session, household_id)
        return FieldContext(today=clock.today(), children=children_of(session, household_id))


@requires("demarches.lire")
def prefill(engine: Engine, code: str, household_id: int | None, *, actor: Actor) -> dict[str, str]:
    """Raw text to put in the wizard's inputs: the catalogue's defaults, then the household's data."""
    require_counter_agent(actor)
    demarche = demarche_of(code)
    with read_session(engine) as session:
        household = household_of(session, household_id)
        representative = representative_of(session, household_id)
    sources: dict[str, str | None] = {}
    if representative is not None:
        sources.update(
            {
                "representative.civility": representative.civility,
                "representative.first_name": representative.first_name,
                "representative.last_name": representative.last_name,
                "representative.email": representative.email,
                "representative.phone": representative.phone,
            }
        )
    if household is not None:
        sources.update(
            {
                "household.address": household.address,
                "household.postcode": household.postcode,
                "household.commune": household.commune_name,
            }
        )
        # The household's address when the representative has none of their own.
        sources["representative.email"] = sources.get("representative.email") or household.email
        sources["representative.phone"] = sources.get("representative.phone") or household.phone
    values: dict[str, str] = {}
    for spec in demarche.fields:
        text = sources.get(spec.prefill or "") if spec.prefill else None
        if text:
            values[spec.code] = text
        elif spec.default is not None:
            values[spec.code] = spec.default
    return values


def recap_of(
    demarche: Demarche, values: Mapping[str, Any], context: FieldContext | None = None
) -> tuple[RecapItem, ...]:
    """« Le récapitulatif »: each shown and filled field, in form order, as French text."""
    if context is not None:
        demarche = for_day(demarche, context.today)
    items = []
    for spec in demarche.fields:
        if not is_shown(spec, values) or values.get(spec.code) in (None, ""):
            continue
        items.append(
            RecapItem(
                spec.code,
                spec.label,
                display_value(spec, values[spec.code], context),
                spec.step.value,
            )
        )
    return tuple(items)


@requires("demarches.lire")
def check_answers(
    engine: Engine,
    code: str,
    answers: Mapping[str, str | None],
    *,
    household_id: int | None,
    actor: Actor,
    clock: Clock,
) -> tuple[RecapItem, ...]:
    """Check a whole form (end of « Ma demande »): the recap, or InvalidAnswers."""
    demarche = demarche_of(code)
    context = form_context(engine, household_id, actor=actor, clock=clock)
    checked = validate_answers(demarche, answers, context)
    if not checked.ok:
        raise InvalidAnswers(checked.errors)
    return recap_of(demarche, checked.values, context)
