"""The monthly invoicing run: one invoice per household and month, each line with its rule.

`prepare_month` reads everything the rules need for a month in a handful of
queries (enrolments, bookings, pointage, absences, closures, tariffs), applies
`domain.billing.bill_day` to every day that has a booking, a late
cancellation or a presence, and returns the invoices it would write, with the
totals by activity (the dry run). `generate_month` writes them in one
transaction: invoices are numbered without gaps per year of issue
(``2020-F-000123``), households already invoiced for the month are left
alone, so re-running a month changes nothing. A correction after issue is a
credit note (see `credit_note`), never an edit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain.billing import (
    DayCharge,
    DayFacts,
    Prices,
    Tariff,
    TariffBook,
    TariffMissing,
    bill_day,
    due_date,
    invoice_number,
    month_bounds,
)
from mairie_tui.domain.calendar import DeadlineRule, HolidayCalendar
from mairie_tui.models import (
    Absence,
    Activity,
    Attendance,
    Booking,
    Closure,
    Enrolment,
    Household,
    Invoice,
    InvoiceLine,
    Person,
    Unit,
)
from mairie_tui.services.common import Actor, audit, next_numbers
from mairie_tui.services.errors import PermissionDenied, RuleViolation
from mairie_tui.services.permissions import requires
from mairie_tui.services.regie.payments import apply_credit, households_with_credit
from mairie_tui.services.regie.tariffs import load_book
from mairie_tui.services.transactions import lock_rows, write_use_case
from mairie_tui.services.uow import writing

LIVE = ("booked", "pending")


@dataclass(frozen=True)
class DraftLine:
    person_id: int
    child_name: str
    activity_id: int
    activity_name: str
    unit_name: str
    charge: DayCharge
    basis: str


@dataclass
class DraftInvoice:
    household_id: int
    dossier: str
    lines: list[DraftLine] = field(default_factory=list)
    qf_basis: str = ""

    @property
    def total(self) -> int:
        return sum(line.charge.amount for line in self.lines)


@dataclass(frozen=True)
class MonthRun:
    """What a month's run writes (or would write, in a dry run)."""

    period: str
    invoices: tuple[DraftInvoice, ...]
    already_invoiced: int
    problems: tuple[str, ...]
    numbers: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(invoice.total for invoice in self.invoices)

    def totals_by_activity(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for invoice in self.invoices:
            for line in invoice.lines:
                totals[line.activity_name] += line.charge.amount
        return dict(sorted(totals.items()))


def period_of(year: int, month: int) -> str:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise RuleViolation(f"Mois invalide : {year}-{month:02d}.")
    return f"{year}-{month:02d}"


def require_regisseur(actor: Actor) -> None:
    if not actor.is_supervisor:
        raise PermissionDenied("La facturation est réservée aux superviseurs (régisseur).")


@dataclass(frozen=True)
class _Enrolled:
    """One enrolment of the month, as plain values (the run reads tens of thousands)."""

    enrolment_id: int
    start: date
    end: date
    child_id: int
    child_name: str
    activity_id: int
    activity_code: str
    activity_name: str
    activity_kind: str
    activity_insee: str
    household_id: int
    dossier: str
    household_insee: str
    qf: int | None
    qf_valid_until: date | None


def _qf_basis(qf: int | None, valid_until: date | None, first: date) -> tuple[int | None, str]:
    """The QF the month is billed with, and what the invoice says about it."""
    if qf is None:
        return None, "Quotient familial non fourni : tarif de la tranche la plus haute."
    if valid_until is not None and valid_until < first:
        return None, (
            f"Quotient familial expiré le {valid_until:%d/%m/%Y} : "
            "tarif de la tranche la plus haute."
        )
    return qf, f"Quotient familial : {qf}."


def _enrolled(session: Session, first: date, last: date) -> list[_Enrolled]:
    rows = session.execute(
        sa_select(
            col(Enrolment.id),
            col(Enrolment.start_date),
            col(Enrolment.end_date),
            col(Person.id),
            col(Person.first_name),
            col(Person.last_name),
            col(Activity.id),
            col(Activity.code),
            col(Activity.name),
            col(Activity.kind),
            col(Activity.commune_insee),
            col(Household.id),
            col(Household.dossier),
            col(Household.commune_insee),
            col(Household.quotient_familial),
            col(Household.qf_valid_until),
        )
        .join(Person, col(Person.id) == Enrolment.person_id)
        .join(Activity, col(Activity.id) == Enrolment.activity_id)
        .join(Household, col(Household.id) == Person.household_id)
        .where(col(Enrolment.start_date) <= last, col(Enrolment.end_date) >= first)
        .order_by(col(Household.id), col(Person.position), col(Person.id), col(Activity.name))
    ).all()
    return [
        _Enrolled(
            r[0],
            r[1],
            r[2],
            r[3],
            f"{r[4]} {r[5]}",
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            r[14],
            r[15],
        )  # fmt: skip
        for r in rows
    ]


@dataclass(frozen=True)
class _ActivityRules:
    holidays: HolidayCalendar
    deadline: DeadlineRule


def _activity_rules(session: Session) -> dict[int, _ActivityRules]:
    return {
        activity.id: _ActivityRules(
            HolidayCalendar(zone=activity.holiday_zone, school=activity.kind != "creche"),
            DeadlineRule(
                kind=activity.deadline_kind,
                weekday=activity.deadline_weekday,
                days=activity.deadline_days,
            ),
        )
        for activity in session.exec(select(Activity))
        if activity.id is not None
    }


def _bookings(
    session: Session, enrolments: set[int], first: date, last: date
) -> tuple[set[tuple[int, int, date]], dict[tuple[int, int, date], datetime]]:
    """The month's live bookings, and its cancelled ones with when they were cancelled."""
    booked: set[tuple[int, int, date]] = set()
    cancelled: dict[tuple[int, int, date], datetime] = {}
    for enrolment_id, unit_id, day, status, updated_at in session.execute(
        sa_select(
            col(Booking.enrolment_id),
            col(Booking.unit_id),
            col(Booking.day),
            col(Booking.status),
            col(Booking.updated_at),
        ).where(col(Booking.day) >= first, col(Booking.day) <= last)
    ):
        if enrolment_id not in enrolments:
            continue
        if status in LIVE:
            booked.add((enrolment_id, unit_id, day))
        else:
            cancelled[(enrolment_id, unit_id, day)] = updated_at
    return booked, cancelled


def _facts(
    session: Session, enrolled: list[_Enrolled], first: date, last: date
) -> dict[tuple[int, int, date], DayFacts]:
    """(enrolment, unit, day) → what happened, for every day with a booking, cancel or mark."""
    by_id = {e.enrolment_id: e for e in enrolled}
    booked, cancelled = _bookings(session, set(by_id), first, last)
    marks: dict[tuple[int, int, date], bool] = {}
    for enrolment_id, unit_id, day, present in session.exec(
        select(
            col(Attendance.enrolment_id),
            col(Attendance.unit_id),
            col(Attendance.day),
            col(Attendance.present),
        ).where(Attendance.day >= first, Attendance.day <= last)
    ):
        if enrolment_id in by_id:
            marks[(enrolment_id, unit_id, day)] = bool(present)
    justified: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, start, end in session.exec(
        select(col(Absence.person_id), col(Absence.start_date), col(Absence.end_date)).where(
            col(Absence.justified).is_(True), Absence.start_date <= last, Absence.end_date >= first
        )
    ):
        justified[person_id].append((start, end))
    closures: dict[tuple[int | None, date], str] = {}
    for activity_id, day, reason in session.exec(
        select(col(Closure.activity_id), col(Closure.day), col(Closure.reason)).where(
            Closure.day >= first, Closure.day <= last
        )
    ):
        closures[(activity_id, day)] = reason.strip() or "Fermeture"
    weekdays = {
        unit.id: {int(d) for d in unit.weekdays.split(",") if d.strip().isdigit()}
        for unit in session.exec(select(Unit))
    }
    rules = _activity_rules(session)
    facts: dict[tuple[int, int, date], DayFacts] = {}
    # Why a unit is closed on a day, asked once per unit and day (not once per child).
    closed_on: dict[tuple[int, int, date], str | None] = {}
    for key in booked | set(cancelled) | {k for k, present in marks.items() if present}:
        enrolment_id, unit_id, day = key
        item = by_id[enrolment_id]
        activity = rules[item.activity_id]
        late = False
        if key in cancelled and key not in booked:
            late = cancelled[key] >= activity.deadline.cutoff(day, activity.holidays)
        where = (item.activity_id, unit_id, day)
        if where in closed_on:
            closed = closed_on[where]
        else:
            closed = activity.holidays.name(day)
            if closed is None:
                closed = closures.get((item.activity_id, day)) or closures.get((None, day))
            if closed is None and day.weekday() not in weekdays.get(unit_id, set()):
                closed = "Pas de service ce jour"
            closed_on[where] = closed
        if not item.start <= day <= item.end:
            closed = closed or "Hors de la période d'inscription"
        spans = justified.get(item.child_id)
        facts[key] = DayFacts(
            day=day,
            booked=key in booked,
            cancelled_late=late,
            present=marks.get(key),
            justified_absence=spans is not None
            and any(start <= day <= end for start, end in spans),
            closed_reason=closed,
        )
    return facts


@dataclass
class _Prices:
    """The tariff book, asked once per activity, unit, day and household price."""

    book: TariffBook
    tariffs: dict[tuple[str, str, str, date], Tariff | TariffMissing] = field(default_factory=dict)
    prices: dict[tuple[int, int | None, bool], Prices] = field(default_factory=dict)

    def of(self, item: _Enrolled, unit: str, day: date, qf: int | None, resident: bool) -> Prices:
        key = (item.activity_code, unit, item.activity_kind, day)
        tariff = self.tariffs.get(key)
        if tariff is None:
            try:
                tariff = self.book.find(item.activity_code, unit, day, kind=item.activity_kind)
            except TariffMissing as exc:
                tariff = exc
            self.tariffs[key] = tariff
        if isinstance(tariff, TariffMissing):
            raise tariff
        price_key = (id(tariff), qf, resident)
        found = self.prices.get(price_key)
        if found is None:
            found = self.prices[price_key] = tariff.prices(qf=qf, resident=resident)
        return found


def _draft(
    enrolled: list[_Enrolled],
    facts: dict[tuple[int, int, date], DayFacts],
    units: dict[int, str],
    book: TariffBook,
    first: date,
    skip: set[int],
) -> tuple[list[DraftInvoice], list[str]]:
    invoices: dict[int, DraftInvoice] = {}
    problems: list[str] = []
    pricing = _Prices(book)
    by_enrolment: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for enrolment_id, unit_id, day in facts:
        by_enrolment[enrolment_id].append((unit_id, day))
    for item in enrolled:
        if item.household_id in skip or item.enrolment_id not in by_enrolment:
            continue
        qf, qf_basis = _qf_basis(item.qf, item.qf_valid_until, first)
        resident = item.household_insee == item.activity_insee
        invoice = invoices.setdefault(
            item.household_id, DraftInvoice(item.household_id, item.dossier, qf_basis=qf_basis)
        )
        for unit_id, day in sorted(by_enrolment[item.enrolment_id], key=lambda k: (k[1], k[0])):
            unit_name = units.get(unit_id, "?")
            try:
                prices = pricing.of(item, unit_name, day, qf, resident)
            except TariffMissing as exc:
                problems.append(f"{item.dossier} : {exc}")
                continue
            charge = bill_day(facts[(item.enrolment_id, unit_id, day)], prices)
            if charge is None:
                continue
            invoice.lines.append(
                DraftLine(
                    person_id=item.child_id,
                    child_name=item.child_name,
                    activity_id=item.activity_id,
                    activity_name=item.activity_name,
                    unit_name=unit_name,
                    charge=charge,
                    basis=prices.basis,
                )
            )
    kept = [invoice for invoice in invoices.values() if invoice.lines and invoice.total > 0]
    return kept, sorted(set(problems))


def _compute(session: Session, year: int, month: int) -> MonthRun:
    period = period_of(year, month)
    first, last = month_bounds(year, month)
    already = set(
        session.exec(
            select(col(Invoice.household_id)).where(Invoice.period == period, Invoice.kind == "F")
        ).all()
    )
    # Households already invoiced are left out before their facts are read (a re-run is cheap).
    enrolled = [e for e in _enrolled(session, first, last) if e.household_id not in already]
    facts = _facts(session, enrolled, first, last)
    units = {u.id: u.name for u in session.exec(select(Unit)) if u.id is not None}
    invoices, problems = _draft(enrolled, facts, units, load_book(session), first, already)
    return MonthRun(period, tuple(invoices), len(already), tuple(problems))


@requires("regie.facturer")
def prepare_month(engine: Engine, year: int, month: int, *, actor: Actor) -> MonthRun:
    """The dry run: what `generate_month` would write, nothing written."""
    require_regisseur(actor)
    with read_session(engine) as session:
        return _compute(session, year, month)


@requires("regie.facturer")
@write_use_case()
def generate_month(
    engine: Engine, year: int, month: int, *, actor: Actor, clock: Clock
) -> MonthRun:
    """Write the month's invoices (one transaction); households already invoiced are skipped."""
    require_regisseur(actor)
    now = clock.now()
    with writing(engine, "facturation") as session:
        # Serialise two runs of the same month: the second waits, then finds the invoices.
        next_numbers(session, f"invoice-run-{period_of(year, month)}")
        run = _compute(session, year, month)
        if run.problems:
            raise RuleViolation(
                "Facturation impossible : " + " ; ".join(run.problems[:5]),
                problems=list(run.problems),
            )
        numbers = next_numbers(session, f"invoice-{now.year}", len(run.invoices))
        due = due_date(year, month)
        written = [invoice_number(now.year, sequence) for sequence in numbers]
        _write_invoices(session, run, written, due, now, actor)
        # A household's credit (an earlier overpayment) goes to its new invoice.
        with_credit = households_with_credit(session)
        households = [i.household_id for i in run.invoices if i.household_id in with_credit]
        lock_rows(session, Household, households)
        for household_id in households:
            apply_credit(session, household_id)
        audit(
            session,
            at=now,
            actor=actor,
            action="invoice.run",
            entity="invoice",
            entity_id=None,
            details={"period": run.period, "invoices": len(written), "total_cents": run.total},
        )
    return MonthRun(run.period, run.invoices, run.already_invoiced, (), tuple(written))


def _write_invoices(
    session: Session,
    run: MonthRun,
    numbers: list[str],
    due: date,
    now: datetime,
    actor: Actor,
) -> None:
    """Insert the invoices, then all their lines, in a few statements (Core, not the ORM)."""
    invoice_rows = [
        {
            "number": number,
            "kind": "F",
            "household_id": invoice.household_id,
            "period": run.period,
            "issued_at": now,
            "due_date": due,
            "total_cents": invoice.total,
            "qf_basis": invoice.qf_basis,
            "reason": "",
            "agent_id": actor.id,
        }
        for invoice, number in zip(run.invoices, numbers, strict=True)
    ]
    if not invoice_rows:
        return
    session.execute(insert(Invoice.__table__), invoice_rows)  # type: ignore[attr-defined]
    ids = dict(
        session.execute(
            sa_select(col(Invoice.number), col(Invoice.id)).where(col(Invoice.number).in_(numbers))
        ).all()
    )
    line_rows = [
        {
            "invoice_id": ids[number],
            "person_id": line.person_id,
            "child_name": line.child_name[:250],
            "activity_id": line.activity_id,
            "activity_name": line.activity_name,
            "unit_name": line.unit_name,
            "day": line.charge.day,
            "rule": line.charge.rule.value,
            "quantity": line.charge.quantity,
            "unit_price_cents": line.charge.unit_price,
            "amount_cents": line.charge.amount,
            "basis": line.basis[:200],
        }
        for invoice, number in zip(run.invoices, numbers, strict=True)
        for line in invoice.lines
    ]
    for chunk in range(0, len(line_rows), 5000):
        session.execute(insert(InvoiceLine.__table__), line_rows[chunk : chunk + 5000])  # type: ignore[attr-defined]
