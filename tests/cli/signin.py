"""Sign-in of the command line in tests: an agent with a known password, as environment."""

from __future__ import annotations

from mairie_tui.db import make_engine
from mairie_tui.services.agents import add_agent, get_agents
from mairie_tui.services.common import SYSTEM_ACTOR
from tests.helpers import clock_at

PASSWORD = "motdepasse-cli"


def signed_in(
    db_url: str, login: str = "cli.superviseur", role: str = "supervisor"
) -> dict[str, str]:
    """Create the agent (unless it exists) and return MAIRIE_AGENT / MAIRIE_PASSWORD for it."""
    engine = make_engine(db_url)
    try:
        if any(agent.login == login for agent in get_agents(engine, actor=SYSTEM_ACTOR)):
            return {"MAIRIE_AGENT": login, "MAIRIE_PASSWORD": PASSWORD}
        add_agent(
            engine,
            login=login,
            name=f"CLI {role}",
            role=role,
            password=PASSWORD,
            clock=clock_at("2020-09-01T08:00"),
            actor=SYSTEM_ACTOR,
        )
    finally:
        engine.dispose()
    return {"MAIRIE_AGENT": login, "MAIRIE_PASSWORD": PASSWORD}


# The demo's supervisor (services/demo).
DEMO_SUPERVISOR = {"MAIRIE_AGENT": "superviseur", "MAIRIE_PASSWORD": "superviseur"}
