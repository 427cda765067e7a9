"""The till: a day's payments by agent and mode, the régisseur's closing, the accounting export.

The closing (journal de caisse) records the totals by mode, the cheques to
hand to the bank (bordereau de remise), and the cash counted against the cash
expected, with the difference. After it, that day's payments can neither be
taken nor cancelled (services/regie/payments.py checks the closing).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.billing import MODE_LABELS, Mode
from mairie_tui.domain.money import format_euros
from mairie_tui.models import (
    Agent,
    Household,
    Invoice,
    Payment,
    PaymentTender,
    TillClosing,
)
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import PermissionDenied, RuleViolation
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import writing


@dataclass(frozen=True)
class TillPayment:
    number: str
    dossier: str
    agent: str
    taken_at_text: str
    total_cents: int
    change_cents: int
    cancelled: bool
    cancel_reason: str
    modes: tuple[tuple[str, int], ...]  # (mode, cents)


@dataclass(frozen=True)
class ChequeLine:
    receipt: str
    number: str
    bank: str
    holder: str
    amount_cents: int


@dataclass(frozen=True)
class TillDay:
    day: date
    payments: tuple[TillPayment, ...]
    totals_by_mode: dict[str, int]
    totals_by_agent: dict[str, dict[str, int]]
    cheques: tuple[ChequeLine, ...]
    closing: TillClosing | None

    @property
    def expected_cash_cents(self) -> int:
        return self.totals_by_mode.get(Mode.CASH.value, 0)

    @property
    def total_cents(self) -> int:
        return sum(self.totals_by_mode.values())

    def text(self) -> str:
        """The journal de caisse as printed."""
        lines = [f"Journal de caisse du {fr.long_date(self.day)}", ""]
        for payment in self.payments:
            modes = ", ".join(f"{MODE_LABELS[Mode(m)]} {format_euros(c)}" for m, c in payment.modes)
            state = f" — ANNULÉ : {payment.cancel_reason}" if payment.cancelled else ""
            lines.append(
                f"{payment.number}  {payment.taken_at_text}  {payment.dossier}  {payment.agent}  "
                f"{format_euros(payment.total_cents)} ({modes}){state}"
            )
        lines += ["", "Totaux par mode :"]
        lines += [
            f"  {MODE_LABELS[Mode(m)]} : {format_euros(c)}" for m, c in self.totals_by_mode.items()
        ]
        lines.append(f"  Total : {format_euros(self.total_cents)}")
        if self.cheques:
            lines += ["", "Bordereau de remise de chèques :"]
            lines += [
                f"  n° {c.number}  {c.bank}  {c.holder}  {format_euros(c.amount_cents)}"
                for c in self.cheques
            ]
            total = sum(c.amount_cents for c in self.cheques)
            lines.append(f"  {len(self.cheques)} chèque(s), {format_euros(total)}")
        if self.closing is not None:
            lines += [
                "",
                f"Caisse close le {fr.date_time(self.closing.closed_at)}",
                f"  Espèces attendues : {format_euros(self.closing.expected_cash_cents)}",
                f"  Espèces comptées : {format_euros(self.closing.counted_cash_cents)}",
                f"  Écart : {format_euros(self.closing.difference_cents)}",
            ]
            if self.closing.note:
                lines.append(f"  Note : {self.closing.note}")
        return "\n".join(lines)


def _load_day(session: Session, day: date) -> TillDay:
    agents = {a.id: a.name for a in session.exec(select(Agent))}
    payments = session.exec(
        select(Payment, Household.dossier)
        .join(Household, col(Household.id) == Payment.household_id)
        .where(Payment.till_day == day)
        .order_by(col(Payment.taken_at), col(Payment.id))
    ).all()
    ids = [p.id for p, _ in payments]
    tenders: dict[int, list[PaymentTender]] = defaultdict(list)
    if ids:
        for tender in session.exec(
            select(PaymentTender)
            .where(col(PaymentTender.payment_id).in_(ids))
            .order_by(col(PaymentTender.id))
        ):
            tenders[tender.payment_id].append(tender)
    by_mode: dict[str, int] = {m.value: 0 for m in Mode}
    by_agent: dict[str, dict[str, int]] = defaultdict(lambda: {m.value: 0 for m in Mode})
    cheques: list[ChequeLine] = []
    rows: list[TillPayment] = []
    for payment, dossier in payments:
        agent = agents.get(payment.agent_id, "Système")
        mine = tenders[payment.id or 0]
        live = payment.cancelled_at is None
        for tender in mine:
            if not live:
                continue
            by_mode[tender.mode] += tender.amount_cents
            by_agent[agent][tender.mode] += tender.amount_cents
            if tender.mode == Mode.CHEQUE.value:
                cheques.append(
                    ChequeLine(
                        payment.number,
                        tender.cheque_number,
                        tender.bank,
                        tender.holder,
                        tender.amount_cents,
                    )
                )
        rows.append(
            TillPayment(
                number=payment.number,
                dossier=dossier,
                agent=agent,
                taken_at_text=fr.date_time(payment.taken_at),
                total_cents=payment.total_cents,
                change_cents=payment.change_cents,
                cancelled=not live,
                cancel_reason=payment.cancel_reason,
                modes=tuple((t.mode, t.amount_cents) for t in mine),
            )
        )
    closing = session.exec(select(TillClosing).where(TillClosing.day == day)).first()
    return TillDay(
        day=day,
        payments=tuple(rows),
        totals_by_mode={m: c for m, c in by_mode.items() if c},
        totals_by_agent={a: {m: c for m, c in t.items() if c} for a, t in by_agent.items()},
        cheques=tuple(cheques),
        closing=closing,
    )


@requires("regie.lire")
def till_day(engine: Engine, day: date, *, actor: Actor) -> TillDay:
    """A day's payments, by agent and mode, with its closing if any."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        return _load_day(session, day)


@requires("regie.regisseur")
@write_use_case(retry_on_duplicate=True)
def close_till(
    engine: Engine,
    day: date,
    counted_cash_cents: int,
    *,
    actor: Actor,
    clock: Clock,
    note: str = "",
) -> TillDay:
    """The régisseur's closing of a day (supervisor): counted cash vs expected, then frozen."""
    if not actor.is_supervisor:
        raise PermissionDenied("Seul le régisseur (superviseur) clôt la caisse.")
    if counted_cash_cents < 0:
        raise RuleViolation("Espèces comptées : le montant ne peut pas être négatif.")
    if day > clock.today():
        raise RuleViolation(f"Le {fr.long_date(day)} n'est pas encore passé.")
    now = clock.now()
    with writing(engine, "clôture de caisse") as session:
        if session.exec(select(TillClosing).where(TillClosing.day == day)).first() is not None:
            raise RuleViolation(f"La caisse du {fr.long_date(day)} est déjà close.")
        # Lock the day's payments so that none is cancelled while the closing is written.
        session.exec(
            select(col(Payment.id)).where(Payment.till_day == day).with_for_update(key_share=True)
        ).all()
        current = _load_day(session, day)
        expected = current.expected_cash_cents
        closing = TillClosing(
            day=day,
            agent_id=actor.id,
            closed_at=now,
            expected_cash_cents=expected,
            counted_cash_cents=counted_cash_cents,
            difference_cents=counted_cash_cents - expected,
            totals=json.dumps(current.totals_by_mode, sort_keys=True),
            note=note.strip()[:300],
        )
        session.add(closing)
        session.flush()
        audit(
            session,
            at=now,
            actor=actor,
            action="till.close",
            entity="till",
            entity_id=closing.id,
            details={
                "day": day.isoformat(),
                "expected_cash_cents": expected,
                "counted_cash_cents": counted_cash_cents,
                "totals": current.totals_by_mode,
            },
        )
        return _load_day(session, day)


ACCOUNTING_FIELDS = (
    "type",
    "numero",
    "date",
    "foyer",
    "montant",
    "mode",
    "imputation",
    "reference",
)

# Imputation budgétaire (nomenclature M57): produits des services périscolaires et
# d'enseignement (7067); encaissements par le compte de la régie (5411).
IMPUTATION_INVOICE = "7067"
IMPUTATION_PAYMENT = "5411"


@requires("regie.regisseur")
def accounting_export(engine: Engine, start: date, end: date, *, actor: Actor) -> str:
    """CSV (;) of the invoices and payments of [start, end] for the Trésor public's interface:
    one line per invoice or credit note, one per mode of each live payment; amounts in euros
    with a decimal point."""
    if not actor.is_supervisor:
        raise PermissionDenied("L'export comptable est réservé au régisseur (superviseur).")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(ACCOUNTING_FIELDS)
    with read_session(engine) as session:
        for invoice, dossier in session.exec(
            select(Invoice, Household.dossier)
            .join(Household, col(Household.id) == Invoice.household_id)
            .order_by(col(Invoice.number))
        ):
            issued = invoice.issued_at.date()
            if not start <= issued <= end:
                continue
            writer.writerow(
                [
                    "facture" if invoice.kind == "F" else "avoir",
                    invoice.number,
                    issued.isoformat(),
                    dossier,
                    _decimal(invoice.total_cents),
                    "",
                    IMPUTATION_INVOICE,
                    invoice.period,
                ]
            )
        for payment, dossier in session.exec(
            select(Payment, Household.dossier)
            .join(Household, col(Household.id) == Payment.household_id)
            .where(
                Payment.till_day >= start,
                Payment.till_day <= end,
                col(Payment.cancelled_at).is_(None),
            )
            .order_by(col(Payment.number))
        ):
            for tender in session.exec(
                select(PaymentTender)
                .where(PaymentTender.payment_id == payment.id)
                .order_by(col(PaymentTender.id))
            ):
                writer.writerow(
                    [
                        "encaissement",
                        payment.number,
                        payment.till_day.isoformat(),
                        dossier,
                        _decimal(tender.amount_cents),
                        tender.mode,
                        IMPUTATION_PAYMENT,
                        tender.cheque_number or tender.terminal_ref,
                    ]
                )
    return out.getvalue()


def _decimal(cents: int) -> str:
    """Cents as the accounting file writes them: -12.50 (no float on the way)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
