"""Issue 11: names that look like markup or terminal control print as text in every listing.

« Dupont [/] » crashed `mairie-tui search` (MarkupError, and the last-resort handler failed on
the same text); escape sequences stored in names reached the terminal as is. Each listing runs
on a household created through the services plus rows written as an older import would have
(ESC sequences, RTL override; NUL on SQLite, where a column takes it).
"""

from __future__ import annotations

import contextlib
import json
import re
import zlib

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.cli.console import export_for_stdout, json_text
from mairie_tui.db import make_engine
from mairie_tui.domain.safe_text import REPLACEMENT
from mairie_tui.services.agents import add_agent
from mairie_tui.services.common import SYSTEM_ACTOR
from mairie_tui.services.demo import build_demo
from mairie_tui.services.requests import file_request
from tests.cli.signin import signed_in
from tests.helpers import clock_at
from tests.services.test_requests import AGENT, answers_for
from tests.tui.scenes.hostile import (
    HOSTILE_CHILD,
    HOSTILE_NAME,
    RAW_CO_FIRST,
    add_hostile_household,
)

runner = CliRunner()
NOW = "2020-09-15T10:00"
AGENT_NAME = "Agent [/] \x1b]0;pwned\x07[b]"
SUBJECT = "Réservation [/] \x1b[2J\u202e"
QUESTION = "Objet [link=https://x]ici[/link]"
UNSAFE = ("\x1b", "\x07", "\x00", "\u202e", "\x9b")


@pytest.fixture
def hostile(db_url, tmp_path):
    engine = make_engine(db_url)
    clock = clock_at(NOW)
    try:
        build_demo(engine, households=0)
        household_id, dossier = add_hostile_household(engine, clock)
        add_agent(
            engine,
            login="hostile",
            name=AGENT_NAME,
            role="agent",
            password="un mot de passe solide",
            clock=clock,
            actor=SYSTEM_ACTOR,
        )
        answers = answers_for(engine, "demande_informations", household_id, objet=QUESTION)
        filed = file_request(
            engine,
            code="demande_informations",
            answers=answers,
            actor=AGENT,
            clock=clock,
            household_id=household_id,
        )
        with engine.begin() as conn:
            conn.execute(text("UPDATE outboxemail SET subject = :s"), {"s": SUBJECT})
            conn.execute(
                text(
                    "UPDATE person SET school_class = :c WHERE household_id = :h AND role = 'child'"
                ),
                {"c": "CE2\x1b[2J", "h": household_id},
            )
            if engine.dialect.name == "sqlite":
                # An older import: NUL in a name (PostgreSQL refuses it in a text column).
                conn.execute(
                    text(
                        "UPDATE person SET school = :s WHERE household_id = :h AND role = 'child'"
                    ),
                    {"s": "École\x00 Jules [/]", "h": household_id},
                )
        return {"dossier": dossier, "request": filed.number}
    finally:
        engine.dispose()


@pytest.fixture
def env(tmp_path, db_url, hostile):
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": NOW,
        "COLUMNS": "300",
        **signed_in(db_url),
    }


def run(args, env):
    result = runner.invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    for char in UNSAFE:
        assert char not in result.stdout, (args, repr(char))
        assert char not in result.stderr, (args, repr(char))
    return result.stdout


def test_search_shows_brackets_and_no_escape(env, hostile):
    out = run(["search", "dupont"], env)
    assert f"Claire {HOSTILE_NAME}" in out
    assert f"│ {HOSTILE_CHILD} │" in out
    out = run(["search", hostile["dossier"], "--json"], env)
    hits = json.loads(out)
    assert hits[0]["representative"] == f"Claire {HOSTILE_NAME}"


def test_agent_and_outbox_lists(env):
    out = run(["agent", "list"], env)
    assert "Agent [/] " + REPLACEMENT + "]0;pwned" + REPLACEMENT + "[b]" in out
    out = run(["outbox", "list"], env)
    assert "Réservation [/] " + REPLACEMENT + "[2J" + REPLACEMENT in out
    data = json.loads(run(["outbox", "list", "--json"], env))
    assert data[0]["subject"] == SUBJECT  # JSON keeps every character, escaped


def test_demandes_list_and_show(env, hostile):
    out = (
        run(["demandes", "list", "--tous"], env)
        if _has_all_option()
        else run(["demandes", "list"], env)
    )
    assert f"Claire {HOSTILE_NAME}" in out
    out = run(["demandes", "show", hostile["request"]], env)
    assert QUESTION in out
    assert f"Claire {HOSTILE_NAME}" in out


def _has_all_option() -> bool:
    result = runner.invoke(app, ["demandes", "list", "--help"])
    return "--tous" in result.stdout


def test_listes_effectifs_and_pdf(env, tmp_path, db_url):
    out = run(
        [
            "listes",
            "jour",
            "--site",
            "restaurant scolaire mons elementaire",
            "--unit",
            "repas",
            "--jour",
            "15/09/2020",
        ],
        env,
    )
    assert HOSTILE_CHILD in out
    run(["effectifs", "--site", "restaurant scolaire mons elementaire", "--from", "15/09/2020"], env)
    pdf = tmp_path / "liste.pdf"
    run(
        ["listes", "imprimer", "--site", "restaurant scolaire mons elementaire", "--unit", "repas", "--jour", "15/09/2020",
         "--out", str(pdf)],
        env,
    )  # fmt: skip
    page_text = pdf_strings(pdf.read_bytes())
    assert f"{HOSTILE_NAME} {HOSTILE_CHILD} CE2?" in page_text
    assert "\x1b" not in page_text


def test_export_keeps_the_data_and_shows_no_control_on_a_terminal(env):
    out = run(["export", "households", "--format", "json"], env)
    households = json.loads(out)  # one object per household, its people in "membres"
    assert any(
        RAW_CO_FIRST in member.values() for row in households for member in row["membres"]
    )
    csv_text = runner.invoke(app, ["export", "households"], env=env).stdout
    assert HOSTILE_NAME in csv_text
    shown = export_for_stdout(csv_text, "csv", to_terminal=True)
    assert "\x1b" not in shown and HOSTILE_NAME in shown
    assert export_for_stdout(csv_text, "csv", to_terminal=False) == csv_text


def pdf_strings(pdf: bytes) -> str:
    """The text shown by the PDF's core-font strings (content streams inflated)."""
    shown = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        for string in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw):
            shown.append(re.sub(rb"\\(.)", rb"\1", string).decode("latin-1"))
    return " ".join(shown)


def test_import_report_with_markup_in_a_bad_line(env, tmp_path, db_url):
    header = runner.invoke(app, ["export", "households"], env=env).stdout.splitlines()[0]
    columns = header.split(";")
    good = {"id_externe": "X1", "membre": "representant", "nom": "Durand [/]", "prenom": "Léa"}
    bad = {"id_externe": "X2", "membre": "representant", "nom": "Bad", "prenom": "[/]"}
    good["adresse"], bad["adresse"] = "1 rue [b]", "x"
    good["commune"], bad["commune"] = "Mons", "Nulle [/] part"
    source = tmp_path / "foyers.csv"
    rows = [";".join(row.get(c, "") for c in columns) for row in (good, bad)]
    source.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "households", str(source), "--apply"], env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "ligne 3" in result.stdout and "Nulle [/] part" in result.stdout
    assert "Durand [/]" in run(["search", "durand"], env)


def test_last_resort_handler_survives_hostile_text(monkeypatch, capsys, tmp_path):
    """The message of an unexpected error is never shown (it may quote a family's
    data): the handler prints the class and a reference, and never fails on the text."""
    from mairie_tui import cli

    monkeypatch.setenv("MAIRIE_DATA_DIR", str(tmp_path))

    def boom(*_args, **_kwargs):
        raise RuntimeError("Dupont [/] \x1b[2J [link=https://x]ici[/link]")

    monkeypatch.setattr(cli, "app", boom)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "Erreur inattendue (RuntimeError)" in err and "ERR-" in err
    assert "Dupont" not in err and "\x1b" not in err


def test_json_text_escapes_what_a_terminal_would_obey():
    value = {"nom": "a\x1b[2Jb\u202ec\x9bd\x00"}
    shown = json_text(value)
    assert json.loads(shown) == value
    for char in UNSAFE:
        assert char not in shown
