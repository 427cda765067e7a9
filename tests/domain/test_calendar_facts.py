"""Calendar facts of zone C (reference/calendar-facts.md), deadlines, day states.

Every expected value is written by hand from the reference, never derived
from the code under test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mairie_tui.clock import PARIS
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import (
    CalendarContext,
    DayState,
    DeadlineRule,
    HolidayCalendar,
    UnitInfo,
    _holidays_of_year,
    month_weeks,
)
from tests.domain.domain_helpers import (
    MON_TUE_THU_FRI,
    REPAS,
    SEED_END,
    SEED_START,
    d,
    every_day,
    in_seed_holidays,
    paris,
    seed_ctx,
    utc,
)

BEFORE_PERIOD = paris("2020-08-01T09:00")
HOLIDAYS = HolidayCalendar()
WEEK_DAYS = frozenset({0, 1, 2, 3, 4})
MON_TO_FRI = UnitInfo(id=7, name="Journée", weekdays=WEEK_DAYS)
CRECHE_RULE = DeadlineRule(kind="working_days", days=2)


def ctx_2025_2026() -> CalendarContext:
    return seed_ctx(
        paris("2025-08-01T09:00"),
        units=(MON_TO_FRI,),
        start=date(2025, 9, 1),
        end=date(2026, 7, 3),
    )


# ------------------------------------------------------------------ holidays

# (first, last, text the holiday's name must contain); both ends included.
HOLIDAY_FACTS = [
    ("17/10/2020", "01/11/2020", "Vacances de la Toussaint"),
    ("11/11/2020", "11/11/2020", "Armistice"),
    ("19/12/2020", "03/01/2021", "Vacances de Noël"),
    ("13/02/2021", "28/02/2021", "Vacances d'hiver"),
    ("05/04/2021", "05/04/2021", "Lundi de Pâques"),
    ("10/04/2021", "25/04/2021", "Vacances de printemps"),
    ("13/05/2021", "13/05/2021", "Ascension"),
    ("14/05/2021", "14/05/2021", "Pont de l'Ascension"),
    ("24/05/2021", "24/05/2021", "Lundi de Pentecôte"),
    ("14/05/2026", "14/05/2026", "Ascension"),
    ("15/05/2026", "15/05/2026", "Pont de l'Ascension"),
]


@pytest.mark.parametrize(("first", "last", "name"), HOLIDAY_FACTS)
def test_every_day_of_a_holiday_is_named(first: str, last: str, name: str) -> None:
    for day in every_day(d(first), d(last)):
        found = HOLIDAYS.name(day)
        assert found is not None and name in found, (day, found)
        assert HOLIDAYS.is_holiday(day)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("19/10/2020", "Vacances de la Toussaint"),
        ("30/10/2020", "Vacances de la Toussaint"),
        ("11/11/2020", "Armistice"),
        ("21/12/2020", "Vacances de Noël"),
        ("25/12/2020", "Noël"),
        ("01/01/2021", "Jour de l'an"),
        ("15/02/2021", "Vacances d'hiver"),
        ("05/04/2021", "Lundi de Pâques"),
        ("12/04/2021", "Vacances de printemps"),
        ("23/04/2021", "Vacances de printemps"),
        ("13/05/2021", "Ascension"),
        ("14/05/2021", "Pont de l'Ascension"),
        ("24/05/2021", "Lundi de Pentecôte"),
    ],
)
def test_school_day_in_a_holiday_is_holiday_state_with_its_name(text: str, name: str) -> None:
    ctx = seed_ctx(BEFORE_PERIOD, units=(MON_TO_FRI,))
    status = ctx.status(d(text), MON_TO_FRI)
    assert status.state is DayState.HOLIDAY
    assert name in status.reason
    assert not status.changeable


@pytest.mark.parametrize(
    "text",
    [
        "16/10/2020",  # last day of class before la Toussaint
        "02/11/2020",  # reprise after la Toussaint
        "10/11/2020",
        "12/11/2020",
        "18/12/2020",
        "04/01/2021",  # reprise after Noël
        "12/02/2021",
        "01/03/2021",  # reprise after les vacances d'hiver
        "06/04/2021",
        "09/04/2021",  # COVID school closures are Closure rows, not holidays
        "26/04/2021",  # reprise after the COVID spring shift
        "12/05/2021",
        "17/05/2021",  # vacances-scolaires-france wrongly marks it
        "25/05/2021",
        "06/07/2021",  # last day of class, last day of the period
    ],
)
def test_school_days_are_open(text: str) -> None:
    day = d(text)
    assert HOLIDAYS.name(day) is None
    ctx = seed_ctx(BEFORE_PERIOD, units=(MON_TO_FRI,))
    assert ctx.status(day, MON_TO_FRI).state is DayState.OPEN


def test_reprise_is_a_school_day_and_the_day_before_is_holiday() -> None:
    # Holidays end on the morning of the reprise.
    assert HOLIDAYS.is_holiday(d("01/11/2020")) and not HOLIDAYS.is_holiday(d("02/11/2020"))
    assert HOLIDAYS.is_holiday(d("25/04/2021")) and not HOLIDAYS.is_holiday(d("26/04/2021"))
    # and start after class on their first date's eve (a Friday of class).
    assert not HOLIDAYS.is_holiday(d("16/10/2020")) and HOLIDAYS.is_holiday(d("17/10/2020"))
    assert not HOLIDAYS.is_holiday(d("09/04/2021")) and HOLIDAYS.is_holiday(d("10/04/2021"))


def test_ponts_2026_in_a_later_school_year() -> None:
    ctx = ctx_2025_2026()
    assert ctx.status(d("13/05/2026"), MON_TO_FRI).state is DayState.OPEN
    for text, name in (("14/05/2026", "Ascension"), ("15/05/2026", "Pont de l'Ascension")):
        status = ctx.status(d(text), MON_TO_FRI)
        assert status.state is DayState.HOLIDAY
        assert name in status.reason
    assert ctx.status(d("18/05/2026"), MON_TO_FRI).state is DayState.OPEN


def test_public_holiday_versus_school_holiday() -> None:
    assert HOLIDAYS.is_public_holiday(d("11/11/2020"))
    assert HOLIDAYS.is_public_holiday(d("01/11/2020"))  # Toussaint, inside the school holiday
    assert HOLIDAYS.is_public_holiday(d("13/05/2021"))
    assert not HOLIDAYS.is_public_holiday(d("14/05/2021"))  # the pont is a school holiday
    assert not HOLIDAYS.is_public_holiday(d("19/10/2020"))
    assert not HOLIDAYS.is_public_holiday(d("02/11/2020"))
    assert HOLIDAYS.is_working_day(d("19/10/2020"))  # school holidays are worked
    assert HOLIDAYS.is_working_day(d("14/05/2021"))
    assert not HOLIDAYS.is_working_day(d("11/11/2020"))
    assert not HOLIDAYS.is_working_day(d("14/11/2020"))  # a Saturday


def test_public_holidays_only_calendar_for_creches() -> None:
    public = HolidayCalendar(school=False)
    assert public.name(d("11/11/2020")) == "Armistice"
    assert public.name(d("01/11/2020")) == "Toussaint"
    assert public.name(d("13/05/2021")) == "Ascension"
    assert public.name(d("25/12/2020")) == "Noël"
    for text in ("19/10/2020", "21/12/2020", "14/05/2021", "15/02/2021", "12/04/2021"):
        assert public.name(d(text)) is None, text
        assert not public.is_holiday(d(text))
    creche = UnitInfo(id=3, name="Journée", weekdays=WEEK_DAYS)
    ctx = seed_ctx(BEFORE_PERIOD, units=(creche,), rule=CRECHE_RULE, holidays=public)
    assert ctx.status(d("19/10/2020"), creche).state is DayState.OPEN
    assert ctx.status(d("14/05/2021"), creche).state is DayState.OPEN
    armistice = ctx.status(d("11/11/2020"), creche)
    assert (armistice.state, armistice.reason) == (DayState.HOLIDAY, "Armistice")
    # The same calendar with school holidays (the default) closes them.
    assert HolidayCalendar().name(d("19/10/2020")) == "Vacances de la Toussaint"
    # Working days do not depend on the option.
    assert public.is_working_day(d("19/10/2020")) and not public.is_working_day(d("11/11/2020"))


def test_a_day_that_is_both_a_public_and_a_school_holiday_names_both() -> None:
    # The tables are cached per year; start cold so that the names are built here.
    _holidays_of_year.cache_clear()
    try:
        assert HOLIDAYS.name(d("25/12/2020")) == "Noël · Vacances de Noël"
        assert HOLIDAYS.name(d("01/01/2021")) == "Jour de l'an · Vacances de Noël"
        assert HOLIDAYS.name(d("13/05/2021")) == "Ascension · Pont de l'Ascension"
        assert HOLIDAYS.name(d("14/05/2021")) == "Pont de l'Ascension"
    finally:
        _holidays_of_year.cache_clear()


def test_holidays_spanning_new_year_are_seen_from_both_years() -> None:
    for text in ("19/12/2020", "31/12/2020", "01/01/2021", "03/01/2021"):
        name = HOLIDAYS.name(d(text))
        assert name is not None and "Vacances de Noël" in name, text


# ------------------------------------------------------------------ counts


def test_seed_period_has_141_bookable_days() -> None:
    ctx = seed_ctx(BEFORE_PERIOD)
    open_days = [
        day
        for day in every_day(SEED_START, SEED_END)
        if ctx.status(day, REPAS).state is DayState.OPEN
    ]
    assert len(open_days) == 141
    # The same count from the reference's holiday list, without the code.
    expected = [
        day
        for day in every_day(SEED_START, SEED_END)
        if day.weekday() in (0, 1, 3, 4) and not in_seed_holidays(day)
    ]
    assert open_days == expected


def test_seed_period_state_counts() -> None:
    ctx = seed_ctx(BEFORE_PERIOD)
    states = [ctx.status(day, REPAS).state for day in every_day(SEED_START, SEED_END)]
    weekdays = sum(1 for day in every_day(SEED_START, SEED_END) if day.weekday() in (0, 1, 3, 4))
    assert weekdays == 177
    assert states.count(DayState.HOLIDAY) == 177 - 141
    assert states.count(DayState.CLOSED) == len(states) - 177
    assert set(states) == {DayState.OPEN, DayState.HOLIDAY, DayState.CLOSED}


def test_seed_holiday_ranges_match_the_library() -> None:
    # Every weekday flagged by the reference's ranges is a library holiday and
    # no other weekday of the period is.
    for day in every_day(SEED_START, SEED_END):
        if day.weekday() < 5:
            assert HOLIDAYS.is_holiday(day) == in_seed_holidays(day), day


# ------------------------------------------------------------------ weekly deadline

# (now, 25/09/2020 locked?, 28/09/2020 locked?) from the reference table.
DEADLINE_TABLE = [
    ("2020-09-15T10:00", False, False),
    ("2020-09-15T23:59:59", False, False),
    ("2020-09-16T00:00", True, False),
    ("2020-09-22T23:59", True, False),
    ("2020-09-23T08:00", True, True),
]


@pytest.mark.parametrize(("now", "locked_25", "locked_28"), DEADLINE_TABLE)
def test_deadline_table(now: str, locked_25: bool, locked_28: bool) -> None:
    rule = DeadlineRule()
    moment = paris(now)
    ctx = seed_ctx(moment)
    for day, locked in ((d("25/09/2020"), locked_25), (d("28/09/2020"), locked_28)):
        assert rule.is_locked(day, moment, HOLIDAYS) is locked
        status = ctx.status(day, REPAS)
        if locked:
            assert status.state is DayState.LOCKED
            assert "Délai dépassé" in status.reason
            assert status.forceable and not status.changeable
        else:
            assert status.state is DayState.OPEN
            assert status.reason == ""


def test_deadline_boundaries_and_message() -> None:
    rule = DeadlineRule()
    friday = d("25/09/2020")
    assert rule.cutoff(friday, HOLIDAYS) == paris("2020-09-16T00:00")
    assert not rule.is_locked(friday, paris("2020-09-15T23:59:59.999999"), HOLIDAYS)
    assert rule.is_locked(friday, paris("2020-09-16T00:00"), HOLIDAYS)
    status = seed_ctx(paris("2020-09-16T00:00")).status(friday, REPAS)
    assert status.reason == "Délai dépassé (modifiable jusqu'au mardi 15/09/2020 à 23h59)"
    # Every day of ISO week 39 shares the cutoff; week 40 starts a new one.
    for text in ("21/09/2020", "22/09/2020", "24/09/2020", "27/09/2020"):
        assert rule.cutoff(d(text), HOLIDAYS) == paris("2020-09-16T00:00")
    assert rule.cutoff(d("28/09/2020"), HOLIDAYS) == paris("2020-09-23T00:00")
    assert rule.describe() == "avant le mardi 23h59 pour la semaine suivante"


def test_deadline_on_another_weekday() -> None:
    # "avant le jeudi 23h59": week 40 closes on Friday 25/09/2020 00:00.
    rule = DeadlineRule(weekday=3)
    assert rule.cutoff(d("28/09/2020"), HOLIDAYS) == paris("2020-09-25T00:00")
    assert rule.describe() == "avant le jeudi 23h59 pour la semaine suivante"


def test_past_days_are_locked() -> None:
    status = seed_ctx(paris("2021-01-10T12:00")).status(d("07/01/2021"), REPAS)
    assert status.state is DayState.LOCKED


# ------------------------------------------------------------------ DST


def test_deadline_after_autumn_dst_change() -> None:
    # Sunday 25/10/2020: CEST (+2) → CET (+1). Monday 02/11/2020 (week 45)
    # closes at Wednesday 28/10/2020 00:00 CET = 27/10/2020 23:00 UTC.
    day = d("02/11/2020")
    rule = DeadlineRule()
    assert rule.cutoff(day, HOLIDAYS) == utc("2020-10-27T23:00")
    cases = [
        (paris("2020-10-27T23:59:59"), DayState.OPEN),
        (paris("2020-10-28T00:00"), DayState.LOCKED),
        (utc("2020-10-27T22:59:59"), DayState.OPEN),
        (utc("2020-10-27T22:30"), DayState.OPEN),  # 23:30 Paris: still Tuesday
        (utc("2020-10-27T23:00"), DayState.LOCKED),
    ]
    for now, state in cases:
        status = seed_ctx(now).status(day, REPAS)
        assert status.state is state, now
    locked = seed_ctx(utc("2020-10-27T23:00")).status(day, REPAS)
    assert locked.reason == "Délai dépassé (modifiable jusqu'au mardi 27/10/2020 à 23h59)"


def test_deadline_whose_tuesday_is_before_the_autumn_change() -> None:
    # Week 44 (26/10 - 01/11/2020) closes at Wednesday 21/10/2020 00:00 CEST
    # = 20/10/2020 22:00 UTC (the days themselves are holidays).
    day = d("26/10/2020")
    rule = DeadlineRule()
    assert not rule.is_locked(day, utc("2020-10-20T21:59:59"), HOLIDAYS)
    assert rule.is_locked(day, utc("2020-10-20T22:00"), HOLIDAYS)
    assert rule.is_locked(day, utc("2020-10-20T22:30"), HOLIDAYS)  # 00:30 Paris
    assert not rule.is_locked(day, paris("2020-10-20T23:59:59"), HOLIDAYS)
    assert rule.is_locked(day, paris("2020-10-21T00:00"), HOLIDAYS)


def test_deadline_around_spring_dst_change() -> None:
    # Sunday 28/03/2021: CET (+1) → CEST (+2).
    rule = DeadlineRule()
    # Thursday 01/04/2021 (week 13) closes at Wednesday 24/03 00:00 CET.
    thursday = d("01/04/2021")
    assert rule.cutoff(thursday, HOLIDAYS) == utc("2021-03-23T23:00")
    # Tuesday 06/04/2021 (week 14) closes at Wednesday 31/03 00:00 CEST.
    tuesday = d("06/04/2021")
    assert rule.cutoff(tuesday, HOLIDAYS) == utc("2021-03-30T22:00")
    cases = [
        (thursday, paris("2021-03-23T23:59:59"), DayState.OPEN),
        (thursday, paris("2021-03-24T00:00"), DayState.LOCKED),
        (thursday, utc("2021-03-23T22:59:59"), DayState.OPEN),
        (thursday, utc("2021-03-23T23:00"), DayState.LOCKED),
        (tuesday, paris("2021-03-30T23:59:59"), DayState.OPEN),
        (tuesday, paris("2021-03-31T00:00"), DayState.LOCKED),
        (tuesday, utc("2021-03-30T21:59:59"), DayState.OPEN),
        (tuesday, utc("2021-03-30T22:00"), DayState.LOCKED),
        (tuesday, utc("2021-03-30T22:30"), DayState.LOCKED),  # 00:30 Paris: Wednesday
    ]
    for day, now, state in cases:
        assert seed_ctx(now).status(day, REPAS).state is state, (day, now)
    reason = seed_ctx(utc("2021-03-30T22:00")).status(tuesday, REPAS).reason
    assert reason == "Délai dépassé (modifiable jusqu'au mardi 30/03/2021 à 23h59)"


# ------------------------------------------------------------------ working days (crèche)


@pytest.mark.parametrize(
    ("day", "days", "cutoff"),
    [
        # Thursday 12/11/2020: Wed 11/11 (Armistice) skipped, Tue 10 (1), Mon 09 (2).
        ("12/11/2020", 2, "2020-11-10T00:00"),
        # Thursday 19/11/2020: Wed 18 (1), Tue 17 (2).
        ("19/11/2020", 2, "2020-11-18T00:00"),
        # Monday 16/11/2020: weekend skipped, Fri 13 (1), Thu 12 (2).
        ("16/11/2020", 2, "2020-11-13T00:00"),
        # Wednesday 28/10/2020, in la Toussaint: school holidays are working days.
        ("28/10/2020", 2, "2020-10-27T00:00"),
        # Monday 02/11/2020: Friday 30/10 (school holiday) is a working day.
        ("02/11/2020", 1, "2020-10-31T00:00"),
        ("02/11/2020", 2, "2020-10-30T00:00"),
        # Monday 04/01/2021: Fri 01/01 (Jour de l'an) skipped, Thu 31/12 (1), Wed 30/12 (2).
        ("04/01/2021", 2, "2020-12-31T00:00"),
        # Monday 17/05/2021: Friday 14/05 (pont, school only) is worked.
        ("17/05/2021", 1, "2021-05-15T00:00"),
        # Friday 14/05/2021: Thu 13/05 (Ascension) skipped, Wed 12/05 (1).
        ("14/05/2021", 1, "2021-05-13T00:00"),
        # Zero days: locked from the day itself.
        ("19/11/2020", 0, "2020-11-19T00:00"),
    ],
)
def test_working_days_rule(day: str, days: int, cutoff: str) -> None:
    rule = DeadlineRule(kind="working_days", days=days)
    expected = paris(cutoff)
    assert rule.cutoff(d(day), HOLIDAYS) == expected
    assert not rule.is_locked(d(day), expected - timedelta(seconds=1), HOLIDAYS)
    assert rule.is_locked(d(day), expected, HOLIDAYS)


def test_working_days_rule_through_the_context() -> None:
    creche = UnitInfo(id=3, name="Journée", weekdays=WEEK_DAYS)
    day = d("12/11/2020")
    open_ctx = seed_ctx(paris("2020-11-09T23:59:59"), units=(creche,), rule=CRECHE_RULE)
    assert open_ctx.status(day, creche).state is DayState.OPEN
    locked = seed_ctx(paris("2020-11-10T00:00"), units=(creche,), rule=CRECHE_RULE)
    status = locked.status(day, creche)
    assert status.state is DayState.LOCKED
    assert status.reason == "Délai dépassé (modifiable jusqu'au lundi 09/11/2020 à 23h59)"
    assert CRECHE_RULE.describe() == "au plus tard 2 jours ouvrés avant"
    assert DeadlineRule(kind="working_days", days=1).describe() == "au plus tard 1 jour ouvré avant"


# ------------------------------------------------------------------ closures and capacity

MATIN = UnitInfo(id=10, name="Matin", weekdays=MON_TUE_THU_FRI)
SOIR = UnitInfo(id=11, name="Soir", weekdays=MON_TUE_THU_FRI, capacity=2)
THURSDAY = d("08/10/2020")


def test_closure_of_one_unit() -> None:
    ctx = seed_ctx(BEFORE_PERIOD, units=(MATIN, SOIR), closures={(THURSDAY, MATIN.id): "Grève"})
    status = ctx.status(THURSDAY, MATIN)
    assert status.state is DayState.CLOSURE
    assert status.reason == "Fermeture : Grève"
    assert ctx.status(THURSDAY, SOIR).state is DayState.OPEN
    assert ctx.status(THURSDAY + timedelta(days=1), MATIN).state is DayState.OPEN


def test_closure_of_the_whole_activity() -> None:
    ctx = seed_ctx(BEFORE_PERIOD, units=(MATIN, SOIR), closures={(THURSDAY, None): "Pont"})
    for unit in (MATIN, SOIR):
        status = ctx.status(THURSDAY, unit)
        assert status.state is DayState.CLOSURE
        assert status.reason == "Fermeture : Pont"


def test_unit_closure_reason_wins_over_activity_closure() -> None:
    closures: dict[tuple[date, int | None], str] = {
        (THURSDAY, None): "Pont",
        (THURSDAY, MATIN.id): "Grève",
    }
    ctx = seed_ctx(BEFORE_PERIOD, units=(MATIN, SOIR), closures=closures)
    assert ctx.status(THURSDAY, MATIN).reason == "Fermeture : Grève"
    assert ctx.status(THURSDAY, SOIR).reason == "Fermeture : Pont"


def test_closure_without_reason_still_closes() -> None:
    closures: dict[tuple[date, int | None], str] = {(THURSDAY, MATIN.id): "", (THURSDAY, None): " "}
    ctx = seed_ctx(BEFORE_PERIOD, units=(MATIN, SOIR), closures=closures)
    for unit in (MATIN, SOIR):
        status = ctx.status(THURSDAY, unit)
        assert status.state is DayState.CLOSURE
        assert status.reason == "Fermeture"


def test_capacity_stops_only_new_bookings() -> None:
    ctx = seed_ctx(BEFORE_PERIOD, units=(MATIN, SOIR), taken={(THURSDAY, SOIR.id): 2})
    full = ctx.status(THURSDAY, SOIR)
    assert full.state is DayState.FULL
    assert full.reason == "Complet (2 places)"
    assert not full.forceable
    assert ctx.status(THURSDAY, SOIR, has_booking=True).state is DayState.OPEN
    assert ctx.status(THURSDAY, MATIN).state is DayState.OPEN  # no capacity
    below = seed_ctx(BEFORE_PERIOD, units=(SOIR,), taken={(THURSDAY, SOIR.id): 1})
    assert below.status(THURSDAY, SOIR).state is DayState.OPEN
    other_day = seed_ctx(BEFORE_PERIOD, units=(SOIR,), taken={(THURSDAY, SOIR.id): 2})
    assert other_day.status(THURSDAY + timedelta(days=1), SOIR).state is DayState.OPEN


def test_capacity_wording() -> None:
    one = UnitInfo(id=12, name="Soir", weekdays=MON_TUE_THU_FRI, capacity=1)
    ctx = seed_ctx(BEFORE_PERIOD, units=(one,), taken={(THURSDAY, one.id): 1})
    assert ctx.status(THURSDAY, one).reason == "Complet (1 place)"
    none = UnitInfo(id=13, name="Soir", weekdays=MON_TUE_THU_FRI, capacity=0)
    assert seed_ctx(BEFORE_PERIOD, units=(none,)).status(THURSDAY, none).state is DayState.FULL


# ------------------------------------------------------------------ precedence


@dataclass(frozen=True)
class FakeHolidays(HolidayCalendar):
    """A holiday calendar that knows only the dates it is given."""

    names: dict[date, str] = field(default_factory=dict)

    def name(self, day: date) -> str | None:
        return self.names.get(day)

    def is_holiday(self, day: date) -> bool:
        return day in self.names


ORDER = [
    DayState.OUTSIDE,
    DayState.CLOSED,
    DayState.HOLIDAY,
    DayState.CLOSURE,
    DayState.LOCKED,
    DayState.FULL,
]


@pytest.mark.parametrize("active", list(itertools.product([False, True], repeat=6)))
def test_state_precedence(active: tuple[bool, ...]) -> None:
    outside, closed, holiday, closure, locked, full = active
    day = THURSDAY
    unit = UnitInfo(
        id=20,
        name="Repas",
        weekdays=frozenset({0, 1, 4}) if closed else MON_TUE_THU_FRI,
        capacity=1,
    )
    ctx = seed_ctx(
        paris("2020-10-01T12:00") if locked else BEFORE_PERIOD,
        units=(unit,),
        start=day + timedelta(days=1) if outside else SEED_START,
        holidays=FakeHolidays(names={day: "Jour férié de test"} if holiday else {}),
        closures={(day, None): "Grève"} if closure else {},
        taken={(day, unit.id): 1} if full else {},
    )
    expected = next((state for state, on in zip(ORDER, active, strict=True) if on), DayState.OPEN)
    assert ctx.status(day, unit).state is expected


def test_french_reasons() -> None:
    ctx = seed_ctx(BEFORE_PERIOD)
    assert ctx.status(d("16/09/2020"), REPAS).reason == "Fermé le mercredi"
    assert ctx.status(d("19/09/2020"), REPAS).reason == "Fermé le samedi"
    assert ctx.status(d("20/09/2020"), REPAS).reason == "Fermé le dimanche"
    for text in ("31/08/2020", "07/07/2021", "01/01/2022"):
        status = ctx.status(d(text), REPAS)
        assert status.state is DayState.OUTSIDE
        assert status.reason == "Hors de la période d'inscription"
    assert ctx.status(d("11/11/2020"), MON_TO_FRI).reason == "Armistice"
    assert ctx.status(d("01/09/2020"), REPAS).state is DayState.OPEN  # first day included
    assert ctx.status(d("06/07/2021"), REPAS).state is DayState.OPEN  # last day included


def test_unit_lookup_and_weekday_parsing() -> None:
    ctx = seed_ctx(BEFORE_PERIOD, units=(MATIN, SOIR))
    assert ctx.unit(SOIR.id) is SOIR
    with pytest.raises(KeyError):
        ctx.unit(999)
    assert UnitInfo.parse_weekdays("0,1,3,4") == MON_TUE_THU_FRI
    assert UnitInfo.parse_weekdays("") == frozenset()


def test_an_unknown_deadline_kind_or_unit_is_named_in_the_error() -> None:
    with pytest.raises(ValueError) as unknown_rule:
        DeadlineRule(kind="mensuel").cutoff(d("25/09/2020"), HOLIDAYS)
    assert str(unknown_rule.value) == "règle de délai inconnue : mensuel"
    with pytest.raises(KeyError) as unknown_unit:
        seed_ctx(BEFORE_PERIOD).unit(99)
    assert unknown_unit.value.args == (99,)


# ------------------------------------------------------------------ month grid


def test_month_weeks_september_2020() -> None:
    weeks = month_weeks(2020, 9)
    assert len(weeks) == 5
    assert weeks[0][0] == d("31/08/2020")
    assert weeks[0][-1] == d("06/09/2020")
    assert weeks[-1][0] == d("28/09/2020")
    assert weeks[-1][-1] == d("04/10/2020")
    assert [week[0].isocalendar().week for week in weeks] == [36, 37, 38, 39, 40]


def test_month_weeks_month_starting_on_monday() -> None:
    weeks = month_weeks(2021, 2)  # 01/02/2021 is a Monday, 28/02 a Sunday
    assert len(weeks) == 4
    assert weeks[0][0] == d("01/02/2021")
    assert weeks[-1][-1] == d("28/02/2021")
    march = month_weeks(2021, 3)  # 01/03/2021 is a Monday too
    assert march[0][0] == d("01/03/2021")
    assert march[-1][-1] == d("04/04/2021")


def test_month_weeks_december_to_january() -> None:
    december = month_weeks(2020, 12)
    assert december[0][0] == d("30/11/2020")
    assert december[-1][-1] == d("03/01/2021")
    assert len(december) == 5
    january = month_weeks(2021, 1)
    assert january[0][0] == d("28/12/2020")
    assert january[-1][-1] == d("31/01/2021")
    assert january[0][0].isocalendar().week == 53


@pytest.mark.parametrize("year", [2020, 2021, 2024, 2026])
def test_month_weeks_shape(year: int) -> None:
    for month in range(1, 13):
        weeks = month_weeks(year, month)
        flat = [day for week in weeks for day in week]
        assert all(len(week) == 7 and week[0].weekday() == 0 for week in weeks)
        assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(flat))
        in_month = [day for day in flat if day.month == month]
        assert in_month[0] == date(year, month, 1)
        next_first = date(year + month // 12, month % 12 + 1, 1)
        assert in_month[-1] == next_first - timedelta(days=1)
        assert len(in_month) == len(set(in_month))
        # No row is only made of other months' days.
        assert all(any(day.month == month for day in week) for week in weeks)
    assert len(month_weeks(2021, 8)) == 6  # 01/08/2021 Sunday, 31/08 Tuesday


# ------------------------------------------------------------------ French wording


def test_fr_wording() -> None:
    assert fr.long_date(d("25/09/2020")) == "vendredi 25/09/2020"
    assert fr.long_date(d("01/03/2021")) == "lundi 01/03/2021"
    assert fr.day_name(d("27/09/2020")) == "dimanche"
    assert fr.short_date(d("05/04/2021")) == "05/04/2021"
    assert fr.month_title(2020, 9) == "Septembre 2020"
    assert fr.month_title(2021, 8) == "Août 2021"
    assert fr.month_title(2020, 12) == "Décembre 2020"
    assert fr.month_title(2021, 2) == "Février 2021"
    assert fr.period(SEED_START, SEED_END) == "du 01/09/2020 au 06/07/2021"
    assert fr.date_time(paris("2020-09-22T23:59")) == "mardi 22/09/2020 à 23h59"
    assert fr.date_time(datetime(2021, 3, 1, 8, 5)) == "lundi 01/03/2021 à 08h05"
    # Aware instants from elsewhere (database timestamps in UTC) show Paris time.
    assert fr.date_time(utc("2020-09-22T21:59")) == "mardi 22/09/2020 à 23h59"
    assert fr.date_time(utc("2020-12-01T07:05")) == "mardi 01/12/2020 à 08h05"
    assert fr.date_time(utc("2020-12-31T23:30")) == "vendredi 01/01/2021 à 00h30"
    assert fr.WEEKDAYS_UPPER[0] == "LUNDI"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/09/2020", date(2020, 9, 25)),
        ("2020-09-25", date(2020, 9, 25)),
        (" 01/10/2020 ", date(2020, 10, 1)),
        ("1/2/2021", date(2021, 2, 1)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert fr.parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["31/02/2021", "32/01/2020", "abc", "", "25/09", "25/09/20", "25/09/2020/1", "aa/bb/cccc"],
)
def test_parse_date_errors_are_french(text: str) -> None:
    with pytest.raises(ValueError) as error:
        fr.parse_date(text)
    assert str(error.value) == f"date invalide : « {text} » (attendu JJ/MM/AAAA)"


# ------------------------------------------------------------------ deadline properties

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2020, 1, 6), max_value=date(2027, 12, 31)),
    now=instants,
    weekday=st.integers(min_value=0, max_value=6),
)
def test_weekly_cutoff_is_paris_midnight_whatever_the_offset(
    day: date, now: datetime, weekday: int
) -> None:
    rule = DeadlineRule(weekday=weekday)
    cutoff = rule.cutoff(day, HOLIDAYS)
    local = cutoff.astimezone(PARIS)
    # Midnight, Paris wall time, the day after `weekday` of the week before.
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    monday_before = day - timedelta(days=day.weekday() + 7)
    assert local.date() == monday_before + timedelta(days=weekday + 1)
    # The same instant given in UTC or in Paris time gets the same answer.
    locked = rule.is_locked(day, now, HOLIDAYS)
    assert locked == rule.is_locked(day, now.astimezone(PARIS), HOLIDAYS)
    assert locked == (now.timestamp() >= cutoff.timestamp())


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2020, 1, 6), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=5),
)
def test_working_days_cutoff_leaves_exactly_n_working_days(day: date, days: int) -> None:
    cutoff = DeadlineRule(kind="working_days", days=days).cutoff(day, HOLIDAYS)
    local = cutoff.astimezone(PARIS)
    assert (local.hour, local.minute) == (0, 0)
    # Between the last changeable day (the eve of the cutoff) and the day,
    # both excluded, lie exactly days - 1 working days; the eve is one.
    last_day = local.date() - timedelta(days=1)
    assert HOLIDAYS.is_working_day(last_day)
    between = [
        one
        for one in every_day(last_day + timedelta(days=1), day - timedelta(days=1))
        if one.weekday() < 5 and not _public(one)
    ]
    assert len(between) == days - 1


def _public(day: date) -> bool:
    name = HOLIDAYS.name(day)
    return name is not None and any(
        not part.startswith(("Vacances", "Pont")) for part in name.split(" · ")
    )


def test_the_mail_reminder_states_each_deadline_rule_in_full() -> None:
    """The sentence a family reads at the foot of its confirmation: a crèche's rule in
    working days ends with « le jour concerné »; the weekly rule does not."""
    from mairie_tui.domain.calendar import DeadlineRule

    assert DeadlineRule(kind="working_days", weekday=1, days=2).reminder() == (
        "Toute réservation ou annulation doit être effectuée "
        "au plus tard 2 jours ouvrés avant le jour concerné."
    )
    assert DeadlineRule(kind="working_days", weekday=1, days=1).reminder() == (
        "Toute réservation ou annulation doit être effectuée "
        "au plus tard 1 jour ouvré avant le jour concerné."
    )
    weekly = DeadlineRule(kind="weekly", weekday=1, days=0).reminder()
    assert weekly.startswith("Toute réservation ou annulation doit être effectuée ")
    assert weekly.endswith(".") and "le jour concerné" not in weekly
