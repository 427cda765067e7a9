"""Pure menu rules (issue 15): the 14 regulated allergens, labels, diets, the vegetarian week."""

from __future__ import annotations

from datetime import date

import pytest

from mairie_tui.domain import menus
from mairie_tui.domain.household_rules import check_field


def test_the_fourteen_allergens_of_the_regulation_have_french_names():
    assert len(menus.ALLERGENS) == 14
    assert menus.ALLERGENS["arachide"] == "arachide"
    assert menus.ALLERGENS["fruits_a_coque"] == "fruits à coque"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Arachides, LAIT ; œuf", ("oeufs", "arachide", "lait")),
        ("cacahuètes / fruits à coque", ("arachide", "fruits_a_coque")),
        ("sésame + Céleri + anhydride sulfureux", ("celeri", "sesame", "sulfites")),
        ("fruits_a_coque", ("fruits_a_coque",)),
        ("", ()),
        ("lait, lait", ("lait",)),
    ],
)
def test_allergens_are_read_by_code_name_or_common_word(text, codes):
    assert menus.parse_allergens(text) == codes


def test_an_unknown_allergen_is_refused_in_french():
    with pytest.raises(ValueError, match="allergène inconnu « kiwi »"):
        menus.parse_allergens("lait, kiwi")


def test_labels_and_diets():
    assert menus.parse_labels("Végétarien, BIO") == ("bio", "vegetarien")
    with pytest.raises(ValueError, match="label inconnu « halal »"):
        menus.parse_labels("halal")
    assert menus.parse_diet("Sans porc") == "sans_porc"
    assert menus.parse_diet(" ") is None
    with pytest.raises(ValueError, match="régime inconnu"):
        menus.parse_diet("sans gluten")


def test_the_child_allergens_in_the_menu():
    assert menus.allergens_in_menu(("arachide", "lait"), ("lait", "gluten")) == ("lait",)
    assert menus.allergens_in_menu(("arachide",), ()) == ()


def test_a_whole_week_without_a_vegetarian_meal_is_flagged_not_a_cut_one():
    week1 = [(date(2020, 9, d), ("bio",)) for d in (7, 8, 10, 11)]
    week2 = [(date(2020, 9, 14), ()), (date(2020, 9, 15), ("vegetarien",))]
    week2 += [(date(2020, 9, d), ()) for d in (17, 18)]
    cut = [(date(2020, 9, 21), ())]  # the file ends on Monday: that week is not judged
    assert menus.weeks_without_vegetarian(week1 + week2 + cut) == [date(2020, 9, 7)]
    assert menus.weeks_without_vegetarian([]) == []


def test_diet_counts_by_french_name():
    counts = menus.diet_counts(
        [(("arachide",), None), (("arachide", "lait"), "sans_porc"), ((), None)]
    )
    assert counts == {"arachide": 2, "lait": 1, "sans porc": 1}


def test_the_household_form_checks_allergens_diet_and_pai_date():
    today = date(2020, 9, 15)
    assert check_field("allergens", "cacahuètes, lait", today) == ("arachide, lait", None)
    shown, error = check_field("allergens", "kiwi", today)
    assert shown == "kiwi" and error is not None and error.startswith("Allergène inconnu « kiwi »")
    assert check_field("diet", "sans porc", today) == ("sans porc", None)
    assert check_field("pai_until", "6/7/2021", today) == ("06/07/2021", None)
