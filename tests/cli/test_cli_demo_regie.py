"""`mairie-tui demo --regie` (issue 14): the régie's demo from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mairie_tui.cli import app
from tests.cli.signin import DEMO_SUPERVISOR

runner = CliRunner()


def test_demo_regie_invoices_two_months_and_leaves_famille_test_owing(tmp_path, db_url):
    env = {"MAIRIE_DATA_DIR": str(tmp_path / "data"), "MAIRIE_DB_URL": db_url, "MAIRIE_NOW": ""}
    result = runner.invoke(
        app, ["demo", "--households", "20", "--regie"], env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "MAIRIE_NOW=2020-11-05T10:00" in result.stdout
    env = {**env, **DEMO_SUPERVISOR, "MAIRIE_NOW": "2020-11-05T10:00"}
    listed = runner.invoke(app, ["factures", "liste", "--json"], env=env, catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    invoices = json.loads(listed.stdout)
    assert {invoice["period"] for invoice in invoices} == {"2020-09", "2020-10"}
    seed = [invoice for invoice in invoices if invoice["dossier"] == "F-000001"]
    assert [(i["period"], i["paid_cents"]) for i in seed] == [("2020-09", 0)]
    journal = runner.invoke(
        app, ["regie", "journal", "--jour", "12/10/2020"], env=env, catch_exceptions=False
    )
    assert journal.exit_code == 0, journal.output
    assert "Caisse close le" in journal.stdout
