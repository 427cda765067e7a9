"""The booking draft: the seed scenario, forcing, undo, bulk edits, weekly patterns."""

from __future__ import annotations

from datetime import date

import pytest

from mairie_tui.domain.calendar import DayState, UnitInfo
from mairie_tui.domain.draft import (
    BookingDraft,
    BookingMark,
    ChangeKind,
    DraftError,
    EditResult,
    RecapLine,
    Skip,
    WeeklyPattern,
    WeekParity,
    recap_totals,
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
)

SEED_NOW = paris("2020-09-15T10:00")
BEFORE_PERIOD = paris("2020-08-01T09:00")
R = REPAS.id


def draft_at(
    now_text: str = "2020-09-15T10:00",
    existing: dict[tuple[date, int], BookingMark] | None = None,
    **kwargs: object,
) -> BookingDraft:
    ctx = seed_ctx(paris(now_text), **kwargs)  # type: ignore[arg-type]
    return BookingDraft(ctx=ctx, existing=existing or {})


def texts(draft: BookingDraft) -> list[str]:
    return [line.text() for line in draft.recap()]


# ------------------------------------------------------------------ seed scenario

SEED_RECAP = [
    "vendredi | 25/09/2020 | Repas | Ajout",
    "lundi | 28/09/2020 | Repas | Ajout",
    "mardi | 29/09/2020 | Repas | Ajout",
]


@pytest.mark.parametrize(
    "order",
    [
        ("25/09/2020", "28/09/2020", "29/09/2020"),
        ("29/09/2020", "25/09/2020", "28/09/2020"),
        ("28/09/2020", "29/09/2020", "25/09/2020"),
    ],
)
def test_seed_scenario_recap_in_date_order(order: tuple[str, str, str]) -> None:
    draft = draft_at()
    for text in order:
        result = draft.toggle(d(text), R)
        assert result.changed == [(d(text), R)]
        assert result.skipped == []
    assert texts(draft) == SEED_RECAP
    recap = draft.recap()
    assert [line.cells for line in recap] == [
        ("vendredi", "25/09/2020", "Repas", "Ajout"),
        ("lundi", "28/09/2020", "Repas", "Ajout"),
        ("mardi", "29/09/2020", "Repas", "Ajout"),
    ]
    assert all(line.forced_reason is None and not line.was_pending for line in recap)
    assert recap_totals(recap) == {ChangeKind.ADD: 3, ChangeKind.REMOVE: 0}
    assert draft.dirty
    assert all(draft.is_ticked(d(text), R) for text in order)


def test_seed_scenario_after_the_deadline() -> None:
    draft = draft_at("2020-09-16T00:00")
    skipped = draft.toggle(d("25/09/2020"), R)
    assert skipped.changed == []
    assert len(skipped.skipped) == 1
    skip = skipped.skipped[0]
    assert (skip.day, skip.unit_id, skip.state) == (d("25/09/2020"), R, DayState.LOCKED)
    assert "Délai dépassé" in skip.reason
    assert skipped.summary() == "0 jours modifiés, 1 ignoré (délai dépassé : 1)"
    assert not draft.is_ticked(d("25/09/2020"), R)
    for text in ("28/09/2020", "29/09/2020"):
        assert draft.toggle(d(text), R).changed == [(d(text), R)]
    assert texts(draft) == SEED_RECAP[1:]


def test_forcing_a_locked_day_needs_a_reason() -> None:
    draft = draft_at("2020-09-16T00:00")
    friday = d("25/09/2020")
    for empty in ("", "   "):
        with pytest.raises(DraftError) as refused:
            draft.toggle(friday, R, force_reason=empty)
        assert str(refused.value) == (
            "Motif obligatoire pour forcer un jour dont le délai est dépassé."
        )
        assert not draft.dirty and draft.forced == {}
    result = draft.toggle(friday, R, force_reason="  Demande du directeur ")
    assert result.changed == [(friday, R)]
    assert draft.forced == {(friday, R): "Demande du directeur"}
    assert draft.cell(friday, R).forced_reason == "Demande du directeur"
    (line,) = draft.recap()
    assert line.forced_reason == "Demande du directeur"
    assert line.text() == "vendredi | 25/09/2020 | Repas | Ajout | forcé : Demande du directeur"


def test_a_forced_change_can_be_undone_without_reason() -> None:
    draft = draft_at("2020-09-16T00:00")
    friday = d("25/09/2020")
    draft.toggle(friday, R, force_reason="Erreur de saisie")
    undo = draft.toggle(friday, R)
    assert undo.changed == [(friday, R)] and undo.skipped == []
    assert not draft.dirty and draft.forced == {} and draft.recap() == []


def test_only_locked_days_can_be_forced() -> None:
    draft = draft_at(BEFORE_PERIOD.isoformat())
    for text, state in (
        ("19/10/2020", DayState.HOLIDAY),
        ("16/09/2020", DayState.CLOSED),
        ("31/08/2020", DayState.OUTSIDE),
    ):
        result = draft.toggle(d(text), R, force_reason="Je force")
        assert [skip.state for skip in result.skipped] == [state]
        assert result.changed == []
    assert not draft.dirty and draft.forced == {}


def test_force_reason_on_an_open_day_is_not_recorded() -> None:
    draft = draft_at()
    draft.toggle(d("25/09/2020"), R, force_reason="inutile")
    assert draft.forced == {}
    assert texts(draft) == SEED_RECAP[:1]


def test_toggling_twice_cancels_the_change() -> None:
    draft = draft_at()
    friday = d("25/09/2020")
    draft.toggle(friday, R)
    second = draft.toggle(friday, R)
    assert second.changed == [(friday, R)]
    assert not draft.dirty
    assert draft.changes == {}
    assert draft.recap() == []
    assert not draft.is_ticked(friday, R)


def test_setting_the_current_value_changes_nothing() -> None:
    draft = draft_at(existing={(d("25/09/2020"), R): BookingMark.BOOKED})
    assert draft.set(d("25/09/2020"), R, True) == EditResult()
    assert draft.set(d("28/09/2020"), R, False) == EditResult()
    assert not draft.dirty


def test_removing_an_existing_booking() -> None:
    friday = d("25/09/2020")
    draft = draft_at(existing={(friday, R): BookingMark.BOOKED})
    assert draft.is_ticked(friday, R)
    draft.toggle(friday, R)
    assert not draft.is_ticked(friday, R)
    assert texts(draft) == ["vendredi | 25/09/2020 | Repas | Annulation"]
    cell = draft.cell(friday, R)
    assert (cell.ticked, cell.mark, cell.change) == (False, BookingMark.BOOKED, ChangeKind.REMOVE)
    assert recap_totals(draft.recap()) == {ChangeKind.ADD: 0, ChangeKind.REMOVE: 1}
    draft.toggle(friday, R)
    assert not draft.dirty and draft.is_ticked(friday, R)


def test_removing_a_locked_booking_needs_forcing() -> None:
    friday = d("25/09/2020")
    draft = draft_at("2020-09-20T12:00", existing={(friday, R): BookingMark.BOOKED})
    assert draft.toggle(friday, R).skipped[0].state is DayState.LOCKED
    assert draft.is_ticked(friday, R)
    draft.toggle(friday, R, force_reason="Enfant malade")
    assert texts(draft) == ["vendredi | 25/09/2020 | Repas | Annulation | forcé : Enfant malade"]


def test_pending_existing_bookings() -> None:
    monday = d("28/09/2020")
    draft = draft_at(existing={(monday, R): BookingMark.PENDING})
    cell = draft.cell(monday, R)
    assert cell.ticked and cell.mark is BookingMark.PENDING and cell.change is None
    assert draft.recap() == []
    draft.toggle(monday, R)
    (line,) = draft.recap()
    assert line.kind is ChangeKind.REMOVE and line.was_pending
    assert line.text() == "lundi | 28/09/2020 | Repas | Annulation"
    draft.toggle(monday, R)
    assert draft.recap() == []


def test_discard() -> None:
    draft = draft_at("2020-09-16T00:00")
    draft.toggle(d("28/09/2020"), R)
    draft.toggle(d("25/09/2020"), R, force_reason="motif")
    draft.discard()
    assert not draft.dirty and draft.forced == {} and draft.recap() == []


# ------------------------------------------------------------------ bulk edits

OCTOBER = list(every_day(d("01/10/2020"), d("31/10/2020")))
OCTOBER_OPEN = [
    day for day in OCTOBER if day.weekday() in (0, 1, 3, 4) and not in_seed_holidays(day)
]


def test_tout_cocher_over_october_2020() -> None:
    # Counted by hand: 1, 2, 5, 6, 8, 9, 12, 13, 15, 16 (Toussaint from 17/10).
    assert [day.day for day in OCTOBER_OPEN] == [1, 2, 5, 6, 8, 9, 12, 13, 15, 16]
    closed = [day for day in OCTOBER if day.weekday() in (2, 5, 6)]
    holidays = [day for day in OCTOBER if day.weekday() in (0, 1, 3, 4) and in_seed_holidays(day)]
    assert (len(closed), len(holidays)) == (13, 8)
    draft = draft_at()
    result = draft.set_days(every_day(d("01/10/2020"), d("31/10/2020")), True)
    assert result.changed == [(day, R) for day in OCTOBER_OPEN]
    assert sorted(day for day, _unit in draft.changes) == OCTOBER_OPEN
    assert {skip.day for skip in result.skipped if skip.state is DayState.CLOSED} == set(closed)
    assert {skip.day for skip in result.skipped if skip.state is DayState.HOLIDAY} == set(holidays)
    assert result.summary() == "10 jours modifiés, 21 ignorés (fermé : 13, vacances : 8)"
    # Tout décocher gives the draft back.
    undo = draft.set_days(OCTOBER, False)
    assert len(undo.changed) == 10
    assert not draft.dirty


def test_tout_cocher_leaves_existing_bookings_alone() -> None:
    booked = d("08/10/2020")
    draft = draft_at(existing={(booked, R): BookingMark.BOOKED})
    result = draft.set_days(OCTOBER, True)
    assert len(result.changed) == 9
    assert (booked, R) not in draft.changes
    assert all(draft.is_ticked(day, R) for day in OCTOBER_OPEN)
    untick = draft.set_days(OCTOBER, False)
    assert len(untick.changed) == 10
    assert texts(draft) == ["jeudi | 08/10/2020 | Repas | Annulation"]


def test_bulk_edits_never_force() -> None:
    draft = draft_at("2020-09-23T08:00")  # weeks 39 and 40 are locked
    result = draft.set_days(every_day(d("21/09/2020"), d("09/10/2020")), True)
    locked = sorted(skip.day for skip in result.skipped if skip.state is DayState.LOCKED)
    assert locked == [
        d(t)
        for t in (
            "21/09/2020",
            "22/09/2020",
            "24/09/2020",
            "25/09/2020",
            "28/09/2020",
            "29/09/2020",
            "01/10/2020",
            "02/10/2020",
        )
    ]
    assert [day for day, _unit in result.changed] == [
        d(t) for t in ("05/10/2020", "06/10/2020", "08/10/2020", "09/10/2020")
    ]
    assert draft.forced == {}


def test_summary_wording() -> None:
    assert EditResult().summary() == "0 jours modifiés"
    one = EditResult(changed=[(d("25/09/2020"), R)])
    assert one.summary() == "1 jour modifié"
    two = EditResult(
        changed=[(d("25/09/2020"), R), (d("28/09/2020"), R)],
        skipped=[
            Skip(d("16/09/2020"), R, DayState.CLOSED, "Fermé le mercredi"),
            Skip(d("19/10/2020"), R, DayState.HOLIDAY, "Vacances de la Toussaint"),
            Skip(d("20/10/2020"), R, DayState.HOLIDAY, "Vacances de la Toussaint"),
        ],
    )
    assert two.summary() == "2 jours modifiés, 3 ignorés (vacances : 2, fermé : 1)"


# ------------------------------------------------------------------ weekly patterns

SEPT_EVERY = [1, 3, 4, 7, 8, 10, 11, 14, 15, 17, 18, 21, 22, 24, 25, 28, 29]


def pattern(
    parity: WeekParity,
    start: str = "01/09/2020",
    end: str = "30/09/2020",
    weekdays: frozenset[int] = MON_TUE_THU_FRI,
    tick: bool = True,
) -> WeeklyPattern:
    return WeeklyPattern(
        weekdays=weekdays, unit_ids=(R,), start=d(start), end=d(end), parity=parity, tick=tick
    )


def test_pattern_dates_every_odd_even_september_2020() -> None:
    assert [day.day for day in pattern(WeekParity.EVERY).dates()] == SEPT_EVERY
    # ISO weeks 37 (07-13/09) and 39 (21-27/09) are odd.
    assert [day.day for day in pattern(WeekParity.ODD).dates()] == [7, 8, 10, 11, 21, 22, 24, 25]
    # Weeks 36 (from 31/08), 38 and 40 (to 04/10) are even.
    assert [day.day for day in pattern(WeekParity.EVEN).dates()] == [
        1,
        3,
        4,
        14,
        15,
        17,
        18,
        28,
        29,
    ]


def test_pattern_bounds_are_included() -> None:
    days = pattern(WeekParity.EVERY, "25/09/2020", "28/09/2020", frozenset({0, 4})).dates()
    assert days == [d("25/09/2020"), d("28/09/2020")]
    assert pattern(WeekParity.EVERY, "28/09/2020", "25/09/2020").dates() == []
    assert pattern(WeekParity.EVERY, weekdays=frozenset()).dates() == []
    assert pattern(WeekParity.EVERY, "02/09/2020", "02/09/2020", frozenset({2})).dates() == [
        d("02/09/2020")
    ]


def test_pattern_parity_follows_iso_weeks_across_a_53_week_year() -> None:
    # 2020 has an ISO week 53 (28/12/2020 - 03/01/2021): weeks 53 and 1 are
    # both odd, so an odd-week pattern takes two Mondays in a row there.
    mondays = pattern(WeekParity.ODD, "21/12/2020", "11/01/2021", frozenset({0})).dates()
    assert mondays == [d("28/12/2020"), d("04/01/2021")]
    evens = pattern(WeekParity.EVEN, "21/12/2020", "11/01/2021", frozenset({0})).dates()
    assert evens == [d("21/12/2020"), d("11/01/2021")]
    assert WeekParity.ODD.label == "semaines impaires"
    assert WeekParity.EVEN.label == "semaines paires"
    assert WeekParity.EVERY.label == "toutes les semaines"


def test_pattern_over_the_whole_seed_period() -> None:
    draft = draft_at(BEFORE_PERIOD.isoformat())
    weekdays = [day for day in every_day(SEED_START, SEED_END) if day.weekday() in (0, 1, 3, 4)]
    bookable = [day for day in weekdays if not in_seed_holidays(day)]
    assert (len(weekdays), len(bookable)) == (177, 141)
    result = draft.apply_pattern(
        WeeklyPattern(weekdays=MON_TUE_THU_FRI, unit_ids=(R,), start=SEED_START, end=SEED_END)
    )
    assert [day for day, _unit in result.changed] == bookable
    assert {skip.state for skip in result.skipped} == {DayState.HOLIDAY}
    assert result.summary() == "141 jours modifiés, 36 ignorés (vacances : 36)"
    recap = draft.recap()
    assert len(recap) == 141
    assert recap[0].text() == "mardi | 01/09/2020 | Repas | Ajout"
    assert recap[-1].text() == "mardi | 06/07/2021 | Repas | Ajout"


def test_untick_pattern() -> None:
    bookable = [
        day
        for day in every_day(SEED_START, SEED_END)
        if day.weekday() in (0, 1, 3, 4) and not in_seed_holidays(day)
    ]
    existing = {(day, R): BookingMark.BOOKED for day in bookable}
    draft = draft_at(BEFORE_PERIOD.isoformat(), existing=existing)
    # Alternating custody: no Friday meals on even weeks.
    result = draft.apply_pattern(
        WeeklyPattern(
            weekdays=frozenset({4}),
            unit_ids=(R,),
            start=SEED_START,
            end=SEED_END,
            parity=WeekParity.EVEN,
            tick=False,
        )
    )
    removed = [day for day in bookable if day.weekday() == 4 and day.isocalendar().week % 2 == 0]
    assert [day for day, _unit in result.changed] == removed
    assert all(line.kind is ChangeKind.REMOVE for line in draft.recap())
    assert {day for day in bookable if draft.is_ticked(day, R)} == set(bookable) - set(removed)
    # A day of an odd week is untouched.
    assert draft.is_ticked(d("25/09/2020"), R)  # week 39
    assert not draft.is_ticked(d("02/10/2020"), R)  # week 40


def test_pattern_then_untick_pattern_gives_back_the_draft() -> None:
    draft = draft_at(BEFORE_PERIOD.isoformat())
    add = WeeklyPattern(weekdays=MON_TUE_THU_FRI, unit_ids=(R,), start=SEED_START, end=SEED_END)
    draft.apply_pattern(add)
    remove = WeeklyPattern(
        weekdays=MON_TUE_THU_FRI, unit_ids=(R,), start=SEED_START, end=SEED_END, tick=False
    )
    result = draft.apply_pattern(remove)
    assert len(result.changed) == 141
    assert not draft.dirty


# ------------------------------------------------------------------ capacity and units

MATIN = UnitInfo(id=5, name="Matin", weekdays=MON_TUE_THU_FRI)
SOIR = UnitInfo(id=3, name="Soir", weekdays=MON_TUE_THU_FRI, capacity=1)


def test_full_day_is_skipped_for_a_new_booking_only() -> None:
    monday, tuesday = d("28/09/2020"), d("29/09/2020")
    draft = draft_at(
        units=(MATIN, SOIR),
        taken={(monday, SOIR.id): 1, (tuesday, SOIR.id): 1},
        existing={(tuesday, SOIR.id): BookingMark.BOOKED},
    )
    result = draft.toggle(monday, SOIR.id)
    assert [(skip.state, skip.reason) for skip in result.skipped] == [
        (DayState.FULL, "Complet (1 place)")
    ]
    assert result.summary() == "0 jours modifiés, 1 ignoré (complet : 1)"
    # A full day cannot be forced either.
    assert draft.toggle(monday, SOIR.id, force_reason="motif").skipped[0].state is DayState.FULL
    # The child's own booking on a full day can be cancelled and put back.
    assert draft.toggle(tuesday, SOIR.id).changed == [(tuesday, SOIR.id)]
    assert draft.toggle(tuesday, SOIR.id).changed == [(tuesday, SOIR.id)]
    assert draft.toggle(monday, MATIN.id).changed == [(monday, MATIN.id)]
    assert texts(draft) == ["lundi | 28/09/2020 | Matin | Ajout"]


def test_recap_sorts_by_date_then_unit_position() -> None:
    draft = draft_at(units=(MATIN, SOIR))
    for text, unit in (
        ("29/09/2020", SOIR),
        ("28/09/2020", SOIR),
        ("29/09/2020", MATIN),
        ("28/09/2020", MATIN),
    ):
        draft.toggle(d(text), unit.id)
    assert texts(draft) == [
        "lundi | 28/09/2020 | Matin | Ajout",
        "lundi | 28/09/2020 | Soir | Ajout",
        "mardi | 29/09/2020 | Matin | Ajout",
        "mardi | 29/09/2020 | Soir | Ajout",
    ]


def test_set_days_defaults_to_every_unit() -> None:
    draft = draft_at(units=(MATIN, SOIR))
    result = draft.set_days([d("28/09/2020")], True)
    assert result.changed == [(d("28/09/2020"), MATIN.id), (d("28/09/2020"), SOIR.id)]
    only = draft_at(units=(MATIN, SOIR)).set_days([d("28/09/2020")], True, [SOIR.id])
    assert only.changed == [(d("28/09/2020"), SOIR.id)]


def test_pattern_ticks_only_its_own_units() -> None:
    draft = draft_at(units=(MATIN, SOIR))
    week = WeeklyPattern(
        weekdays=frozenset({0, 1}),
        unit_ids=(SOIR.id,),
        start=d("28/09/2020"),
        end=d("29/09/2020"),
    )
    result = draft.apply_pattern(week)
    assert result.changed == [(d("28/09/2020"), SOIR.id), (d("29/09/2020"), SOIR.id)]
    assert texts(draft) == [
        "lundi | 28/09/2020 | Soir | Ajout",
        "mardi | 29/09/2020 | Soir | Ajout",
    ]
    assert not draft.is_ticked(d("28/09/2020"), MATIN.id)


def test_recap_line_and_helpers() -> None:
    line = RecapLine(day=d("25/09/2020"), unit_id=R, unit_name="Repas", kind=ChangeKind.REMOVE)
    assert line.text() == "vendredi | 25/09/2020 | Repas | Annulation"
    assert ChangeKind.ADD.label == "Ajout" and ChangeKind.REMOVE.label == "Annulation"
