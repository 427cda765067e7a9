"""Sign-in with several desks at once (issue 9) and the lockout (issue 11).

Every desk is a thread with its own engine, on SQLite and on PostgreSQL:
parallel wrong passwords are all counted, a throttled sign-in holds no
transaction while it waits, and after ten failures in a row the account is
locked until a supervisor unlocks it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update
from sqlmodel import col, select

from mairie_tui.db import make_engine, read_session, unit_of_work
from mairie_tui.domain.household_rules import HouseholdInput, PersonInput
from mairie_tui.models import Agent, AuditEvent, Household
from mairie_tui.services import agents as agents_service
from mairie_tui.services.agents import authenticate, get_agents, unlock_agent
from mairie_tui.services.common import SYSTEM_ACTOR, Actor
from mairie_tui.services.demo import DEMO_AGENTS
from mairie_tui.services.errors import AuthenticationError, PermissionDenied, ServiceError
from mairie_tui.services.household_edit import create_household

DESKS = 32
LOCKED = (
    "Ce compte est verrouillé après 10 essais infructueux : un superviseur doit le déverrouiller."
)


def no_sleep(_seconds: float) -> None:
    return None


# Cheap Argon2 parameters: what a check costs is not what these tests are about, and
# 32 full-cost checks at once take seconds on a small machine.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def agents(engine, monkeypatch):
    """The demo agents (password = login), with cheap hashes."""
    monkeypatch.setattr(agents_service, "_DUMMY_HASH", CHEAP.hash("dummy"))
    with unit_of_work(engine) as session:
        for login, name, role in DEMO_AGENTS:
            session.add(Agent(login=login, name=name, role=role, password_hash=CHEAP.hash(login)))
    return engine


def failed_attempts(engine, login: str = "guichet") -> int:
    with read_session(engine) as session:
        return session.exec(select(Agent.failed_attempts).where(Agent.login == login)).one()


def set_failed_attempts(engine, count: int, login: str = "guichet") -> None:
    with unit_of_work(engine) as session:
        session.execute(
            update(Agent).where(col(Agent.login) == login).values(failed_attempts=count)
        )


def actions(engine) -> list[tuple[str, int | None]]:
    with read_session(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(event.action, event.agent_id) for event in events]


def at_once(db_url: str, count: int, attempt: Callable[[Any], None]) -> list[BaseException]:
    """Run `attempt(engine)` on `count` desks released together; their errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def desk() -> None:
        engine = make_engine(db_url)
        try:
            with engine.connect():
                pass  # connected before the start, so that all start together
            barrier.wait(timeout=30)
            attempt(engine)
        except BaseException as exc:  # noqa: BLE001 - collected for the test
            with lock:
                errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=desk) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_parallel_wrong_passwords_are_all_counted(agents, db_url, seed_clock, monkeypatch):
    # A high threshold: this test is about counting, the next one about locking.
    monkeypatch.setattr(agents_service, "MAX_FAILED_LOGINS", 1000, raising=False)

    def wrong(engine) -> None:
        authenticate(engine, "guichet", "faux", seed_clock, sleep=no_sleep)

    errors = at_once(db_url, DESKS, wrong)
    assert len(errors) == DESKS
    assert all(isinstance(error, AuthenticationError) for error in errors), errors
    assert failed_attempts(agents) == DESKS


def test_parallel_wrong_passwords_lock_the_account_once(agents, db_url, seed_clock):
    def wrong(engine) -> None:
        authenticate(engine, "guichet", "faux", seed_clock, sleep=no_sleep)

    errors = at_once(db_url, DESKS, wrong)
    assert all(isinstance(error, AuthenticationError) for error in errors), errors
    assert failed_attempts(agents) >= 10
    assert actions(agents).count(("agent.lock", None)) == 1
    with pytest.raises(AuthenticationError, match="verrouillé"):
        authenticate(agents, "guichet", "guichet", seed_clock, sleep=no_sleep)


def household_input() -> HouseholdInput:
    return HouseholdInput(
        representative=PersonInput(
            "representative",
            "Hélène",
            "Guérin",
            civility="Mme",
            birth_date=date(1984, 3, 2),
            phone="0612345678",
        ),
        address="12 rue des Écoles",
        commune="mons",
        children=(PersonInput("child", "Élodie", "", birth_date=date(2013, 4, 1)),),
    )


def test_a_throttled_sign_in_blocks_no_other_desk(agents, db_url, seed_clock):
    """Four wrong passwords for one account used to freeze every desk on SQLite."""
    set_failed_attempts(agents, 3)  # the next try waits 2 s
    waiting, release, finished = threading.Event(), threading.Event(), threading.Event()
    outcome: list[BaseException] = []

    def throttle(seconds: float) -> None:
        # A real wait, which the main thread may cut short once it has checked.
        waiting.set()
        release.wait(timeout=seconds)

    def throttled_desk() -> None:
        engine = make_engine(db_url)
        try:
            authenticate(engine, "guichet", "faux", seed_clock, sleep=throttle)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)
        finally:
            finished.set()
            engine.dispose()

    thread = threading.Thread(target=throttled_desk)
    thread.start()
    assert waiting.wait(timeout=30)
    other = make_engine(db_url)
    try:
        supervisor = authenticate(other, "superviseur", "superviseur", seed_clock, sleep=no_sleep)
        saved = create_household(other, household_input(), actor=supervisor, clock=seed_clock)
        # Both done while the throttled sign-in was still waiting.
        assert not finished.is_set()
    finally:
        release.set()
        thread.join(timeout=60)
        other.dispose()
    assert len(outcome) == 1 and isinstance(outcome[0], AuthenticationError)
    assert "ralenti de 4 s" in str(outcome[0])
    assert failed_attempts(agents) == 4
    with read_session(agents) as session:
        assert session.get(Household, saved.id) is not None


def test_ten_wrong_passwords_lock_even_the_right_one(agents, seed_clock):
    messages = []
    for _attempt in range(10):
        with pytest.raises(AuthenticationError) as refused:
            authenticate(agents, "guichet", "faux", seed_clock, sleep=no_sleep)
        messages.append(str(refused.value))
    assert "Le prochain essai sera ralenti" in messages[8]
    assert messages[9] == LOCKED
    with pytest.raises(AuthenticationError) as refused:
        authenticate(agents, "guichet", "guichet", seed_clock, sleep=pytest.fail)
    assert str(refused.value) == LOCKED
    assert failed_attempts(agents) == 10  # tries on a locked account are not counted
    guichet = next(agent for agent in get_agents(agents, actor=SYSTEM_ACTOR) if agent.login == "guichet")
    assert guichet.locked and guichet.state_label == "verrouillé"
    assert [event for event in actions(agents) if event[0] == "agent.lock"] == [
        ("agent.lock", None)
    ]


def test_a_lock_reached_during_the_check_refuses_the_right_password(agents, seed_clock):
    """Wrong guesses from other desks lock the account while this one waits and checks."""
    set_failed_attempts(agents, 9)

    def others_lock_it(_seconds: float) -> None:
        set_failed_attempts(agents, 10)

    with pytest.raises(AuthenticationError, match="verrouillé"):
        authenticate(agents, "guichet", "guichet", seed_clock, sleep=others_lock_it)
    assert failed_attempts(agents) == 10
    assert ("agent.login", 1) not in actions(agents)


def test_a_supervisor_unlocks_an_agent_not_an_agent(agents, seed_clock):
    set_failed_attempts(agents, 10)
    clerk = authenticate(agents, "cantine", "cantine", seed_clock, sleep=no_sleep)
    with pytest.raises(PermissionDenied, match="superviseur"):
        unlock_agent(agents, "guichet", actor=clerk, clock=seed_clock)
    counter_agent = Actor(id=None, login="x", name="X", role="agent")
    with pytest.raises(PermissionDenied):
        unlock_agent(agents, "guichet", actor=counter_agent, clock=seed_clock)
    assert failed_attempts(agents) == 10
    supervisor = authenticate(agents, "superviseur", "superviseur", seed_clock, sleep=no_sleep)
    unlocked = unlock_agent(agents, " Guichet", actor=supervisor, clock=seed_clock)
    assert (unlocked.login, unlocked.locked, unlocked.state_label) == ("guichet", False, "actif")
    assert failed_attempts(agents) == 0
    actor = authenticate(agents, "guichet", "guichet", seed_clock, sleep=pytest.fail)
    assert actor.login == "guichet"
    assert ("agent.unlock", supervisor.id) in actions(agents)
    with pytest.raises(ServiceError, match="n'est pas verrouillé"):
        unlock_agent(agents, "guichet", actor=supervisor, clock=seed_clock)
    with pytest.raises(ServiceError, match="Aucun agent"):
        unlock_agent(agents, "personne", actor=supervisor, clock=seed_clock)
