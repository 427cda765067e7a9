"""Booking use cases: an enrolment's calendar, the draft's validation.

Opening a booking loads everything the pure rules need for the whole period
(holidays come from the domain, closures, capacity counts and the live
bookings from here) into a BookingDraft. Validation re-checks every change
against the database inside one transaction, with optimistic locking on the
enrolment's version, and writes the bookings, the Request, its event, audit
rows and the confirmation mail — all or nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, func, insert, or_, update
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import (
    CalendarContext,
    DayState,
    DeadlineRule,
    HolidayCalendar,
    UnitInfo,
    month_weeks,
)
from mairie_tui.domain.draft import (
    BookingDraft,
    BookingMark,
    CellView,
    ChangeKind,
    EditResult,
    Key,
    RecapLine,
)
from mairie_tui.models import (
    Activity,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Request,
    RequestEvent,
    Unit,
)
from mairie_tui.services.common import (
    Actor,
    audit,
    queue_email,
    request_number,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.offline import ensure_writable
from mairie_tui.services.transactions import lock_rows, write_use_case

LIVE_STATUSES = ("booked", "pending")
ENROLMENT_STATUS_LABELS = {"pending": "Pré-inscription", "active": "Inscrit", "ended": "Terminée"}


@dataclass(frozen=True)
class EnrolmentSummary:
    id: int
    child_id: int
    child_name: str
    activity_id: int
    activity_name: str
    site: str
    kind: str
    start: date
    end: date
    status: str

    @property
    def period_text(self) -> str:
        """`du 01/09/2020 au 06/07/2021`."""
        return fr.period(self.start, self.end)

    @property
    def title(self) -> str:
        """`Jeannot - Restauration scolaire Mons`."""
        return f"{self.child_name} - {self.activity_name}"

    @property
    def status_label(self) -> str:
        return ENROLMENT_STATUS_LABELS.get(self.status, self.status)


@dataclass
class BookingSession:
    """What step 1 edits: the draft over an enrolment, with the version it was loaded at."""

    enrolment: EnrolmentSummary
    household_id: int
    version: int
    draft: BookingDraft
    units: tuple[UnitInfo, ...]
    rule_text: str
    recipient: str | None

    def initial_day(self, today: date) -> date:
        """Today if inside the period, else the first day of the period."""
        if self.enrolment.start <= today <= self.enrolment.end:
            return today
        return self.enrolment.start


@dataclass(frozen=True)
class ValidationResult:
    request_id: int
    request_number: str
    recipient: str | None
    mail_queued: bool
    lines: list[RecapLine]
    forced: int = 0


@dataclass(frozen=True)
class DayView:
    day: date
    in_month: bool
    cells: tuple[tuple[str, CellView], ...]


@dataclass(frozen=True)
class MonthView:
    title: str
    enrolment: EnrolmentSummary
    weeks: tuple[tuple[int, tuple[DayView, ...]], ...]
    counts: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- loading


def _summary(enrolment: Enrolment, child: Person, activity: Activity) -> EnrolmentSummary:
    assert enrolment.id is not None and child.id is not None and activity.id is not None
    return EnrolmentSummary(
        id=enrolment.id,
        child_id=child.id,
        child_name=child.first_name,
        activity_id=activity.id,
        activity_name=activity.name,
        site=activity.site,
        kind=activity.kind,
        start=enrolment.start_date,
        end=enrolment.end_date,
        status=enrolment.status,
    )


def enrolments_of(session: Session, household_id: int) -> list[EnrolmentSummary]:
    rows = session.exec(
        select(Enrolment, Person, Activity)
        .join(Person, col(Person.id) == Enrolment.person_id)
        .join(Activity, col(Activity.id) == Enrolment.activity_id)
        .where(Person.household_id == household_id)
        .order_by(
            col(Person.position), col(Person.id), col(Enrolment.start_date), col(Activity.name)
        )
    ).all()
    return [_summary(enrolment, child, activity) for enrolment, child, activity in rows]


def list_enrolments(engine: Engine, household_id: int) -> list[EnrolmentSummary]:
    """The household's enrolments, one per child and activity (Modifier les réservations)."""
    with read_session(engine) as session:
        return enrolments_of(session, household_id)


@dataclass(frozen=True)
class LoadedCalendar:
    """What load_calendar reads for one enrolment (used by validation and absences)."""

    enrolment: Enrolment
    summary: EnrolmentSummary
    household_id: int
    ctx: CalendarContext
    existing: dict[Key, BookingMark]
    rows: dict[Key, Booking]


def load_calendar(
    session: Session,
    enrolment_id: int,
    now: datetime,
    *,
    start: date | None = None,
    end: date | None = None,
) -> LoadedCalendar:
    """An enrolment's calendar inside the caller's session: rules context, live bookings
    and every booking row (cancelled ones too), over the period or [start, end]."""
    found = session.exec(
        select(Enrolment, Person, Activity)
        .join(Person, col(Person.id) == Enrolment.person_id)
        .join(Activity, col(Activity.id) == Enrolment.activity_id)
        .where(Enrolment.id == enrolment_id)
    ).first()
    if found is None:
        raise NotFoundError(f"Inscription introuvable (n° {enrolment_id}).")
    enrolment, child, activity = found
    first = max(start or enrolment.start_date, enrolment.start_date)
    last = min(end or enrolment.end_date, enrolment.end_date)
    units = tuple(
        UnitInfo(
            id=unit.id,
            name=unit.name,
            weekdays=UnitInfo.parse_weekdays(unit.weekdays),
            capacity=unit.capacity,
        )
        for unit in session.exec(
            select(Unit)
            .where(Unit.activity_id == activity.id)
            .order_by(col(Unit.position), col(Unit.id))
        )
        if unit.id is not None
    )
    closures: dict[tuple[date, int | None], str] = {}
    for day, reason in session.exec(
        select(col(Closure.day), col(Closure.reason)).where(
            or_(col(Closure.activity_id) == activity.id, col(Closure.activity_id).is_(None)),
            Closure.day >= first,
            Closure.day <= last,
        )
    ):
        closures[(day, None)] = reason
    taken: dict[tuple[date, int], int] = {}
    capped = [unit.id for unit in units if unit.capacity is not None]
    if capped:
        for day, unit_id, count in session.exec(
            select(col(Booking.day), col(Booking.unit_id), func.count())
            .where(
                col(Booking.unit_id).in_(capped),
                col(Booking.status).in_(LIVE_STATUSES),
                Booking.enrolment_id != enrolment_id,
                Booking.day >= first,
                Booking.day <= last,
            )
            .group_by(col(Booking.day), col(Booking.unit_id))
        ):
            taken[(day, unit_id)] = int(count)
    rows = {
        (booking.day, booking.unit_id): booking
        for booking in session.exec(
            select(Booking).where(
                Booking.enrolment_id == enrolment_id, Booking.day >= first, Booking.day <= last
            )
        )
    }
    existing = {
        key: BookingMark(row.status) for key, row in rows.items() if row.status in LIVE_STATUSES
    }
    ctx = CalendarContext(
        period_start=enrolment.start_date,
        period_end=enrolment.end_date,
        units=units,
        rule=DeadlineRule(
            kind=activity.deadline_kind,
            weekday=activity.deadline_weekday,
            days=activity.deadline_days,
        ),
        now=now,
        # A crèche stays open during school holidays: only public holidays close it.
        holidays=HolidayCalendar(zone=activity.holiday_zone, school=activity.kind != "creche"),
        closures=closures,
        taken=taken,
    )
    return LoadedCalendar(
        enrolment, _summary(enrolment, child, activity), child.household_id, ctx, existing, rows
    )


def _recipient(session: Session, household_id: int) -> str | None:
    representative_email = session.exec(
        select(Person.email).where(
            Person.household_id == household_id, Person.role == "representative"
        )
    ).first()
    if representative_email:
        return representative_email
    return session.exec(select(Household.email).where(Household.id == household_id)).first()


def warm_up(engine: Engine, clock: Clock) -> None:
    """Pay the one-off costs of the first booking early (after sign-in, in a worker):

    the holiday tables of the school years around today (the `holidays`
    library computes them on first use) and the compiled booking queries.
    """
    calendar = HolidayCalendar()
    today = clock.today()
    for year in (today.year - 1, today.year, today.year + 1):
        calendar.name(date(year, 1, 1))
    with read_session(engine) as session:
        first = session.exec(select(Enrolment.id).limit(1)).first()
        if first is not None:
            load_calendar(session, first, clock.now(), start=today, end=today)


def open_booking(engine: Engine, enrolment_id: int, clock: Clock) -> BookingSession:
    """Load an enrolment's calendar into a fresh draft (step 1)."""
    with read_session(engine) as session:
        loaded = load_calendar(session, enrolment_id, clock.now())
        if loaded.enrolment.status != "active":
            raise ServiceError(
                f"L'inscription de {loaded.summary.child_name} n'est pas active "
                f"({loaded.summary.status_label}) : aucune réservation possible."
            )
        return BookingSession(
            enrolment=loaded.summary,
            household_id=loaded.household_id,
            version=loaded.enrolment.version,
            draft=BookingDraft(ctx=loaded.ctx, existing=loaded.existing),
            units=loaded.ctx.units,
            rule_text=loaded.ctx.rule.describe(),
            recipient=_recipient(session, loaded.household_id),
        )


def reload_booking(
    engine: Engine, booking: BookingSession, clock: Clock
) -> tuple[BookingSession, EditResult]:
    """Reload after another desk's change, re-applying this draft's edits where still possible."""
    fresh = open_booking(engine, booking.enrolment.id, clock)
    result = EditResult()
    for line in booking.draft.recap():
        result.merge(
            fresh.draft.set(
                line.day,
                line.unit_id,
                line.kind is ChangeKind.ADD,
                force_reason=line.forced_reason,
            )
        )
    return fresh, result


def month_view(engine: Engine, enrolment_id: int, year: int, month: int, clock: Clock) -> MonthView:
    """Day states, current and pending bookings of one enrolment for one month."""
    weeks = month_weeks(year, month)
    with read_session(engine) as session:
        loaded = load_calendar(
            session, enrolment_id, clock.now(), start=weeks[0][0], end=weeks[-1][-1]
        )
    draft = BookingDraft(ctx=loaded.ctx, existing=loaded.existing)
    counts: Counter[str] = Counter()
    rows = []
    for week in weeks:
        days = []
        for day in week:
            cells = tuple((unit.name, draft.cell(day, unit.id)) for unit in loaded.ctx.units)
            if day.month == month:
                for _, cell in cells:
                    counts[cell.mark.value if cell.mark else cell.status.state.value] += 1
            days.append(DayView(day=day, in_month=day.month == month, cells=cells))
        rows.append((week[0].isocalendar().week, tuple(days)))
    return MonthView(
        title=fr.month_title(year, month),
        enrolment=loaded.summary,
        weeks=tuple(rows),
        counts=dict(counts),
    )


# ---------------------------------------------------------------- validation


def _mail_body(booking: BookingSession, number: str, lines: list[RecapLine]) -> str:
    enrolment = booking.enrolment
    body = [
        "Bonjour,",
        "",
        f"Votre demande n° {number} a été traitée et prise en compte.",
        "",
        f"Réservation : {enrolment.title} - {enrolment.period_text} - {enrolment.site}",
        "",
    ]
    body += [line.text() for line in lines]
    body += [
        "",
        "Toute réservation doit être effectuée avant les mardis 23h59 pour la semaine suivante.",
        "",
        "Mairie Prim' — Alès Agglomération",
    ]
    return "\n".join(body)


@write_use_case()
def validate_booking(
    engine: Engine, booking: BookingSession, *, actor: Actor, clock: Clock
) -> ValidationResult:
    """Write the draft's changes, or nothing, after re-checking every rule."""
    lines = booking.draft.recap()
    if not lines:
        raise ServiceError("Aucune modification à valider.")
    require_counter_agent(actor)
    forced = [line for line in lines if line.forced_reason is not None]
    for line in forced:
        if not actor.is_supervisor:
            raise PermissionDenied(
                "Seul un superviseur peut modifier un jour dont le délai est dépassé."
            )
        if not (line.forced_reason or "").strip():
            raise ServiceError(
                f"Motif obligatoire pour forcer le {fr.long_date(line.day)}.", field="reason"
            )
    now = clock.now()
    enrolment_id = booking.enrolment.id
    with unit_of_work(engine) as session:
        ensure_writable(session, "validation de réservations")
        # Optimistic lock first: it also takes the write lock (row lock on
        # PostgreSQL, BEGIN IMMEDIATE on SQLite), so checks below see the
        # state that the writes will land on.
        bumped = session.execute(
            update(Enrolment)
            .where(col(Enrolment.id) == enrolment_id, col(Enrolment.version) == booking.version)
            .values(version=col(Enrolment.version) + 1)
        )
        if bumped.rowcount == 0:  # type: ignore[attr-defined]
            if session.get(Enrolment, enrolment_id) is None:
                raise NotFoundError(f"Inscription introuvable (n° {enrolment_id}).")
            raise ConflictError(
                f"Un autre poste a modifié les réservations de {booking.enrolment.child_name} "
                f"({booking.enrolment.activity_name}) entre-temps : rechargez le calendrier, "
                "vos modifications seront reprises."
            )
        # Capacity is per unit-day and other children's bookings are counted:
        # lock the capped units this change adds to (booked, pending or forced
        # alike) before counting, so two desks cannot both take the last place.
        added_units = {line.unit_id for line in lines if line.kind is ChangeKind.ADD}
        lock_rows(session, Unit, added_units, col(Unit.capacity).is_not(None))
        loaded = load_calendar(session, enrolment_id, now)
        if loaded.enrolment.status != "active":
            raise RuleViolation(
                f"L'inscription de {loaded.summary.child_name} n'est pas active : aucune réservation possible."
            )
        problems = _check(loaded, lines, actor)
        if problems:
            raise RuleViolation(
                "Certains jours ne peuvent pas être modifiés : " + " ; ".join(problems),
                problems=problems,
            )
        number = request_number(session, now)
        answers = {
            "enrolment_id": enrolment_id,
            "title": booking.enrolment.title,
            "lines": [
                {
                    "day": line.day.isoformat(),
                    "unit": line.unit_name,
                    "change": line.kind.value,
                    "forced_reason": line.forced_reason,
                }
                for line in lines
            ],
        }
        request = Request(
            number=number,
            household_id=loaded.household_id,
            type="reservation",
            status="traitee",
            answers=json.dumps(answers, ensure_ascii=False),
            agent_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                agent_id=actor.id,
                status="traitee",
                comment=f"Réservation validée au guichet par {actor.name}",
            )
        )
        _write_bookings(session, loaded, lines, request.id, actor, now)
        audit(
            session,
            at=now,
            actor=actor,
            action="booking.validate",
            entity="enrolment",
            entity_id=enrolment_id,
            details={
                "request": number,
                "added": sum(1 for line in lines if line.kind is ChangeKind.ADD),
                "removed": sum(1 for line in lines if line.kind is ChangeKind.REMOVE),
            },
        )
        for line in forced:
            audit(
                session,
                at=now,
                actor=actor,
                action="booking.force",
                entity="enrolment",
                entity_id=enrolment_id,
                details={
                    "day": line.day.isoformat(),
                    "unit": line.unit_name,
                    "change": line.kind.value,
                    "reason": line.forced_reason,
                },
            )
        recipient = _recipient(session, loaded.household_id)
        if recipient:
            queue_email(
                session,
                at=now,
                recipient=recipient,
                subject="Votre demande a été traitée",
                body=_mail_body(booking, number, lines),
                request_id=request.id,
            )
        return ValidationResult(
            request_id=request.id,
            request_number=number,
            recipient=recipient,
            mail_queued=recipient is not None,
            lines=lines,
            forced=len(forced),
        )


def _check(loaded: LoadedCalendar, lines: list[RecapLine], actor: Actor) -> list[str]:
    """Every rule, against the database state inside the transaction."""
    problems: list[str] = []
    unit_ids = {unit.id for unit in loaded.ctx.units}
    added: Counter[tuple[date, int]] = Counter()
    for line in lines:
        key = (line.day, line.unit_id)
        where = f"{fr.long_date(line.day)} ({line.unit_name})"
        if line.unit_id not in unit_ids:
            problems.append(f"{where} : prestation inconnue pour cette activité")
            continue
        unit = loaded.ctx.unit(line.unit_id)
        held = key in loaded.existing
        if line.kind is ChangeKind.ADD and held:
            problems.append(f"{where} : déjà réservé")
            continue
        if line.kind is ChangeKind.REMOVE and not held:
            problems.append(f"{where} : aucune réservation à annuler")
            continue
        status = loaded.ctx.status(line.day, unit, has_booking=held)
        if (
            status.state is DayState.OPEN
            or status.state is DayState.LOCKED
            and line.forced_reason
            and actor.is_supervisor
        ):
            pass
        else:
            problems.append(f"{where} : {status.reason}")
            continue
        if line.kind is ChangeKind.ADD:
            added[key] += 1
    for (day, unit_id), count in added.items():
        unit = loaded.ctx.unit(unit_id)
        if (
            unit.capacity is not None
            and loaded.ctx.taken.get((day, unit_id), 0) + count > unit.capacity
        ):
            places = "place" if unit.capacity == 1 else "places"
            problems.append(
                f"{fr.long_date(day)} ({unit.name}) : complet ({unit.capacity} {places})"
            )
    return problems


def _write_bookings(
    session: Session,
    loaded: LoadedCalendar,
    lines: list[RecapLine],
    request_id: int,
    actor: Actor,
    now: datetime,
) -> None:
    new_rows = []
    for line in lines:
        key = (line.day, line.unit_id)
        row = loaded.rows.get(key)
        if line.kind is ChangeKind.ADD and row is None:
            new_rows.append(
                {
                    "enrolment_id": loaded.summary.id,
                    "day": line.day,
                    "unit_id": line.unit_id,
                    "status": "booked",
                    "forced_reason": line.forced_reason,
                    "request_id": request_id,
                    "agent_id": actor.id,
                    "updated_at": now,
                }
            )
            continue
        assert row is not None
        row.status = "booked" if line.kind is ChangeKind.ADD else "cancelled"
        row.forced_reason = line.forced_reason
        row.request_id = request_id
        row.agent_id = actor.id
        row.updated_at = now
        session.add(row)
    if new_rows:
        session.execute(insert(Booking), new_rows)
    session.flush()
