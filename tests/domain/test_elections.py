"""Electoral registration: the deadline (6th Friday before the first round) and age 18."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mairie_tui.domain.elections import (
    eighteenth_birthday,
    old_enough,
    registration_deadline,
    registration_problems,
)

MUNICIPALES = date(2026, 3, 15)


def test_municipales_2026_deadlines():
    assert registration_deadline(MUNICIPALES) == date(2026, 2, 6)
    assert registration_deadline(MUNICIPALES, online=True) == date(2026, 2, 4)


@pytest.mark.parametrize("offset", range(0, 700, 7))
def test_the_deadline_is_always_the_sixth_friday_before(offset):
    sunday = date(2026, 3, 15) + timedelta(days=offset)
    deadline = registration_deadline(sunday)
    assert deadline.weekday() == 4
    assert (sunday - deadline).days == 37  # 5 weeks + the Friday 2 days before the Sunday
    assert registration_deadline(sunday, online=True).weekday() == 2


def test_registration_on_the_deadline_is_accepted_and_the_day_after_refused():
    birth = date(1990, 1, 1)
    assert (
        registration_problems(birth_date=birth, first_round=MUNICIPALES, filed_on=date(2026, 2, 6))
        == []
    )
    late = registration_problems(
        birth_date=birth, first_round=MUNICIPALES, filed_on=date(2026, 2, 7)
    )
    assert [p.field for p in late] == ["scrutin"]
    assert late[0].message == (
        "Inscription close pour le scrutin du 15/03/2026 : la date limite en mairie "
        "était le vendredi 06/02/2026."
    )
    online = registration_problems(
        birth_date=birth, first_round=MUNICIPALES, filed_on=date(2026, 2, 5), online=True
    )
    assert "en ligne était le mercredi 04/02/2026" in online[0].message


def test_eighteen_by_the_eve_of_the_first_round():
    assert old_enough(date(2008, 3, 14), MUNICIPALES)  # 18 on the eve
    assert not old_enough(date(2008, 3, 15), MUNICIPALES)  # 18 on the day: too late
    young = registration_problems(
        birth_date=date(2008, 6, 1), first_round=MUNICIPALES, filed_on=date(2026, 1, 10)
    )
    assert [p.field for p in young] == ["date_naissance"]
    assert "la veille du premier tour (14/03/2026)" in young[0].message
    assert "majorité le 01/06/2026" in young[0].message


def test_born_on_29_february():
    assert eighteenth_birthday(date(2008, 2, 29)) == date(2026, 3, 1)


def test_no_election_announced_needs_18_today():
    assert (
        registration_problems(
            birth_date=date(2008, 1, 1), first_round=None, filed_on=date(2026, 1, 1)
        )
        == []
    )
    assert registration_problems(
        birth_date=date(2008, 1, 2), first_round=None, filed_on=date(2026, 1, 1)
    )


def test_eu_citizens_only_for_municipal_and_european_elections():
    problems = registration_problems(
        birth_date=date(1990, 1, 1),
        first_round=MUNICIPALES,
        filed_on=date(2026, 1, 5),
        nationality="ue",
        municipal_or_european=False,
    )
    assert [p.field for p in problems] == ["nationalite"]
