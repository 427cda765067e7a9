"""Day states of the booking calendar: holidays, closures, deadlines, capacity.

A day state is computed, never stored. The order of precedence follows the
design: outside > closed > holiday > closure > locked > full > open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from holidays.countries.france import France

from mairie_tui.domain import fr

PARIS_TZ_NAME = "Europe/Paris"


class DayState(StrEnum):
    OUTSIDE = "outside"
    CLOSED = "closed"
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    LOCKED = "locked"
    FULL = "full"
    OPEN = "open"


# ---------------------------------------------------------------- holidays


@lru_cache(maxsize=128)
def _holidays_of_year(year: int, zone: str, school: bool = True) -> dict[date, str]:
    # France.__init__ takes untyped *args/**kwargs in holidays 0.109.
    calendar = France(  # type: ignore[no-untyped-call]
        subdiv=f"Zone {zone}",
        years=[year],
        categories=("public", "school") if school else ("public",),
        language="fr",
    )
    return {day: _display_name(name) for day, name in calendar.items()}


def _display_name(name: str) -> str:
    # The library joins names ("Toussaint; Vacances de la Toussaint"); the
    # agent wants the public holiday's own name first, then the school one.
    parts = [part.strip() for part in name.split(";") if part.strip()]
    return " · ".join(dict.fromkeys(parts))


@dataclass(frozen=True)
class HolidayCalendar:
    """Public and school holidays of one zone (C for Alès), from `holidays`.

    `school=False` keeps public holidays only: for activities that run during
    the school holidays (crèches), where a school holiday is an ordinary day.
    """

    zone: str = "C"
    school: bool = True

    def name(self, day: date) -> str | None:
        return _holidays_of_year(day.year, self.zone, self.school).get(day)

    def is_holiday(self, day: date) -> bool:
        return day in _holidays_of_year(day.year, self.zone, self.school)

    def is_public_holiday(self, day: date) -> bool:
        # `False` -> `None` would read the same public holidays: no mutation.
        return day in _holidays_of_year(day.year, self.zone, False)  # pragma: no mutate

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday (school holidays are worked)."""
        return day.weekday() < 5 and not self.is_public_holiday(day)


# ---------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class DeadlineRule:
    """When a day stops being changeable.

    - ``weekly``: "avant le mardi 23h59 pour la semaine suivante": any day of
      ISO week W may change until ``weekday`` (1 = Tuesday) 23:59:59 of week
      W-1, Europe/Paris wall time, whatever the DST offset.
    - ``working_days``: until the end of the working day that lies ``days``
      working days before the day (crèches).
    """

    kind: str = "weekly"
    weekday: int = 1
    days: int = 2

    def cutoff(self, day: date, holidays: HolidayCalendar) -> datetime:
        """The first instant (aware, Paris) at which `day` is locked."""
        from mairie_tui.clock import PARIS  # local import: keeps clock optional for tests

        if self.kind == "weekly":
            monday = day - timedelta(days=day.weekday())
            first_locked_day = monday - timedelta(days=7) + timedelta(days=self.weekday + 1)
        elif self.kind == "working_days":
            cursor = day
            remaining = self.days
            while remaining > 0:
                cursor -= timedelta(days=1)
                if holidays.is_working_day(cursor):
                    remaining -= 1
            # Changes are allowed until the end of that working day.
            first_locked_day = cursor + timedelta(days=1) if self.days > 0 else day
        else:  # the database's CHECK constraint allows only the two kinds above
            raise ValueError(f"règle de délai inconnue : {self.kind}")
        return datetime.combine(first_locked_day, time(), tzinfo=PARIS)

    def last_moment(self, day: date, holidays: HolidayCalendar) -> datetime:
        """The last minute at which `day` may still change (for messages)."""
        return self.cutoff(day, holidays) - timedelta(minutes=1)

    def is_locked(self, day: date, now: datetime, holidays: HolidayCalendar) -> bool:
        return now >= self.cutoff(day, holidays)

    def describe(self) -> str:
        if self.kind == "weekly":
            return f"avant le {fr.WEEKDAYS[self.weekday]} 23h59 pour la semaine suivante"
        unit = "jour ouvré" if self.days <= 1 else "jours ouvrés"
        return f"au plus tard {self.days} {unit} avant"

    def reminder(self) -> str:
        """The rule as one sentence for a family's mail."""
        when = self.describe() + (" le jour concerné" if self.kind == "working_days" else "")
        return f"Toute réservation ou annulation doit être effectuée {when}."


# ---------------------------------------------------------------- day states


@dataclass(frozen=True)
class UnitInfo:
    """A bookable unit of an activity ("Repas", "Matin", "Soir")."""

    id: int
    name: str
    weekdays: frozenset[int]
    capacity: int | None = None

    @staticmethod
    def parse_weekdays(text: str) -> frozenset[int]:
        return frozenset(int(part) for part in text.split(",") if part.strip() != "")


@dataclass(frozen=True)
class DayStatus:
    state: DayState
    reason: str = ""

    @property
    def changeable(self) -> bool:
        return self.state is DayState.OPEN

    @property
    def forceable(self) -> bool:
        """A supervisor may change a locked day with a reason."""
        return self.state is DayState.LOCKED


@dataclass(frozen=True)
class CalendarContext:
    """Everything the rules need to judge the days of one enrolment.

    `closures` maps (day, unit id or None for every unit) to a reason;
    `taken` counts other children's live bookings per (day, unit id), for
    capacity.
    """

    period_start: date
    period_end: date
    units: tuple[UnitInfo, ...]
    rule: DeadlineRule
    now: datetime
    holidays: HolidayCalendar = field(default_factory=HolidayCalendar)
    closures: Mapping[tuple[date, int | None], str] = field(default_factory=dict)
    taken: Mapping[tuple[date, int], int] = field(default_factory=dict)

    def unit(self, unit_id: int) -> UnitInfo:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    def status(self, day: date, unit: UnitInfo, *, has_booking: bool = False) -> DayStatus:
        """The state of one day for one unit.

        `has_booking`: the enrolment already holds a live booking that day, so
        capacity does not stop it (it only stops new bookings).
        """
        if day < self.period_start or day > self.period_end:
            return DayStatus(DayState.OUTSIDE, "Hors de la période d'inscription")
        if day.weekday() not in unit.weekdays:
            return DayStatus(DayState.CLOSED, f"Fermé le {fr.WEEKDAYS[day.weekday()]}")
        holiday = self.holidays.name(day)
        if holiday is not None:
            return DayStatus(DayState.HOLIDAY, holiday)
        # `is None` checks, not `or`: a closure entered without a reason ("")
        # still closes the day.
        closure = self.closures.get((day, unit.id))
        if closure is None:
            closure = self.closures.get((day, None))
        if closure is not None:
            closure = closure.strip()
            return DayStatus(DayState.CLOSURE, f"Fermeture : {closure}" if closure else "Fermeture")
        if self.rule.is_locked(day, self.now, self.holidays):
            limit = self.rule.last_moment(day, self.holidays)
            return DayStatus(
                DayState.LOCKED, f"Délai dépassé (modifiable jusqu'au {fr.date_time(limit)})"
            )
        if (
            unit.capacity is not None
            and not has_booking
            and self.taken.get((day, unit.id), 0) >= unit.capacity
        ):
            places = "place" if unit.capacity <= 1 else "places"
            return DayStatus(DayState.FULL, f"Complet ({unit.capacity} {places})")
        return DayStatus(DayState.OPEN)


def month_weeks(year: int, month: int) -> list[list[date]]:
    """The ISO weeks (Monday-first rows of 7 dates) that a month grid shows."""
    first = date(year, month, 1)
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    weeks: list[list[date]] = []
    monday = first - timedelta(days=first.weekday())
    while monday < next_month:
        weeks.append([monday + timedelta(days=offset) for offset in range(7)])
        monday += timedelta(days=7)
    return weeks
