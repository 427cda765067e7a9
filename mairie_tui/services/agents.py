"""Agents: password hashes (Argon2), sign-in with throttling, creation and listing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import AGENT_ROLES, Agent
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import PermissionDenied, ServiceError
from mairie_tui.services.offline import ensure_writable

_HASHER = PasswordHasher()
MAX_FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 30.0
ROLE_LABELS = {"agent": "Agent d'accueil", "supervisor": "Superviseur", "staff": "Personnel école"}


class AuthenticationError(ServiceError):
    """Sign-in refused; the message never says whether the login exists."""


@dataclass(frozen=True)
class AgentPublic:
    id: int
    login: str
    name: str
    role: str
    active: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def hash_password(password: str) -> str:
    """An Argon2id hash of a password (never store the password itself)."""
    return _HASHER.hash(password)


def _public(agent: Agent) -> AgentPublic:
    assert agent.id is not None
    return AgentPublic(agent.id, agent.login, agent.name, agent.role, agent.active)


def actor_of(agent: AgentPublic) -> Actor:
    return Actor(id=agent.id, login=agent.login, name=agent.name, role=agent.role)


def throttle_delay(failed_attempts: int) -> float:
    """Seconds to wait before checking a password after failures in a row."""
    if failed_attempts < MAX_FREE_ATTEMPTS:
        return 0.0
    return min(2.0 ** (failed_attempts - MAX_FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS)


def authenticate(
    engine: Engine,
    login: str,
    password: str,
    clock: Clock,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Actor:
    """Check a login and password; after three failures in a row each try is slowed."""
    login = login.strip().lower()
    if not login or not password:
        raise AuthenticationError("Saisissez l'identifiant et le mot de passe.")
    with unit_of_work(engine) as session:
        agent = session.exec(select(Agent).where(Agent.login == login)).first()
        if agent is None:
            # Same cost as a real check, so that timing does not reveal logins.
            _verify(_DUMMY_HASH, password)
            raise AuthenticationError("Identifiant ou mot de passe incorrect.")
        delay = throttle_delay(agent.failed_attempts)
        if delay:
            sleep(delay)
        if not _verify(agent.password_hash, password):
            agent.failed_attempts += 1
            agent.last_failed_at = clock.now()
            session.add(agent)
            message = "Identifiant ou mot de passe incorrect."
            if agent.failed_attempts >= MAX_FREE_ATTEMPTS:
                message += f" Le prochain essai sera ralenti de {throttle_delay(agent.failed_attempts):.0f} s."
            # The failure count must persist although the sign-in is refused.
            session.commit()
            raise AuthenticationError(message)
        if not agent.active:
            raise AuthenticationError("Ce compte agent est désactivé : voyez un superviseur.")
        if agent.failed_attempts:
            agent.failed_attempts = 0
            session.add(agent)
        actor = actor_of(_public(agent))
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="agent.login",
            entity="agent",
            entity_id=agent.id,
        )
        return actor


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = hash_password("mairie-tui-dummy")


def add_agent(
    engine: Engine,
    *,
    login: str,
    name: str,
    role: str,
    password: str,
    clock: Clock,
    actor: Actor,
) -> AgentPublic:
    """Create an agent; only a supervisor (or the system) may."""
    if not actor.is_supervisor:
        raise PermissionDenied("Seul un superviseur peut créer un agent.")
    login = login.strip().lower()
    if not login or not login.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ServiceError("Identifiant invalide : lettres, chiffres, point, tiret.", field="login")
    if role not in AGENT_ROLES:
        raise ServiceError(f"Rôle inconnu : « {role} » (agent, supervisor ou staff).", field="role")
    if len(password) < 8:
        raise ServiceError("Mot de passe trop court : 8 caractères au moins.", field="password")
    if not name.strip():
        raise ServiceError("Le nom de l'agent est obligatoire.", field="name")
    with unit_of_work(engine) as session:
        ensure_writable(session, "création d'agent")
        if session.exec(select(Agent).where(Agent.login == login)).first() is not None:
            raise ServiceError(f"L'identifiant « {login} » existe déjà.", field="login")
        agent = Agent(
            login=login, name=name.strip(), role=role, password_hash=hash_password(password)
        )
        session.add(agent)
        session.flush()
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="agent.create",
            entity="agent",
            entity_id=agent.id,
            details={"login": login, "role": role},
        )
        return _public(agent)


def list_agents(session: Session) -> list[AgentPublic]:
    return [_public(agent) for agent in session.exec(select(Agent).order_by(Agent.login))]


def get_agents(engine: Engine) -> list[AgentPublic]:
    with read_session(engine) as session:
        return list_agents(session)
