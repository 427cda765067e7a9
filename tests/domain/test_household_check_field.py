"""check_field: one field of the household form as the agent leaves it (issue 10: the form's
checks live in the domain, in the same words as validate_household)."""

from __future__ import annotations

from datetime import date

import pytest

from mairie_tui.domain.household_rules import (
    HouseholdInput,
    PersonInput,
    check_field,
    parse_quotient,
    validate_household,
)

TODAY = date(2020, 9, 15)


@pytest.mark.parametrize(
    ("key", "typed", "shown", "error"),
    [
        ("civility", "madame", "Mme", None),
        ("civility", "Dr", "Dr", "Civilité invalide : « Dr » (Mme ou M.)."),
        ("phone", "0466831074", "04 66 83 10 74", None),
        ("phone", "12", "12", "Téléphone invalide : « 12 » (ex. 04 66 83 10 74)."),
        ("email", "a@B.FR", "a@b.fr", None),
        ("email", "a@", "a@", "Adresse e-mail invalide : « a@ »."),
        ("birth_date", "12031985", "12/03/1985", None),
        ("birth_date", "01/01/2030", "01/01/2030", "Date de naissance dans le futur : 01/01/2030."),
        ("qf_valid_until", "01/01/2030", "01/01/2030", None),
        ("quotient_familial", "0850", "850", None),
        ("quotient_familial", "8x", "8x", "Quotient familial invalide : « 8x » (un nombre entier)."),
        ("commune", "saint christol", "Saint-Christol-lez-Alès", None),
        ("commune", "Paris", "Paris", "Commune inconnue : « Paris » (communes d'Alès Agglomération)."),
        ("address", " 1 rue ", " 1 rue ", None),
        ("phone", "   ", "", None),
    ],
)
def test_one_field(key: str, typed: str, shown: str, error: str | None) -> None:
    assert check_field(key, typed, TODAY) == (shown, error)


def test_unreadable_date_is_one_french_sentence() -> None:
    shown, error = check_field("birth_date", "32/13/2000", TODAY)
    assert shown == "32/13/2000"
    assert error is not None and error[0].isupper() and error.endswith(".")


def test_same_words_as_the_whole_household() -> None:
    """The form's message and validate_household's differ only by « du foyer » / « pour … »."""
    data = HouseholdInput(
        representative=PersonInput(role="representative", first_name="Ana", last_name="Roux"),
        address="1 rue",
        commune="Alès",
        phone="12",
    )
    _clean, report = validate_household(data, TODAY)
    assert [e.message for e in report.errors if e.field == "phone"] == [
        "Téléphone du foyer invalide : « 12 » (ex. 04 66 83 10 74)."
    ]
    assert parse_quotient("") is None
