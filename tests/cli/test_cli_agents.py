"""`agent list` shows locked accounts; `agent unlock LOGIN` unlocks one (issue 11)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, read_session, unit_of_work
from mairie_tui.models import Agent, AuditEvent
from mairie_tui.services.demo import create_agents
from tests.cli.signin import DEMO_SUPERVISOR

runner = CliRunner()


@pytest.fixture
def env(tmp_path, db_url):
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_agents(session)
        session.execute(
            update(Agent).where(col(Agent.login) == "guichet").values(failed_attempts=10)
        )
        session.execute(update(Agent).where(col(Agent.login) == "cantine").values(active=False))
    engine.dispose()
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "",
        "COLUMNS": "200",
        **DEMO_SUPERVISOR,
    }


def invoke(args, env):
    return runner.invoke(app, args, env=env, catch_exceptions=False)


def states(env) -> dict[str, tuple[bool, bool]]:
    result = invoke(["agent", "list", "--json"], env)
    assert result.exit_code == 0, result.output
    return {row["login"]: (row["active"], row["locked"]) for row in json.loads(result.stdout)}


def test_agent_list_shows_the_state(env):
    assert states(env) == {
        "cantine": (False, False),
        "guichet": (True, True),
        "superviseur": (True, False),
    }
    table = invoke(["agent", "list"], env)
    assert table.exit_code == 0, table.output
    rows = {line.split()[1]: line for line in table.stdout.splitlines() if "│" in line}
    assert "verrouillé" in rows["guichet"]
    assert "désactivé" in rows["cantine"]
    assert "actif" in rows["superviseur"]


def test_agent_unlock(env, db_url):
    result = invoke(["agent", "unlock", "guichet"], env)
    assert result.exit_code == 0, result.output
    assert "Compte « guichet » déverrouillé." in result.stdout
    assert states(env)["guichet"] == (True, False)
    engine = make_engine(db_url)
    with read_session(engine) as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.unlock"))
        supervisor = session.exec(select(Agent).where(Agent.login == "superviseur")).one()
        assert event.agent_id == supervisor.id and '"failed_attempts": 10' in event.details
    engine.dispose()
    again = invoke(["agent", "unlock", "guichet"], env)
    assert again.exit_code == 2 and "n'est pas verrouillé" in again.stderr
    unknown = invoke(["agent", "unlock", "personne"], env)
    assert unknown.exit_code == 2 and "Aucun agent" in unknown.stderr
