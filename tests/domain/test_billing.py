"""The régie's rules (domain/billing.py, domain/money.py): rules, prices, allocation, money."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mairie_tui.domain.billing import (
    DayFacts,
    Mode,
    OpenInvoice,
    PriceBracket,
    Prices,
    Rule,
    Tariff,
    TariffBook,
    TariffMissing,
    Tender,
    allocate,
    bill_day,
    childcare_certificate_eligible,
    classify,
    cost_estimate,
    due_date,
    invoice_number,
    tender_problems,
)
from mairie_tui.domain.money import AmountError, format_euros, parse_euros

DAY = date(2020, 9, 15)
PRICES = Prices(unit_price=285, surcharge=100, late_cancellation=285, basis="QF 623 à 1000")


@pytest.mark.parametrize(
    ("facts", "rule", "amount"),
    [
        (DayFacts(DAY, booked=True, present=True), Rule.BOOKED_PRESENT, 285),
        (DayFacts(DAY, booked=True), Rule.BOOKED_UNMARKED, 285),
        (DayFacts(DAY, booked=True, present=False), Rule.ABSENT_UNJUSTIFIED, 285),
        (
            DayFacts(DAY, booked=True, present=False, justified_absence=True),
            Rule.ABSENT_JUSTIFIED,
            0,
        ),
        (DayFacts(DAY, booked=True, justified_absence=True), Rule.ABSENT_JUSTIFIED, 0),
        (DayFacts(DAY, present=True), Rule.UNBOOKED_PRESENCE, 385),
        (DayFacts(DAY, cancelled_late=True), Rule.LATE_CANCELLATION, 285),
        (DayFacts(DAY, cancelled_late=True, justified_absence=True), Rule.ABSENT_JUSTIFIED, 0),
        (DayFacts(DAY, booked=True, present=True, closed_reason="Grève"), Rule.CLOSED, 0),
        (DayFacts(DAY, booked=True, closed_reason="Vacances de la Toussaint"), Rule.CLOSED, 0),
        (DayFacts(DAY, cancelled_late=True, closed_reason="Fermeture"), Rule.CLOSED, 0),
        (DayFacts(DAY, present=True, closed_reason="Fermeture"), Rule.CLOSED, 0),
    ],
)
def test_each_rule_and_its_amount(facts: DayFacts, rule: Rule, amount: int) -> None:
    charge = bill_day(facts, PRICES)
    assert charge is not None
    assert (charge.rule, charge.amount) == (rule, amount)
    assert charge.amount == charge.quantity * charge.unit_price


def test_days_with_nothing_give_no_line() -> None:
    assert bill_day(DayFacts(DAY), PRICES) is None
    assert bill_day(DayFacts(DAY, present=False), PRICES) is None
    assert bill_day(DayFacts(DAY, justified_absence=True), PRICES) is None
    assert bill_day(DayFacts(DAY, closed_reason="Toussaint"), PRICES) is None


def test_late_cancellation_price_of_its_own() -> None:
    prices = Prices(unit_price=285, surcharge=100, late_cancellation=150, basis="x")
    charge = bill_day(DayFacts(DAY, cancelled_late=True), prices)
    assert charge is not None and charge.amount == 150


def test_explanation_says_the_rule_and_the_price() -> None:
    charge = bill_day(DayFacts(DAY, present=True), PRICES)
    assert charge is not None
    assert charge.explanation() == "présent sans réservation : majoré — 1 × 3,85 €"
    zero = bill_day(DayFacts(DAY, booked=True, justified_absence=True), PRICES)
    assert zero is not None and zero.explanation() == "absence justifiée : non facturé"


facts_strategy = st.builds(
    DayFacts,
    day=st.just(DAY),
    booked=st.booleans(),
    cancelled_late=st.booleans(),
    present=st.sampled_from([None, True, False]),
    justified_absence=st.booleans(),
    closed_reason=st.sampled_from([None, "Grève", "Vacances"]),
)


@given(facts_strategy)
def test_closed_days_are_never_billed_and_billing_needs_a_booking_presence_or_late_cancel(
    facts: DayFacts,
) -> None:
    charge = bill_day(facts, PRICES)
    if facts.closed_reason is not None and charge is not None:
        assert charge.amount == 0
    if charge is not None and charge.amount > 0:
        assert facts.booked or facts.present is True or facts.cancelled_late
        assert facts.closed_reason is None
    if facts.justified_absence and facts.present is not True and charge is not None:
        assert charge.amount == 0
    assert classify(facts) == (charge.rule if charge else None)


# ---------------------------------------------------------------- tariffs

GRID = (
    PriceBracket(0, 622, 100),
    PriceBracket(623, 1000, 330),
    PriceBracket(1001, None, 350),
)
SEPT = Tariff("RS-MONS", None, date(2020, 9, 1), date(2020, 12, 31), GRID, 520, 100)
JAN = Tariff(
    "RS-MONS",
    None,
    date(2021, 1, 1),
    None,
    tuple(PriceBracket(b.min_qf, b.max_qf, b.price + 10) for b in GRID),
    530,
    100,
)
BOOK = TariffBook((SEPT, JAN))


def test_prices_by_bracket_outside_and_without_qf() -> None:
    assert SEPT.prices(qf=880, resident=True).unit_price == 330
    assert SEPT.prices(qf=880, resident=True).basis == "QF 623 à 1000"
    assert SEPT.prices(qf=0, resident=True).unit_price == 100
    assert SEPT.prices(qf=5000, resident=True).unit_price == 350
    top = SEPT.prices(qf=None, resident=True)
    assert top.unit_price == 350 and "QF non fourni" in top.basis
    assert SEPT.prices(qf=100, resident=False).unit_price == 520
    assert SEPT.prices(qf=100, resident=False).late_cancellation == 520


def test_a_new_grid_from_january_leaves_september_alone() -> None:
    assert BOOK.find("RS-MONS", "Repas", date(2020, 9, 15)) is SEPT
    assert BOOK.find("RS-MONS", "Repas", date(2021, 1, 4)) is JAN
    with pytest.raises(TariffMissing, match="Aucun tarif"):
        BOOK.find("RS-MONS", "Repas", date(2020, 8, 31))
    assert BOOK.problems() == []


def test_unit_tariff_wins_over_the_activity_one() -> None:
    evening = Tariff("PE-MONS", "Soir", date(2020, 9, 1), None, GRID, 400, 50)
    general = Tariff("PE-MONS", None, date(2020, 9, 1), None, GRID, 300, 50)
    book = TariffBook((general, evening))
    assert book.find("PE-MONS", "Soir", DAY) is evening
    assert book.find("PE-MONS", "Matin", DAY) is general


def test_a_kind_tariff_serves_every_activity_of_that_kind_without_its_own() -> None:
    canteens = Tariff("*canteen", None, date(2020, 9, 1), None, GRID, 500, 100)
    book = TariffBook((SEPT, canteens))
    assert book.find("RS-MONS", "Repas", DAY, kind="canteen") is SEPT
    assert book.find("RS-ALES", "Repas", DAY, kind="canteen") is canteens
    with pytest.raises(TariffMissing):
        book.find("RS-ALES", "Repas", DAY)
    with pytest.raises(TariffMissing):
        book.find("PE-ALES", "Soir", DAY, kind="periscolaire")


def test_tariff_problems() -> None:
    holed = Tariff(
        "X", None, DAY, None, (PriceBracket(0, 500, 1), PriceBracket(600, None, 2)), 1, 1
    )
    assert any("trou" in p for p in holed.problems())
    closed = Tariff("X", None, DAY, None, (PriceBracket(0, None, 1), PriceBracket(1, 5, 2)), 1, 1)
    assert closed.problems()
    overlapping = TariffBook((SEPT, Tariff("RS-MONS", None, date(2020, 12, 1), None, GRID, 1, 1)))
    assert any("même jour" in p for p in overlapping.problems())


# ---------------------------------------------------------------- numbers, dates


def test_invoice_numbers_and_due_dates() -> None:
    assert invoice_number(2020, 123) == "2020-F-000123"
    assert invoice_number(2020, 7, "A") == "2020-A-000007"
    with pytest.raises(ValueError):
        invoice_number(2020, 0)
    assert due_date(2020, 9) == date(2020, 10, 31)
    assert due_date(2020, 12) == date(2021, 1, 31)
    assert due_date(2021, 1) == date(2021, 2, 28)


# ---------------------------------------------------------------- payments


def open_invoice(id_: int, day: int, remaining: int) -> OpenInvoice:
    return OpenInvoice(id_, f"2020-F-{id_:06d}", date(2020, 10, day), remaining)


def test_oldest_first_then_credit() -> None:
    invoices = [open_invoice(2, 20, 1000), open_invoice(1, 5, 500)]
    allocations, credit = allocate(1800, invoices)
    assert [(a.invoice_id, a.amount) for a in allocations] == [(1, 500), (2, 1000)]
    assert credit == 300


def test_partial_and_chosen() -> None:
    invoices = [open_invoice(1, 5, 500), open_invoice(2, 20, 1000)]
    allocations, credit = allocate(300, invoices)
    assert [(a.invoice_id, a.amount) for a in allocations] == [(1, 300)] and credit == 0
    allocations, credit = allocate(700, invoices, chosen=[2])
    assert [(a.invoice_id, a.amount) for a in allocations] == [(2, 700)] and credit == 0


@given(
    st.integers(0, 10**7),
    st.lists(st.integers(0, 10**6), max_size=8),
)
def test_allocation_never_over_allocates_and_keeps_every_cent(
    amount: int, remainings: list[int]
) -> None:
    invoices = [open_invoice(i + 1, 1 + i % 28, r) for i, r in enumerate(remainings)]
    allocations, credit = allocate(amount, invoices)
    by_id = {i.id: i.remaining for i in invoices}
    assert sum(a.amount for a in allocations) + credit == amount
    assert all(0 < a.amount <= by_id[a.invoice_id] for a in allocations)
    assert len({a.invoice_id for a in allocations}) == len(allocations)
    if credit > 0:
        assert sum(a.amount for a in allocations) == sum(by_id.values())


@given(
    st.lists(
        st.tuples(facts_strategy, st.integers(0, 5000), st.integers(0, 500)),
        max_size=40,
    ),
    st.integers(0, 10**6),
)
def test_lines_sum_to_total_and_total_to_allocations_plus_balance(
    days: list[tuple[DayFacts, int, int]], paid: int
) -> None:
    lines = [
        bill_day(facts, Prices(price, surcharge, price, "x")) for facts, price, surcharge in days
    ]
    total = sum(line.amount for line in lines if line is not None)
    allocations, credit = allocate(paid, [OpenInvoice(1, "2020-F-000001", DAY, total)])
    allocated = sum(a.amount for a in allocations)
    balance_due = total - allocated
    assert allocated + balance_due == total
    assert allocated + credit == paid
    assert balance_due == 0 or credit == 0


def test_tender_problems() -> None:
    ok = [
        Tender(
            Mode.CHEQUE, 2000, cheque_number="1234567", bank="La Banque Postale", holder="M. Test"
        ),
        Tender(Mode.CASH, 850, tendered=1000),
    ]
    assert tender_problems(ok, cesu_eligible=0, ancv_eligible=0) == []
    assert ok[1].change == 150
    bad = [
        Tender(Mode.CHEQUE, 2000),
        Tender(Mode.CASH, 850, tendered=500),
        Tender(Mode.CARD, 100),
        Tender(Mode.CESU, 1000),
        Tender(Mode.ANCV, 1000),
        Tender(Mode.CASH, 0),
    ]
    problems = tender_problems(bad, cesu_eligible=500, ancv_eligible=0)
    assert problems == [
        "Chèque : indiquez le numéro, la banque, le titulaire.",
        "Espèces : 5,00 € remis pour 8,50 € à régler.",
        "Carte bancaire : indiquez la référence du terminal.",
        "Espèces : le montant doit être positif.",
        "CESU : 10,00 € pour 5,00 € de crèche et de périscolaire d'enfants de moins de 6 ans.",
        "Chèques ANCV : 10,00 € pour 0,00 € d'ALSH.",
    ]
    assert tender_problems([], cesu_eligible=0, ancv_eligible=0) == [
        "Indiquez au moins un mode de règlement."
    ]


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (285, "2,85 €"),
        (0, "0,00 €"),
        (-1050, "-10,50 €"),
        (123456, "1\u202f234,56 €"),
        (5, "0,05 €"),
    ],
)
def test_format_euros(cents: int, text: str) -> None:
    assert format_euros(cents) == text


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,5", 1250),
        ("3", 300),
        ("2.85", 285),
        ("  8,55 € ", 855),
        ("1 234,56", 123456),
        ("-1,00", -100),
    ],
)
def test_parse_euros(text: str, cents: int) -> None:
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1,234", "1,2,3", "nan", "1e3", "12,-5"])
def test_parse_euros_refuses(text: str) -> None:
    with pytest.raises(AmountError, match="Montant invalide"):
        parse_euros(text)


@given(st.integers(-(10**9), 10**9))
def test_format_then_parse_is_identity(cents: int) -> None:
    assert parse_euros(format_euros(cents)) == cents


def test_certificate_and_estimate() -> None:
    assert childcare_certificate_eligible(date(2015, 1, 2), 2021)
    assert not childcare_certificate_eligible(date(2015, 1, 1), 2021)
    assert cost_estimate(3, "repas", PRICES) == "+3 repas × 2,85 € = 8,55 €"
    assert cost_estimate(-2, "repas", PRICES) == "−2 repas × 2,85 € = −5,70 €"
