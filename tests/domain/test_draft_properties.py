"""Property tests of the booking draft (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mairie_tui.clock import PARIS
from mairie_tui.domain.calendar import CalendarContext, DayState, UnitInfo
from mairie_tui.domain.draft import (
    BookingDraft,
    BookingMark,
    ChangeKind,
    DraftError,
    WeeklyPattern,
    WeekParity,
)
from tests.domain.domain_helpers import MON_TUE_THU_FRI, every_day, seed_ctx

# A window around the seed period's first weeks and la Toussaint: it holds
# outside, closed, holiday, closure, locked, full and open days.
FIRST_DAY = date(2020, 8, 24)
LAST_DAY = date(2020, 11, 20)
PERIOD_START = date(2020, 9, 1)
PERIOD_END = date(2020, 11, 13)

MATIN = UnitInfo(id=1, name="Matin", weekdays=MON_TUE_THU_FRI)
SOIR = UnitInfo(id=2, name="Soir", weekdays=frozenset({0, 1, 2, 3, 4}), capacity=2)
UNITS = (MATIN, SOIR)
UNIT_IDS = [unit.id for unit in UNITS]
Key = tuple[date, int]
Edit = Callable[[BookingDraft], object]

WORKDAYS = [day for day in every_day(PERIOD_START, PERIOD_END) if day.weekday() < 5]
# Two draws in three are weekdays of the period, so that edits do change things.
days = st.one_of(
    st.sampled_from(WORKDAYS),
    st.sampled_from(WORKDAYS),
    st.dates(min_value=FIRST_DAY, max_value=LAST_DAY),
)
keys = st.tuples(days, st.sampled_from(UNIT_IDS))
# A third of the clocks stand before the period (nothing locked yet).
nows = st.one_of(
    st.sampled_from(
        [datetime(2020, 8, 20, 9, 0, tzinfo=PARIS), datetime(2020, 9, 15, 10, 0, tzinfo=PARIS)]
    ),
    st.datetimes(
        min_value=datetime(2020, 8, 1), max_value=datetime(2020, 9, 1), timezones=st.just(PARIS)
    ),
    st.datetimes(
        min_value=datetime(2020, 9, 1), max_value=datetime(2020, 11, 30), timezones=st.just(PARIS)
    ),
)
existing_bookings = st.dictionaries(keys, st.sampled_from(list(BookingMark)), max_size=20)
closures = st.dictionaries(
    st.tuples(days, st.sampled_from([None, *UNIT_IDS])), st.sampled_from(["Grève", ""]), max_size=4
)
taken = st.dictionaries(
    st.tuples(days, st.just(SOIR.id)), st.integers(min_value=0, max_value=3), max_size=15
)
reasons = st.sampled_from([None, "", "  ", "Accord du directeur", "Accord du directeur"])


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, Edit]:
    kind = draw(st.sampled_from(["toggle", "toggle", "set", "days", "range", "pattern"]))
    if kind == "toggle":
        day, unit_id = draw(keys)
        reason = draw(reasons)
        return (
            f"toggle({day}, {unit_id}, {reason!r})",
            lambda draft: draft.toggle(day, unit_id, force_reason=reason),
        )
    if kind == "set":
        day, unit_id = draw(keys)
        ticked = draw(st.booleans())
        reason = draw(reasons)
        return (
            f"set({day}, {unit_id}, {ticked}, {reason!r})",
            lambda draft: draft.set(day, unit_id, ticked, force_reason=reason),
        )
    ticked = draw(st.booleans())
    unit_ids = draw(st.sampled_from([None, (MATIN.id,), (SOIR.id,), (SOIR.id, MATIN.id)]))
    if kind == "days":
        chosen = draw(st.lists(days, max_size=10))
        return (
            f"set_days({chosen}, {ticked}, {unit_ids})",
            lambda draft: draft.set_days(chosen, ticked, unit_ids),
        )
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(min_value=-3, max_value=40)))
    if kind == "range":
        return (
            f"set_days(every_day({start}, {end}), {ticked}, {unit_ids})",
            lambda draft: draft.set_days(every_day(start, end), ticked, unit_ids),
        )
    pattern = WeeklyPattern(
        weekdays=frozenset(draw(st.sets(st.integers(min_value=0, max_value=6)))),
        unit_ids=unit_ids or tuple(UNIT_IDS),
        start=start,
        end=end,
        parity=draw(st.sampled_from(list(WeekParity))),
        tick=ticked,
    )
    return (repr(pattern), lambda draft: draft.apply_pattern(pattern))


def run(draft: BookingDraft, script: list[tuple[str, Edit]]) -> None:
    for _label, edit in script:
        before = (dict(draft.changes), dict(draft.forced))
        try:
            edit(draft)
        except DraftError:
            # A forced day without reason: refused as a whole, nothing changed.
            assert (draft.changes, draft.forced) == before


def make_ctx(
    now: datetime,
    closure_map: dict[tuple[date, int | None], str],
    taken_map: dict[tuple[date, int], int],
) -> CalendarContext:
    return seed_ctx(
        now,
        units=UNITS,
        start=PERIOD_START,
        end=PERIOD_END,
        closures=closure_map,
        taken=taken_map,
    )


def ticked_keys(draft: BookingDraft) -> set[Key]:
    candidates = set(draft.existing) | set(draft.changes)
    return {key for key in candidates if draft.is_ticked(*key)}


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(
    now=nows,
    existing=existing_bookings,
    closure_map=closures,
    script=st.lists(edits(), min_size=1, max_size=12),
)
def test_recap_lists_exactly_the_changes_and_inverse_edits_give_back_the_bookings(
    now: datetime,
    existing: dict[Key, BookingMark],
    closure_map: dict[tuple[date, int | None], str],
    script: list[tuple[str, Edit]],
) -> None:
    # No capacity pressure here: re-adding a cancelled booking on a day that
    # others have since filled is refused on purpose.
    ctx = make_ctx(now, closure_map, {})
    draft = BookingDraft(ctx=ctx, existing=existing)
    run(draft, script)
    # What validation writes from such a recap is checked against the database in
    # tests/services/test_validation_writes.py.
    after = ticked_keys(draft)
    # Each change is a real difference with the database, listed once.
    assert {(line.day, line.unit_id) for line in draft.recap()} == after ^ set(existing)
    assert len(draft.recap()) == len(after ^ set(existing))

    back = BookingDraft(ctx=ctx, existing={key: BookingMark.BOOKED for key in after})
    for line in draft.recap():
        result = back.set(
            line.day,
            line.unit_id,
            line.kind is ChangeKind.REMOVE,
            force_reason="Retour arrière",
        )
        assert result.changed == [(line.day, line.unit_id)], result.skipped
    assert ticked_keys(back) == set(existing)


@PROPERTY_SETTINGS
@given(
    now=nows,
    existing=existing_bookings,
    closure_map=closures,
    taken_map=taken,
    script=st.lists(edits(), min_size=1, max_size=12),
)
def test_no_change_on_a_day_that_is_not_open_unless_forced_with_a_reason(
    now: datetime,
    existing: dict[Key, BookingMark],
    closure_map: dict[tuple[date, int | None], str],
    taken_map: dict[tuple[date, int], int],
    script: list[tuple[str, Edit]],
) -> None:
    ctx = make_ctx(now, closure_map, taken_map)
    draft = BookingDraft(ctx=ctx, existing=existing)
    run(draft, script)
    for (day, unit_id), kind in draft.changes.items():
        status = ctx.status(day, ctx.unit(unit_id), has_booking=(day, unit_id) in existing)
        if status.state is DayState.OPEN:
            assert (day, unit_id) not in draft.forced
            continue
        # Only a locked day can be forced, and only with a reason.
        assert status.state is DayState.LOCKED, (day, unit_id, kind, status)
        assert draft.forced.get((day, unit_id), "").strip() != ""
    assert set(draft.forced) <= set(draft.changes)
    for line in draft.recap():
        assert line.forced_reason == draft.forced.get((line.day, line.unit_id))


@PROPERTY_SETTINGS
@given(
    now=nows,
    existing=existing_bookings,
    taken_map=taken,
    script=st.lists(edits(), min_size=1, max_size=12),
)
def test_recap_is_sorted_by_date_then_unit(
    now: datetime,
    existing: dict[Key, BookingMark],
    taken_map: dict[tuple[date, int], int],
    script: list[tuple[str, Edit]],
) -> None:
    draft = BookingDraft(ctx=make_ctx(now, {}, taken_map), existing=existing)
    run(draft, script)
    order = {unit.id: position for position, unit in enumerate(UNITS)}
    recap = draft.recap()
    sort_keys = [(line.day, order[line.unit_id]) for line in recap]
    assert sort_keys == sorted(sort_keys)
    assert len(set(sort_keys)) == len(sort_keys)
    for line in recap:
        expected = ChangeKind.REMOVE if (line.day, line.unit_id) in existing else ChangeKind.ADD
        assert line.kind is expected
        assert line.was_pending == (existing.get((line.day, line.unit_id)) is BookingMark.PENDING)
