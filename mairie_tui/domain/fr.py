"""French wording of dates, as the families' portal writes them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_PARIS = ZoneInfo("Europe/Paris")

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
        moment = moment.astimezone(_PARIS)
    return moment.date()


def date_time(moment: datetime) -> str:
    """`mardi 22/09/2020 à 23h59`, in Paris wall time.

    An aware instant (database timestamps come back in UTC) is shown in
    Europe/Paris; a naive one is taken as already local.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(_PARIS)
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
