"""The rules of the news (issue 15): current on a day, for an audience, what a news may hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from mairie_tui.domain.news import (
    TEXT_MAX,
    TITLE_MAX,
    Audience,
    NewsError,
    NewsPeriod,
    audience_of,
    check_news,
    current_news,
)

SEPT_1, SEPT_15, SEPT_30 = date(2020, 9, 1), date(2020, 9, 15), date(2020, 9, 30)


@dataclass(frozen=True)
class Item:
    id: int
    period: NewsPeriod
    audience: Audience = Audience()


def test_a_news_is_current_from_its_first_to_its_last_day_included():
    period = NewsPeriod(SEPT_1, SEPT_30)
    assert [period.is_current(date(2020, 8, 31)), period.is_current(SEPT_1)] == [False, True]
    assert [period.is_current(SEPT_30), period.is_current(date(2020, 10, 1))] == [True, False]
    assert period.is_over(date(2020, 10, 1)) and not period.is_over(SEPT_30)
    assert period.text() == "du 01/09/2020 au 30/09/2020"
    assert NewsPeriod(SEPT_15, SEPT_15).text() == "le 15/09/2020"


def test_current_news_newest_first_and_by_audience():
    items = [
        Item(1, NewsPeriod(SEPT_1, SEPT_30)),
        Item(2, NewsPeriod(SEPT_15, SEPT_15), Audience("activity", "ALSH-ALES-PSJ")),
        Item(3, NewsPeriod(date(2020, 9, 16), SEPT_30)),  # not yet
        Item(4, NewsPeriod(SEPT_1, date(2020, 9, 14))),  # over
        Item(5, NewsPeriod(SEPT_1, SEPT_30), Audience("site", "École Florian")),
    ]
    assert [i.id for i in current_news(items, SEPT_15)] == [2, 5, 1]
    assert [i.id for i in current_news(items, SEPT_15, activity="ALSH-ALES-PSJ")] == [2, 1]
    assert [i.id for i in current_news(items, SEPT_15, site="École Florian")] == [5, 1]
    assert [i.id for i in current_news(items, SEPT_15, activity="RS-MONS", site="Mons")] == [1]
    assert [i.id for i in current_news(items, date(2020, 9, 16))] == [3, 5, 1]


def test_audience_of_names_one_audience_at_most():
    assert audience_of(None, " ") == Audience()
    assert audience_of("ALSH-X", None) == Audience("activity", "ALSH-X")
    assert audience_of("", "Mons") == Audience("site", "Mons")
    assert Audience("site", "Mons").label() == "site Mons" and Audience().label() == "tous"
    with pytest.raises(NewsError, match="une activité ou un site, pas les deux"):
        audience_of("ALSH-X", "Mons")


def test_check_news_trims_and_accepts_a_line_break_in_the_text():
    assert check_news("  Titre ", "Ligne 1\nligne 2 ", SEPT_1, SEPT_1) == (
        "Titre",
        "Ligne 1\nligne 2",
    )


@pytest.mark.parametrize(
    ("title", "text", "start", "end", "message", "field"),
    [
        ("", "texte", SEPT_1, SEPT_30, "Le titre est obligatoire", "title"),
        ("Titre", "   ", SEPT_1, SEPT_30, "Le texte est obligatoire", "text"),
        ("x" * (TITLE_MAX + 1), "t", SEPT_1, SEPT_30, "Le titre est trop long : 81", "title"),
        (
            "Titre",
            "y" * 300,
            SEPT_1,
            SEPT_30,
            f"Le texte est trop long : 300 caractères, {TEXT_MAX}",
            "text",
        ),
        (
            "Ti\x00tre",
            "t",
            SEPT_1,
            SEPT_30,
            "Caractère interdit dans le titre.*caractère nul",
            "title",
        ),
        ("Titre", "\x1b]0;pwn\x07", SEPT_1, SEPT_30, "Caractère interdit dans le texte", "text"),
        ("Titre", "abc\u202eedf", SEPT_1, SEPT_30, "contrôle de direction", "text"),
        ("Ligne\nligne", "t", SEPT_1, SEPT_30, "Caractère interdit dans le titre", "title"),
        ("Titre", "t", SEPT_30, SEPT_1, "se termine le 01/09/2020, avant son début", "end"),
        ("Titre", "t", SEPT_1, date(2021, 9, 2), "un an au plus", "end"),
    ],
)
def test_check_news_refuses_in_french(title, text, start, end, message, field):
    with pytest.raises(NewsError, match=message) as refused:
        check_news(title, text, start, end)
    assert refused.value.field == field


def test_markup_is_text_for_the_rules():
    assert (
        check_news("[b]Titre[/]", "[/] [@click=app.quit]x[/]", SEPT_1, SEPT_1)[0] == "[b]Titre[/]"
    )
