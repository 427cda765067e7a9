"""The régie's demo (``mairie-tui demo --regie``): two months invoiced, payments, a closed till.

Played on a freshly built demo (`build_demo`), through the real use cases,
at the dates they would have happened, so that the database opens on
REGIE_NOW (jeudi 05/11/2020) as a régie that has been running since the
start of the school year:

1. the portal tutorial at the counter on 15/09/2020: FAMILLE TEST books
   Jeannot's meals of 25/09, 28/09 and 29/09, and the canteen ticks him
   present on each of those days;
2. a few days that show every rule of an invoice line, for synthetic
   households: a justified absence (a medical certificate attached, filed
   on the day), an unexpected presence, and a late cancellation (forced by
   the supervisor on the day);
3. the pointage of every other past day (01/09–04/11): each booked child
   present, or absent (unjustified) about once in sixteen, from a fixed seed
   (bulk-written: tens of thousands of ticks would take minutes one by one);
4. September invoiced on 02/10/2020 and October on 03/11/2020
   (`generate_month`);
5. on lundi 12/10/2020, September paid at the counter in every mode: cash
   with change, a cheque, a partial card payment, CESU for a crèche child
   under 6 (the rest by card), chèques ANCV for an ALSH child (the rest by
   cheque), and a cheque over the amount whose credit goes to October's
   invoice; the régisseur closes that day's till (cash counted = expected);
6. on mercredi 04/11/2020, two households with an October invoice pay what they owe
   (cash, card), a day left open.

FAMILLE TEST's September invoice (the three seed meals) stays unpaid: it is
what the counter's payment scenario settles. The default demo is left
exactly as it was; this runs only when asked.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from mairie_tui.clock import Clock, FrozenClock, parse_now
from mairie_tui.db import read_session
from mairie_tui.domain.billing import Mode, Tender, childcare_age_ok
from mairie_tui.models import (
    Activity,
    Agent,
    AgentSite,
    Attendance,
    Booking,
    Closure,
    Enrolment,
    Invoice,
    InvoiceLine,
    Person,
    Unit,
)
from mairie_tui.services.absences import declare_absence
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo.bookings import insert_rows, next_id
from mairie_tui.services.demo.seed import Progress, SeedIds, seed_ids
from mairie_tui.services.documents import attach_document
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.lists import mark_attendance
from mairie_tui.services.regie import close_till, generate_month, take_payment, till_day
from mairie_tui.services.regie.payments import balance_of
from mairie_tui.services.uow import writing

# The day the régie demo opens on (Makefile: DEMO_REGIE=1 sets MAIRIE_NOW to it).
REGIE_NOW = "2020-11-05T10:00"
REGIE_SEED = 20201105
SEED_DAYS = (date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29))
# The pointage covers the days before REGIE_NOW.
MARKED = (date(2020, 9, 1), date(2020, 11, 4))
ABSENT_RATE = 1 / 16
# The rule days, in the week after the "pending" window and before the Toussaint holidays.
RULE_WEEK = (date(2020, 10, 12), date(2020, 10, 16))
TILL_DAY = date(2020, 10, 12)
OPEN_DAY = date(2020, 11, 4)
CERTIFICATE = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@dataclass
class RegieDemo:
    """What the régie demo did (what its test checks)."""

    seed: SeedIds
    invoices: dict[str, int] = field(default_factory=dict)  # period → invoices written
    receipts: dict[str, str] = field(default_factory=dict)  # what it shows → receipt number
    justified: tuple[int, date] | None = None  # (enrolment, day)
    unexpected: tuple[int, date] | None = None
    late_cancelled: tuple[int, date] | None = None
    marks: int = 0
    closed_day: date = TILL_DAY


def clock(text: str) -> FrozenClock:
    return FrozenClock(parse_now(text))


def build_regie_demo(
    engine: Engine, *, documents_dir: Path, progress: Progress | None = None
) -> RegieDemo:
    """Play the régie's first two months on a fresh demo database (see the module docstring)."""
    report: Progress = progress or (lambda _step, _done, _total: None)
    steps = 7
    report("Régie : scénario FAMILLE TEST", 0, steps)
    actors = _actors(engine)
    with read_session(engine) as session:
        seed = seed_ids(session)
    if _has_invoices(engine):
        raise ServiceError(
            "La base contient déjà des factures : la démo de la régie demande une démo neuve."
        )
    demo = RegieDemo(seed)
    _seed_scenario(engine, seed, actors)
    report("Régie : absence justifiée, présence inattendue, annulation tardive", 1, steps)
    _rule_days(engine, demo, actors, documents_dir)
    report("Régie : pointage des jours passés", 2, steps)
    demo.marks = _mark_past_days(engine, seed, actors)
    report("Régie : facturation de septembre", 3, steps)
    _invoice(engine, demo, actors, 2020, 9, "2020-10-02T09:00")
    report("Régie : encaissements et clôture de caisse du 12/10", 4, steps)
    _september_payments(engine, demo, actors)
    report("Régie : facturation d'octobre", 5, steps)
    _invoice(engine, demo, actors, 2020, 10, "2020-11-03T09:00")
    report("Régie : encaissements du 04/11", 6, steps)
    _october_payments(engine, demo, actors)
    report("Régie : encaissements du 04/11", steps, steps)
    return demo


def _invoice(
    engine: Engine, demo: RegieDemo, actors: dict[str, Actor], year: int, month: int, when: str
) -> None:
    run = generate_month(engine, year, month, actor=actors["supervisor"], clock=clock(when))
    demo.invoices[run.period] = len(run.numbers)


# ---------------------------------------------------------------- actors and seed


def _actors(engine: Engine) -> dict[str, Actor]:
    """The demo's agents by role (`agent`, `supervisor`, `staff` with its sites)."""
    with read_session(engine) as session:
        found: dict[str, Actor] = {}
        for agent in session.exec(select(Agent).order_by(col(Agent.id))):
            if agent.role in found:
                continue
            sites = tuple(
                session.exec(select(AgentSite.site).where(AgentSite.agent_id == agent.id)).all()
            )
            found[agent.role] = Actor(agent.id, agent.login, agent.name, agent.role, sites)
    missing = {"agent", "supervisor", "staff"} - set(found)
    if missing:
        raise ServiceError(
            "La démo de la régie demande les agents de la démo (guichet, superviseur, cantine)."
        )
    return found


def _has_invoices(engine: Engine) -> bool:
    with read_session(engine) as session:
        return session.exec(select(Invoice.id).limit(1)).first() is not None


def _seed_scenario(engine: Engine, seed: SeedIds, actors: dict[str, Actor]) -> None:
    """The portal tutorial at the counter, then the canteen's ticks on those days."""
    at = clock("2020-09-15T10:00")
    booking = open_booking(engine, seed.enrolment_id, at, actor=actors["agent"])
    for day in SEED_DAYS:
        booking.draft.toggle(day, seed.unit_id)
    validate_booking(engine, booking, actor=actors["agent"], clock=at)
    for day in SEED_DAYS:
        mark_attendance(
            engine,
            enrolment_id=seed.enrolment_id,
            day=day,
            unit_id=seed.unit_id,
            present=True,
            actor=actors["staff"],
            clock=clock(f"{day.isoformat()}T12:15"),
        )


# ---------------------------------------------------------------- the rule days


@dataclass(frozen=True)
class _Booked:
    enrolment_id: int
    unit_id: int
    day: date
    child_id: int
    household_id: int


def _booked_in_rule_week(engine: Engine, seed: SeedIds) -> list[_Booked]:
    """The canteen days booked in RULE_WEEK, by household then day (synthetic households)."""
    with read_session(engine) as session:
        rows = session.execute(
            sa_select(
                col(Booking.enrolment_id),
                col(Booking.unit_id),
                col(Booking.day),
                col(Person.id),
                col(Person.household_id),
            )
            .join(Enrolment, col(Enrolment.id) == Booking.enrolment_id)
            .join(Person, col(Person.id) == Enrolment.person_id)
            .join(Activity, col(Activity.id) == Enrolment.activity_id)
            .where(
                col(Booking.day) >= RULE_WEEK[0],
                col(Booking.day) <= RULE_WEEK[1],
                col(Booking.status) == "booked",
                col(Activity.kind) == "canteen",
                col(Person.household_id) != seed.household_id,
            )
            .order_by(col(Person.household_id), col(Booking.enrolment_id), col(Booking.day))
        ).all()
    return [_Booked(*row) for row in rows]


def _rule_days(
    engine: Engine, demo: RegieDemo, actors: dict[str, Actor], documents_dir: Path
) -> None:
    """A justified absence, an unexpected presence and a late cancellation, each in its own
    household, on a canteen day of RULE_WEEK."""
    booked = _booked_in_rule_week(engine, demo.seed)
    households = sorted({b.household_id for b in booked})
    if len(households) < 3:
        return  # a demo without booked households (--households 0): the seed alone
    by_household = {h: [b for b in booked if b.household_id == h] for h in households}
    demo.justified = _justified_absence(
        engine, by_household[households[0]][0], actors, documents_dir
    )
    demo.late_cancelled = _late_cancellation(engine, by_household[households[1]][0], actors)
    others = [b for h in households[2:] for b in by_household[h]]
    demo.unexpected = _unexpected_presence(engine, others, actors)


def _justified_absence(
    engine: Engine, target: _Booked, actors: dict[str, Actor], documents_dir: Path
) -> tuple[int, date]:
    """Ill on the day: the parent brings a certificate, the agent signals the absence."""
    at = clock(f"{target.day.isoformat()}T08:30")
    source = documents_dir.parent / "demo-certificat.pdf"
    documents_dir.mkdir(parents=True, exist_ok=True)
    source.write_bytes(CERTIFICATE)
    try:
        document = attach_document(
            engine,
            household_id=target.household_id,
            source=source,
            kind="certificat_medical",
            documents_dir=documents_dir,
            actor=actors["agent"],
            clock=at,
            issued_on=target.day,
        )
    finally:
        source.unlink(missing_ok=True)
    declare_absence(
        engine,
        household_id=target.household_id,
        child_id=target.child_id,
        start=target.day,
        end=target.day,
        reason="Maladie",
        justified=True,
        certificate_id=document.id,
        actor=actors["agent"],
        clock=at,
    )
    return target.enrolment_id, target.day


def _unexpected_presence(
    engine: Engine, booked: list[_Booked], actors: dict[str, Actor]
) -> tuple[int, date] | None:
    """A child at the canteen on a day of RULE_WEEK it serves, he has no meal booked and
    there is no closure."""
    with read_session(engine) as session:
        for enrolment_id in dict.fromkeys(b.enrolment_id for b in booked):
            unit_id = next(b.unit_id for b in booked if b.enrolment_id == enrolment_id)
            unit = session.get(Unit, unit_id)
            assert unit is not None
            served = {int(d) for d in unit.weekdays.split(",") if d.strip().isdigit()}
            closed = set(
                session.exec(
                    select(col(Closure.day)).where(
                        or_(
                            col(Closure.activity_id).is_(None),
                            col(Closure.activity_id) == unit.activity_id,
                        ),
                        Closure.day >= RULE_WEEK[0],
                        Closure.day <= RULE_WEEK[1],
                    )
                ).all()
            )
            taken = {b.day for b in booked if b.enrolment_id == enrolment_id} | closed
            free = [
                RULE_WEEK[0] + timedelta(days=n)
                for n in range((RULE_WEEK[1] - RULE_WEEK[0]).days + 1)
                if (RULE_WEEK[0] + timedelta(days=n)).weekday() in served
                and RULE_WEEK[0] + timedelta(days=n) not in taken
            ]
            if free:
                day = free[0]
                break
        else:
            return None
    mark_attendance(
        engine,
        enrolment_id=enrolment_id,
        day=day,
        unit_id=unit_id,
        present=True,
        unexpected=True,
        actor=actors["supervisor"],
        clock=clock(f"{day.isoformat()}T12:20"),
    )
    return enrolment_id, day


def _late_cancellation(
    engine: Engine, target: _Booked, actors: dict[str, Actor]
) -> tuple[int, date]:
    """The family calls on the morning itself: the supervisor cancels past the deadline."""
    at = clock(f"{target.day.isoformat()}T08:00")
    booking = open_booking(engine, target.enrolment_id, at, actor=actors["supervisor"])
    result = booking.draft.set(
        target.day, target.unit_id, False, force_reason="Annulation le jour même (famille)"
    )
    if result.skipped:
        raise ServiceError(f"Démo : annulation tardive impossible le {target.day:%d/%m/%Y}.")
    validate_booking(engine, booking, actor=actors["supervisor"], clock=at)
    return target.enrolment_id, target.day


# ---------------------------------------------------------------- the pointage


def _mark_past_days(engine: Engine, seed: SeedIds, actors: dict[str, Actor]) -> int:
    """Present or absent for every booked day before REGIE_NOW not marked yet (bulk)."""
    rng = random.Random(REGIE_SEED)
    staff_sites = set(actors["staff"].sites)
    with writing(engine, "pointage de la démo de la régie") as session:
        marked = set(
            session.execute(
                sa_select(
                    col(Attendance.enrolment_id), col(Attendance.unit_id), col(Attendance.day)
                ).where(col(Attendance.day) >= MARKED[0], col(Attendance.day) <= MARKED[1])
            ).all()
        )
        rows: list[dict[str, Any]] = []
        attendance_id = next_id(session, Attendance)
        for enrolment_id, unit_id, day, site in session.execute(
            sa_select(
                col(Booking.enrolment_id),
                col(Booking.unit_id),
                col(Booking.day),
                col(Activity.site),
            )
            .join(Enrolment, col(Enrolment.id) == Booking.enrolment_id)
            .join(Activity, col(Activity.id) == Enrolment.activity_id)
            .where(
                col(Booking.day) >= MARKED[0],
                col(Booking.day) <= MARKED[1],
                col(Booking.status).in_(("booked", "pending")),
                col(Booking.enrolment_id) != seed.enrolment_id,
            )
            .order_by(col(Booking.id))
        ):
            if (enrolment_id, unit_id, day) in marked:
                continue
            by = actors["staff"] if site in staff_sites else actors["supervisor"]
            rows.append(
                {
                    "id": attendance_id,
                    "enrolment_id": enrolment_id,
                    "day": day,
                    "unit_id": unit_id,
                    "present": rng.random() >= ABSENT_RATE,
                    "unexpected": False,
                    "agent_id": by.id,
                    "marked_at": parse_now(f"{day.isoformat()}T17:00"),
                    "origin": "mairie",
                }
            )
            attendance_id += 1
        for chunk in range(0, len(rows), 20_000):
            insert_rows(session, Attendance, rows[chunk : chunk + 20_000])
    return len(rows)


# ---------------------------------------------------------------- payments


@dataclass(frozen=True)
class _Due:
    household_id: int
    number: str
    total: int  # what the household owes
    cesu: int  # crèche / périscolaire of a child under 6
    ancv: int  # ALSH


def _unpaid(engine: Engine, period: str, seed: SeedIds) -> list[_Due]:
    """The period's invoices of synthetic households that owe something, by number: what
    the household owes, and what CESU and ANCV may pay of that invoice."""
    with read_session(engine) as session:
        invoices = session.exec(
            select(Invoice)
            .where(Invoice.period == period, Invoice.kind == "F")
            .where(Invoice.household_id != seed.household_id)
            .order_by(col(Invoice.number))
        ).all()
        cesu: dict[int, int] = {}
        ancv: dict[int, int] = {}
        for invoice_id, amount, kind, day, birth in session.execute(
            sa_select(
                col(InvoiceLine.invoice_id),
                col(InvoiceLine.amount_cents),
                col(Activity.kind),
                col(InvoiceLine.day),
                col(Person.birth_date),
            )
            .join(Invoice, col(Invoice.id) == InvoiceLine.invoice_id)
            .join(Activity, col(Activity.id) == InvoiceLine.activity_id)
            .join(Person, col(Person.id) == InvoiceLine.person_id)
            .where(
                col(Invoice.period) == period,
                col(Activity.kind).in_(("creche", "periscolaire", "alsh")),
            )
        ):
            if kind == "alsh":
                ancv[invoice_id] = ancv.get(invoice_id, 0) + amount
            elif birth is not None and childcare_age_ok(birth, day):
                cesu[invoice_id] = cesu.get(invoice_id, 0) + amount
        dues = []
        for invoice in invoices:
            owed = balance_of(session, invoice.household_id).due_cents
            if owed > 0:
                key = invoice.id or 0
                dues.append(
                    _Due(
                        invoice.household_id,
                        invoice.number,
                        owed,
                        cesu.get(key, 0),
                        ancv.get(key, 0),
                    )
                )
        return dues


def _pick(dues: list[_Due], used: set[int], test: Callable[[_Due], bool]) -> _Due | None:
    for due in dues:
        if due.household_id not in used and test(due):
            used.add(due.household_id)
            return due
    return None


def _pay(
    engine: Engine,
    demo: RegieDemo,
    label: str,
    due: _Due | None,
    tenders: Callable[[_Due], list[Tender]],
    actor: Actor,
    at: Clock,
) -> None:
    if due is None:
        return
    receipt = take_payment(engine, due.household_id, tenders(due), actor=actor, clock=at)
    demo.receipts[label] = receipt.number


def _cash(amount: int) -> Tender:
    """Cash with the next ten euros handed over (the change is given back)."""
    return Tender(Mode.CASH, amount, tendered=(amount // 1000 + 1) * 1000)


def _cheque(amount: int, number: str, holder: str) -> Tender:
    return Tender(Mode.CHEQUE, amount, cheque_number=number, bank="Crédit Agricole", holder=holder)


def _card(amount: int, ref: str) -> Tender:
    return Tender(Mode.CARD, amount, terminal_ref=ref)


def _september_payments(engine: Engine, demo: RegieDemo, actors: dict[str, Actor]) -> None:
    """Lundi 12/10/2020 at the counter, then the régisseur's closing of that day."""
    dues = _unpaid(engine, "2020-09", demo.seed)
    used: set[int] = set()
    agent, supervisor = actors["agent"], actors["supervisor"]
    hour = iter(range(9, 17))

    def at() -> Clock:
        return clock(f"{TILL_DAY.isoformat()}T{next(hour):02d}:10")

    cesu = _pick(dues, used, lambda d: d.cesu > 0)
    _pay(
        engine,
        demo,
        "cesu",
        cesu,
        lambda d: (
            [Tender(Mode.CESU, d.cesu)]
            + ([_card(d.total - d.cesu, "TPE-0412")] if d.total > d.cesu else [])
        ),
        agent,
        at(),
    )
    ancv = _pick(dues, used, lambda d: d.ancv > 0)
    _pay(
        engine,
        demo,
        "ancv",
        ancv,
        lambda d: (
            [Tender(Mode.ANCV, d.ancv)]
            + ([_cheque(d.total - d.ancv, "0004127", "M. ou Mme")] if d.total > d.ancv else [])
        ),
        agent,
        at(),
    )
    plain = lambda d: d.cesu == 0 and d.ancv == 0 and d.total >= 1000  # noqa: E731
    _pay(engine, demo, "especes", _pick(dues, used, plain), lambda d: [_cash(d.total)], agent, at())
    _pay(
        engine,
        demo,
        "cheque",
        _pick(dues, used, plain),
        lambda d: [_cheque(d.total, "0003581", "M. ou Mme")],
        supervisor,
        at(),
    )
    _pay(
        engine,
        demo,
        "carte partielle",
        _pick(dues, used, plain),
        lambda d: [_card(d.total // 2, "TPE-0413")],
        agent,
        at(),
    )
    _pay(
        engine,
        demo,
        "avance",
        _pick(dues, used, plain),
        lambda d: [_cheque(d.total + 1000, "0007710", "M. ou Mme")],
        agent,
        at(),
    )
    expected = till_day(engine, TILL_DAY, actor=supervisor).expected_cash_cents
    close_till(
        engine,
        TILL_DAY,
        expected,
        actor=supervisor,
        clock=clock(f"{TILL_DAY.isoformat()}T17:30"),
        note="Caisse juste.",
    )


def _october_payments(engine: Engine, demo: RegieDemo, actors: dict[str, Actor]) -> None:
    """Mercredi 04/11/2020: two households with an October invoice pay what they owe; the
    day's till stays open."""
    dues = _unpaid(engine, "2020-10", demo.seed)
    used: set[int] = set()
    agent = actors["agent"]
    plain = lambda d: d.cesu == 0 and d.ancv == 0  # noqa: E731
    _pay(
        engine,
        demo,
        "novembre especes",
        _pick(dues, used, plain),
        lambda d: [_cash(d.total)],
        agent,
        clock(f"{OPEN_DAY.isoformat()}T09:40"),
    )
    _pay(
        engine,
        demo,
        "novembre carte",
        _pick(dues, used, plain),
        lambda d: [_card(d.total, "TPE-1104")],
        agent,
        clock(f"{OPEN_DAY.isoformat()}T11:05"),
    )
