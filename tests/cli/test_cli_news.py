"""`mairie-tui actualites liste|ajouter|retirer` (issue 15): supervisors publish, agents read."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, unit_of_work
from mairie_tui.services.demo import create_agents, create_seed
from tests.cli.signin import DEMO_SUPERVISOR

runner = CliRunner()
DESK = {"MAIRIE_AGENT": "guichet", "MAIRIE_PASSWORD": "guichet"}
STAFF = {"MAIRIE_AGENT": "cantine", "MAIRIE_PASSWORD": "cantine"}


@pytest.fixture
def env(tmp_path, db_url):
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_agents(session)
        create_seed(session)
    engine.dispose()
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "2020-09-15T10:00",
        "COLUMNS": "200",
    }


def invoke(args, env, who=DEMO_SUPERVISOR):
    return runner.invoke(app, args, env={**env, **who}, catch_exceptions=False)


def add(env, *extra, who=DEMO_SUPERVISOR, titre="Les réservations en ALSH sont ouvertes !"):
    return invoke(
        [
            "actualites",
            "ajouter",
            "--titre",
            titre,
            "--texte",
            "Au guichet ou sur le portail.",
            "--du",
            "01/09/2020",
            "--au",
            "30/09/2020",
            *extra,
        ],
        env,
        who,
    )


def test_a_supervisor_publishes_and_an_agent_lists(env):
    result = add(env)
    assert result.exit_code == 0, result.output
    assert "Actualité n° 1 publiée du 01/09/2020 au 30/09/2020 (public : tous)." in result.stdout
    cantine = add(env, "--activite", "rs-mons", titre="Menu à thème")
    assert cantine.exit_code == 0 and "public : activité RS-MONS" in cantine.stdout
    listed = invoke(["actualites", "liste", "--json"], env, DESK)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [
        (r["id"], r["titre"], r["du"], r["au"], r["public"], r["public_valeur"], r["etat"])
        for r in rows
    ] == [
        (
            1,
            "Les réservations en ALSH sont ouvertes !",
            "2020-09-01",
            "2020-09-30",
            "all",
            None,
            "en cours",
        ),
        (2, "Menu à thème", "2020-09-01", "2020-09-30", "activity", "RS-MONS", "en cours"),
    ]
    table = invoke(["actualites", "liste"], env, DESK)
    assert "Les réservations en ALSH sont ouvertes !" in table.stdout and "en cours" in table.stdout


def test_withdraw_and_list_every_news(env):
    assert add(env).exit_code == 0
    withdrawn = invoke(["actualites", "retirer", "1"], env)
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "Actualité n° 1 retirée" in withdrawn.stdout
    assert json.loads(invoke(["actualites", "liste", "--json"], env, DESK).stdout) == []
    every = json.loads(invoke(["actualites", "liste", "--toutes", "--json"], env, DESK).stdout)
    assert [row["etat"] for row in every] == ["retirée"]
    again = invoke(["actualites", "retirer", "1"], env)
    assert again.exit_code == 2 and "déjà retirée" in again.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--au", "31/02/2020"], "--au : date invalide : « 31/02/2020 » (attendu JJ/MM/AAAA)"),
        (["--titre", "x" * 300], "Le titre est trop long : 300 caractères, 80 au plus."),
        (["--texte", "a\x00b"], "Caractère interdit dans le texte (U+0000, caractère nul)."),
        (["--activite", "RS-MONS", "--site", "Mons"], "pas les deux"),
        (["--site", "Lune"], "Aucun site ne correspond à « Lune »."),
    ],
)
def test_refusals_are_one_french_line(env, extra, message):
    result = add(env, *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_agents_read_but_do_not_publish_and_staff_do_neither(env):
    refused = add(env, who=DESK)
    assert refused.exit_code == 2 and "Seul un superviseur" in refused.stderr
    staff = invoke(["actualites", "liste"], env, STAFF)
    assert staff.exit_code == 2 and "personnel des écoles" in staff.stderr


def test_hostile_title_prints_as_text(env):
    hostile = "[bold]Grève[/] \x1b[31m"
    result = add(env, titre="[bold]Grève[/] [/]")
    assert result.exit_code == 0, result.output
    table = invoke(["actualites", "liste"], env, DESK)
    assert "[bold]Grève[/] [/]" in table.stdout
    escaped = add(env, titre=hostile)
    assert escaped.exit_code == 2 and "Caractère interdit dans le titre" in escaped.stderr
