"""Households as read from a file, before any check: values are still text.

Every value keeps where it came from (line, column) so that each error names
both. Readers give `Row`s (CSV, XLSX) or `SourceHousehold`s (JSON); the rows
are grouped into households by layout (see columns.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mairie_tui.services.household_io.columns import (
    AUTHORISED_FIELDS,
    CHILD_FIELDS,
    HOUSEHOLD_FIELDS,
    MAX_AUTHORISED,
    MAX_CHILDREN,
    MEMBER,
    MEMBER_FIELDS,
    PERSON_FIELDS,
    ROLES,
)

Problem = tuple[int, str, str]  # line, column, French message


@dataclass
class Row:
    """One line of a table file; `problems` when it could not be read whole."""

    line: int
    values: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SourceMember:
    line: int
    role: str  # Person.role
    values: dict[str, str]
    prefix: str = ""  # column prefix in messages: "co_", "enfant2_", "membres[3]."

    def column(self, name: str) -> str:
        return self.prefix + name


@dataclass
class SourceHousehold:
    line: int
    values: dict[str, str]  # id_externe and the household's columns
    members: list[SourceMember] = field(default_factory=list)
    field_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.values.get("id_externe", "")


def _slots(prefix: str, names: Iterable[str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return prefix, tuple((name, prefix + name) for name in names)


# (role, prefix, ((field, column), …)) for each person a legacy line can hold.
_LEGACY_SLOTS = (
    ("co_representative", *_slots("co_", PERSON_FIELDS)),
    *(("child", *_slots(f"enfant{i}_", CHILD_FIELDS)) for i in range(1, MAX_CHILDREN + 1)),
    *(
        ("authorised", *_slots(f"autorise{i}_", AUTHORISED_FIELDS))
        for i in range(1, MAX_AUTHORISED + 1)
    ),
)


def from_legacy(row: Row) -> SourceHousehold:
    """A line of the « one line per household » layout."""
    values = {name: row.values.get(name, "") for name in ("id_externe", *HOUSEHOLD_FIELDS)}
    household = SourceHousehold(row.line, values)
    household.problems = [(row.line, column, message) for column, message in row.problems]
    get = row.values.get
    members = [SourceMember(row.line, "representative", {n: get(n, "") for n in PERSON_FIELDS})]
    for role, prefix, slots in _LEGACY_SLOTS:
        if any(get(column) for _, column in slots):
            values = {name: get(column, "") for name, column in slots}
            members.append(SourceMember(row.line, role, values, prefix))
    household.members = members
    return household


def _add_member(household: SourceHousehold, row: Row) -> None:
    for column, message in row.problems:
        household.problems.append((row.line, column, message))
    if row.problems:
        return
    name = row.values.get(MEMBER, "")
    role = ROLES.get(name)
    if role is None:
        household.problems.append(
            (row.line, MEMBER, f"membre inconnu « {name} » ({', '.join(ROLES)})")
        )
        return
    for column in HOUSEHOLD_FIELDS:
        value = row.values.get(column, "")
        if not value:
            continue
        if column not in household.field_lines:
            household.values[column] = value
            household.field_lines[column] = row.line
        elif household.values[column] != value:
            first = household.field_lines[column]
            household.problems.append(
                (row.line, column, f"valeur différente de celle de la ligne {first} du foyer")
            )
    values = {name: row.values.get(name, "") for name in MEMBER_FIELDS}
    household.members.append(SourceMember(row.line, role, values))


def group_person_rows(rows: Iterable[Row]) -> Iterator[SourceHousehold]:
    """Consecutive lines with the same id_externe make one household."""
    current: SourceHousehold | None = None
    seen: dict[str, int] = {}
    orphan: int | None = None  # an unreadable line whose household is unknown
    for row in rows:
        key = row.values.get("id_externe", "")
        unplaced = not key and bool(row.problems)
        if current is None or key != current.key or not key:
            if current is not None:
                if unplaced:
                    current.problems.append(
                        (
                            current.line,
                            "",
                            f"ligne {row.line} illisible juste après : foyer non importé",
                        )
                    )
                yield current
            current = SourceHousehold(row.line, {"id_externe": key})
            if key and key in seen:
                current.problems.append(
                    (
                        row.line,
                        "id_externe",
                        f"id_externe « {key} » déjà présent ligne {seen[key]} "
                        "(les lignes d'un foyer doivent se suivre)",
                    )
                )
            if key:
                seen.setdefault(key, row.line)
            if orphan is not None:
                current.problems.append(
                    (row.line, "", f"ligne {orphan} illisible juste avant : foyer non importé")
                )
                orphan = None
        if unplaced:
            orphan = row.line
        _add_member(current, row)
    if current is not None:
        yield current
