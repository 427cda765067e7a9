"""Sign-in of the command line (issue 11), French names and help (issues 10 and 13)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, read_session
from mairie_tui.models import Agent, AuditEvent
from tests.cli.signin import PASSWORD, signed_in

runner = CliRunner()


@pytest.fixture
def env(tmp_path, db_url):
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "2020-09-15T10:00",
        "MAIRIE_AGENT": "",
        "MAIRIE_PASSWORD": "",
    }


def invoke(args, env, input=None):
    return runner.invoke(app, args, env=env, input=input, catch_exceptions=False)


def agent_row(db_url, login):
    engine = make_engine(db_url)
    with read_session(engine) as session:
        row = session.exec(select(Agent).where(Agent.login == login)).one()
    engine.dispose()
    return row


def audit_rows(db_url, action):
    engine = make_engine(db_url)
    with read_session(engine) as session:
        rows = list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))
    engine.dispose()
    return rows


def test_export_needs_a_sign_in_and_is_audited_with_the_agent(env, db_url, tmp_path):
    signed = signed_in(db_url, "lea.guichet", "agent")
    refused = invoke(["exporter", "foyers", "--format", "json"], env)
    assert refused.exit_code == 2
    assert "connectez-vous avec --agent" in refused.stderr
    assert refused.stdout == ""
    out = tmp_path / "foyers.json"
    done = invoke(["exporter", "foyers", "--format", "json", "--out", str(out)], {**env, **signed})
    assert done.exit_code == 0, done.stderr
    agent = agent_row(db_url, "lea.guichet")
    (event,) = audit_rows(db_url, "household.export")
    assert event.agent_id == agent.id


def test_the_agent_option_asks_the_password(env, db_url):
    signed_in(db_url, "lea.guichet", "agent")
    result = invoke(
        ["--agent", "lea.guichet", "recherche", "x", "--json"], env, input=f"{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.stderr
    assert PASSWORD not in result.output
    assert json.loads(result.stdout) == []


def test_wrong_password_is_refused_and_counted(env, db_url):
    signed_in(db_url, "lea.guichet", "agent")
    result = invoke(
        ["recherche", "x"], {**env, "MAIRIE_AGENT": "lea.guichet", "MAIRIE_PASSWORD": "mauvais!!"}
    )
    assert result.exit_code == 2
    assert "connexion refusée : Identifiant ou mot de passe incorrect." in result.stderr
    assert agent_row(db_url, "lea.guichet").failed_attempts == 1


def test_school_staff_are_refused_households(env, db_url):
    staff = signed_in(db_url, "cantine.b", "staff")
    for args in (["recherche", "x"], ["exporter", "foyers"], ["demandes", "liste"]):
        result = invoke(args, {**env, **staff})
        assert result.exit_code == 2, args
        assert "n'a accès qu'aux listes et au pointage" in result.stderr


def test_first_supervisor_alone_is_created_without_sign_in(env, db_url):
    plain = invoke(["agents", "ajouter", "x.y", "--name", "X"], env, input="motdepasse1\n" * 2)
    assert plain.exit_code == 2 and "créez d'abord le premier" in plain.stderr
    first = invoke(
        ["agents", "ajouter", "chef", "--name", "Chef", "--role", "supervisor"],
        env,
        input="motdepasse1\nmotdepasse1\n",
    )
    assert first.exit_code == 0, first.stderr
    second = invoke(
        ["agent", "add", "x", "--name", "X", "--role", "supervisor"],
        env,
        input="motdepasse2\nmotdepasse2\n",
    )
    assert second.exit_code == 2
    assert "cette base a déjà un superviseur" in second.stderr
    assert [a.login for a in _agents(db_url)] == ["chef"]
    signed = {**env, "MAIRIE_AGENT": "chef", "MAIRIE_PASSWORD": "motdepasse1"}
    third = invoke(
        ["agent", "add", "x", "--name", "X", "--role", "supervisor"],
        signed,
        input="motdepasse2\nmotdepasse2\n",
    )
    assert third.exit_code == 0, third.stderr
    chef = agent_row(db_url, "chef")
    created = {e.details: e.agent_id for e in audit_rows(db_url, "agent.create")}
    assert sorted(created.values(), key=str) == sorted([None, chef.id], key=str)


def test_an_agent_cannot_create_agents(env, db_url):
    signed_in(db_url)
    agent = signed_in(db_url, "lea.guichet", "agent")
    result = invoke(["agents", "ajouter", "z", "--name", "Z"], {**env, **agent})
    assert result.exit_code == 2
    assert "Seul un superviseur" in result.stderr


def _agents(db_url):
    engine = make_engine(db_url)
    with read_session(engine) as session:
        rows = list(session.exec(select(Agent)))
    engine.dispose()
    return rows


def test_non_personal_commands_need_no_sign_in(env):
    assert invoke(["demandes", "catalogue", "--json"], env).exit_code == 0
    assert invoke(["base", "migrer"], env).exit_code == 0
    assert invoke(["effectifs", "--json"], env).exit_code == 0


ENGLISH = ("Usage:", "Options", "Show this message", "Commands", "[required]")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["base", "--help"],
        ["base", "sauvegarder", "--help"],
        ["agents", "ajouter", "--help"],
        ["hors-ligne", "exporter", "--help"],
        ["demandes", "liste", "--help"],
        ["listes", "jour", "--help"],
    ],
)
def test_help_is_french(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "Utilisation : mairie-tui" in result.stdout
    assert "Affiche cette aide." in result.stdout
    for word in ENGLISH:
        assert word not in result.stdout, word
    assert "(nom complet ou mots du nom : « mons »)" not in result.stdout


def test_usage_errors_are_french():
    unknown = runner.invoke(app, ["nope"])
    assert unknown.exit_code == 2
    assert unknown.stderr == "Erreur : commande inconnue : « nope ».\nAide : mairie-tui --help\n"
    missing = runner.invoke(app, ["base", "sauvegarder"])
    assert "paramètre obligatoire manquant : --out." in missing.stderr
    bad = runner.invoke(app, ["recherche", "x", "--limit", "zéro"])
    assert "valeur invalide pour --limit : un nombre entier est attendu." in bad.stderr


def test_english_names_are_hidden_aliases(env, db_url):
    listed = {
        line.split()[0]
        for line in runner.invoke(app, ["--help"]).stdout.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    }
    assert not listed & {"search", "outbox", "offline", "db", "agent", "import", "export"}
    assert listed >= {"recherche", "courriels", "hors-ligne", "base", "agents", "importer"}
    assert "upgrade" not in runner.invoke(app, ["db", "--help"]).stdout
    signed = {**env, **signed_in(db_url)}
    for args in (["db", "upgrade"], ["search", "x", "--json"], ["agent", "list", "--json"]):
        result = invoke(args, signed)
        assert result.exit_code == 0, (args, result.stderr)


def test_a_new_or_empty_base_is_said(env, tmp_path):
    env = {**env, "MAIRIE_DB_URL": ""}
    result = invoke(["effectifs", "--json"], env)
    assert result.exit_code == 0
    path = tmp_path / "data" / "mairie.db"
    assert f"Base ouverte : {path} (nouvelle, vide)" in result.stderr
    assert "MAIRIE_DATA_DIR=.demo" in result.stderr
    assert json.loads(result.stdout) == []
    again = invoke(["effectifs", "--json"], env)
    assert f"Base ouverte : {path} (vide : aucun agent)" in again.stderr
