"""Audit you can rely on (issue 11): field diffs with secrets masked, exports audited,
the journal refuses UPDATE and DELETE, a family's history for supervisors."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import AuditEvent
from mairie_tui.services.agents import add_agent, authenticate, unlock_agent
from mairie_tui.services.common import SYSTEM_ACTOR, Actor, audit, changes
from mairie_tui.services.enrolments import (
    activate_enrolment,
    enrol_child,
    list_activities,
)
from mairie_tui.services.errors import NotFoundError, PermissionDenied
from mairie_tui.services.history import household_history
from mairie_tui.services.household_edit import create_household, household_input, update_household
from mairie_tui.services.household_io import export_households
from mairie_tui.services.households import get_household
from tests.helpers import DESK
from tests.services.test_household_edit import AGENT, CLOCK, GUERIN, STAFF, demo  # noqa: F401

SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
REFUSED = "le journal d'audit ne se modifie pas"


def details_of(engine, action: str) -> list[dict]:
    with read_session(engine) as session:
        rows = session.exec(
            select(AuditEvent.details)
            .where(AuditEvent.action == action)
            .order_by(col(AuditEvent.id))
        ).all()
    return [json.loads(row) for row in rows]


def test_changes_lists_what_differs_and_masks_secrets():
    before = {"name": "Camille", "password_hash": "$argon2id$old", "active": True, "same": 1}
    after = {"name": "Camille M.", "password_hash": "$argon2id$new", "active": False, "same": 1}
    assert changes(before, after) == {
        "active": {"avant": True, "après": False},
        "name": {"avant": "Camille", "après": "Camille M."},
        "password_hash": {"avant": "***", "après": "***"},
    }
    assert changes({}, {"token": "abc", "x": None}) == {"token": {"avant": None, "après": "***"}}


def test_household_edit_records_fields_and_members_before_after(demo):  # noqa: F811
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    (created,) = details_of(demo, "household.create")
    assert created["household_id"] == saved.id
    assert created["changes"]["address"] == {"avant": None, "après": "12 rue des Écoles"}
    assert [(p["change"], p["role"], p["name"]) for p in created["persons"]][:2] == [
        ("ajout", "representative", "Hélène Guérin"),
        ("ajout", "co_representative", "Jérôme Guérin"),
    ]
    data, version = household_input(demo, saved.id, actor=DESK)
    edited = replace(
        data,
        address="3 place de la Mairie",
        quotient_familial=700,
        co_representatives=(),
        children=(replace(data.children[0], school_class="CM1"), data.children[1]),
        authorised=(*data.authorised, replace(data.authorised[0], id=None, first_name="Papi")),
    )
    update_household(demo, saved.id, edited, expected_version=version, actor=AGENT, clock=CLOCK)
    (updated,) = details_of(demo, "household.update")
    assert updated["household_id"] == saved.id and updated["version"] == version + 1
    assert updated["changes"] == {
        "address": {"avant": "12 rue des Écoles", "après": "3 place de la Mairie"},
        "quotient_familial": {"avant": 640, "après": 700},
    }
    persons = {(p["change"], p["name"]): p for p in updated["persons"]}
    assert set(persons) == {
        ("modification", "Élodie Guérin"),
        ("ajout", "Papi Roux"),
        ("retrait", "Jérôme Guérin"),
    }
    assert persons[("modification", "Élodie Guérin")]["changes"] == {
        "school_class": {"avant": "CE2", "après": "CM1"}
    }
    assert persons[("modification", "Élodie Guérin")]["role"] == "child"
    assert persons[("retrait", "Jérôme Guérin")]["changes"]["birth_date"] == {
        "avant": "1982-07-09",
        "après": None,
    }


def test_enrolment_changes_record_status_and_period(demo):  # noqa: F811
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    child = get_household(demo, saved.id, actor=AGENT).children[0]
    canteen = next(a for a in list_activities(demo) if a.code == "RS-MONS")
    enrolment_id = enrol_child(
        demo, child_id=child.id, activity_id=canteen.id, actor=AGENT, clock=CLOCK
    )
    activate_enrolment(demo, enrolment_id, actor=AGENT, clock=CLOCK)
    (created,) = details_of(demo, "enrolment.create")
    assert created["household_id"] == saved.id
    assert created["changes"] == {
        "end_date": {"avant": None, "après": "2021-07-06"},
        "start_date": {"avant": None, "après": "2020-09-01"},
        "status": {"avant": None, "après": "pending"},
    }
    (activated,) = details_of(demo, "enrolment.activate")
    assert activated["changes"] == {"status": {"avant": "pending", "après": "active"}}
    assert activated["household_id"] == saved.id


def test_agent_changes_are_recorded_and_never_the_hash(demo):  # noqa: F811
    add_agent(
        demo,
        login="nouveau",
        name="Alex Nouveau",
        role="agent",
        password="motdepasse-secret",
        clock=CLOCK,
        actor=SYSTEM_ACTOR,
    )
    for _ in range(2):
        with pytest.raises(Exception, match="incorrect"):
            authenticate(demo, "nouveau", "faux", CLOCK, sleep=lambda _s: None)
    unlock_agent(demo, "nouveau", actor=SUPERVISOR, clock=CLOCK)
    (created,) = details_of(demo, "agent.create")
    assert created["changes"]["password_hash"] == {"avant": None, "après": "***"}
    assert created["changes"]["role"] == {"avant": None, "après": "agent"}
    assert created["changes"]["name"] == {"avant": None, "après": "Alex Nouveau"}
    (unlocked,) = details_of(demo, "agent.unlock")
    assert unlocked["changes"] == {"failed_attempts": {"avant": 2, "après": 0}}
    with read_session(demo) as session:
        everything = " ".join(session.exec(select(AuditEvent.details)).all())
    assert "argon2" not in everything and "motdepasse" not in everything


def test_export_is_audited_with_its_scope(demo):  # noqa: F811
    create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    text_out = export_households(
        demo, actor=AGENT, clock=CLOCK, fmt="json", destination="foyers.json"
    )
    assert "Guérin" in text_out
    (exported,) = details_of(demo, "household.export")
    assert exported == {
        "count": 2,
        "destination": "foyers.json",
        "format": "json",
        "scope": "tous les foyers",
    }
    with read_session(demo) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "household.export")).one()
    assert event.agent_id == AGENT.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE auditevent SET details = '{}'",
        "UPDATE auditevent SET agent_id = NULL",
        "DELETE FROM auditevent",
        "DELETE FROM auditevent WHERE action = 'household.create'",
    ],
)
def test_the_journal_refuses_update_and_delete(demo, statement):  # noqa: F811
    create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    with read_session(demo) as session:
        before = session.exec(select(AuditEvent.id, AuditEvent.details)).all()
    with pytest.raises(DBAPIError, match=REFUSED), demo.begin() as conn:
        conn.execute(text(statement))
    with read_session(demo) as session:
        assert session.exec(select(AuditEvent.id, AuditEvent.details)).all() == before
    # Appending is still allowed.
    with unit_of_work(demo) as session:
        audit(session, at=CLOCK.now(), actor=AGENT, action="x.y", entity="x", entity_id=None)


def test_postgresql_refuses_truncating_the_journal(demo):  # noqa: F811
    if demo.dialect.name != "postgresql":
        pytest.skip("TRUNCATE : PostgreSQL seulement")
    with pytest.raises(DBAPIError, match=REFUSED), demo.begin() as conn:
        conn.execute(text("TRUNCATE auditevent"))


def test_household_history_for_a_supervisor(demo):  # noqa: F811
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    other = create_household(
        demo,
        replace(
            GUERIN,
            representative=replace(
                GUERIN.representative, first_name="Zoé", email=None, phone=None
            ),
            co_representatives=(),
            children=(),
            authorised=(),
        ),
        actor=AGENT,
        clock=CLOCK,
        allow_duplicates=True,
    )
    data, version = household_input(demo, saved.id, actor=DESK)
    update_household(
        demo,
        saved.id,
        replace(data, address="3 place de la Mairie"),
        expected_version=version,
        actor=SUPERVISOR,
        clock=CLOCK,
    )
    child = get_household(demo, saved.id, actor=AGENT).children[0]
    canteen = next(a for a in list_activities(demo) if a.code == "RS-MONS")
    enrol_child(demo, child_id=child.id, activity_id=canteen.id, actor=AGENT, clock=CLOCK)
    history = household_history(demo, saved.dossier.lower(), actor=SUPERVISOR)
    assert (history.dossier, history.representative) == (saved.dossier, "Hélène Guérin")
    assert [(e.label, e.agent) for e in history.entries] == [
        ("Création du foyer", "Camille Martin"),
        ("Modification du foyer", "Dominique Roux"),
        ("Pré-inscription", "Camille Martin"),
    ]
    assert history.entries[1].summary == "adresse : 12 rue des Écoles → 3 place de la Mairie"
    assert history.entries[2].summary == (
        "Élodie Guérin · RS-MONS : fin : (vide) → 06/07/2021 ; début : (vide) → 01/09/2020 ; "
        "statut : (vide) → pré-inscription"
    )
    # The other household's creation is not in this family's history.
    assert len(household_history(demo, other.dossier, actor=SUPERVISOR).entries) == 1


def test_household_history_is_for_supervisors_only(demo):  # noqa: F811
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    for actor in (AGENT, STAFF):
        with pytest.raises(PermissionDenied, match="Seul un superviseur peut consulter l'hist"):
            household_history(demo, saved.dossier, actor=actor)
    with pytest.raises(NotFoundError, match="F-999999"):
        household_history(demo, "F-999999", actor=SUPERVISOR)
