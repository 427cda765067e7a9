"""Alternating custody (migration 0014): set, shown in the agenda, refused in French."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from mairie_tui.db import read_session
from mairie_tui.models import AuditEvent, Custody
from mairie_tui.services.agenda import open_agenda, validate_agenda
from mairie_tui.services.agenda.custody import clear_custody, custody_people, set_custody
from mairie_tui.services.demo import build_demo
from mairie_tui.services.errors import NotFoundError, PermissionDenied, RuleViolation
from tests.helpers import DESK
from tests.services.family_agenda_helpers import (
    AGENT,
    CLAIRE,
    MARC,
    STAFF,
    agenda_household,
    pattern,
)


@pytest.fixture
def household(engine) -> int:
    build_demo(engine, households=0, agenda_family=True)
    return agenda_household(engine)


def test_custody_people_by_dossier_and_first_name(engine, household):
    people = custody_people(engine, "f-000000", "lea", actor=DESK)
    assert people.child_name == "Léa" and people.household_id == household
    assert people.custody is not None and people.custody.mode == "odd_even"
    claire = people.representative("claire")
    assert people.representative("Mme Claire FAMILLE AGENDA") == claire
    assert people.representative(CLAIRE) == claire
    assert people.other(claire).email == MARC
    assert custody_people(engine, "F-000000", "Paul", actor=DESK).custody is None
    with pytest.raises(NotFoundError, match="Enfant « Zoé » introuvable.*Paul, Léa, Hugo"):
        custody_people(engine, "F-000000", "Zoé", actor=DESK)
    with pytest.raises(NotFoundError, match="Foyer introuvable"):
        custody_people(engine, "F-999999", "Paul", actor=DESK)
    with pytest.raises(NotFoundError, match="Représentant « Jules » introuvable"):
        people.representative("Jules")


def test_custom_weeks_change_the_agenda_and_the_mail(engine, household, seed_clock):
    people = custody_people(engine, "F-000000", "Paul", actor=DESK)
    claire, marc = people.representatives
    view = set_custody(
        engine,
        people.child_id,
        mode="custom",
        first_representative_id=marc.id,
        second_representative_id=claire.id,
        weeks=[40, 41, 40],
        actor=AGENT,
        clock=seed_clock,
    )
    assert view.weeks == frozenset({40, 41})
    assert view.describe() == (
        "garde alternée : M. Marc les semaines 40, 41, Mme Claire les autres semaines"
    )
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    paul = agenda.rows[1].custody
    assert paul == view
    assert paul.representative_for(date(2020, 9, 28)) == marc.id  # week 40
    assert paul.label(date(2020, 9, 25)) == "semaine de Mme Claire"  # week 39
    pattern(agenda, children=("Paul",), start=date(2020, 9, 28), end=date(2020, 10, 2))
    assert validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock).recipients == [MARC]
    with read_session(engine) as session:
        (row,) = session.exec(select(Custody).where(Custody.child_id == people.child_id)).all()
        assert (row.mode, row.weeks, row.updated_by) == ("custom", "40,41", AGENT.id)
        actions = [e.action for e in session.exec(select(AuditEvent))]
        assert "custody.set" in actions


def test_changing_and_clearing_a_custody(engine, household, seed_clock):
    people = custody_people(engine, "F-000000", "Léa", actor=DESK)
    claire, marc = people.representatives
    set_custody(
        engine,
        people.child_id,
        mode="odd_even",
        first_representative_id=marc.id,
        second_representative_id=claire.id,
        weeks=None,
        actor=AGENT,
        clock=seed_clock,
    )
    lea = custody_people(engine, "F-000000", "Léa", actor=DESK).custody
    assert lea is not None and lea.representative_for(date(2020, 9, 25)) == marc.id
    assert clear_custody(engine, people.child_id, actor=AGENT, clock=seed_clock)
    assert not clear_custody(engine, people.child_id, actor=AGENT, clock=seed_clock)
    assert custody_people(engine, "F-000000", "Léa", actor=DESK).custody is None


@pytest.mark.parametrize(
    ("mode", "weeks", "same", "message"),
    [
        ("weekly", None, False, "Mode de garde inconnu"),
        ("odd_even", [1], False, "pas de liste de semaines"),
        ("custom", [], False, "au moins une semaine"),
        ("custom", [0, 54], False, "Semaine invalide : 0"),
        ("odd_even", None, True, "deux représentants différents"),
    ],
)
def test_bad_custody_is_refused_in_french(
    engine, household, seed_clock, mode, weeks, same, message
):
    people = custody_people(engine, "F-000000", "Hugo", actor=DESK)
    claire, marc = people.representatives
    with pytest.raises(RuleViolation, match=message):
        set_custody(
            engine,
            people.child_id,
            mode=mode,
            first_representative_id=claire.id,
            second_representative_id=claire.id if same else marc.id,
            weeks=weeks,
            actor=AGENT,
            clock=seed_clock,
        )
    assert custody_people(engine, "F-000000", "Hugo", actor=DESK).custody is None


def test_only_the_households_representatives_and_children(engine, household, seed_clock):
    from mairie_tui.services.demo import seed_ids

    with read_session(engine) as session:
        seed = seed_ids(session)
    people = custody_people(engine, "F-000000", "Hugo", actor=DESK)
    claire, _marc = people.representatives
    jeannot = custody_people(engine, "F-000001", "Jeannot", actor=DESK)
    test_1 = jeannot.representatives[0]
    with pytest.raises(NotFoundError, match="Représentant introuvable dans le foyer de Hugo"):
        set_custody(
            engine,
            people.child_id,
            mode="odd_even",
            first_representative_id=claire.id,
            second_representative_id=test_1.id,
            weeks=None,
            actor=AGENT,
            clock=seed_clock,
        )
    with pytest.raises(NotFoundError, match="Enfant introuvable"):
        set_custody(
            engine,
            claire.id,
            mode="odd_even",
            first_representative_id=claire.id,
            second_representative_id=_marc.id,
            weeks=None,
            actor=AGENT,
            clock=seed_clock,
        )
    with pytest.raises(PermissionDenied):
        set_custody(
            engine,
            people.child_id,
            mode="odd_even",
            first_representative_id=claire.id,
            second_representative_id=_marc.id,
            weeks=None,
            actor=STAFF,
            clock=seed_clock,
        )
    assert seed.child_id == jeannot.child_id
