"""The régie's rules: what a day costs a family, and where a payment goes.

Pure functions over plain data; amounts are integer cents (``domain.money``).

Billing rules, one per day of a child × activity × unit (``bill_day``):

- the day is closed (school holiday, public holiday, mairie closure, strike)
  → never billed, whatever was booked;
- booked and present → billed at the household's price;
- booked and not marked (no pointage yet) → billed as booked;
- booked, absent, not justified → billed;
- booked and absent with a justified absence (a certificate) → not billed;
- present without a booking → billed at the price plus the majoration;
- booking cancelled after the day's deadline → billed at the late-cancellation
  price, unless a justified absence covers the day;
- anything else (nothing booked, cancelled in time) → no line.

Every line carries the rule that produced it, so the invoice can say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from mairie_tui.domain import fr
from mairie_tui.domain.money import Cents, format_euros


class Rule(StrEnum):
    BOOKED_PRESENT = "reserve_present"
    BOOKED_UNMARKED = "reserve"
    ABSENT_UNJUSTIFIED = "absence_non_justifiee"
    ABSENT_JUSTIFIED = "absence_justifiee"
    UNBOOKED_PRESENCE = "presence_sans_reservation"
    LATE_CANCELLATION = "annulation_tardive"
    CLOSED = "fermeture"


RULE_LABELS: dict[Rule, str] = {
    Rule.BOOKED_PRESENT: "réservé, présent",
    Rule.BOOKED_UNMARKED: "réservé",
    Rule.ABSENT_UNJUSTIFIED: "réservé, absence non justifiée",
    Rule.ABSENT_JUSTIFIED: "absence justifiée : non facturé",
    Rule.UNBOOKED_PRESENCE: "présent sans réservation : majoré",
    Rule.LATE_CANCELLATION: "annulé après le délai",
    Rule.CLOSED: "fermé : non facturé",
}

BILLED_RULES = frozenset(
    {
        Rule.BOOKED_PRESENT,
        Rule.BOOKED_UNMARKED,
        Rule.ABSENT_UNJUSTIFIED,
        Rule.UNBOOKED_PRESENCE,
        Rule.LATE_CANCELLATION,
    }
)


@dataclass(frozen=True)
class DayFacts:
    """What happened on one day for one child, activity and unit."""

    day: date
    booked: bool = False
    cancelled_late: bool = False
    present: bool | None = None  # the pointage: None when the day was not marked
    justified_absence: bool = False
    closed_reason: str | None = None  # "Vacances de la Toussaint", "Grève", …


@dataclass(frozen=True)
class Prices:
    """The prices that apply to one household for one unit on one day."""

    unit_price: Cents
    surcharge: Cents  # added to the price for a presence without booking
    late_cancellation: Cents
    basis: str  # why this price: "QF 623 à 1000", "hors commune", …

    def __post_init__(self) -> None:
        if min(self.unit_price, self.surcharge, self.late_cancellation) < 0:
            raise ValueError("prix négatif")


@dataclass(frozen=True)
class DayCharge:
    day: date
    rule: Rule
    quantity: int
    unit_price: Cents
    amount: Cents

    @property
    def billed(self) -> bool:
        return self.quantity > 0

    def explanation(self) -> str:
        text = RULE_LABELS[self.rule]
        if self.billed:
            return f"{text} — {self.quantity} × {format_euros(self.unit_price)}"
        return text


def classify(facts: DayFacts) -> Rule | None:
    """Which rule applies to a day, or None when the day gives no line at all."""
    involved = facts.booked or facts.cancelled_late or facts.present is True
    if not involved:
        return None
    if facts.closed_reason is not None:
        return Rule.CLOSED
    if facts.present is True:
        return Rule.BOOKED_PRESENT if facts.booked else Rule.UNBOOKED_PRESENCE
    if facts.justified_absence:
        return Rule.ABSENT_JUSTIFIED
    if facts.booked:
        return Rule.ABSENT_UNJUSTIFIED if facts.present is False else Rule.BOOKED_UNMARKED
    return Rule.LATE_CANCELLATION


def bill_day(facts: DayFacts, prices: Prices) -> DayCharge | None:
    """The charge of one day (possibly a zero line that says why), or None."""
    rule = classify(facts)
    if rule is None:
        return None
    if rule not in BILLED_RULES:
        return DayCharge(facts.day, rule, 0, 0, 0)
    if rule is Rule.UNBOOKED_PRESENCE:
        price = prices.unit_price + prices.surcharge
    elif rule is Rule.LATE_CANCELLATION:
        price = prices.late_cancellation
    else:
        price = prices.unit_price
    return DayCharge(facts.day, rule, 1, price, price)


# ---------------------------------------------------------------- tariffs


@dataclass(frozen=True)
class PriceBracket:
    min_qf: int
    max_qf: int | None
    price: Cents

    def label(self) -> str:
        if self.max_qf is None:
            return f"QF ≥ {self.min_qf}"
        return f"QF {self.min_qf} à {self.max_qf}"


@dataclass(frozen=True)
class Tariff:
    """One activity's (or unit's, or kind of activity's) prices over a period of validity.

    `activity` is an activity code ("RS-MONS"), or a kind of activity prefixed
    with "*" ("*canteen": every canteen without a tariff of its own).
    """

    activity: str  # activity code, or "*" + kind
    unit: str | None  # unit name, None for every unit of the activity
    valid_from: date
    valid_to: date | None
    brackets: tuple[PriceBracket, ...]
    outside_commune: Cents
    surcharge: Cents
    late_cancellation: Cents | None = None  # None: the household's own price

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def problems(self) -> list[str]:
        found: list[str] = []
        rows = sorted(self.brackets, key=lambda b: b.min_qf)
        if not rows:
            return [f"{self.activity} : grille vide"]
        if rows[0].min_qf != 0:
            found.append(f"{self.activity} : la grille ne commence pas à QF 0")
        for before, after in zip(rows, rows[1:], strict=False):
            if before.max_qf is None or before.max_qf + 1 != after.min_qf:
                found.append(f"{self.activity} : trou ou chevauchement après {before.label()}")
        if rows[-1].max_qf is not None:
            found.append(f"{self.activity} : la dernière tranche doit être ouverte")
        prices = [self.outside_commune, self.surcharge, *(b.price for b in rows)]
        if self.late_cancellation is not None:
            prices.append(self.late_cancellation)
        if any(p < 0 for p in prices):
            found.append(f"{self.activity} : prix négatif")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            found.append(f"{self.activity} : fin de validité avant son début")
        return found

    def prices(self, *, qf: int | None, resident: bool) -> Prices:
        """The household's prices: its QF bracket, the top one without a valid QF, or outside."""
        rows = sorted(self.brackets, key=lambda b: b.min_qf)
        if not resident:
            price, basis = self.outside_commune, "hors commune"
        elif qf is None:
            price, basis = rows[-1].price, "QF non fourni : tarif de la tranche la plus haute"
        else:
            row = next(
                (b for b in rows if b.min_qf <= qf and (b.max_qf is None or qf <= b.max_qf)),
                rows[-1],
            )
            price, basis = row.price, row.label()
        late = price if self.late_cancellation is None else self.late_cancellation
        return Prices(
            unit_price=price, surcharge=self.surcharge, late_cancellation=late, basis=basis
        )


KIND_LABELS = {
    "canteen": "restauration scolaire",
    "periscolaire": "périscolaire",
    "alsh": "ALSH",
    "creche": "crèche",
}


def scope_label(tariff: Tariff) -> str:
    """« RS-MONS (Repas) » or « toute la restauration scolaire »."""
    if tariff.activity.startswith("*"):
        kind = tariff.activity[1:]
        return f"tout type {KIND_LABELS.get(kind, kind)}"
    return f"{tariff.activity} ({tariff.unit})" if tariff.unit else tariff.activity


class TariffMissing(LookupError):
    pass


@dataclass(frozen=True)
class TariffBook:
    tariffs: tuple[Tariff, ...]

    def find(self, activity: str, unit: str, day: date, kind: str | None = None) -> Tariff:
        """The tariff in force on `day`, the most precise first: the activity's unit,
        the activity, then its kind's unit and its kind ("*canteen")."""
        chosen: list[Tariff] = []
        for scope in (activity, f"*{kind}" if kind else None):
            if scope is None:
                continue
            candidates = [t for t in self.tariffs if t.activity == scope and t.covers(day)]
            chosen = [t for t in candidates if t.unit == unit] or [
                t for t in candidates if t.unit is None
            ]
            if chosen:
                break
        if not chosen:
            raise TariffMissing(
                f"Aucun tarif pour {activity} ({unit}) le {fr.short_date(day)}."
            )
        return chosen[0]

    def problems(self) -> list[str]:
        found = [p for t in self.tariffs for p in t.problems()]
        for index, first in enumerate(self.tariffs):
            for second in self.tariffs[index + 1 :]:
                if (first.activity, first.unit) != (second.activity, second.unit):
                    continue
                first_end = first.valid_to or date.max
                second_end = second.valid_to or date.max
                if first.valid_from <= second_end and second.valid_from <= first_end:
                    found.append(
                        f"{first.activity} ({first.unit or 'toutes unités'}) : deux tarifs "
                        f"en vigueur le même jour ({fr.short_date(max(first.valid_from, second.valid_from))})"
                    )
        return found


# ---------------------------------------------------------------- invoices


def invoice_number(year: int, sequence: int, kind: str = "F") -> str:
    """``2020-F-000123`` (F: facture, A: avoir, R: reçu)."""
    if sequence < 1 or kind not in {"F", "A", "R"}:
        raise ValueError("numéro invalide")
    return f"{year}-{kind}-{sequence:06d}"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def due_date(year: int, month: int) -> date:
    """An invoice of a month is due on the last day of the following month."""
    _, last = month_bounds(year + (month == 12), month % 12 + 1)
    return last


# ---------------------------------------------------------------- payments


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    issued_on: date
    remaining: Cents


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    amount: Cents


def allocate(
    amount: Cents, invoices: Iterable[OpenInvoice], chosen: Sequence[int] | None = None
) -> tuple[list[Allocation], Cents]:
    """Spread a payment over unpaid invoices; what is left becomes the household's credit.

    By default the oldest invoice is paid first (issue date, then number);
    with `chosen`, only those invoices, in that order.
    """
    if amount < 0:
        raise ValueError("montant négatif")
    pending = [i for i in invoices if i.remaining > 0]
    if chosen is not None:
        by_id = {i.id: i for i in pending}
        ordered = [by_id[i] for i in chosen if i in by_id]
    else:
        ordered = sorted(pending, key=lambda i: (i.issued_on, i.number))
    allocations: list[Allocation] = []
    left = amount
    for invoice in ordered:
        if left == 0:
            break
        part = min(left, invoice.remaining)
        allocations.append(Allocation(invoice.id, part))
        left -= part
    return allocations, left


class Mode(StrEnum):
    CASH = "especes"
    CHEQUE = "cheque"
    CARD = "carte"
    CESU = "cesu"
    ANCV = "ancv"


MODE_LABELS: dict[Mode, str] = {
    Mode.CASH: "Espèces",
    Mode.CHEQUE: "Chèque",
    Mode.CARD: "Carte bancaire",
    Mode.CESU: "CESU",
    Mode.ANCV: "Chèques ANCV",
}


@dataclass(frozen=True)
class Tender:
    """One mode of a payment: 20 € in cash, a cheque of 22,50 €, …"""

    mode: Mode
    amount: Cents
    tendered: Cents | None = None  # cash handed over (for the change)
    cheque_number: str = ""
    bank: str = ""
    holder: str = ""
    terminal_ref: str = ""

    @property
    def change(self) -> Cents:
        if self.mode is Mode.CASH and self.tendered is not None:
            return max(self.tendered - self.amount, 0)
        return 0


def tender_problems(
    tenders: Sequence[Tender], *, cesu_eligible: Cents, ancv_eligible: Cents
) -> list[str]:
    """French messages for a payment that cannot be taken as typed.

    `cesu_eligible`: what the targeted invoices bill for crèche and périscolaire
    of children under 6; `ancv_eligible`: what they bill for ALSH.
    """
    found: list[str] = []
    if not tenders:
        return ["Indiquez au moins un mode de règlement."]
    for tender in tenders:
        label = MODE_LABELS[tender.mode]
        if tender.amount <= 0:
            found.append(f"{label} : le montant doit être positif.")
        if (
            tender.mode is Mode.CASH
            and tender.tendered is not None
            and tender.tendered < tender.amount
        ):
            found.append(
                f"Espèces : {format_euros(tender.tendered)} remis pour "
                f"{format_euros(tender.amount)} à régler."
            )
        if tender.mode is Mode.CHEQUE:
            missing = [
                name
                for name, value in (
                    ("le numéro", tender.cheque_number),
                    ("la banque", tender.bank),
                    ("le titulaire", tender.holder),
                )
                if not value.strip()
            ]
            if missing:
                found.append("Chèque : indiquez " + ", ".join(missing) + ".")
        if tender.mode is Mode.CARD and not tender.terminal_ref.strip():
            found.append("Carte bancaire : indiquez la référence du terminal.")
    cesu = sum(t.amount for t in tenders if t.mode is Mode.CESU)
    if cesu > cesu_eligible:
        found.append(
            f"CESU : {format_euros(cesu)} pour {format_euros(cesu_eligible)} de crèche et de "
            "périscolaire d'enfants de moins de 6 ans."
        )
    ancv = sum(t.amount for t in tenders if t.mode is Mode.ANCV)
    if ancv > ancv_eligible:
        found.append(
            f"Chèques ANCV : {format_euros(ancv)} pour {format_euros(ancv_eligible)} d'ALSH."
        )
    return found


# ---------------------------------------------------------------- tax certificate


def childcare_certificate_eligible(birth_date: date, year: int) -> bool:
    """Frais de garde: the child was under 6 on 1 January of the year."""
    return birth_date > date(year - 6, 1, 1)


def childcare_age_ok(birth_date: date, day: date) -> bool:
    """CESU for childcare: the child was under 6 on that day."""
    sixth = date(
        birth_date.year + 6,
        birth_date.month,
        28 if (birth_date.month, birth_date.day) == (2, 29) else birth_date.day,
    )
    return day < sixth


def cost_estimate(delta_units: int, unit_label: str, prices: Prices) -> str:
    """``+3 repas × 2,85 € = 8,55 €`` for the booking recap."""
    sign = "+" if delta_units >= 0 else "−"
    count = abs(delta_units)
    total = count * prices.unit_price
    return (
        f"{sign}{count} {unit_label} × {format_euros(prices.unit_price)} = "
        f"{sign if delta_units < 0 else ''}{format_euros(total)}"
    )
