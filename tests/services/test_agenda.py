"""The family agenda's read side: rows, custody, family periodicity, recap and cost,
and a constant number of queries whatever the family's size (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import delete, select

from mairie_tui.db import unit_of_work
from mairie_tui.domain.draft import WeekParity
from mairie_tui.domain.family_draft import FamilyPattern, apply_family_pattern
from mairie_tui.models import Activity, Enrolment, Person, Tariff, TariffPrice
from mairie_tui.services.agenda import family_recap, open_agenda, reload_agenda
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.demo import build_demo
from mairie_tui.services.errors import NotFoundError, PermissionDenied
from tests.helpers import DESK, clock_at
from tests.services.family_agenda_helpers import (
    AGENT,
    MON_TUE_THU_FRI,
    STAFF,
    YEAR,
    agenda_household,
    open_days,
    pattern,
)

BEFORE_YEAR = clock_at("2020-08-25T10:00")  # mardi: the first week is still open


@pytest.fixture
def household(engine) -> int:
    build_demo(engine, households=0, agenda_family=True)
    return agenda_household(engine)


def test_the_agenda_has_one_row_per_child_and_activity(engine, household):
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    assert (agenda.household_name, agenda.dossier) == ("FAMILLE AGENDA", "F-000000")
    assert [row.title for row in agenda.rows] == [
        "Paul - Périscolaire Mons",
        "Paul - Restauration scolaire Mons",
        "Léa - Périscolaire Mons",
        "Léa - Restauration scolaire Mons",
        "Hugo - Périscolaire Mons",
        "Hugo - Restauration scolaire Mons",
    ]
    assert [r.name for r in agenda.representatives] == [
        "Mme Claire FAMILLE AGENDA",
        "M. Marc FAMILLE AGENDA",
    ]
    assert agenda.children == [
        (agenda.rows[i].booking.enrolment.child_id, n)
        for i, n in ((0, "Paul"), (2, "Léa"), (4, "Hugo"))
    ]
    assert not agenda.dirty()
    assert agenda.row(agenda.rows[3].enrolment_id) is agenda.rows[3]
    with pytest.raises(KeyError):
        agenda.row(999_999)


def test_custody_says_who_has_the_child_each_week(engine, household):
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    claire, marc = (r.id for r in agenda.representatives)
    lea = agenda.rows[2].custody
    assert lea is not None and agenda.rows[3].custody == lea
    assert agenda.rows[0].custody is None and agenda.rows[4].custody is None
    assert lea.representative_for(date(2020, 9, 25)) == claire  # ISO week 39
    assert lea.representative_for(date(2020, 9, 28)) == marc  # ISO week 40
    assert lea.label(date(2020, 9, 25)) == "semaine de Mme Claire"
    assert lea.label(date(2020, 9, 28)) == "semaine de M. Marc"


def test_the_same_as_one_childs_booking(engine, household, seed_clock):
    """Each row's draft is the one open_booking gives for that enrolment."""
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    for row in agenda.rows:
        alone = open_booking(engine, row.enrolment_id, seed_clock, actor=DESK)
        assert row.booking.version == alone.version
        assert row.booking.units == alone.units
        assert row.booking.menus == alone.menus
        assert row.booking.recipient == alone.recipient
        for day in open_days(*YEAR, frozenset(range(7)))[:60]:
            for unit in alone.units:
                assert row.booking.draft.cell(day, unit.id) == alone.draft.cell(day, unit.id)


def test_the_family_pattern_counts_changes_and_skips_per_row(engine, household):
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    results = pattern(agenda, children=("Paul", "Hugo"))
    assert set(results) == {agenda.rows[i].enrolment_id for i in (0, 1, 4, 5)}
    canteen = results[agenda.rows[1].enrolment_id]
    assert canteen.summary() == "141 jours modifiés, 36 ignorés (vacances : 36)"
    assert results[agenda.rows[0].enrolment_id].summary() == (
        "282 jours modifiés, 72 ignorés (vacances : 72)"
    )
    assert not agenda.rows[2].booking.draft.dirty
    # Units by name: only the evening of the périscolaire; none of the canteen's.
    only_evening = FamilyPattern(
        frozenset(row.enrolment_id for row in agenda.rows),
        frozenset({2}),
        frozenset({"Soir"}),
        WeekParity.ODD,
        date(2020, 9, 1),
        date(2020, 9, 30),
    )
    drafts = {row.enrolment_id: row.booking.draft for row in agenda.rows}
    results = apply_family_pattern(drafts, only_evening)
    lea_peri = results[agenda.rows[2].enrolment_id]
    assert lea_peri.summary() == "0 jours modifiés, 2 ignorés (fermé : 2)"
    assert results[agenda.rows[3].enrolment_id].summary() == "0 jours modifiés"


def test_outside_the_enrolment_and_locked_days_are_skipped(engine, household, seed_clock):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    results = pattern(agenda, children=("Léa",), start=date(2020, 8, 24), end=date(2020, 9, 30))
    canteen = results[agenda.rows[3].enrolment_id]
    # 24-31/08: 5 days before the enrolment; 01-18/09: 11 days past the deadline on
    # 15/09 10:00; 21/09-29/09: 6 days open.
    assert canteen.summary() == (
        "6 jours modifiés, 16 ignorés (délai dépassé : 11, hors période : 5)"
    )


def test_pattern_problems_are_french():
    bad = FamilyPattern(
        frozenset(), frozenset(), frozenset(), WeekParity.EVERY, date(2021, 1, 2), date(2021, 1, 1)
    )
    assert bad.problems() == [
        "Choisissez au moins un enfant et une activité.",
        "Choisissez au moins un jour de la semaine.",
        "Choisissez au moins une prestation.",
        "La date de fin précède la date de début.",
    ]
    assert apply_family_pattern({}, bad) == {}


def test_the_recap_groups_by_child_and_activity_with_the_cost(engine, household):
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    pattern(agenda, children=("Léa",))
    groups = family_recap(agenda)
    assert [(g.child_name, g.activity_name, g.added, g.removed) for g in groups] == [
        ("Léa", "Périscolaire Mons", 282, 0),
        ("Léa", "Restauration scolaire Mons", 141, 0),
    ]
    days = open_days(*YEAR, MON_TUE_THU_FRI)
    in_2020 = sum(1 for day in days if day.year == 2020)
    # QF 623 (valid): canteen 3,30 € in 2020, 3,35 € from 01/01/2021; périscolaire 1,20 €.
    assert groups[1].estimated_cost_cents == in_2020 * 330 + (len(days) - in_2020) * 335
    assert groups[0].estimated_cost_cents == 2 * len(days) * 120
    # Cancelling gives the money back.
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    pattern(agenda, children=("Paul",), start=date(2020, 9, 3), end=date(2020, 9, 4))
    (_peri, canteen) = family_recap(agenda)
    assert canteen.estimated_cost_cents == 660


def test_no_tariff_no_cost(engine, household):
    with unit_of_work(engine) as session:
        session.exec(delete(TariffPrice))  # type: ignore[call-overload]
        session.exec(delete(Tariff))  # type: ignore[call-overload]
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    pattern(agenda, children=("Hugo",))
    assert [g.estimated_cost_cents for g in family_recap(agenda)] == [None, None]


def test_reload_reapplies_the_edits(engine, household, seed_clock):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, children=("Paul",), start=date(2020, 9, 28), end=date(2020, 10, 2))
    other = open_booking(engine, agenda.rows[1].enrolment_id, seed_clock, actor=DESK)
    other.draft.toggle(date(2020, 9, 28), other.units[0].id)
    validate_booking(engine, other, actor=AGENT, clock=seed_clock)
    fresh, result = reload_agenda(engine, agenda, seed_clock, actor=DESK)
    # Paul's canteen on 28/09 is now booked: re-ticking it changes nothing.
    assert len(result.changed) == 4 * 2 + 3
    assert fresh.rows[1].booking.version == 2


def test_open_agenda_reads_in_a_constant_number_of_queries(engine, household, seed_clock):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        open_agenda(engine, household, seed_clock, actor=DESK)
        three_children = len(statements)
        _add_children(engine, household, 2)
        statements.clear()
        agenda = open_agenda(engine, household, seed_clock, actor=DESK)
        assert len(agenda.rows) == 6 + 2 * 3
        assert len(statements) == three_children
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert three_children <= 16


def _add_children(engine, household_id: int, count: int) -> None:
    """Two more children, each in the canteen, the périscolaire and an ALSH."""
    with unit_of_work(engine) as session:
        codes = ("RS-MONS", "PERI-MONS", "ALSH-ANDUZE")
        activities = session.exec(select(Activity).where(Activity.code.in_(codes))).all()
        for index in range(count):
            child = Person(
                household_id=household_id,
                role="child",
                first_name=f"Enfant{index}",
                last_name="FAMILLE AGENDA",
                birth_date=date(2013, 1, 1),
                position=10 + index,
            )
            session.add(child)
            session.flush()
            for activity in activities:
                session.add(
                    Enrolment(
                        person_id=child.id,
                        activity_id=activity.id,
                        start_date=YEAR[0],
                        end_date=YEAR[1],
                        status="active",
                    )
                )


def test_permissions_and_unknown_household(engine, household, seed_clock):
    with pytest.raises(PermissionDenied):
        open_agenda(engine, household, seed_clock, actor=STAFF)
    with pytest.raises(NotFoundError, match="Foyer introuvable"):
        open_agenda(engine, 999_999, seed_clock, actor=DESK)


def test_a_household_without_enrolment_has_an_empty_agenda(engine, household, seed_clock):
    from mairie_tui.db import read_session
    from mairie_tui.services.demo import seed_ids

    with unit_of_work(engine) as session:
        for enrolment in session.exec(select(Enrolment)):
            enrolment.status = "ended"
            session.add(enrolment)
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    assert agenda.rows == [] and family_recap(agenda) == []
    with read_session(engine) as session:
        seed = seed_ids(session)
    assert open_agenda(engine, seed.household_id, seed_clock, actor=DESK).rows == []
