"""`mairie-tui menus importer / liste` and the diets of `effectifs --json` (issue 15)."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from mairie_tui import cli
from mairie_tui.db import make_engine
from tests.cli.signin import signed_in
from tests.services.test_lists import SITE_A, SITE_B, World, build_world
from tests.services.test_menus import give_peanut_pai, month_of_menus

runner = CliRunner()


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
        "MAIRIE_NOW": "2020-09-18T17:00",
        **signed_in(db_url),
    }


def invoke(args, env):
    return runner.invoke(cli.app, args, env=env, catch_exceptions=False)


def test_import_a_month_then_effectifs_counts_one_peanut_diet(env, db_url, tmp_path):
    """Acceptance (issue 15): a month for two sites; the peanut day; « arachide » counted."""
    path = tmp_path / "menus.csv"
    path.write_text("\n".join(month_of_menus()) + "\n", encoding="utf-8")
    dry = invoke(["menus", "importer", str(path)], env)
    assert dry.exit_code == 0, dry.stderr
    assert "34 lignes lues : 34 menus à importer (essai" in dry.stdout
    applied = invoke(["menus", "importer", str(path), "--apply"], env)
    assert "34 menus ajoutés, 0 remplacés" in applied.stdout
    engine = make_engine(db_url)
    try:
        give_peanut_pai(engine)
    finally:
        engine.dispose()

    listed = invoke(
        [
            "menus",
            "liste",
            "--site",
            "mons",
            "--from",
            "21/09/2020",
            "--to",
            "21/09/2020",
            "--json",
        ],
        env,
    )
    (menu,) = json.loads(listed.stdout)
    assert (menu["site"], menu["allergens"]) == (SITE_A, ["arachide", "lait"])

    rows = json.loads(invoke(["effectifs", "--from", "21/09/2020", "--json"], env).stdout)
    diets = {row["site"]: row["diets"] for row in rows}
    assert diets == {SITE_A: {"arachide": 1}, SITE_B: {}}

    day = invoke(
        ["listes", "jour", "--site", "mons", "--unit", "Repas", "--jour", "21/09/2020"], env
    )
    assert "ALLERGIE AU MENU : arachide" in day.stdout


def test_bad_lines_exit_1_with_their_numbers_and_xlsx_is_read(env, tmp_path):
    path = tmp_path / "menus.csv"
    path.write_text(
        "site;date;plat;allergenes\n"
        f"{SITE_A};07/09/2020;Poisson;poisson\n"
        f"{SITE_A};08/09/2020;Kiwi;kiwi\n",
        encoding="utf-8",
    )
    result = invoke(["menus", "importer", str(path)], env)
    assert result.exit_code == 1
    assert "ligne 3, colonne allergenes : allergène inconnu « kiwi »" in result.stdout

    book = Workbook()
    sheet = book.active
    sheet.append(["site", "date", "entree", "plat", "dessert", "labels"])
    sheet.append([SITE_B, "07/09/2020", "Salade", "Lentilles", "Fruit", "végétarien"])
    book.save(tmp_path / "menus.xlsx")
    result = invoke(["menus", "import", str(tmp_path / "menus.xlsx"), "--apply"], env)
    assert result.exit_code == 0, result.stdout
    assert "1 menus ajoutés" in result.stdout
    table = invoke(["menus", "liste", "--from", "07/09/2020"], {**env, "COLUMNS": "200"})
    assert "Lentilles" in table.stdout and "végétarien" in table.stdout
