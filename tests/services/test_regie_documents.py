"""The régie's PDFs as a family reads them (text extracted with pypdf): invoice, receipt,
attestation de frais de garde; and what that attestation counts."""

from __future__ import annotations

import stat
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select

from mairie_tui.clock import PARIS
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.billing import Mode, Tender
from mairie_tui.models import Activity, Booking, Enrolment, Person, Unit
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.regie import generate_month, take_payment
from mairie_tui.services.regie.documents import (
    childcare_amounts,
    childcare_certificate_pdf,
    invoice_pdf,
    receipt_pdf,
)
from tests.services.test_regie_payments import AGENT, CHEQUE, OCTOBER, SUPERVISOR
from tests.services.test_rgpd import run_seed_scenario


def text_of(path) -> str:
    """The PDF's text; the core fonts print « € » as « EUR » (services/reports.pdf_text)."""
    return "\n".join(page.extract_text() for page in PdfReader(path).pages).replace(" EUR", " €")


@pytest.fixture
def paid(engine):
    """FAMILLE TEST with a little sister (born 2016) at the Mons périscolaire in September,
    invoiced and paid."""
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    run_seed_scenario(engine, ids)
    with unit_of_work(engine) as session:
        activity = session.exec(select(Activity).where(Activity.code == "PERI-MONS")).one()
        morning = session.exec(
            select(Unit).where(Unit.activity_id == activity.id, Unit.name == "Matin")
        ).one()
        sister = Person(
            household_id=ids.household_id,
            role="child",
            first_name="Lison",
            last_name="FAMILLE TEST",
            birth_date=date(2016, 3, 1),
            position=3,
        )
        session.add(sister)
        session.flush()
        enrolment = Enrolment(
            person_id=sister.id,
            activity_id=activity.id,
            start_date=date(2020, 9, 1),
            end_date=date(2021, 7, 6),
        )
        session.add(enrolment)
        session.flush()
        for day in (date(2020, 9, 21), date(2020, 9, 22)):
            session.add(
                Booking(
                    enrolment_id=enrolment.id,
                    day=day,
                    unit_id=morning.id,
                    status="booked",
                    updated_at=datetime(2020, 9, 1, 10, tzinfo=PARIS),
                )
            )
    run = generate_month(engine, 2020, 9, actor=SUPERVISOR, clock=OCTOBER)
    number = run.numbers[[i.household_id for i in run.invoices].index(ids.household_id)]
    # 3 meals × 3,30 € + 2 mornings × 1,20 € = 12,30 €
    receipt = take_payment(
        engine,
        ids.household_id,
        [Tender(Mode.CHEQUE, 1000, **CHEQUE), Tender(Mode.CASH, 230, tendered=500)],
        actor=AGENT,
        clock=OCTOBER,
    )
    return ids, number, receipt.number


def test_invoice_pdf_says_what_the_family_owes_and_why(engine, paid, tmp_path):
    _, number, _ = paid
    out = invoice_pdf(engine, number, tmp_path / "facture.pdf", actor=AGENT)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = text_of(out)
    assert f"Facture n° {number}" in text and "Foyer F-000001" in text
    assert "vendredi 25/09/2020" in text and "lundi 21/09/2020" in text
    assert "Total : 12,30 €" in text and "reste à payer : 0,00 €" in text
    assert "Quotient familial : 880." in text
    assert "guichet" not in text  # no agent login on what the family receives


def test_receipt_pdf(engine, paid, tmp_path):
    _, number, receipt_number = paid
    text = text_of(receipt_pdf(engine, receipt_number, tmp_path / "recu.pdf", actor=AGENT))
    assert f"Reçu n° {receipt_number}" in text
    assert "Monnaie rendue : 2,70 €" in text and f"Facture {number} : 12,30 €" in text
    assert "Solde : 0,00 € (à jour)" in text


def test_childcare_certificate_counts_only_childcare_of_children_under_six(engine, paid, tmp_path):
    amounts = childcare_amounts(engine, "F-000001", 2020, actor=AGENT)
    # Jeannot (born 2013) is over 6 and his meals are not childcare; Lison's mornings are.
    assert [(a.child, a.paid_cents) for a in amounts] == [("Lison FAMILLE TEST", 240)]
    text = text_of(
        childcare_certificate_pdf(engine, "F-000001", 2020, tmp_path / "a.pdf", actor=AGENT)
    )
    assert "année 2020" in text and "Lison FAMILLE TEST" in text and "2,40 €" in text
    with pytest.raises(RuleViolation, match="Aucun frais de garde"):
        childcare_certificate_pdf(engine, "F-000001", 2019, tmp_path / "b.pdf", actor=AGENT)
