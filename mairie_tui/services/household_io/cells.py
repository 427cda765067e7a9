"""Reading one cell: strict dates and integers, formula neutralisation (OWASP).

A spreadsheet runs a cell starting with = + - @ (or tab, carriage return) as a
formula. The CSV and XLSX exports prefix such cells with an apostrophe, as OWASP
recommends (« CSV Injection »), and the import removes it again: a value that
already starts with apostrophes before one of those characters gets one more,
so the escape is reversible whatever the text.
"""

from __future__ import annotations

import re
from datetime import date

FORMULA_START = "=+-@"
_ESCAPABLE = re.compile(r"'*[=+\-@\t\r]")
_DATE_FR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
# 1200, or 1 200 with a space (or the no-break spaces spreadsheets write) every 3 digits.
_INTEGER = re.compile(r"\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+", re.ASCII)
MAX_INTEGER_DIGITS = 18
SHOWN = 60


def neutralise(value: str) -> str:
    """The cell as written in a CSV or XLSX export."""
    return "'" + value if _ESCAPABLE.match(value) else value


def unneutralise(value: str) -> str:
    """The original value of a cell written by `neutralise`."""
    if value.startswith("'") and _ESCAPABLE.match(value, 1):
        return value[1:]
    return value


def looks_like_formula(value: str) -> bool:
    return value[:1] in FORMULA_START and value != ""


def shown(value: str, limit: int = SHOWN) -> str:
    """A value fit for a message: invisible characters spelt out, long text cut."""
    cut = value[:limit]
    text = "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in cut)
    return text + ("…" if len(value) > limit else "")


def parse_date(value: str, label: str) -> date | None:
    """JJ/MM/AAAA (or AAAA-MM-JJ), ASCII digits only; None if empty."""
    text = value.strip()
    if not text:
        return None
    found = _DATE_FR.fullmatch(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        found = _DATE_ISO.fullmatch(text)
        if found:
            year, month, day = (int(part) for part in found.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError(f"{label} invalide « {shown(text)} » (JJ/MM/AAAA)")


def parse_int(value: str, label: str) -> int | None:
    """A whole number in plain digits (spaces between thousands allowed); None if empty."""
    text = value.strip()
    if not text:
        return None
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"{label} invalide « {shown(text)} » (nombre entier en chiffres)")
    digits = re.sub(r"\D", "", text)
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"{label} trop grand « {shown(text)} »")
    return int(digits)
