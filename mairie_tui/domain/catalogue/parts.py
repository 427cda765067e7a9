"""The parts of a catalogue file: a workflow, a form field, an appointment agenda."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any

from mairie_tui.domain.catalogue.fields import FieldContext, validate_field
from mairie_tui.domain.catalogue.model import (
    DATE_RANGES,
    PREFILLS,
    WEEKDAY_KEYS,
    AgendaSpec,
    CatalogueError,
    Choice,
    Condition,
    FieldType,
    FormField,
    Step,
)
from mairie_tui.domain.catalogue.source import _expect, _Source
from mairie_tui.domain.workflow import Status, Transition, Workflow


def _workflow(source: _Source, code: str, data: Mapping[str, Any], table: str) -> Workflow:
    where = (table, None)
    initial = _expect(source, data, "initial", str, where)
    statuses = []
    for item in _expect(source, data, "statuses", list, where):
        if not isinstance(item, dict) or "code" not in item or "label" not in item:
            raise CatalogueError(
                source.path, source.line_of(table, None, "statuses"), "statut sans code ou libellé"
            )
        statuses.append(Status(str(item["code"]), str(item["label"]), bool(item.get("final"))))
    transitions = []
    for item in _expect(source, data, "transitions", list, where):
        if not isinstance(item, dict) or not {"from", "to", "label"} <= set(item):
            raise CatalogueError(
                source.path,
                source.line_of(table, None, "transitions"),
                "transition sans from, to ou label",
            )
        transitions.append(
            Transition(
                str(item["from"]), str(item["to"]), str(item["label"]), bool(item.get("comment"))
            )
        )
    for status in statuses:
        if not re.fullmatch(r"[a-z][a-z_]{1,19}", status.code):
            raise CatalogueError(
                source.path,
                source.line_of_text(f'"{status.code}"', source.line_of(table, None, "statuses")),
                f"code de statut invalide « {status.code} » (minuscules, 20 caractères au plus)",
            )
    workflow = Workflow(code, initial, tuple(statuses), tuple(transitions))
    problems = workflow.problems()
    if problems:
        line = source.line_of(table, None, "transitions")
        raise CatalogueError(source.path, line, f"circuit « {code} » : {problems[0]}")
    return workflow


_FIELD_KEYS = {
    "code",
    "type",
    "label",
    "required",
    "step",
    "help",
    "choices",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message",
    "date_range",
    "default",
    "prefill",
    "shown_if",
}


Where = tuple[str, int]


def _field(source: _Source, data: Mapping[str, Any], table: str, index: int) -> FormField:
    where = (table, index)
    for key in data:
        if key not in _FIELD_KEYS:
            raise CatalogueError(
                source.path, source.line_of(table, index, key), f"clé de champ inconnue « {key} »"
            )
    code = _expect(source, data, "code", str, where)
    kind = _field_type(source, data, where, code)
    step = _field_step(source, data, where)
    choices = _field_choices(source, data, where, kind, code)
    date_range = _field_date_range(source, data, where)
    prefill = _field_prefill(source, data, where)
    pattern = _field_pattern(source, data, where)
    condition = _field_condition(source, data, where)

    def number(key: str) -> Decimal | None:
        value = _expect(source, data, key, (int, float, str), where, required=False)
        return None if value is None else Decimal(str(value))

    spec = FormField(
        code=code,
        type=kind,
        label=_expect(source, data, "label", str, where),
        required=bool(_expect(source, data, "required", bool, where, required=False)),
        step=step,
        help=_expect(source, data, "help", str, where, required=False) or "",
        choices=choices,
        min_value=number("min"),
        max_value=number("max"),
        min_length=_expect(source, data, "min_length", int, where, required=False),
        max_length=_expect(source, data, "max_length", int, where, required=False),
        pattern=pattern,
        pattern_message=_expect(source, data, "pattern_message", str, where, required=False) or "",
        date_range=date_range,
        default=_expect(source, data, "default", str, where, required=False),
        prefill=prefill,
        shown_if=condition,
    )
    _check_default(source, spec, where)
    return spec


def _field_type(source: _Source, data: Mapping[str, Any], where: Where, code: str) -> FieldType:
    type_text = _expect(source, data, "type", str, where)
    try:
        return FieldType(type_text)
    except ValueError:
        known = ", ".join(t.value for t in FieldType)
        raise CatalogueError(
            source.path,
            source.line_of(*where, "type"),
            f"champ « {code} » : type inconnu « {type_text} » (types connus : {known})",
        ) from None


def _field_step(source: _Source, data: Mapping[str, Any], where: Where) -> Step:
    step_text = _expect(source, data, "step", str, where, required=False) or "demande"
    try:
        return Step(step_text)
    except ValueError:
        raise CatalogueError(
            source.path, source.line_of(*where, "step"), f"étape inconnue « {step_text} »"
        ) from None


def _field_choices(
    source: _Source, data: Mapping[str, Any], where: Where, kind: FieldType, code: str
) -> tuple[Choice, ...]:
    choices: list[Choice] = []
    for item in _expect(source, data, "choices", list, where, required=False) or []:
        if not isinstance(item, dict) or "value" not in item or "label" not in item:
            raise CatalogueError(
                source.path, source.line_of(*where, "choices"), "choix sans value ou label"
            )
        choices.append(Choice(str(item["value"]), str(item["label"])))
    if kind is FieldType.CHOICE and not choices:
        raise CatalogueError(
            source.path, source.line_of(*where, "type"), f"champ « {code} » : choix manquants"
        )
    return tuple(choices)


def _field_date_range(source: _Source, data: Mapping[str, Any], where: Where) -> str:
    date_range: str = _expect(source, data, "date_range", str, where, required=False) or "any"
    if date_range not in DATE_RANGES:
        raise CatalogueError(
            source.path,
            source.line_of(*where, "date_range"),
            f"date_range inconnu « {date_range} »",
        )
    return date_range


def _field_prefill(source: _Source, data: Mapping[str, Any], where: Where) -> str | None:
    prefill: str | None = _expect(source, data, "prefill", str, where, required=False)
    if prefill is not None and prefill not in PREFILLS:
        raise CatalogueError(
            source.path,
            source.line_of(*where, "prefill"),
            f"préremplissage inconnu « {prefill} »",
        )
    return prefill


def _field_pattern(source: _Source, data: Mapping[str, Any], where: Where) -> str | None:
    pattern: str | None = _expect(source, data, "pattern", str, where, required=False)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CatalogueError(
                source.path, source.line_of(*where, "pattern"), f"expression invalide : {exc}"
            ) from None
    return pattern


def _field_condition(source: _Source, data: Mapping[str, Any], where: Where) -> Condition | None:
    shown = _expect(source, data, "shown_if", dict, where, required=False)
    if shown is None:
        return None
    if "field" not in shown or not isinstance(shown.get("values"), list):
        raise CatalogueError(
            source.path,
            source.line_of(*where, "shown_if"),
            "shown_if : field et values attendus",
        )
    return Condition(str(shown["field"]), tuple(str(v) for v in shown["values"]))


def _check_default(source: _Source, spec: FormField, where: Where) -> None:
    """A default the form itself would refuse is a catalogue mistake."""
    if spec.default is None or spec.type in (FieldType.DATE, FieldType.CHILD):
        return
    _, error = validate_field(spec, spec.default, FieldContext(today=date(2000, 1, 1)))
    if error:
        raise CatalogueError(
            source.path,
            source.line_of(*where, "default"),
            f"valeur par défaut refusée : {error}",
        )


def _hours(source: _Source, text: str, line: int) -> tuple[time, time]:
    found = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", text.strip())
    if not found:
        raise CatalogueError(
            source.path, line, f"horaire invalide « {text} » (attendu 08:30-12:00)"
        )
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise CatalogueError(source.path, line, f"horaire invalide « {text} »") from None
    if end <= start:
        raise CatalogueError(source.path, line, f"horaire à l'envers « {text} »")
    return start, end


def _agenda(source: _Source, data: Mapping[str, Any]) -> AgendaSpec:
    where = ("appointment", None)
    opening: list[tuple[int, tuple[tuple[time, time], ...]]] = []
    table = _expect(source, data, "opening", dict, where)
    line = source.line_of("appointment", None, "opening")
    for key, ranges in table.items():
        if key not in WEEKDAY_KEYS or not isinstance(ranges, list):
            raise CatalogueError(source.path, line, f"jour d'ouverture inconnu « {key} »")
        opening.append(
            (WEEKDAY_KEYS.index(key), tuple(_hours(source, str(r), line) for r in ranges))
        )
    slot = _expect(source, data, "slot_minutes", int, where)
    if not 5 <= slot <= 240:
        raise CatalogueError(
            source.path,
            source.line_of("appointment", None, "slot_minutes"),
            "slot_minutes hors de 5..240",
        )
    return AgendaSpec(
        code=_expect(source, data, "agenda", str, where),
        name=_expect(source, data, "name", str, where),
        slot_minutes=slot,
        opening=tuple(sorted(opening)),
        days_ahead=_expect(source, data, "days_ahead", int, where, required=False) or 60,
    )
