"""Agents: password hashes (Argon2), sign-in with throttling and lockout, creation,
listing and unlocking."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.models import AGENT_ROLES, Agent, AgentSite
from mairie_tui.services.common import SYSTEM_ACTOR, Actor, audit, changes, fields_of
from mairie_tui.services.errors import AuthenticationError, PermissionDenied, ServiceError
from mairie_tui.services.lists.lookup import resolve_site
from mairie_tui.services.offline import copy_access_hash, verify_access_code
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import writing

_HASHER = PasswordHasher()
MAX_FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 30.0
# Wrong passwords in a row that lock an account until a supervisor unlocks it.
MAX_FAILED_LOGINS = 10
ROLE_LABELS = {"agent": "Agent d'accueil", "supervisor": "Superviseur", "staff": "Personnel école"}


@dataclass(frozen=True)
class AgentPublic:
    id: int
    login: str
    name: str
    role: str
    active: bool
    failed_attempts: int = 0
    locked: bool = False
    # The sites a staff member is attached to (agent_site), sorted.
    sites: tuple[str, ...] = ()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def state_label(self) -> str:
        """actif, verrouillé or désactivé (a deactivated account says so first)."""
        if not self.active:
            return "désactivé"
        return "verrouillé" if self.locked else "actif"


def hash_password(password: str) -> str:
    """An Argon2id hash of a password (never store the password itself)."""
    return _HASHER.hash(password)


def _public(agent: Agent, sites: tuple[str, ...] = ()) -> AgentPublic:
    assert agent.id is not None
    return AgentPublic(
        agent.id,
        agent.login,
        agent.name,
        agent.role,
        agent.active,
        failed_attempts=agent.failed_attempts,
        locked=is_locked(agent.failed_attempts),
        sites=sites,
    )


def sites_of(session: Session, agent_id: int) -> tuple[str, ...]:
    """The sites an agent is attached to (table agent_site), sorted."""
    return tuple(
        session.exec(
            select(AgentSite.site)
            .where(AgentSite.agent_id == agent_id)
            .order_by(col(AgentSite.site))
        )
    )


def actor_of(agent: AgentPublic) -> Actor:
    return Actor(
        id=agent.id, login=agent.login, name=agent.name, role=agent.role, sites=agent.sites
    )


def throttle_delay(failed_attempts: int) -> float:
    """Seconds to wait before checking a password after failures in a row."""
    if failed_attempts < MAX_FREE_ATTEMPTS:
        return 0.0
    return min(2.0 ** (failed_attempts - MAX_FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS)


def is_locked(failed_attempts: int, max_failed: int | None = None) -> bool:
    """Locked after `max_failed` wrong passwords in a row (until a supervisor unlocks)."""
    return failed_attempts >= (max_failed or MAX_FAILED_LOGINS)


def locked_message(max_failed: int | None = None) -> str:
    return (
        f"Ce compte est verrouillé après {max_failed or MAX_FAILED_LOGINS} essais infructueux : "
        "un superviseur doit le déverrouiller."
    )


@dataclass(frozen=True)
class _Candidate:
    """What sign-in reads about an agent, in one short read."""

    id: int
    login: str
    name: str
    role: str
    password_hash: str
    active: bool
    failed_attempts: int
    # On an offline copy: the hash of the copy's access code, which staff type instead
    # of their password (the copy holds no password hash); None on the main database.
    copy_code_hash: str | None = None
    sites: tuple[str, ...] = ()

    def check(self, secret: str) -> bool:
        if self.copy_code_hash:
            return verify_access_code(self.copy_code_hash, secret)
        return _verify(self.password_hash, secret)


def _read_candidate(engine: Engine, login: str) -> _Candidate | None:
    with read_session(engine) as session:
        agent = session.exec(select(Agent).where(Agent.login == login)).first()
        if agent is None or agent.id is None:
            return None
        return _Candidate(
            agent.id,
            agent.login,
            agent.name,
            agent.role,
            agent.password_hash,
            agent.active,
            agent.failed_attempts,
            copy_access_hash(session),
            sites_of(session, agent.id),
        )


def authenticate(
    engine: Engine,
    login: str,
    password: str,
    clock: Clock,
    *,
    sleep: Callable[[float], None] = time.sleep,
    max_failed: int | None = None,
) -> Actor:
    """Check a login and password; after three failures in a row each try is slowed,
    after `max_failed` the account is locked until a supervisor unlocks it.

    No transaction is open while the throttle waits or Argon2 computes: a read,
    then the wait and the check, then one short write that counts the outcome
    atomically (parallel wrong passwords are all counted).
    """
    login = login.strip().lower()
    if not login or not password:
        raise AuthenticationError("Saisissez l'identifiant et le mot de passe.")
    max_failed = max_failed or MAX_FAILED_LOGINS
    agent = _read_candidate(engine, login)
    if agent is None:
        # Same cost as a real check, so that timing does not reveal logins.
        _verify(_DUMMY_HASH, password)
        raise AuthenticationError("Identifiant ou mot de passe incorrect.")
    if is_locked(agent.failed_attempts, max_failed):
        _verify(_DUMMY_HASH, password)
        raise AuthenticationError(locked_message(max_failed))
    delay = throttle_delay(agent.failed_attempts)
    if delay:
        sleep(delay)
    if not agent.check(password):
        raise AuthenticationError(_record_failure(engine, agent, clock, max_failed))
    if not agent.active:
        raise AuthenticationError("Ce compte agent est désactivé : voyez un superviseur.")
    return _record_success(engine, agent, clock, max_failed)


def _record_failure(engine: Engine, agent: _Candidate, clock: Clock, max_failed: int) -> str:
    """Count one wrong password (one atomic UPDATE); the refusal message to show."""
    now = clock.now()
    with writing(engine, "connexion", allowed_on_copy=True) as session:
        failed = session.execute(
            update(Agent)
            .where(col(Agent.id) == agent.id)
            .values(failed_attempts=col(Agent.failed_attempts) + 1, last_failed_at=now)
            .returning(col(Agent.failed_attempts))
        ).scalar_one()
        if failed == max_failed:
            # Exactly one failure reaches the threshold, however many run at once.
            audit(
                session,
                at=now,
                actor=SYSTEM_ACTOR,
                action="agent.lock",
                entity="agent",
                entity_id=agent.id,
                details={"login": agent.login, "failed_attempts": failed},
            )
    if is_locked(failed, max_failed):
        return locked_message(max_failed)
    message = "Identifiant ou mot de passe incorrect."
    if failed >= MAX_FREE_ATTEMPTS:
        message += f" Le prochain essai sera ralenti de {throttle_delay(failed):.0f} s."
    return message


def _record_success(engine: Engine, agent: _Candidate, clock: Clock, max_failed: int) -> Actor:
    """Reset the counter, unless the account was locked or deactivated meanwhile."""
    actor = Actor(
        id=agent.id, login=agent.login, name=agent.name, role=agent.role, sites=agent.sites
    )
    with writing(engine, "connexion", allowed_on_copy=True) as session:
        reset = session.execute(
            update(Agent)
            .where(
                col(Agent.id) == agent.id,
                col(Agent.failed_attempts) < max_failed,
                col(Agent.active).is_(True),
            )
            .values(failed_attempts=0)
            .returning(col(Agent.id))
        ).first()
        if reset is None:
            # Locked by wrong guesses running in parallel, or deactivated, meanwhile.
            active = session.exec(select(Agent.active).where(Agent.id == agent.id)).first()
            if not active:
                raise AuthenticationError("Ce compte agent est désactivé : voyez un superviseur.")
            raise AuthenticationError(locked_message(max_failed))
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


@requires("agents.gerer")
def add_agent(
    engine: Engine,
    *,
    login: str,
    name: str,
    role: str,
    password: str,
    clock: Clock,
    actor: Actor,
    sites: tuple[str, ...] = (),
) -> AgentPublic:
    """Create an agent; only a supervisor (or the system) may. `sites`: a staff member's."""
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
    with writing(engine, "création d'agent") as session:
        if session.exec(select(Agent).where(Agent.login == login)).first() is not None:
            raise ServiceError(f"L'identifiant « {login} » existe déjà.", field="login")
        agent = Agent(
            login=login, name=name.strip(), role=role, password_hash=hash_password(password)
        )
        session.add(agent)
        session.flush()
        assert agent.id is not None
        attached = _attach(session, agent.id, role, sites)
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="agent.create",
            entity="agent",
            entity_id=agent.id,
            # The hash is masked by changes(): the journal says a password was set, no more.
            details={
                "login": login,
                "role": role,
                "changes": changes({}, {**_audited(agent), "sites": list(attached)}),
            },
        )
        return _public(agent, attached)


# What an agent's audit rows diff; the password hash is always masked.
AGENT_FIELDS = ("login", "name", "role", "active", "password_hash", "failed_attempts")


def _audited(agent: Agent) -> dict[str, object]:
    return fields_of(agent, AGENT_FIELDS)


def _attach(session: Session, agent_id: int, role: str, sites: tuple[str, ...]) -> tuple[str, ...]:
    """Replace an agent's sites by `sites` (each resolved like the lists do); only staff have any."""
    wanted = tuple(sorted({resolve_site(session, site) for site in sites if site.strip()}))
    if wanted and role != "staff":
        raise ServiceError(
            "Seul le personnel école est rattaché à des sites : les agents et les "
            "superviseurs voient tous les sites.",
            field="sites",
        )
    current = set(sites_of(session, agent_id))
    for site in current - set(wanted):
        row = session.get(AgentSite, (agent_id, site))
        if row is not None:
            session.delete(row)
    for site in sorted(set(wanted) - current):
        session.add(AgentSite(agent_id=agent_id, site=site))
    session.flush()
    return wanted


def list_agents(session: Session) -> list[AgentPublic]:
    sites: dict[int, list[str]] = {}
    for agent_id, site in session.exec(
        select(AgentSite.agent_id, AgentSite.site).order_by(col(AgentSite.site))
    ):
        sites.setdefault(agent_id, []).append(site)
    return [
        _public(agent, tuple(sites.get(agent.id or 0, ())))
        for agent in session.exec(select(Agent).order_by(Agent.login))
    ]


@requires("agents.gerer")
def set_agent_sites(
    engine: Engine, login: str, sites: tuple[str, ...], *, actor: Actor, clock: Clock
) -> AgentPublic:
    """Attach a staff member to exactly `sites` (an empty tuple detaches them); audited."""
    login = login.strip().lower()
    with writing(engine, "rattachement aux sites") as session:
        agent = session.exec(select(Agent).where(Agent.login == login)).first()
        if agent is None or agent.id is None:
            raise ServiceError(f"Aucun agent n'a l'identifiant « {login} ».", field="login")
        before = sites_of(session, agent.id)
        after = _attach(session, agent.id, agent.role, sites)
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="agent.sites",
            entity="agent",
            entity_id=agent.id,
            details={
                "login": login,
                "changes": changes({"sites": list(before)}, {"sites": list(after)}),
            },
        )
        return _public(agent, after)


def count_by_role(engine: Engine) -> dict[str, int]:
    """How many agents of each role (no name, no login): asked before anyone signs in."""
    with read_session(engine) as session:
        rows = session.exec(select(Agent.role, func.count()).group_by(col(Agent.role))).all()
    return {role: int(count) for role, count in rows}


@requires("agents.gerer")
def get_agents(engine: Engine, *, actor: Actor) -> list[AgentPublic]:
    with read_session(engine) as session:
        return list_agents(session)


@requires("agents.gerer")
def unlock_agent(engine: Engine, login: str, *, actor: Actor, clock: Clock) -> AgentPublic:
    """A supervisor unlocks an account (its failure count back to zero); audited.

    Also lifts the throttling of an account not yet locked; allowed on an offline
    copy too, where a school's staff may lock themselves out.
    """
    if not actor.is_supervisor:
        raise PermissionDenied("Seul un superviseur peut déverrouiller un compte.")
    login = login.strip().lower()
    with writing(engine, "déverrouillage de compte", allowed_on_copy=True) as session:
        agent = session.exec(select(Agent).where(Agent.login == login)).first()
        if agent is None:
            raise ServiceError(f"Aucun agent n'a l'identifiant « {login} ».", field="login")
        if not agent.failed_attempts:
            raise ServiceError(f"Le compte « {login} » n'est pas verrouillé.", field="login")
        failed = agent.failed_attempts
        before = _audited(agent)
        agent.failed_attempts = 0
        agent.last_failed_at = None
        session.add(agent)
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="agent.unlock",
            entity="agent",
            entity_id=agent.id,
            details={
                "login": login,
                "failed_attempts": failed,
                "changes": changes(before, _audited(agent)),
            },
        )
        return _public(agent)
