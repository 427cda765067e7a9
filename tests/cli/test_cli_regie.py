"""Command line of the régie: `factures generer` (dry run, write, re-run), `liste`, `voir`, `tarifs`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mairie_tui import cli
from mairie_tui.db import make_engine, read_session
from mairie_tui.services.demo import build_demo, seed_ids
from tests.cli.signin import DEMO_SUPERVISOR
from tests.services.test_rgpd import SEED_DAYS, run_seed_scenario

runner = CliRunner()
AGENT = {"MAIRIE_AGENT": "guichet", "MAIRIE_PASSWORD": "guichet"}


@pytest.fixture
def env(tmp_path, db_url):
    engine = make_engine(db_url)
    try:
        build_demo(engine, households=3)
        with read_session(engine) as session:
            run_seed_scenario(engine, seed_ids(session))
    finally:
        engine.dispose()
    return {"MAIRIE_DATA_DIR": str(tmp_path / "data"), "MAIRIE_DB_URL": db_url}


def invoke(args, env, who=DEMO_SUPERVISOR, now="2020-10-05T09:00"):
    return runner.invoke(cli.app, ["--now", now, *args], env={**env, **who}, catch_exceptions=False)


def test_dry_run_then_write_then_rerun(env):
    dry = invoke(["factures", "generer", "--mois", "2020-09", "--dry-run", "--json"], env)
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert planned["dry_run"] and planned["numbers"] == [] and planned["invoices"] >= 1
    assert sum(planned["by_activity_cents"].values()) == planned["total_cents"]
    listed = invoke(["factures", "liste", "--json"], env, who=AGENT)
    assert json.loads(listed.stdout) == []

    written = json.loads(invoke(["factures", "generer", "--mois", "2020-09", "--json"], env).stdout)
    assert (
        written["invoices"] == planned["invoices"]
        and written["total_cents"] == planned["total_cents"]
    )
    assert written["numbers"][0] == "2020-F-000001"
    again = json.loads(invoke(["factures", "generer", "--mois", "2020-09", "--json"], env).stdout)
    assert again["numbers"] == [] and again["already_invoiced"] == planned["invoices"]


def test_the_seed_household_is_billed_its_three_meals(env):
    invoke(["factures", "generer", "--mois", "2020-09"], env)
    mine = json.loads(
        invoke(["factures", "liste", "--foyer", "F-000001", "--json"], env, who=AGENT).stdout
    )
    assert (
        len(mine) == 1 and mine[0]["total_cents"] == 3 * 330 and mine[0]["remaining_cents"] == 990
    )
    shown = invoke(["factures", "voir", mine[0]["number"], "--json"], env, who=AGENT)
    detail = json.loads(shown.stdout)
    assert [line["day"] for line in detail["lines"]] == [d.isoformat() for d in SEED_DAYS]
    assert {line["rule_label"] for line in detail["lines"]} == {"réservé"}
    assert detail["qf_basis"] == "Quotient familial : 880." and detail["due_date"] == "2020-10-31"
    text = invoke(["factures", "voir", mine[0]["number"]], env, who=AGENT)
    assert "vendredi 25/09/2020" in text.stdout and "reste dû 9,90 €" in text.stdout
    table = invoke(["factures", "liste", "--foyer", "F-000001"], env, who=AGENT).stdout
    assert "31/10/2020" in table and "2020/2020" not in table


def test_refusals_in_french(env):
    agent = invoke(["factures", "generer", "--mois", "2020-09"], env, who=AGENT)
    assert agent.exit_code == 2 and "superviseur" in agent.stderr
    month = invoke(["factures", "generer", "--mois", "2020-13"], env)
    assert month.exit_code == 2 and "n'est pas un mois AAAA-MM" in month.stderr
    missing = invoke(["factures", "voir", "2020-F-999999"], env, who=AGENT)
    assert missing.exit_code == 2 and "Facture introuvable" in missing.stderr


def test_tariffs_list_and_import_refuses_an_overlap(env, tmp_path):
    listed = json.loads(invoke(["tarifs", "liste", "--json"], env, who=AGENT).stdout)
    canteen = [t for t in listed if t["activity"] == "*canteen"]
    assert [t["valid_from"] for t in canteen] == ["2020-08-31", "2021-01-01"]
    overlap = tmp_path / "chevauchement.toml"
    overlap.write_text(
        '[[tarif]]\ntype = "canteen"\ndu = "2020-12-01"\nhors_commune = "5"\nmajoration = "1"\n'
        'tranches = [{ qf_min = 0, prix = "2,00" }]\n',
        encoding="utf-8",
    )
    refused = invoke(["tarifs", "importer", str(overlap)], env)
    assert refused.exit_code == 2 and "deux tarifs en vigueur le même jour" in refused.stderr
    own = tmp_path / "mons.toml"
    own.write_text(
        '[[tarif]]\nactivite = "RS-MONS"\ndu = "2020-09-01"\nau = "2020-12-31"\n'
        'hors_commune = "5"\nmajoration = "1"\n'
        'tranches = [{ qf_min = 0, qf_max = 999, prix = "2,00" }, { qf_min = 1000, prix = "3,00" }]\n',
        encoding="utf-8",
    )
    assert invoke(["tarifs", "importer", str(own)], env).exit_code == 0
    invoke(["factures", "generer", "--mois", "2020-09"], env)
    mine = json.loads(
        invoke(["factures", "liste", "--foyer", "F-000001", "--json"], env, who=AGENT).stdout
    )
    assert mine[0]["total_cents"] == 3 * 200


def test_till_journal_close_and_export(env, tmp_path):
    from mairie_tui.domain.billing import Mode, Tender
    from mairie_tui.services.common import Actor
    from mairie_tui.services.regie import take_payment
    from tests.helpers import clock_at

    invoke(["factures", "generer", "--mois", "2020-09"], env)
    engine = make_engine(env["MAIRIE_DB_URL"])
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
        take_payment(
            engine,
            ids.household_id,
            [Tender(Mode.CASH, 990, tendered=2000)],
            actor=Actor(id=1, login="guichet", name="Camille Martin", role="agent"),
            clock=clock_at("2020-10-05T11:00"),
        )
    finally:
        engine.dispose()
    journal = invoke(["regie", "journal", "--jour", "05/10/2020", "--json"], env, who=AGENT)
    data = json.loads(journal.stdout)
    assert data["totals_by_mode_cents"] == {"especes": 990} and not data["closed"]
    refused = invoke(
        ["regie", "cloturer", "--especes", "9,90", "--jour", "05/10/2020"], env, who=AGENT
    )
    assert refused.exit_code == 2
    bad = invoke(["regie", "cloturer", "--especes", "9,9,0"], env)
    assert bad.exit_code == 2 and "Montant invalide" in bad.stderr
    closed = invoke(
        ["regie", "cloturer", "--especes", "9,90", "--jour", "05/10/2020"],
        env,
        now="2020-10-05T18:00",
    )
    assert closed.exit_code == 0, closed.output
    assert "Écart : 0,00 €" in closed.stdout and "Caisse close" in closed.stdout
    out = tmp_path / "compta.csv"
    exported = invoke(
        ["regie", "export", "--du", "01/10/2020", "--au", "31/10/2020", "--out", str(out)], env
    )
    assert exported.exit_code == 0, exported.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("type;numero;date;foyer;montant") and any(
        r.startswith("encaissement;2020-R-000001;2020-10-05;F-000001;9.90;especes") for r in rows
    )
    assert (out.stat().st_mode & 0o777) == 0o600


def test_invoice_and_receipt_pdfs_from_the_command_line(env, tmp_path):
    from pypdf import PdfReader

    invoke(["factures", "generer", "--mois", "2020-09"], env)
    mine = json.loads(
        invoke(["factures", "liste", "--foyer", "F-000001", "--json"], env, who=AGENT).stdout
    )
    out = tmp_path / "facture.pdf"
    result = invoke(["factures", "pdf", mine[0]["number"], "--out", str(out)], env, who=AGENT)
    assert result.exit_code == 0, result.output
    assert "Total : 9,90 EUR" in PdfReader(out).pages[0].extract_text()
    missing = invoke(
        ["regie", "recu", "2020-R-000009", "--out", str(tmp_path / "r.pdf")], env, who=AGENT
    )
    assert missing.exit_code == 2 and "Reçu introuvable" in missing.stderr
    none = invoke(
        ["regie", "attestation", "F-000001", "--annee", "2020", "--out", str(tmp_path / "a.pdf")],
        env,
        who=AGENT,
    )
    assert none.exit_code == 2 and "Aucun frais de garde" in none.stderr


def test_a_supervisor_cancels_a_payment_with_a_reason(env):
    from mairie_tui.domain.billing import Mode, Tender
    from mairie_tui.services.common import Actor
    from mairie_tui.services.regie import household_balance, take_payment
    from tests.helpers import clock_at

    invoke(["factures", "generer", "--mois", "2020-09"], env)
    engine = make_engine(env["MAIRIE_DB_URL"])
    desk = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
        receipt = take_payment(
            engine,
            ids.household_id,
            [Tender(Mode.CASH, 990, tendered=990)],
            actor=desk,
            clock=clock_at("2020-10-05T11:00"),
        )
        assert household_balance(engine, ids.household_id, actor=desk).due_cents == 0

        refused = invoke(["regie", "annuler", receipt.number, "--motif", "Erreur"], env, who=AGENT)
        assert refused.exit_code == 2 and "superviseur" in refused.stderr
        no_reason = invoke(["regie", "annuler", receipt.number, "--motif", "  "], env)
        assert no_reason.exit_code != 0
        assert "Indiquez le motif de l'annulation." in no_reason.stderr
        unknown = invoke(["regie", "annuler", "2020-R-999999", "--motif", "Erreur"], env)
        assert "Reçu introuvable : « 2020-R-999999 »." in unknown.stderr
        assert household_balance(engine, ids.household_id, actor=desk).due_cents == 0

        done = invoke(["regie", "annuler", receipt.number, "--motif", "Chèque sans provision"], env)
        assert done.exit_code == 0, done.output
        assert done.stdout.strip() == f"Reçu {receipt.number} annulé. Solde : 9,90 € dû"
        assert household_balance(engine, ids.household_id, actor=desk).due_cents == 990
        again = invoke(["regie", "annuler", receipt.number, "--motif", "Encore"], env)
        assert f"Le reçu {receipt.number} est déjà annulé." in again.stderr
    finally:
        engine.dispose()
