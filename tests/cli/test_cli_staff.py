"""Command line of the school lists: effectifs (table, JSON, CSV), listes, offline export / import."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from mairie_tui import cli
from mairie_tui.db import make_engine
from mairie_tui.services.lists import mark_attendance
from tests.cli.signin import signed_in
from tests.helpers import clock_at
from tests.services.test_lists import MONDAY, SITE_A, SITE_B, World, build_world, sql_booked

runner = CliRunner()


APP = cli.app


@pytest.fixture
def world(db_url) -> World:
    engine = make_engine(db_url)
    try:
        return build_world(engine)
    finally:
        engine.dispose()


@pytest.fixture
def env(tmp_path, db_url, world):
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "2020-09-25T17:00",
        **signed_in(db_url),
    }


def invoke(args, env):
    return runner.invoke(APP, args, env=env, catch_exceptions=False)


def test_effectifs_json_csv_and_table_agree_with_sql(env, db_url):
    result = invoke(["effectifs", "--from", "21/09/2020", "--to", "2020-09-25", "--json"], env)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    engine = make_engine(db_url)
    try:
        for row in rows:
            assert row["booked"] == sql_booked(engine, row["site"], _iso(row["day"])), row
    finally:
        engine.dispose()
    assert {(r["site"], r["day"]) for r in rows if r["site"] == SITE_A} == {
        (SITE_A, d) for d in ("2020-09-21", "2020-09-22", "2020-09-24", "2020-09-25")
    }
    result = invoke(["effectifs", "--site", "mons", "--from", "21/09/2020", "--csv"], env)
    lines = list(csv.reader(io.StringIO(result.stdout), delimiter=";"))
    assert lines[0][:5] == ["site", "activite", "unite", "jour", "reserves"]
    assert lines[1][:5] == [SITE_A, "Restauration scolaire Mons", "Repas", "2020-09-21", "3"]
    assert lines[1][6] == "0" and len(lines) == 2
    table = invoke(
        ["effectifs", "--site", "jean macé", "--from", "21/09/2020"], {**env, "COLUMNS": "200"}
    )
    assert table.exit_code == 0 and "Total" in table.stdout and SITE_B in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["effectifs", "--from", "31/02/2020"], "--from : date invalide : « 31/02/2020 »"),
        (["effectifs", "--from", "21/09/20"], "date invalide"),
        (["effectifs", "--from", "25/09/2020", "--to", "21/09/2020"], "précède"),
        (["effectifs", "--site", "Vézénobres"], "Aucun site ne correspond"),
        (["effectifs", "--json", "--csv"], "--json ou --csv"),
        (["listes", "jour", "--site", "mons", "--unit", "Goûter"], "Pas d'unité « Goûter »"),
    ],
)
def test_bad_input_gives_one_french_line_and_status_2(env, args, message):
    result = invoke(args, env)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_listes_sites_jour_and_imprimer(env, tmp_path):
    sites = json.loads(invoke(["listes", "sites", "--json"], env).stdout)
    assert [s["site"] for s in sites] == sorted([SITE_B, SITE_A])
    listed = json.loads(
        invoke(
            [
                "listes",
                "jour",
                "--site",
                "mons",
                "--unit",
                "Repas",
                "--jour",
                "21/09/2020",
                "--json",
            ],
            env,
        ).stdout
    )
    assert listed["counts"]["booked"] == 3
    assert "address" not in json.dumps(listed) and "quotient" not in json.dumps(listed)
    out = tmp_path / "liste.pdf"
    result = invoke(
        [
            "listes",
            "imprimer",
            "--site",
            "mons",
            "--unit",
            "Repas",
            "--jour",
            "21/09/2020",
            "--out",
            str(out),
        ],
        env,
    )
    assert result.exit_code == 0, result.stderr
    assert "4 enfant(s), 1 page(s)" in result.stdout
    assert out.read_bytes().startswith(b"%PDF-")


def test_offline_export_then_import_twice(env, tmp_path, db_url, world):
    out = tmp_path / "mons.db"
    result = invoke(
        [
            "offline",
            "export",
            "--site",
            "mons",
            "--from",
            "21/09/2020",
            "--to",
            "25/09/2020",
            "--out",
            str(out),
        ],
        env,
    )
    assert result.exit_code == 0, result.stderr
    assert "4 enfant(s)" in result.stdout and f"--db sqlite:///{out}" in result.stdout
    # The access code is printed once; the copy holds only its hash.
    code = result.stdout.split("Code d'accès de la copie : ")[1][:14]
    assert len(code) == 14 and code.encode() not in out.read_bytes()
    again = invoke(
        [
            "offline",
            "export",
            "--site",
            "mons",
            "--from",
            "21/09/2020",
            "--to",
            "25/09/2020",
            "--out",
            str(out),
        ],
        env,
    )
    assert again.exit_code == 2 and "existe déjà" in again.stderr
    raw = sqlite3.connect(out)
    assert raw.execute("SELECT count(*) FROM household WHERE address != ''").fetchone() == (0,)
    raw.close()

    copy = make_engine(f"sqlite:///{out}")
    try:
        mark_attendance(
            copy,
            enrolment_id=world.enrolments["Jeannot"],
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            actor=world.staff,
            clock=clock_at("2020-09-21T12:00"),
        )
    finally:
        copy.dispose()
    preview = json.loads(invoke(["offline", "import", str(out), "--dry-run", "--json"], env).stdout)
    assert preview["dry_run"] and preview["added"] == 1
    first = json.loads(invoke(["offline", "import", str(out), "--json"], env).stdout)
    assert (first["added"], first["changes"], first["issues"]) == (1, 1, [])
    second = invoke(["offline", "import", str(out)], env)
    assert second.exit_code == 0
    assert "0 ajouté(s), 0 modifié(s), 1 déjà à jour" in second.stdout
    assert "Aucun conflit." in second.stdout
    missing = invoke(["offline", "import", str(tmp_path / "nulle.db")], env)
    assert missing.exit_code == 2 and "Fichier introuvable" in missing.stderr


def _iso(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_staff_are_created_with_their_sites_and_see_only_them(env, db_url):
    """`agents ajouter … --role staff --site …` (repeatable), `agents sites` replaces them;
    the staff member's `effectifs` and `listes sites` then show their sites only."""
    result = runner.invoke(
        APP,
        [
            "agents",
            "ajouter",
            "cantine.mons",
            "--name",
            "Agnès Mons",
            "--role",
            "staff",
            "--site",
            "mons elementaire",
        ],
        input="mons-mons-1\nmons-mons-1\n",
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert f"Sites : {SITE_A}." in result.stdout
    staff = {**env, "MAIRIE_AGENT": "cantine.mons", "MAIRIE_PASSWORD": "mons-mons-1"}
    sites = json.loads(invoke(["listes", "sites", "--json"], staff).stdout)
    assert [site["site"] for site in sites] == [SITE_A]
    rows = json.loads(invoke(["effectifs", "--from", "21/09/2020", "--json"], staff).stdout)
    assert rows and {row["site"] for row in rows} == {SITE_A}
    refused = invoke(["effectifs", "--site", "jean macé", "--from", "21/09/2020"], staff)
    assert refused.exit_code == 2 and "n'est pas l'un des vôtres" in refused.stderr
    moved = invoke(["agents", "sites", "cantine.mons", "--site", "jean macé"], env)
    assert moved.exit_code == 0 and f"Sites : {SITE_B}." in moved.stdout
    sites = json.loads(invoke(["listes", "sites", "--json"], staff).stdout)
    assert [site["site"] for site in sites] == [SITE_B]
    listed = invoke(["agents", "liste", "--json"], env).stdout
    assert {a["login"]: a["sites"] for a in json.loads(listed)}["cantine.mons"] == [SITE_B]
    denied = invoke(["agents", "sites", "cantine.mons", "--site", "mons"], staff)
    assert denied.exit_code == 2
