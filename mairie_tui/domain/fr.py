"""French text: dates as the families' portal writes them, the Paris time zone, folding.

`fold` is the one way to compare or sort names and labels without case or
accents; the search index (services.search) cuts its result into words.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_UPPER = tuple(day.upper() for day in WEEKDAYS)
MONTHS = (
    "Janvier",
    "Février",
    "Mars",
    "Avril",
    "Mai",
    "Juin",
    "Juillet",
    "Août",
    "Septembre",
    "Octobre",
    "Novembre",
    "Décembre",
)


def day_name(day: date) -> str:
    """`vendredi`."""
    return WEEKDAYS[day.weekday()]


def short_date(day: date) -> str:
    """`25/09/2020`."""
    return day.strftime("%d/%m/%Y")


def long_date(day: date) -> str:
    """`vendredi 25/09/2020`."""
    return f"{day_name(day)} {short_date(day)}"


def month_title(year: int, month: int) -> str:
    """`Septembre 2020`."""
    return f"{MONTHS[month - 1]} {year}"


def period(start: date, end: date) -> str:
    """`du 01/09/2020 au 06/07/2021`."""
    return f"du {short_date(start)} au {short_date(end)}"


def local_date(moment: datetime) -> date:
    """The Europe/Paris calendar day of an instant (database timestamps are UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return moment.date()


def date_time(moment: datetime) -> str:
    """`mardi 22/09/2020 à 23h59`, in Paris wall time.

    An aware instant (database timestamps come back in UTC) is shown in
    Europe/Paris; a naive one is taken as already local.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return f"{long_date(moment.date())} à {moment.hour:02d}h{moment.minute:02d}"


def parse_date(text: str) -> date:
    """Read `25/09/2020` or `2020-09-25`; ValueError with a French message otherwise."""
    value = text.strip()
    try:
        if "/" in value:
            day_text, month_text, year_text = (part.strip() for part in value.split("/"))
            if len(year_text) != 4:
                # "25/09/20" would otherwise be read as the year 20.
                raise ValueError(year_text)
            return date(int(year_text), int(month_text), int(day_text))
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"date invalide : « {text} » (attendu JJ/MM/AAAA)") from None


# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ı": "i",
    }
)
# The combining marks that NFKD splits off Latin, Greek and Cyrillic letters,
# removed by str.translate (C speed, unlike a loop over unicodedata.combining).
_COMBINING = dict.fromkeys(
    [
        *range(0x0300, 0x0370),
        *range(0x0483, 0x048A),
        *range(0x1AB0, 0x1B00),
        *range(0x1DC0, 0x1E00),
        *range(0x20D0, 0x2100),
        *range(0xFE20, 0xFE30),
    ]
)


def fold(text: str, *, separators: str = "") -> str:
    """Lower case without accents: « Œuvre  d'Élodie » → « oeuvre d'elodie ».

    For comparing and sorting names and labels. Ligatures and letters without
    a decomposition are spelt out (œ→oe, ß→ss, ø→o), compatibility forms
    unfolded (ﬁ→fi), whitespace runs become one space, ends trimmed; other
    characters are kept. Each character of `separators` also counts as a
    space (`"-'’"` for commune names).
    """
    lowered = text.lower()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered.translate(_LIGATURES))
        lowered = decomposed.translate(_COMBINING)
        if not lowered.isascii():
            # A mark outside the table above (rare scripts): the exact, slower way.
            lowered = "".join(ch for ch in lowered if not unicodedata.combining(ch))
        # A compatibility form may unfold to capitals (㎒ → MHz).
        lowered = lowered.lower()
    if separators:
        lowered = lowered.translate(dict.fromkeys(map(ord, separators), " "))
    return " ".join(lowered.split())
