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


# ---------------------------------------------------------------- offered elections (data file)


def test_the_elections_offered_follow_the_clock_not_a_fixed_list():
    from mairie_tui.domain.catalogue import default_catalogue, for_day
    from mairie_tui.domain.elections import offered_elections

    in_2020 = [e.first_round for e in offered_elections(date(2020, 9, 15))]
    assert in_2020 == [date(2021, 6, 20), date(2022, 4, 10), date(2022, 6, 12)]
    assert date(2026, 3, 15) not in in_2020  # six years ahead: not offered in 2020
    assert [e.first_round for e in offered_elections(date(2025, 9, 15))] == [MUNICIPALES]
    assert offered_elections(date(2026, 3, 15)) == ()  # held that day: no longer offered

    scrutin = for_day(default_catalogue().get("inscription_listes"), date(2020, 9, 15))
    labels = [choice.label for choice in scrutin.field("scrutin").choices]
    assert labels[0] == (
        "Élections départementales et régionales "
        "(1er tour le 20/06/2021, inscription jusqu'au 14/05/2021)"
    )
    assert labels[-1] == "Aucun scrutin annoncé"
    assert not any("2026" in label for label in labels)
    # Closed but not yet held: still listed, saying so (the rule then explains the refusal).
    late = for_day(default_catalogue().get("inscription_listes"), date(2026, 2, 7))
    assert late.field("scrutin").choices[0].label == (
        "Élections municipales (1er tour le 15/03/2026, inscription close le 06/02/2026)"
    )


def test_the_deadline_of_each_election_of_the_data_file_is_the_sixth_friday_before():
    from mairie_tui.domain.elections import known_elections, parse_elections

    for election in known_elections():
        deadline = registration_deadline(election.first_round)
        assert deadline.weekday() == 4 and (election.first_round - deadline).days == 37
    parsed = parse_elections(
        "premier_tour\tscrutin\tmunicipales_ou_europeennes\n"
        "2027-04-11\tÉlection présidentielle\tnon\n"
        "2026-03-15\tÉlections municipales\toui\n"
    )
    assert [(e.first_round, e.municipal_or_european) for e in parsed] == [
        (date(2026, 3, 15), True),
        (date(2027, 4, 11), False),
    ]


def test_an_eu_citizen_is_refused_for_a_national_election_of_the_data_file():
    from mairie_tui.domain.catalogue import FieldContext, default_catalogue, validate_answers

    demarche = default_catalogue().get("inscription_listes")
    answers = {
        "nom": "ROSSI",
        "prenom": "Maria",
        "nom_naissance": "ROSSI",
        "prenoms": "Maria",
        "date_naissance": "01/01/1980",
        "lieu_naissance": "Rome (Italie)",
        "nationalite": "ue",
        "adresse": "2 place de la Mairie",
    }
    context = FieldContext(today=date(2020, 9, 15))
    national = validate_answers(demarche, {**answers, "scrutin": "2022-04-10"}, context)
    assert "nationalite" in national.errors
    european = validate_answers(
        demarche, {**answers, "scrutin": "2024-06-09"}, FieldContext(today=date(2023, 9, 15))
    )
    assert european.ok, european.errors
