"""Opening a booking (step 1): the household's enrolments, a draft over one, a month of it."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar, month_weeks
from mairie_tui.domain.draft import BookingDraft, ChangeKind, EditResult
from mairie_tui.domain.menus import MenuDay
from mairie_tui.models import Enrolment
from mairie_tui.services.bookings.loading import enrolments_of, load_calendar, recipient_of
from mairie_tui.services.bookings.views import (
    BookingSession,
    DayView,
    EnrolmentSummary,
    MonthView,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.lists.menus import menus_of
from mairie_tui.services.permissions import requires


@requires("reservations.lire")
def list_enrolments(engine: Engine, household_id: int, *, actor: Actor) -> list[EnrolmentSummary]:
    """The household's enrolments, one per child and activity (Modifier les réservations)."""
    with read_session(engine) as session:
        return enrolments_of(session, household_id)


def warm_up(engine: Engine, clock: Clock) -> None:
    """Pay the one-off costs of the first booking early (after sign-in, in a worker):

    the holiday tables of the school years around today (the `holidays`
    library computes them on first use) and the compiled booking queries.
    """
    calendar = HolidayCalendar()
    today = clock.today()
    for year in (today.year - 1, today.year, today.year + 1):
        # Any day of the year builds that year's table: the day itself is not mutated.
        calendar.name(date(year, 1, 1))  # pragma: no mutate
    with read_session(engine) as session:
        first = session.exec(select(Enrolment.id).limit(1)).first()
        if first is not None:
            load_calendar(session, first, clock.now(), start=today, end=today)


@requires("reservations.lire")
def open_booking(
    engine: Engine, enrolment_id: int, clock: Clock, *, actor: Actor
) -> BookingSession:
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
            recipient=recipient_of(session, loaded.household_id),
            menus=_menus(session, loaded.summary),
        )


MENU_KINDS = ("canteen", "periscolaire")


def _menus(session: Session, enrolment: EnrolmentSummary) -> dict[date, MenuDay]:
    """The site's menus over the enrolment's period (canteen and périscolaire only)."""
    if enrolment.kind not in MENU_KINDS:
        return {}
    found = menus_of(session, [enrolment.site], enrolment.start, enrolment.end)
    return {day: menu for (_site, day), menu in found.items()}


@requires("reservations.lire")
def reload_booking(
    engine: Engine, booking: BookingSession, clock: Clock, *, actor: Actor
) -> tuple[BookingSession, EditResult]:
    """Reload after another desk's change, re-applying this draft's edits where still possible."""
    fresh = open_booking(engine, booking.enrolment.id, clock, actor=actor)
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


@requires("reservations.lire")
def month_view(
    engine: Engine, enrolment_id: int, year: int, month: int, clock: Clock, *, actor: Actor
) -> MonthView:
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
        # Any day of the row gives the same ISO week: an index mutation changes nothing.
        number = week[0].isocalendar().week  # pragma: no mutate
        rows.append((number, tuple(days)))
    return MonthView(
        title=fr.month_title(year, month),
        enrolment=loaded.summary,
        weeks=tuple(rows),
        counts=dict(counts),
    )
