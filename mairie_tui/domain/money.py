"""Money for the régie: integer cents end to end, never float.

Rounding rule (written down once, used everywhere): an amount is always a whole
number of cents. Prices are stored in cents; a line is ``quantity × unit price``
(an integer product, no rounding); an invoice total is the sum of its lines; a
payment's allocations and the household's credit sum to the payment. The only
division is the display: ``format_euros`` prints cents as euros with a comma.
Parsing an amount typed by an agent accepts at most two decimals and refuses
anything else rather than rounding it.
"""

from __future__ import annotations

import re

Cents = int

_AMOUNT = re.compile(
    r"^\s*(?P<sign>-)?\s*(?P<units>\d{1,9})(?:[.,](?P<dec>\d{1,2}))?\s*(?:€|eur|EUR)?\s*$"
)


class AmountError(ValueError):
    """An amount the agent typed that is not a whole number of cents."""


def format_euros(cents: Cents) -> str:
    """``285`` → ``2,85 €``; ``-1050`` → ``-10,50 €``; thousands with a narrow space."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d} €"


def parse_euros(text: str) -> Cents:
    """``"12,5"`` → ``1250``; ``"3"`` → ``300``; refuses ``"1,234"`` and ``"abc"``."""
    match = _AMOUNT.match(text.replace("\u202f", "").replace(" ", ""))
    if match is None:
        raise AmountError(f"Montant invalide : « {text.strip()[:40]} » (exemple : 12,50).")
    cents = int(match["units"]) * 100 + int((match["dec"] or "0").ljust(2, "0"))
    return -cents if match["sign"] else cents
