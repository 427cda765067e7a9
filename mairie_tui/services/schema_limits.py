"""The database's limits for household fields, read from the tables themselves.

One function: a schema change (a longer name, a bigger integer) changes what the
import accepts, on SQLite (which does not enforce lengths) as on PostgreSQL.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import BigInteger, Integer, SmallInteger, Table

from mairie_tui.domain.household_rules import FieldLimits
from mairie_tui.models import Household, Person

_INTEGER_BITS = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))


def _lengths(table: Table) -> dict[str, int]:
    return {
        column.name: int(length)
        for column in table.columns
        if (length := getattr(column.type, "length", None)) is not None
    }


def _ranges(table: Table) -> dict[str, tuple[int, int]]:
    ranges: dict[str, tuple[int, int]] = {}
    for column in table.columns:
        for kind, bits in _INTEGER_BITS:
            if isinstance(column.type, kind):
                ranges[column.name] = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
                break
    return ranges


@cache
def schema_limits() -> FieldLimits:
    """Maximum lengths of the text columns and ranges of the integer columns."""
    household: Table = Household.__table__  # type: ignore[attr-defined]
    person: Table = Person.__table__  # type: ignore[attr-defined]
    return FieldLimits(
        household_lengths=_lengths(household),
        person_lengths=_lengths(person),
        household_ranges=_ranges(household),
    )
