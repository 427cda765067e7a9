"""The one check of an import file: what the dry run says is what --apply does.

Every household read is turned into a HouseholdInput (strict dates and
integers), then checked by domain.household_rules with the schema's limits
(lengths, integer ranges, refused characters); each error is placed at its
line and column. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from mairie_tui.domain.household_rules import (
    CleanHousehold,
    FieldLimits,
    HouseholdInput,
    PersonInput,
    validate_household,
)
from mairie_tui.services.household_io.cells import looks_like_formula, parse_date, parse_int, shown
from mairie_tui.services.household_io.columns import (
    HOUSEHOLD_COLUMN,
    MEMBER,
    PERSON_COLUMN,
    PHONE_COLUMNS,
    ROLE_NAMES,
)
from mairie_tui.services.household_io.report import BadLine, ImportReport
from mairie_tui.services.household_io.source import Problem, SourceHousehold, SourceMember

_PATHS = {
    "representative": "representative",
    "co_representatives": "co_representative",
    "children": "child",
    "authorised": "authorised",
}
_BIRTH_LABELS = {
    "representative": "date de naissance",
    "co_representative": "date de naissance du co-représentant",
    "child": "date de naissance de l'enfant",
    "authorised": "date de naissance de la personne autorisée",
}


@dataclass(frozen=True)
class Checked:
    line: int
    clean: CleanHousehold


def _or_none(value: str) -> str | None:
    return value.strip() or None


def _convert(
    problems: list[Problem],
    line: int,
    column: str,
    parse: Callable[[str, str], object],
    value: str,
    label: str,
) -> object:
    try:
        return parse(value, label)
    except ValueError as exc:
        problems.append((line, column, str(exc)))
        return None


def _person(member: SourceMember, problems: list[Problem]) -> PersonInput:
    values = member.values
    if member.role != "child":
        for name in ("ecole", "classe"):
            if values.get(name, ""):
                problems.append(
                    (member.line, member.column(name), "réservé aux enfants : laissez vide")
                )
    birth = _convert(
        problems,
        member.line,
        member.column("date_naissance"),
        parse_date,
        values.get("date_naissance", ""),
        _BIRTH_LABELS[member.role],
    )
    return PersonInput(
        role=member.role,
        civility=_or_none(values.get("civilite", "")),
        first_name=values.get("prenom", ""),
        last_name=values.get("nom", ""),
        birth_date=birth if isinstance(birth, date) else None,
        phone=_or_none(values.get("telephone", "")),
        email=_or_none(values.get("email", "")),
        school=_or_none(values.get("ecole", "")),
        school_class=_or_none(values.get("classe", "")),
    )


def to_input(source: SourceHousehold) -> tuple[HouseholdInput | None, list[Problem]]:
    """The household as a form, or the problems that prevent reading it."""
    if source.problems:
        return None, list(source.problems)
    problems: list[Problem] = []
    values = source.values
    if not values.get("id_externe", ""):
        problems.append((source.line, "id_externe", "id_externe manquant"))
    people: dict[str, list[PersonInput]] = {role: [] for role in ROLE_NAMES}
    for member in source.members:
        people[member.role].append(_person(member, problems))
    if len(people["representative"]) != 1:
        found = len(people["representative"])
        problems.append((source.line, MEMBER, f"{found} lignes « representant » au lieu d'une"))
    line_of = source.field_lines.get
    qf = _convert(
        problems,
        line_of("quotient_familial", source.line),
        "quotient_familial",
        parse_int,
        values.get("quotient_familial", ""),
        "quotient familial",
    )
    until = _convert(
        problems,
        line_of("qf_valide_jusqu_au", source.line),
        "qf_valide_jusqu_au",
        parse_date,
        values.get("qf_valide_jusqu_au", ""),
        "date de validité du QF",
    )
    if problems:
        return None, problems
    return HouseholdInput(
        representative=people["representative"][0],
        address=values.get("adresse", ""),
        commune=values.get("commune", ""),
        postcode=values.get("code_postal", ""),
        phone=_or_none(values.get("telephone_foyer", "")),
        email=_or_none(values.get("email_foyer", "")),
        quotient_familial=qf if isinstance(qf, int) else None,
        qf_valid_until=until if isinstance(until, date) else None,
        external_id=_or_none(values.get("id_externe", "")),
        co_representatives=tuple(people["co_representative"]),
        children=tuple(people["child"]),
        authorised=tuple(people["authorised"]),
    ), []


def _locate(source: SourceHousehold, path: str) -> tuple[int, str]:
    """(line, column) of a domain field path such as `children.2.last_name`."""
    parts = path.split(".")
    role = _PATHS.get(parts[0])
    if role is not None:
        index = int(parts[1]) if len(parts) == 3 else 0
        members = [m for m in source.members if m.role == role]
        column = PERSON_COLUMN.get(parts[-1], parts[-1])
        if index < len(members):
            return members[index].line, members[index].column(column)
        return source.line, column
    column = HOUSEHOLD_COLUMN.get(path, path)
    return source.field_lines.get(column, source.line), column


def check_household(
    source: SourceHousehold, today: date, limits: FieldLimits
) -> tuple[CleanHousehold | None, list[Problem]]:
    data, problems = to_input(source)
    if data is None:
        return None, problems
    clean, checks = validate_household(data, today, limits)
    if clean is None:
        return None, [(*_locate(source, e.field), e.message) for e in checks.errors]
    return clean, []


def _formulas(source: SourceHousehold, report: ImportReport) -> None:
    for column, value in source.values.items():
        if looks_like_formula(value) and column not in PHONE_COLUMNS:
            line = source.field_lines.get(column, source.line)
            report.warnings.append(BadLine(line, _formula_text(value), column))
    for member in source.members:
        for column, value in member.values.items():
            if looks_like_formula(value) and column not in PHONE_COLUMNS:
                report.warnings.append(
                    BadLine(member.line, _formula_text(value), member.column(column))
                )


def _formula_text(value: str) -> str:
    return (
        f"valeur qui commence comme une formule de tableur, gardée comme texte : « {shown(value)} »"
    )


def check_households(
    sources: Iterable[SourceHousehold],
    today: date,
    limits: FieldLimits,
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> list[Checked]:
    """Every household of the file checked; the good ones, the report filled."""
    good: list[Checked] = []
    seen: dict[str, int] = {}
    for done, source in enumerate(sources, start=1):
        if progress and done % 500 == 0:
            progress(done)
        _formulas(source, report)
        clean, problems = check_household(source, today, limits)
        key = source.key.strip()
        if key and key in seen and not any(column == "id_externe" for _, column, _ in problems):
            problems.append(
                (
                    source.line,
                    "id_externe",
                    f"id_externe « {shown(key)} » déjà présent ligne {seen[key]}",
                )
            )
        if key:
            seen.setdefault(key, source.line)
        for line, column, message in problems:
            report.add(line, column, shown(message, 400))
        if clean is not None and not problems:
            good.append(Checked(source.line, clean))
    report.bad.sort(key=lambda bad: bad.line)
    report.warnings.sort(key=lambda bad: bad.line)
    return good
