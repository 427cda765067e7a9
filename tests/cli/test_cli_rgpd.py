"""Command line of the RGPD: `rgpd export` and `rgpd purge` (dry run, --apply, --json)."""

from __future__ import annotations

import json
import stat

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from mairie_tui import cli
from mairie_tui.db import make_engine, read_session
from mairie_tui.models import Person
from mairie_tui.services.demo import build_demo, seed_ids
from tests.cli.signin import DEMO_SUPERVISOR
from tests.services.test_rgpd import SEED_DAYS, run_seed_scenario

runner = CliRunner()


@pytest.fixture
def env(tmp_path, db_url):
    engine = make_engine(db_url)
    try:
        build_demo(engine, households=2)
        with read_session(engine) as session:
            run_seed_scenario(engine, seed_ids(session))
    finally:
        engine.dispose()
    return {"MAIRIE_DATA_DIR": str(tmp_path / "data"), "MAIRIE_DB_URL": db_url, **DEMO_SUPERVISOR}


def invoke(args, env, now="2023-09-01T10:00"):
    return runner.invoke(cli.app, ["--now", now, *args], env=env, catch_exceptions=False)


def test_rgpd_export_writes_json_and_pdf(env, tmp_path):
    out = tmp_path / "acces"
    result = invoke(["rgpd", "export", "F-000001", "--out", str(out), "--json"], env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dossier"] == "F-000001" and report["counts"]["reservations"] == 3
    data = json.loads((out / "foyer-F-000001.json").read_text(encoding="utf-8"))
    assert [b["day"] for b in data["reservations"]] == [d.isoformat() for d in SEED_DAYS]
    assert data["demandes"][0]["number"] == "2020-000001" and len(data["mails"]) == 1
    assert stat.S_IMODE((out / "foyer-F-000001.pdf").stat().st_mode) == 0o600
    missing = invoke(["rgpd", "export", "F-999999", "--out", str(tmp_path / "x")], env)
    assert missing.exit_code == 2 and "Foyer introuvable" in missing.stderr


def test_rgpd_purge_dry_run_then_apply(env, db_url):
    dry = invoke(["rgpd", "purge", "--before", "01/09/2022", "--json"], env)
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert planned["applied"] is False and planned["households"] == 4
    assert planned["dossiers"] == ["F-000001", "F-000002", "F-000003", "F-000000"]
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            assert "Jeannot" in {p.first_name for p in session.exec(select(Person))}
        text = invoke(["rgpd", "purge", "--before", "01/09/2022", "--apply"], env)
        assert text.exit_code == 0, text.output
        assert "4 foyer(s) anonymisé(s)" in text.stdout
        with read_session(engine) as session:
            assert {p.first_name for p in session.exec(select(Person))} == {"Anonyme"}
    finally:
        engine.dispose()
    bad = invoke(["rgpd", "purge", "--before", "31/02/2022"], env)
    assert bad.exit_code == 2
