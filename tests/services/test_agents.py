"""Sign-in: Argon2, throttling after three failures, inactive agents, creation rules."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Agent, AuditEvent
from mairie_tui.services.agents import add_agent, authenticate, throttle_delay
from mairie_tui.services.common import SYSTEM_ACTOR, Actor
from mairie_tui.services.demo import create_agents
from mairie_tui.services.errors import AuthenticationError, PermissionDenied, ServiceError


@pytest.fixture
def agents(engine):
    with unit_of_work(engine) as session:
        create_agents(session)
    return engine


def test_good_password_signs_in_and_is_audited(agents, seed_clock):
    actor = authenticate(agents, "Guichet ", "guichet", seed_clock, sleep=pytest.fail)
    assert (actor.login, actor.role, actor.name) == ("guichet", "agent", "Camille Martin")
    with read_session(agents) as session:
        (event,) = session.exec(select(AuditEvent)).all()
        assert (event.action, event.agent_id) == ("agent.login", actor.id)


def test_three_wrong_passwords_slow_the_next_tries(agents, seed_clock):
    slept: list[float] = []
    for _attempt in range(3):
        with pytest.raises(AuthenticationError, match="Identifiant ou mot de passe incorrect"):
            authenticate(agents, "guichet", "faux", seed_clock, sleep=slept.append)
    assert slept == []
    with pytest.raises(AuthenticationError, match="ralenti"):
        authenticate(agents, "guichet", "faux", seed_clock, sleep=slept.append)
    assert slept == [throttle_delay(3)] and slept[0] >= 2
    # Even the right password waits once the counter is up, then the counter resets.
    authenticate(agents, "guichet", "guichet", seed_clock, sleep=slept.append)
    assert slept[-1] == throttle_delay(4) > slept[0]
    authenticate(agents, "guichet", "guichet", seed_clock, sleep=pytest.fail)


def test_unknown_login_and_inactive_agent_are_refused(agents, seed_clock):
    with pytest.raises(AuthenticationError, match="Identifiant ou mot de passe incorrect"):
        authenticate(agents, "personne", "guichet", seed_clock)
    with pytest.raises(AuthenticationError, match="Saisissez"):
        authenticate(agents, "", "", seed_clock)
    with unit_of_work(agents) as session:
        agent = session.exec(select(Agent).where(Agent.login == "cantine")).one()
        agent.active = False
        session.add(agent)
    with pytest.raises(AuthenticationError, match="désactivé"):
        authenticate(agents, "cantine", "cantine", seed_clock)
    with read_session(agents) as session:
        assert session.exec(select(AuditEvent)).all() == []


def test_only_a_supervisor_creates_agents(agents, seed_clock):
    clerk = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
    with pytest.raises(PermissionDenied):
        add_agent(
            agents,
            login="nouveau",
            name="N",
            role="agent",
            password="assez-long",
            clock=seed_clock,
            actor=clerk,
        )
    with pytest.raises(ServiceError, match="existe déjà"):
        add_agent(
            agents,
            login="guichet",
            name="G",
            role="agent",
            password="assez-long",
            clock=seed_clock,
            actor=SYSTEM_ACTOR,
        )
    with pytest.raises(ServiceError, match="trop court"):
        add_agent(
            agents,
            login="court",
            name="C",
            role="agent",
            password="abc",
            clock=seed_clock,
            actor=SYSTEM_ACTOR,
        )
    created = add_agent(
        agents,
        login="Nouveau",
        name="Nadia Ouali",
        role="staff",
        password="assez-long",
        clock=seed_clock,
        actor=SYSTEM_ACTOR,
    )
    assert (created.login, created.role_label) == ("nouveau", "Personnel école")
    assert authenticate(agents, "nouveau", "assez-long", seed_clock).is_staff
