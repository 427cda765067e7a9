"""The régie's printed documents (PDF, fpdf2): invoice, receipt, attestation de frais de garde.

What a family receives: the mairie's header, the household, the amounts and
nothing internal (no agent login, no audit detail). Files are written 0600.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf.enums import XPos, YPos
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.billing import childcare_age_ok, childcare_certificate_eligible
from mairie_tui.domain.money import format_euros
from mairie_tui.files import write_private
from mairie_tui.models import (
    Activity,
    Household,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Person,
)
from mairie_tui.services.common import Actor, require_counter_agent
from mairie_tui.services.errors import NotFoundError, RuleViolation
from mairie_tui.services.permissions import requires
from mairie_tui.services.regie.payments import receipt
from mairie_tui.services.regie.queries import invoice_detail
from mairie_tui.services.reports import FooterPdf, pdf_text

MAIRIE = "Mairie Prim' — Alès Agglomération"
REGIE = "Régie de recettes Enfance (restauration scolaire, périscolaire, ALSH, crèches)"


def _pdf(footer: str) -> FooterPdf:
    pdf = FooterPdf(pdf_text(footer))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, pdf_text(MAIRIE), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, pdf_text(REGIE), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    return pdf


def _line(pdf: FooterPdf, text: str, *, bold: bool = False, size: int = 10) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(0, 5.5, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _payer(household_id: int, engine: Engine) -> tuple[str, str]:
    with read_session(engine) as session:
        household = session.get(Household, household_id)
        person = session.exec(
            select(Person)
            .where(Person.household_id == household_id, Person.role == "representative")
            .order_by(col(Person.position))
        ).first()
    name = (
        " ".join(p for p in (person.civility, person.first_name, person.last_name) if p)
        if person is not None
        else ""
    )
    address = ""
    if household is not None:
        address = f"{household.address}, {household.postcode} {household.commune_name}".strip(", ")
    return name, address


@requires("regie.lire")
def invoice_pdf(engine: Engine, number: str, out: Path, *, actor: Actor) -> Path:
    """The invoice (or credit note) as the family receives it."""
    detail = invoice_detail(engine, number, actor=actor)
    s = detail.summary
    with read_session(engine) as session:
        household = session.exec(select(Household).where(Household.dossier == s.dossier)).one()
    assert household.id is not None
    name, address = _payer(household.id, engine)
    title = "Facture" if s.kind == "F" else "Avoir"
    pdf = _pdf(f"{title} {s.number} — {MAIRIE}")
    _line(pdf, f"{title} n° {s.number}", bold=True, size=12)
    year, month = (int(x) for x in s.period.split("-"))
    _line(
        pdf,
        f"Période : {fr.month_title(year, month)} — émise le {fr.long_date(s.issued_at.date())}",
    )
    _line(pdf, f"Foyer {s.dossier} — {name}")
    if address:
        _line(pdf, address)
    _line(pdf, detail.qf_basis)
    pdf.ln(3)
    widths = (40, 52, 33, 35, 20)
    pdf.set_font("Helvetica", "B", 9)
    for header, width in zip(
        ("Enfant", "Activité", "Jour", "Règle", "Montant"), widths, strict=True
    ):
        pdf.cell(width, 6, pdf_text(header), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for line in detail.lines:
        cells = (
            line.child_name,
            f"{line.activity_name} ({line.unit_name})",
            fr.long_date(line.day),
            line.rule_label,
            format_euros(line.amount_cents),
        )
        for text, width in zip(cells, widths, strict=True):
            pdf.cell(width, 5, _fit(pdf, pdf_text(text), width))
        pdf.ln()
    pdf.ln(3)
    _line(pdf, f"Total : {format_euros(s.total_cents)}", bold=True, size=11)
    if s.kind == "F":
        _line(
            pdf,
            f"Déjà réglé : {format_euros(s.paid_cents)} — reste à payer : "
            f"{format_euros(s.remaining_cents)}",
        )
        _line(
            pdf,
            f"À régler avant le {fr.long_date(s.due_date)} à l'accueil de {MAIRIE} "
            "(espèces, chèque, carte bancaire, CESU ou chèques ANCV selon l'activité).",
        )
    write_private(out, bytes(pdf.output()))
    return out


def _fit(pdf: FooterPdf, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width - 1:
        return text
    while text and pdf.get_string_width(text + "...") > width - 1:
        text = text[:-1]
    return text + "..."


@requires("regie.lire")
def receipt_pdf(engine: Engine, number: str, out: Path, *, actor: Actor) -> Path:
    """The receipt of a payment."""
    found = receipt(engine, number, actor=actor)
    pdf = _pdf(f"Reçu {found.number} — {MAIRIE}")
    for index, text in enumerate(found.text().splitlines()):
        _line(pdf, text, bold=index == 0, size=12 if index == 0 else 10)
    write_private(out, bytes(pdf.output()))
    return out


@dataclass(frozen=True)
class ChildcareAmount:
    child: str
    birth_date: date
    paid_cents: int


@requires("regie.lire")
def childcare_amounts(
    engine: Engine, dossier: str, year: int, *, actor: Actor
) -> list[ChildcareAmount]:
    """What the household paid in `year` for the crèche and périscolaire of each child under 6.

    A payment settles invoices, not lines: each allocation made in the year is
    shared over its invoice's lines in proportion to their amounts (rounded
    down to the cent), and only the lines of crèche and périscolaire for a
    child under 6 that day are kept.
    """
    require_counter_agent(actor)
    with read_session(engine) as session:
        household = session.exec(select(Household).where(Household.dossier == dossier)).first()
        if household is None:
            raise NotFoundError(f"Foyer introuvable : « {dossier[:20]} ».")
        allocations = session.exec(
            select(PaymentAllocation.invoice_id, PaymentAllocation.amount_cents)
            .join(Payment, col(Payment.id) == PaymentAllocation.payment_id)
            .where(
                Payment.household_id == household.id,
                col(Payment.cancelled_at).is_(None),
                Payment.till_day >= date(year, 1, 1),
                Payment.till_day <= date(year, 12, 31),
            )
        ).all()
        paid: dict[int, int] = defaultdict(int)
        for invoice_id, amount in allocations:
            invoice = session.get(Invoice, invoice_id)
            if invoice is None or invoice.total_cents <= 0:
                continue
            for person_id, kind, day, birth, line_amount in session.execute(
                sa_select(
                    col(InvoiceLine.person_id),
                    col(Activity.kind),
                    col(InvoiceLine.day),
                    col(Person.birth_date),
                    col(InvoiceLine.amount_cents),
                )
                .join(Activity, col(Activity.id) == InvoiceLine.activity_id)
                .join(Person, col(Person.id) == InvoiceLine.person_id)
                .where(col(InvoiceLine.invoice_id) == invoice_id)
            ):
                if kind in ("creche", "periscolaire") and birth and childcare_age_ok(birth, day):
                    paid[person_id] += amount * line_amount // invoice.total_cents
        people = {
            p.id: p
            for p in session.exec(select(Person).where(col(Person.id).in_(list(paid))))
            if p.id is not None
        }
    return [
        ChildcareAmount(f"{p.first_name} {p.last_name}", p.birth_date, paid[pid])
        for pid, p in sorted(people.items(), key=lambda item: item[1].position)
        if pid is not None
        and p.birth_date is not None
        and childcare_certificate_eligible(p.birth_date, year)
        and paid[pid] > 0
    ]


@requires("regie.lire")
def childcare_certificate_pdf(
    engine: Engine, dossier: str, year: int, out: Path, *, actor: Actor
) -> Path:
    """Attestation de frais de garde: per child under 6, what was paid in the year."""
    amounts = childcare_amounts(engine, dossier, year, actor=actor)
    if not amounts:
        raise RuleViolation(
            f"Aucun frais de garde payé en {year} pour un enfant de moins de 6 ans de ce foyer."
        )
    with read_session(engine) as session:
        household = session.exec(select(Household).where(Household.dossier == dossier)).one()
    assert household.id is not None
    name, address = _payer(household.id, engine)
    pdf = _pdf(f"Attestation de frais de garde {year} — {dossier} — {MAIRIE}")
    _line(
        pdf,
        f"Attestation de frais de garde d'enfants de moins de 6 ans — année {year}",
        bold=True,
        size=12,
    )
    pdf.ln(2)
    _line(
        pdf,
        f"{MAIRIE} atteste que {name or 'le foyer ' + dossier} ({address}) a payé en {year}, "
        "pour la garde en crèche et en accueil périscolaire, les sommes suivantes :",
    )
    pdf.ln(2)
    for item in amounts:
        _line(
            pdf,
            f"• {item.child}, né(e) le {item.birth_date:%d/%m/%Y} : {format_euros(item.paid_cents)}",
        )
    total = sum(item.paid_cents for item in amounts)
    pdf.ln(2)
    _line(pdf, f"Total : {format_euros(total)}", bold=True)
    _line(
        pdf,
        "Document à joindre, si besoin, à la déclaration de revenus (frais de garde des "
        "enfants de moins de 6 ans).",
    )
    write_private(out, bytes(pdf.output()))
    return out
