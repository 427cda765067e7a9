"""`mairie-tui audit --household F-…` (issue 11): a family's history, as a table or JSON;
`export households` leaves an audit row with its scope."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import select

from mairie_tui.db import make_engine, read_session
from mairie_tui.models import AuditEvent, Household
from mairie_tui.services.common import Actor
from mairie_tui.services.household_edit import household_input, update_household
from tests.cli.signin import DEMO_SUPERVISOR
from tests.cli.test_cli import env as unsigned_env  # noqa: F401
from tests.cli.test_cli import invoke
from tests.helpers import DESK, clock_at


@pytest.fixture
def env(unsigned_env):  # noqa: F811
    """The demo's supervisor signs in (the history is theirs)."""
    return {**unsigned_env, **DEMO_SUPERVISOR}


SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")


def edit_seed_household(db_url: str, address: str) -> None:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            household_id = session.exec(
                select(Household.id).where(Household.dossier == "F-000001")
            ).one()
        data, version = household_input(engine, household_id, actor=DESK)
        update_household(
            engine,
            household_id,
            replace(data, address=address),
            expected_version=version,
            actor=SUPERVISOR,
            clock=clock_at("2020-09-15T10:00"),
            allow_duplicates=True,
        )
    finally:
        engine.dispose()


def test_audit_household_shows_who_changed_what(env, db_url):  # noqa: F811
    assert invoke(["demo", "--households", "0"], env).exit_code == 0
    edit_seed_household(db_url, "[b]3 place[/b] de la Mairie")
    shown = invoke(["audit", "--foyer", "F-000001"], env)
    assert shown.exit_code == 0, shown.stderr
    assert "Historique du foyer F-000001" in shown.stdout
    line = next(row for row in shown.stdout.splitlines() if "Modification du foyer" in row)
    assert "Dominique Roux" in line and "15/09/2020" in line
    # Brackets in an address are text, never rich markup.
    assert "[b]3 place[/b] de la Mairie" in shown.stdout
    as_json = json.loads(invoke(["audit", "--household", "F-000001", "--json"], env).stdout)
    assert as_json["dossier"] == "F-000001"
    (update,) = [e for e in as_json["entries"] if e["action"] == "household.update"]
    assert update["agent"] == "Dominique Roux"
    assert update["label"] == "Modification du foyer"
    assert update["details"]["changes"]["address"]["après"] == "[b]3 place[/b] de la Mairie"
    assert update["at"].startswith("2020-09-15T08:00")


def test_audit_household_refuses_an_unknown_dossier(env):  # noqa: F811
    assert invoke(["demo", "--households", "0"], env).exit_code == 0
    missing = invoke(["audit", "--household", "F-424242"], env)
    assert missing.exit_code == 2
    assert "Foyer introuvable (dossier F-424242)" in missing.stderr
    bad = invoke(["audit", "--household", "Dupont"], env)
    assert bad.exit_code == 2 and "Numéro de dossier invalide" in bad.stderr


def test_export_from_the_command_line_is_audited(env, db_url, tmp_path):  # noqa: F811
    assert invoke(["demo", "--households", "3"], env).exit_code == 0
    out = tmp_path / "foyers.csv"
    assert invoke(["export", "households", "--out", str(out)], env).exit_code == 0
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            (event,) = session.exec(
                select(AuditEvent).where(AuditEvent.action == "household.export")
            ).all()
    finally:
        engine.dispose()
    assert event.agent_id == SUPERVISOR.id  # the signed-in supervisor
    assert json.loads(event.details) == {
        "count": 5,  # FAMILLE TEST, FAMILLE AGENDA and 3 synthetic households
        "destination": str(out),
        "format": "csv",
        "scope": "tous les foyers",
    }
