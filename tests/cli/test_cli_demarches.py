"""Command line of the démarches: `demandes list` (filters, --json), `demandes show`, catalogue."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mairie_tui import cli
from mairie_tui.db import make_engine
from mairie_tui.services.requests import change_status, file_request
from tests.cli.signin import signed_in
from tests.helpers import clock_at
from tests.services.test_requests import AGENT, SAMPLES, answers_for, fast_seed

runner = CliRunner()


APP = cli.app


@pytest.fixture
def numbers(db_url) -> dict[str, str]:
    engine = make_engine(db_url)
    try:
        ids = fast_seed(engine)
        filed = {}
        for code, when in (
            ("carte_perdue", "2020-09-01T10:00"),
            ("acte_naissance", "2020-09-10T10:00"),
            ("demande_informations", "2020-09-14T10:00"),
        ):
            filed[code] = file_request(
                engine,
                code=code,
                answers=answers_for(engine, code, ids.household_id),
                actor=AGENT,
                clock=clock_at(when),
                household_id=ids.household_id,
            )
        change_status(
            engine,
            filed["demande_informations"].id,
            "refusee",
            actor=AGENT,
            clock=clock_at("2020-09-14T11:00"),
            comment="Question hors compétence de la mairie.",
        )
        return {code: request.number for code, request in filed.items()}
    finally:
        engine.dispose()


@pytest.fixture
def env(tmp_path, db_url, numbers):
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "2020-09-15T10:00",
        "COLUMNS": "200",  # rich tables unwrapped
        **signed_in(db_url),
    }


def invoke(args, env):
    return runner.invoke(APP, args, env=env, catch_exceptions=False)


def test_list_shows_the_open_requests_oldest_first(env, numbers):
    result = invoke(["demandes", "list", "--json"], env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["number"], r["type"], r["status"], r["age_days"]) for r in rows] == [
        (numbers["carte_perdue"], "carte_perdue", "deposee", 14),
        (numbers["acte_naissance"], "acte_naissance", "deposee", 5),
    ]
    assert rows[0]["dossier"] == "F-000001" and rows[0]["requester"] == "Test 1 FAMILLE TEST"
    table = invoke(["demandes", "list"], env)
    assert "J'ai perdu ma carte" in table.stdout and "2 demande(s)." in table.stdout


def test_list_filters(env, numbers):
    def listed(*args: str) -> list[str]:
        result = invoke(["demandes", "list", "--json", *args], env)
        assert result.exit_code == 0, result.output
        return [row["number"] for row in json.loads(result.stdout)]

    assert listed("--status", "refusee") == [numbers["demande_informations"]]
    assert listed("--status", "tous") == [
        numbers["carte_perdue"],
        numbers["acte_naissance"],
        numbers["demande_informations"],
    ]
    assert listed("--type", "acte_naissance") == [numbers["acte_naissance"]]
    assert listed("--age", "10") == [numbers["carte_perdue"]]


def test_show_a_request(env, numbers):
    number = numbers["demande_informations"]
    result = invoke(["demandes", "show", number, "--json"], env)
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert (page["number"], page["status"], page["final"]) == (number, "refusee", True)
    assert [e["status"] for e in page["events"]] == ["deposee", "refusee"]
    assert page["events"][-1]["comment"] == "Question hors compétence de la mairie."
    answers = {a["label"]: a["value"] for a in page["answers"]}
    assert answers["Objet"] == SAMPLES["demande_informations"]["objet"]
    text = invoke(["demandes", "show", numbers["acte_naissance"]], env).stdout
    assert "Demande d'acte" not in text and "Demander un acte de naissance" in text
    assert "Pièce d'identité en cours de validité" in text and "Prendre en charge" in text


def test_unknown_request_status_or_type_is_one_french_line(env):
    for args, message in (
        (["demandes", "show", "2020-999999"], "Demande introuvable (n° 2020-999999)"),
        (["demandes", "list", "--status", "perdue"], "statut inconnu : « perdue »"),
        (["demandes", "list", "--type", "permis"], "démarche inconnue : « permis »"),
    ):
        result = runner.invoke(APP, args, env=env)
        assert result.exit_code == 2
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_catalogue_lists_every_demarche(env):
    result = invoke(["demandes", "catalogue", "--json"], env)
    items = {item["code"]: item for item in json.loads(result.stdout)}
    assert set(items) == set(SAMPLES)
    assert items["rdv_titres"]["steps"][0] == "Mon rendez-vous"
