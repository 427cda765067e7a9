"""JSON files: a list of households, read element by element with its line number.

Strict: a key given twice, an object or a list where a value is expected, a
number written as 1e3, 1.5, NaN or Infinity, true/false, an unknown key are
errors naming the household's line and the key. Integers are kept as their
digits (a 5 000-digit number is reported, not a crash); nesting too deep for
the parser refuses the file with the line where the household starts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from mairie_tui.services.errors import ImportFileError
from mairie_tui.services.household_io.cells import shown
from mairie_tui.services.household_io.columns import (
    HOUSEHOLD_FIELDS,
    LEGACY_COLUMNS,
    MEMBER,
    MEMBER_FIELDS,
    MEMBERS,
    ROLES,
)
from mairie_tui.services.household_io.report import ImportReport
from mairie_tui.services.household_io.source import (
    Problem,
    Row,
    SourceHousehold,
    SourceMember,
    from_legacy,
)

_SPACE = re.compile(r"[ \t\n\r]*")
NESTED_KEYS = frozenset(("id_externe", *HOUSEHOLD_FIELDS, MEMBERS))
MEMBER_KEYS = frozenset((MEMBER, *MEMBER_FIELDS))
LEGACY_KEYS = frozenset(LEGACY_COLUMNS)


class _Object(dict[str, Any]):
    duplicates: tuple[str, ...] = ()


class _Integer(str):
    """A JSON integer, kept as its digits."""


class _Odd(str):
    """A JSON number that is not a plain integer (1.5, 1e3, NaN, Infinity)."""


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    if len(found) != len(pairs):
        counts = Counter(key for key, _ in pairs)
        found.duplicates = tuple(key for key, count in counts.items() if count > 1)
    return found


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_int=_Integer, parse_float=_Odd, parse_constant=_Odd
)


def _elements(text: str) -> Iterator[tuple[int, Any]]:
    """(line where the element starts, element) for each element of the top-level list."""
    pos = _SPACE.match(text).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "[":
        raise ImportFileError("JSON attendu : une liste de foyers « [ … ] ».")
    line, counted = 1, 0
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] == "]":
        pos += 1
    else:
        while True:
            line += text.count("\n", counted, pos)
            counted = pos
            try:
                element, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise ImportFileError(f"Ligne {exc.lineno} : JSON illisible ({exc.msg}).") from None
            except RecursionError:
                raise ImportFileError(
                    f"Ligne {line} : JSON imbriqué trop profondément pour un foyer."
                ) from None
            yield line, element
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos : pos + 1] == ",":
                pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text[pos : pos + 1] == "]":
                pos += 1
                break
            where = line + text.count("\n", counted, pos)
            raise ImportFileError(f"Ligne {where} : JSON illisible (« , » ou « ] » attendu).")
    if text[_SPACE.match(text, pos).end() :]:  # type: ignore[union-attr]
        raise ImportFileError("JSON illisible : du texte suit la liste des foyers.")


def _text(value: Any) -> str:
    """A JSON value as the text a CSV cell would hold; ValueError otherwise."""
    if isinstance(value, _Odd):
        raise ValueError(f"nombre en notation non prise en charge « {shown(value)} »")
    if isinstance(value, _Integer):
        return str.__str__(value)
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValueError("true/false au lieu d'une valeur")
    if isinstance(value, dict):
        raise ValueError("objet imbriqué là où une valeur est attendue")
    if isinstance(value, list):
        raise ValueError("liste là où une valeur est attendue")
    raise ValueError("valeur illisible")  # pragma: no cover - json yields no other type


def _fields(
    item: _Object, allowed: frozenset[str], line: int, prefix: str, problems: list[Problem]
) -> dict[str, str]:
    for key in item.duplicates:
        problems.append((line, prefix + key, f"clé « {shown(key)} » en double"))
    values: dict[str, str] = {}
    for key, value in item.items():
        if key not in allowed:
            problems.append((line, prefix + shown(key), f"champ inconnu « {shown(key)} »"))
            continue
        if key == MEMBERS:
            continue
        try:
            values[key] = _text(value)
        except ValueError as exc:
            problems.append((line, prefix + key, str(exc)))
    return values


def _members(line: int, value: Any, household: SourceHousehold) -> None:
    if not isinstance(value, list):
        household.problems.append((line, MEMBERS, "liste de personnes attendue"))
        return
    for index, item in enumerate(value, start=1):
        prefix = f"{MEMBERS}[{index}]."
        if not isinstance(item, _Object):
            household.problems.append((line, prefix[:-1], "personne attendue (objet JSON)"))
            continue
        values = _fields(item, MEMBER_KEYS, line, prefix, household.problems)
        role = ROLES.get(values.get(MEMBER, ""))
        if role is None:
            name = shown(values.get(MEMBER, ""))
            household.problems.append(
                (line, prefix + MEMBER, f"membre inconnu « {name} » ({', '.join(ROLES)})")
            )
            continue
        household.members.append(SourceMember(line, role, values, prefix))


def _household(line: int, item: Any) -> SourceHousehold:
    if not isinstance(item, _Object):
        household = SourceHousehold(line, {"id_externe": ""})
        household.problems.append((line, "", "élément qui n'est pas un foyer (objet JSON)"))
        return household
    problems: list[Problem] = []
    if MEMBERS not in item:
        values = _fields(item, LEGACY_KEYS, line, "", problems)
        household = from_legacy(Row(line, values))
        household.problems = problems
        return household
    values = _fields(item, NESTED_KEYS, line, "", problems)
    household = SourceHousehold(line, {"id_externe": "", **values}, problems=problems)
    _members(line, item[MEMBERS], household)
    return household


def read_json(raw: bytes, report: ImportReport) -> Iterator[SourceHousehold]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"Ligne {line} : JSON illisible (texte qui n'est pas en UTF-8)."
        ) from None
    for line, item in _elements(text):
        report.lines += 1
        yield _household(line, item)
