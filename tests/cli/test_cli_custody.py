"""`mairie-tui foyers garde DOSSIER ENFANT`: show, set and remove an alternating custody."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine
from mairie_tui.services.demo import build_demo

runner = CliRunner()
DESK = {"MAIRIE_AGENT": "guichet", "MAIRIE_PASSWORD": "guichet"}
STAFF = {"MAIRIE_AGENT": "cantine", "MAIRIE_PASSWORD": "cantine"}


@pytest.fixture
def env(tmp_path, db_url):
    engine = make_engine(db_url)
    build_demo(engine, households=0)
    engine.dispose()
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "2020-09-15T10:00",
        "COLUMNS": "200",
    }


def invoke(args, env, who=DESK):
    return runner.invoke(
        app, ["foyers", "garde", *args], env={**env, **who}, catch_exceptions=False
    )


def test_show_set_and_remove(env):
    shown = invoke(["F-000000", "Léa"], env)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.strip() == (
        "Léa : garde alternée : Mme Claire les semaines impaires, M. Marc les semaines paires."
    )
    changed = invoke(["F-000000", "lea", "--alternee", "impaires", "--parent", "Marc"], env)
    assert changed.exit_code == 0, changed.stderr
    assert "M. Marc les semaines impaires, Mme Claire les semaines paires" in changed.stdout
    custom = invoke(["f-000000", "Paul", "--semaines", "36, 38,40", "--parent", "claire"], env)
    assert "Mme Claire les semaines 36, 38, 40, M. Marc les autres semaines" in custom.stdout
    removed = invoke(["F-000000", "Paul", "--aucune"], env)
    assert removed.stdout.strip() == "Garde alternée de Paul retirée."
    assert invoke(["F-000000", "Paul"], env).stdout.strip() == "Paul : pas de garde alternée."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["F-000000", "Léa", "--alternee", "toutes", "--parent", "Marc"], "impaires ou paires"),
        (["F-000000", "Léa", "--alternee", "paires"], "--parent"),
        (["F-000000", "Léa", "--alternee", "paires", "--aucune"], "pas plusieurs"),
        (["F-000000", "Léa", "--semaines", "x", "--parent", "Marc"], "--semaines"),
        (["F-000000", "Léa", "--semaines", "60", "--parent", "Marc"], "Semaine invalide : 60"),
        (["F-000000", "Zoé"], "Enfant « Zoé » introuvable"),
        (["F-000001", "Jeannot", "--alternee", "paires", "--parent", "[/]\x1b[2J"], "introuvable"),
    ],
)
def test_refusals_are_one_french_line(env, args, message):
    result = invoke(args, env)
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_school_staff_cannot(env):
    result = invoke(["F-000000", "Léa"], env, who=STAFF)
    assert result.exit_code == 2
