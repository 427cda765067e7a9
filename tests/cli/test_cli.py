"""The command line: French one-line errors with status 2, --json listings, agents."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, read_session
from mairie_tui.models import Agent
from tests.cli.signin import DEMO_SUPERVISOR

runner = CliRunner()


@pytest.fixture
def env(tmp_path, db_url):
    return {"MAIRIE_DATA_DIR": str(tmp_path / "data"), "MAIRIE_DB_URL": db_url, "MAIRIE_NOW": ""}


def invoke(args, env, input=None):
    return runner.invoke(app, args, env=env, input=input, catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (["--now", "2020-13-45", "agent", "list"], {}, "date simulée invalide : « 2020-13-45 »"),
        (["agent", "list"], {"MAIRIE_NOW": "demain"}, "date simulée invalide : « demain »"),
        (["--db", "oracle://x/y", "agent", "list"], {}, "base de données non prise en charge"),
        (["--db", "pas une url", "agent", "list"], {}, "adresse de base de données invalide"),
        (
            ["--db", "sqlite:////nulle/part/ici.db", "agent", "list"],
            {},
            "dossier de la base SQLite introuvable",
        ),
    ],
)
def test_bad_settings_give_one_french_line_and_status_2(tmp_path, args, extra_env, message):
    env = {"MAIRIE_DATA_DIR": str(tmp_path), "MAIRIE_DB_URL": "", "MAIRIE_NOW": "", **extra_env}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unwritable_data_dir_is_refused(tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    result = runner.invoke(
        app, ["agent", "list"], env={"MAIRIE_DATA_DIR": str(blocker), "MAIRIE_DB_URL": ""}
    )
    assert result.exit_code == 2
    assert "dossier de données inutilisable" in result.stderr


def test_unreachable_database_is_said_in_french(tmp_path):
    env = {
        "MAIRIE_DATA_DIR": str(tmp_path),
        "MAIRIE_DB_URL": "postgresql://personne@127.0.0.1:1/rien",
    }
    result = runner.invoke(app, ["agent", "list"], env=env)
    assert result.exit_code == 2
    assert "base de données inaccessible" in result.stderr


def test_demo_then_search_and_agents_as_json(env):
    result = invoke(["demo", "--households", "20"], env)
    env = {**env, **DEMO_SUPERVISOR}
    assert result.exit_code == 0, result.output
    assert "Base de démonstration prête" in result.stdout
    hits = json.loads(invoke(["search", "famille test", "--json"], env).stdout)
    assert [hit["dossier"] for hit in hits] == ["F-000001"]
    assert hits[0]["children"] == ["Jeannot"]
    agents = json.loads(invoke(["agent", "list", "--json"], env).stdout)
    assert {(a["login"], a["role"]) for a in agents} >= {
        ("guichet", "agent"),
        ("superviseur", "supervisor"),
        ("cantine", "staff"),
    }
    assert all("password" not in key for agent in agents for key in agent)
    again = invoke(["demo"], env)
    assert again.exit_code == 2 and "--force" in again.stderr


def test_agent_add_asks_the_password_twice_and_stores_a_hash(env, db_url):
    result = invoke(
        ["agent", "add", "lea.b", "--name", "Léa B", "--role", "supervisor"],
        env,
        input="motdepasse1\nmotdepasse1\n",
    )
    assert result.exit_code == 0, result.output
    assert "motdepasse1" not in result.output
    engine = make_engine(db_url)
    with read_session(engine) as session:
        agent = session.exec(select(Agent).where(Agent.login == "lea.b")).one()
        assert agent.password_hash.startswith("$argon2id$")
        assert "motdepasse1" not in agent.password_hash
    engine.dispose()
    env = {**env, "MAIRIE_AGENT": "lea.b", "MAIRIE_PASSWORD": "motdepasse1"}
    mismatch = invoke(
        ["agent", "add", "autre", "--name", "Autre"], env, input="motdepasse1\nmotdepasse2\n"
    )
    assert mismatch.exit_code == 2 and "diffèrent" in mismatch.stderr
    bad_role = invoke(
        ["agent", "add", "x.y", "--name", "X", "--role", "maire"],
        env,
        input="motdepasse1\nmotdepasse1\n",
    )
    assert bad_role.exit_code == 2 and "Rôle inconnu" in bad_role.stderr


def test_db_upgrade_is_idempotent(env):
    first = invoke(["db", "upgrade"], env)
    assert first.exit_code == 0
    second = invoke(["db", "upgrade"], env)
    assert "déjà à jour" in second.stdout


def test_import_then_export_households_from_the_command_line(env, tmp_path):
    from importlib import resources

    assert invoke(["demo", "--households", "0"], env).exit_code == 0
    env = {**env, **DEMO_SUPERVISOR}
    example = tmp_path / "exemple.csv"
    example.write_bytes(
        resources.files("mairie_tui").joinpath("data/foyers-exemple.csv").read_bytes()
    )
    dry = invoke(["import", "households", str(example)], env)
    assert dry.exit_code == 0 and "3 foyers à importer (essai" in dry.stdout
    assert json.loads(invoke(["search", "artagnan", "--json"], env).stdout) == []
    applied = invoke(["import", "households", str(example), "--apply", "--json"], env)
    assert json.loads(applied.stdout)["imported"] == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id_externe;nom;prenom;adresse;commune\nB-1;Durand;Zoé;3 rue Basse;Paris\n",
        encoding="utf-8",
    )
    refused = invoke(["import", "households", str(bad), "--apply"], env)
    assert (
        refused.exit_code == 1
        and "ligne 2, colonne commune : Commune inconnue : « Paris »" in refused.stdout
    )
    out = tmp_path / "export.json"
    assert (
        invoke(["export", "households", "--format", "json", "--out", str(out)], env).exit_code == 0
    )
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {row["id_externe"] for row in exported} == {
        "F-000001",
        "ANC-0001",
        "ANC-0002",
        "ANC-0003",
    }
    assert invoke(["export", "households", "--format", "xml"], env).exit_code == 2


def test_an_outdated_database_is_refused_with_the_command_to_run(env, db_url):
    from alembic import command

    from mairie_tui.db import alembic_config, make_engine

    engine = make_engine(db_url)
    command.downgrade(alembic_config(engine), "0002")
    engine.dispose()
    result = runner.invoke(app, ["agent", "list"], env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Erreur : la base n'est pas à jour : lancez « mairie-tui base migrer »."
    )
    assert invoke(["db", "upgrade"], env).exit_code == 0
    assert invoke(["effectifs", "--json"], env).exit_code == 0
