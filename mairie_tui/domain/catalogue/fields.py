"""Checking the answers typed in a démarche's form, and showing them back."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from mairie_tui.domain import civil_status, elections, fr
from mairie_tui.domain.catalogue.model import (
    Choice,
    Demarche,
    FieldType,
    FieldValue,
    FormField,
)


@dataclass(frozen=True)
class FieldContext:
    """What validation needs beyond the text typed: today, the household's children."""

    today: date
    children: tuple[Choice, ...] = ()


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^(?:\+33|0)[1-9](?:\d{8})$")


def _decimal(text: str) -> Decimal | None:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None


def validate_field(
    spec: FormField, raw_text: str | None, context: FieldContext
) -> tuple[FieldValue, str | None]:
    """Read one field as typed: (value, None) or (None, French error message).

    An empty optional field gives (None, None). Conditions between fields
    (`shown_if`) are the caller's: see `validate_answers`.
    """
    text = (raw_text or "").strip()
    if not text:
        if spec.required:
            return None, f"« {spec.label} » est obligatoire."
        return None, None
    return _READERS[spec.type](spec, text, context)


Reading = tuple[FieldValue, str | None]


def text_limit(spec: FormField) -> int:
    """The most characters a text field takes (its own limit, or the default of its type)."""
    return spec.max_length or (2000 if spec.type is FieldType.LONG_TEXT else 200)


def _read_text(spec: FormField, text: str, _context: FieldContext) -> Reading:
    if spec.min_length is not None and len(text) < spec.min_length:
        return None, f"« {spec.label} » : au moins {spec.min_length} caractères."
    limit = text_limit(spec)
    if len(text) > limit:
        return None, f"« {spec.label} » : au plus {limit} caractères."
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        return None, spec.pattern_message or f"« {spec.label} » : format invalide."
    return text, None


def _read_number(spec: FormField, text: str, _context: FieldContext) -> Reading:
    kind = spec.type
    number = _decimal(text)
    if number is None or not number.is_finite():
        what = "un nombre entier" if kind is FieldType.INTEGER else "un montant en euros"
        return None, f"« {spec.label} » : « {text} » n'est pas {what}."
    if kind is FieldType.INTEGER and number != number.to_integral_value():
        return None, f"« {spec.label} » : « {text} » n'est pas un nombre entier."
    if spec.min_value is not None and number < spec.min_value:
        return None, f"« {spec.label} » : au moins {_number_text(spec.min_value)}."
    if spec.max_value is not None and number > spec.max_value:
        return None, f"« {spec.label} » : au plus {_number_text(spec.max_value)}."
    if kind is FieldType.INTEGER:
        return int(number), None
    return number.quantize(Decimal("0.01")), None


def _read_date(spec: FormField, text: str, context: FieldContext) -> Reading:
    try:
        day = fr.parse_date(text)
    except ValueError as exc:
        return None, f"« {spec.label} » : {exc}."
    if spec.date_range == "past" and day > context.today:
        return None, f"« {spec.label} » : la date ne peut pas être dans le futur."
    if spec.date_range == "future" and day < context.today:
        return None, f"« {spec.label} » : la date est déjà passée."
    return day, None


def _read_choice(spec: FormField, text: str, _context: FieldContext) -> Reading:
    for choice in spec.choices:
        if text in (choice.value, choice.label):
            return choice.value, None
    offered = ", ".join(choice.label for choice in spec.choices)
    return None, f"« {spec.label} » : choisissez parmi {offered}."


def _read_bool(spec: FormField, text: str, _context: FieldContext) -> Reading:
    lowered = text.lower()
    if lowered in ("oui", "o", "true", "1", "yes", "x"):
        return True, None
    if lowered in ("non", "n", "false", "0", "no"):
        return False, None
    return None, f"« {spec.label} » : répondez oui ou non."


def _read_email(spec: FormField, text: str, _context: FieldContext) -> Reading:
    if not _EMAIL.match(text):
        return None, f"« {spec.label} » : adresse e-mail invalide (« {text} »)."
    return text, None


def _read_phone(spec: FormField, text: str, _context: FieldContext) -> Reading:
    digits = re.sub(r"[\s.\-]", "", text)
    if not _PHONE.match(digits):
        return None, f"« {spec.label} » : numéro invalide (10 chiffres, ex. 04 66 83 10 74)."
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2)), None


def _read_postcode(spec: FormField, text: str, _context: FieldContext) -> Reading:
    if not re.fullmatch(r"\d{5}", text):
        return None, f"« {spec.label} » : code postal à 5 chiffres."
    return text, None


def _read_child(spec: FormField, text: str, context: FieldContext) -> Reading:
    """One of the household's children, by id or first name."""
    for child in context.children:
        if text == child.value or text.lower() == child.label.lower():
            return int(child.value), None
    if not context.children:
        return None, "Aucun enfant n'est enregistré dans ce foyer."
    names = ", ".join(child.label for child in context.children)
    return None, f"« {spec.label} » : choisissez un enfant du foyer ({names})."


_READERS: dict[FieldType, Callable[[FormField, str, FieldContext], Reading]] = {
    FieldType.TEXT: _read_text,
    FieldType.LONG_TEXT: _read_text,
    FieldType.INTEGER: _read_number,
    FieldType.AMOUNT: _read_number,
    FieldType.DATE: _read_date,
    FieldType.CHOICE: _read_choice,
    FieldType.BOOL: _read_bool,
    FieldType.EMAIL: _read_email,
    FieldType.PHONE: _read_phone,
    FieldType.POSTCODE: _read_postcode,
    FieldType.CHILD: _read_child,
}


def _number_text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def is_shown(spec: FormField, values: Mapping[str, FieldValue]) -> bool:
    return spec.shown_if is None or spec.shown_if.holds(values)


@dataclass(frozen=True)
class AnswerCheck:
    values: dict[str, FieldValue]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def for_day(demarche: Demarche, today: date) -> Demarche:
    """The démarche as offered on `today`: for the electoral registration, the « scrutin »
    choices are the elections of data/elections.tsv not yet held (then the file's own
    choices, « Aucun scrutin annoncé »)."""
    if demarche.handler != "elections":
        return demarche
    dated = tuple(
        Choice(election.first_round.isoformat(), election.label(today))
        for election in elections.offered_elections(today)
    )
    fields = tuple(
        replace(spec, choices=dated + spec.choices) if spec.code == "scrutin" else spec
        for spec in demarche.fields
    )
    return replace(demarche, fields=fields)


def validate_answers(
    demarche: Demarche, raw: Mapping[str, str | None], context: FieldContext
) -> AnswerCheck:
    """Every field of the form, then the démarche's own rules (état civil, élections…)."""
    demarche = for_day(demarche, context.today)
    values: dict[str, FieldValue] = {}
    errors: dict[str, str] = {}
    # Fields are read in catalogue order, so a condition refers to an earlier field.
    for spec in demarche.fields:
        if not is_shown(spec, values):
            continue
        # A field left out (not sent at all) takes its default; one sent empty stays empty.
        text = raw.get(spec.code, spec.default)
        value, error = validate_field(spec, text, context)
        if error:
            errors[spec.code] = error
        elif value is not None:
            values[spec.code] = value
    unknown = sorted(set(raw) - {spec.code for spec in demarche.fields})
    for code in unknown:
        if (raw.get(code) or "").strip():
            errors[code] = f"Champ inconnu pour « {demarche.title} » : « {code} »."
    if not errors:
        for code, message in rule_problems(demarche, values, context):
            errors.setdefault(code, message)
    return AnswerCheck(values=values, errors=errors)


def rule_problems(
    demarche: Demarche, values: Mapping[str, FieldValue], context: FieldContext
) -> list[tuple[str, str]]:
    """The démarche's own rules over the read values: [(field, message)]."""
    if demarche.handler == "etat_civil":
        act = civil_status.ActKind(str(demarche.options.get("act", "naissance")))
        fmt = str(values.get("format", ""))
        relation = str(values.get("lien", ""))
        reason = civil_status.refusal(act, fmt, relation)
        return [("format", reason)] if reason else []
    if demarche.handler == "elections":
        scrutin = values.get("scrutin")
        birth = values.get("date_naissance")
        first_round = (
            date.fromisoformat(scrutin) if isinstance(scrutin, str) and scrutin != "aucun" else None
        )
        if not isinstance(birth, date):
            return []
        election = elections.election_on(first_round) if first_round else None
        found = elections.registration_problems(
            birth_date=birth,
            first_round=first_round,
            filed_on=context.today,
            online=False,
            nationality=str(values.get("nationalite", "francaise")),
            municipal_or_european=election.municipal_or_european if election else True,
        )
        return [(problem.field, problem.message) for problem in found]
    if demarche.handler == "absence":
        start, end = values.get("du"), values.get("au")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            return [("au", "La date de fin est avant la date de début.")]
    return []


def display_value(spec: FormField, value: Any, context: FieldContext | None = None) -> str:
    """A value as the recap and the request page show it, in French."""
    if value is None or value == "":
        return ""
    if spec.type is FieldType.DATE:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return fr.short_date(day)
    if spec.type is FieldType.BOOL:
        return "Oui" if value in (True, "true", "oui") else "Non"
    if spec.type is FieldType.CHOICE:
        return spec.choice_label(str(value))
    if spec.type is FieldType.AMOUNT:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        whole, cents = f"{amount:,.2f}".split(".")
        return f"{whole.replace(',', ' ')},{cents} €"
    if spec.type is FieldType.CHILD and context is not None:
        for child in context.children:
            if child.value == str(value):
                return child.label
    return str(value)


def to_json(value: FieldValue) -> Any:
    """A value as stored in Request.answers (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
