"""Reading an enrolment's calendar: everything the pure rules need, in the caller's session.

Holidays come from the domain; closures, capacity counts and the enrolment's
own booking rows come from here. Validation calls load_calendar again inside
its write transaction, so its checks see the state its writes land on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from mairie_tui.domain.calendar import CalendarContext, DeadlineRule, HolidayCalendar, UnitInfo
from mairie_tui.domain.draft import BookingMark, Key
from mairie_tui.models import Activity, Booking, Closure, Enrolment, Household, Person, Unit
from mairie_tui.services.bookings.views import LIVE_STATUSES, EnrolmentSummary, summary_of
from mairie_tui.services.errors import NotFoundError


@dataclass(frozen=True)
class LoadedCalendar:
    """What load_calendar reads for one enrolment (used by validation and absences)."""

    enrolment: Enrolment
    summary: EnrolmentSummary
    household_id: int
    ctx: CalendarContext
    existing: dict[Key, BookingMark]
    rows: dict[Key, Booking]


def enrolments_of(session: Session, household_id: int) -> list[EnrolmentSummary]:
    # Joined along the enrolment's foreign keys (to the child and to the activity).
    rows = session.exec(
        select(Enrolment, Person, Activity)
        .join(Person)
        .join(Activity)
        .where(Person.household_id == household_id)
        .order_by(
            col(Person.position), col(Person.id), col(Enrolment.start_date), col(Activity.name)
        )
    ).all()
    return [summary_of(enrolment, child, activity) for enrolment, child, activity in rows]


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
        .join(Person)
        .join(Activity)
        .where(Enrolment.id == enrolment_id)
    ).first()
    if found is None:
        raise NotFoundError.numbered("Inscription", enrolment_id)
    enrolment, child, activity = found
    first = max(start or enrolment.start_date, enrolment.start_date)
    last = min(end or enrolment.end_date, enrolment.end_date)
    units = _units(session, activity)
    closures = _closures(session, activity, first, last)
    taken = _taken(session, enrolment_id, units, first, last)
    rows = _booking_rows(session, enrolment_id, first, last)
    existing = live_marks(rows)
    ctx = context_of(enrolment, activity, units, closures, taken, now)
    return LoadedCalendar(
        enrolment, summary_of(enrolment, child, activity), child.household_id, ctx, existing, rows
    )


def live_marks(rows: dict[Key, Booking]) -> dict[Key, BookingMark]:
    """The live bookings among an enrolment's booking rows."""
    return {
        key: BookingMark(row.status) for key, row in rows.items() if row.status in LIVE_STATUSES
    }


def context_of(
    enrolment: Enrolment,
    activity: Activity,
    units: tuple[UnitInfo, ...],
    closures: dict[tuple[date, int | None], str],
    taken: dict[tuple[date, int], int],
    now: datetime,
) -> CalendarContext:
    """The pure rules' context of an enrolment, from what was read for it."""
    return CalendarContext(
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


def _units(session: Session, activity: Activity) -> tuple[UnitInfo, ...]:
    return tuple(
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


def _closures(
    session: Session, activity: Activity, first: date, last: date
) -> dict[tuple[date, int | None], str]:
    """The activity's closed days (and the all-activity ones) over [first, last]."""
    closures: dict[tuple[date, int | None], str] = {}
    for day, reason in session.exec(
        select(col(Closure.day), col(Closure.reason)).where(
            or_(col(Closure.activity_id) == activity.id, col(Closure.activity_id).is_(None)),
            Closure.day >= first,
            Closure.day <= last,
        )
    ):
        closures[(day, None)] = reason
    return closures


def _taken(
    session: Session, enrolment_id: int, units: tuple[UnitInfo, ...], first: date, last: date
) -> dict[tuple[date, int], int]:
    """Live bookings of the other children, per day and capped unit (capacity counts)."""
    taken: dict[tuple[date, int], int] = {}
    capped = [unit.id for unit in units if unit.capacity is not None]
    if not capped:
        return taken
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
    return taken


def _booking_rows(
    session: Session, enrolment_id: int, first: date, last: date
) -> dict[Key, Booking]:
    """Every booking row of the enrolment over [first, last], cancelled ones too."""
    return {
        (booking.day, booking.unit_id): booking
        for booking in session.exec(
            select(Booking).where(
                Booking.enrolment_id == enrolment_id, Booking.day >= first, Booking.day <= last
            )
        )
    }


def recipient_of(session: Session, household_id: int) -> str | None:
    """Where the household's mails go: the representative's address, else the household's."""
    representative_email = session.exec(
        select(Person.email).where(
            Person.household_id == household_id, Person.role == "representative"
        )
    ).first()
    if representative_email:
        return representative_email
    return session.exec(select(Household.email).where(Household.id == household_id)).first()
