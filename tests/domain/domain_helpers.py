"""Plain helpers for the domain tests: dates, Paris instants, the seed's context.

Expected values here are written out by hand (from
reference/calendar-facts.md), never computed with the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta

from mairie_tui.clock import PARIS
from mairie_tui.domain.calendar import CalendarContext, DeadlineRule, HolidayCalendar, UnitInfo

SEED_START = date(2020, 9, 1)
SEED_END = date(2021, 7, 6)
MON_TUE_THU_FRI = frozenset({0, 1, 3, 4})
REPAS = UnitInfo(id=1, name="Repas", weekdays=MON_TUE_THU_FRI)

# Zone C holidays that fall in the seed period, from calendar-facts.md
# (both ends included).
SEED_HOLIDAY_RANGES: tuple[tuple[date, date], ...] = (
    (date(2020, 10, 17), date(2020, 11, 1)),  # Vacances de la Toussaint
    (date(2020, 11, 11), date(2020, 11, 11)),  # Armistice
    (date(2020, 12, 19), date(2021, 1, 3)),  # Vacances de Noël
    (date(2021, 2, 13), date(2021, 2, 28)),  # Vacances d'hiver
    (date(2021, 4, 5), date(2021, 4, 5)),  # Lundi de Pâques
    (date(2021, 4, 10), date(2021, 4, 25)),  # Vacances de printemps (COVID shift)
    (date(2021, 5, 13), date(2021, 5, 14)),  # Ascension, pont de l'Ascension
    (date(2021, 5, 24), date(2021, 5, 24)),  # Lundi de Pentecôte
)


def d(text: str) -> date:
    """`25/09/2020` → date (independent of fr.parse_date)."""
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


def paris(text: str) -> datetime:
    """`2020-09-15T10:00` → aware Europe/Paris wall time."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def every_day(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def in_seed_holidays(day: date) -> bool:
    return any(first <= day <= last for first, last in SEED_HOLIDAY_RANGES)


def seed_ctx(
    now: datetime,
    *,
    units: tuple[UnitInfo, ...] = (REPAS,),
    rule: DeadlineRule | None = None,
    start: date = SEED_START,
    end: date = SEED_END,
    holidays: HolidayCalendar | None = None,
    closures: Mapping[tuple[date, int | None], str] | None = None,
    taken: Mapping[tuple[date, int], int] | None = None,
) -> CalendarContext:
    return CalendarContext(
        period_start=start,
        period_end=end,
        units=units,
        rule=rule if rule is not None else DeadlineRule(),
        now=now,
        holidays=holidays if holidays is not None else HolidayCalendar(),
        closures=closures if closures is not None else {},
        taken=taken if taken is not None else {},
    )
