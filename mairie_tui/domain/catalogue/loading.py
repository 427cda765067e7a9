"""Reading data/demarches/*.toml into a checked `Catalogue`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from mairie_tui.domain.catalogue.fields import FieldContext, validate_field
from mairie_tui.domain.catalogue.model import (
    ACT_KINDS,
    DATE_RANGES,
    HANDLER_FIELDS,
    PREFILLS,
    WEEKDAY_KEYS,
    AgendaSpec,
    Catalogue,
    CatalogueError,
    Choice,
    Condition,
    Demarche,
    FieldType,
    FormField,
    Piece,
    RequiredPiece,
    Step,
    TariffBracketSpec,
)
from mairie_tui.domain.catalogue.source import _expect, _read, _Source
from mairie_tui.domain.tariffs import TariffGrid
from mairie_tui.domain.workflow import Status, Transition, Workflow

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "data" / "demarches"


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


def _field(source: _Source, data: Mapping[str, Any], table: str, index: int) -> FormField:
    where = (table, index)
    for key in data:
        if key not in _FIELD_KEYS:
            raise CatalogueError(
                source.path, source.line_of(table, index, key), f"clé de champ inconnue « {key} »"
            )
    code = _expect(source, data, "code", str, where)
    type_text = _expect(source, data, "type", str, where)
    try:
        kind = FieldType(type_text)
    except ValueError:
        known = ", ".join(t.value for t in FieldType)
        raise CatalogueError(
            source.path,
            source.line_of(table, index, "type"),
            f"champ « {code} » : type inconnu « {type_text} » (types connus : {known})",
        ) from None
    step_text = _expect(source, data, "step", str, where, required=False) or "demande"
    try:
        step = Step(step_text)
    except ValueError:
        raise CatalogueError(
            source.path, source.line_of(table, index, "step"), f"étape inconnue « {step_text} »"
        ) from None
    choices: list[Choice] = []
    for item in _expect(source, data, "choices", list, where, required=False) or []:
        if not isinstance(item, dict) or "value" not in item or "label" not in item:
            raise CatalogueError(
                source.path, source.line_of(table, index, "choices"), "choix sans value ou label"
            )
        choices.append(Choice(str(item["value"]), str(item["label"])))
    if kind is FieldType.CHOICE and not choices:
        raise CatalogueError(
            source.path, source.line_of(table, index, "type"), f"champ « {code} » : choix manquants"
        )
    date_range = _expect(source, data, "date_range", str, where, required=False) or "any"
    if date_range not in DATE_RANGES:
        raise CatalogueError(
            source.path,
            source.line_of(table, index, "date_range"),
            f"date_range inconnu « {date_range} »",
        )
    prefill = _expect(source, data, "prefill", str, where, required=False)
    if prefill is not None and prefill not in PREFILLS:
        raise CatalogueError(
            source.path,
            source.line_of(table, index, "prefill"),
            f"préremplissage inconnu « {prefill} »",
        )
    pattern = _expect(source, data, "pattern", str, where, required=False)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CatalogueError(
                source.path, source.line_of(table, index, "pattern"), f"expression invalide : {exc}"
            ) from None
    shown = _expect(source, data, "shown_if", dict, where, required=False)
    condition = None
    if shown is not None:
        if "field" not in shown or not isinstance(shown.get("values"), list):
            raise CatalogueError(
                source.path,
                source.line_of(table, index, "shown_if"),
                "shown_if : field et values attendus",
            )
        condition = Condition(str(shown["field"]), tuple(str(v) for v in shown["values"]))

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
        choices=tuple(choices),
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
    if spec.default is not None and kind not in (FieldType.DATE, FieldType.CHILD):
        # A default the form itself would refuse is a catalogue mistake.
        _, error = validate_field(spec, spec.default, FieldContext(today=date(2000, 1, 1)))
        if error:
            raise CatalogueError(
                source.path,
                source.line_of(table, index, "default"),
                f"valeur par défaut refusée : {error}",
            )
    return spec


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


@dataclass
class _Shared:
    workflows: dict[str, Workflow] = field(default_factory=dict)
    pieces: dict[str, Piece] = field(default_factory=dict)
    informations: list[FormField] = field(default_factory=list)
    grids: dict[str, tuple[TariffBracketSpec, ...]] = field(default_factory=dict)


def _load_shared(path: Path, shared: _Shared) -> None:
    data, source = _read(path)
    for code, table in (data.get("workflows") or {}).items():
        shared.workflows[code] = _workflow(source, code, table, f"workflows.{code}")
    for code, table in (data.get("pieces") or {}).items():
        where = (f"pieces.{code}", None)
        shared.pieces[code] = Piece(
            code=code,
            label=_expect(source, table, "label", str, where),
            validity_months=_expect(source, table, "validity_months", int, where, required=False),
        )
    for index, table in enumerate(data.get("informations") or []):
        spec = _field(source, table, "informations", index)
        if spec.step is not Step.INFORMATIONS:
            spec = FormField(**{**spec.__dict__, "step": Step.INFORMATIONS})
        shared.informations.append(spec)
    for kind, rows in (data.get("tariff_grids") or {}).items():
        line = source.line_of("tariff_grids", None, kind)
        brackets = []
        for row in rows:
            try:
                brackets.append(
                    TariffBracketSpec(
                        int(row["min"]),
                        None if row.get("max") is None else int(row["max"]),
                        Decimal(str(row["price"]).replace(",", ".")),
                    )
                )
            except (KeyError, TypeError, ValueError, InvalidOperation):
                raise CatalogueError(
                    source.path, line, f"grille « {kind} » : tranche invalide {row}"
                ) from None
        problems = TariffGrid.of(brackets).problems()
        if problems:
            raise CatalogueError(source.path, line, f"grille « {kind} » : {problems[0]}")
        shared.grids[kind] = tuple(brackets)


_DEMARCHE_KEYS = {
    "code",
    "title",
    "category",
    "description",
    "duration",
    "workflow",
    "handler",
    "options",
    "informations",
    "pieces",
    "fields",
    "appointment",
}


def _load_demarche(path: Path, shared: _Shared) -> Demarche:
    data, source = _read(path)
    top = (None, None)
    for key in data:
        if key not in _DEMARCHE_KEYS:
            raise CatalogueError(path, source.line_of(None, None, key), f"clé inconnue « {key} »")
    code = _expect(source, data, "code", str, top)
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", code):
        raise CatalogueError(path, source.line_of(None, None, "code"), f"code invalide « {code} »")
    workflow_ref = _expect(source, data, "workflow", (str, dict), top)
    if isinstance(workflow_ref, str):
        if workflow_ref not in shared.workflows:
            raise CatalogueError(
                path, source.line_of(None, None, "workflow"), f"circuit inconnu « {workflow_ref} »"
            )
        workflow = shared.workflows[workflow_ref]
    else:
        workflow = _workflow(source, code, workflow_ref, "workflow")
    handler = _expect(source, data, "handler", str, top, required=False)
    if handler is not None and handler not in HANDLER_FIELDS:
        raise CatalogueError(
            path, source.line_of(None, None, "handler"), f"traitement inconnu « {handler} »"
        )
    fields: list[FormField] = []
    if _expect(source, data, "informations", bool, top, required=False) is not False:
        fields.extend(shared.informations)
    for index, table in enumerate(_expect(source, data, "fields", list, top, required=False) or []):
        fields.append(_field(source, table, "fields", index))
    seen: set[str] = set()
    for index, spec in enumerate(fields):
        if spec.code in seen:
            raise CatalogueError(
                path,
                source.line_of_text(f'"{spec.code}"'),
                f"champ « {spec.code} » déclaré deux fois",
            )
        seen.add(spec.code)
        if spec.shown_if is not None and spec.shown_if.field not in {
            f.code for f in fields[:index]
        }:
            raise CatalogueError(
                path,
                source.line_of_text("shown_if", source.line_of_text(f'"{spec.code}"')),
                f"champ « {spec.code} » : shown_if se réfère à un champ inconnu ou placé après",
            )
        if spec.shown_if is not None:
            target = next(f for f in fields[:index] if f.code == spec.shown_if.field)
            offered = {choice.value for choice in target.choices}
            strange = [v for v in spec.shown_if.values if target.choices and v not in offered]
            if strange:
                raise CatalogueError(
                    path,
                    source.line_of_text("shown_if", source.line_of_text(f'"{spec.code}"')),
                    f"champ « {spec.code} » : shown_if attend « {strange[0]} », "
                    f"qui n'est pas un choix de « {target.code} »",
                )
    pieces: list[RequiredPiece] = []
    for item in _expect(source, data, "pieces", list, top, required=False) or []:
        piece_code = item.get("piece") if isinstance(item, dict) else None
        if piece_code not in shared.pieces:
            raise CatalogueError(
                path,
                source.line_of_text(str(piece_code), source.line_of(None, None, "pieces")),
                f"pièce inconnue « {piece_code} »",
            )
        pieces.append(
            RequiredPiece(
                shared.pieces[piece_code],
                bool(item.get("required", True)),
                str(item.get("note", "")),
            )
        )
    appointment_table = _expect(source, data, "appointment", dict, top, required=False)
    options = dict(_expect(source, data, "options", dict, top, required=False) or {})
    if handler is not None:
        codes = {spec.code for spec in fields}
        missing = [name for name in HANDLER_FIELDS[handler] if name not in codes]
        if missing:
            raise CatalogueError(
                path,
                source.line_of(None, None, "handler"),
                f"le traitement « {handler} » demande le champ « {missing[0]} »",
            )
        if handler == "etat_civil" and options.get("act") not in ACT_KINDS:
            raise CatalogueError(
                path,
                source.line_of(None, None, "options"),
                f"options.act doit valoir {', '.join(ACT_KINDS)}",
            )
        if handler == "rendez_vous" and appointment_table is None:
            raise CatalogueError(
                path, source.line_of(None, None, "handler"), "section [appointment] manquante"
            )
    return Demarche(
        code=code,
        title=_expect(source, data, "title", str, top),
        category=_expect(source, data, "category", str, top),
        description=_expect(source, data, "description", str, top, required=False) or "",
        duration=_expect(source, data, "duration", str, top, required=False) or "",
        fields=tuple(fields),
        pieces=tuple(pieces),
        workflow=workflow,
        handler=handler,
        options=options,
        appointment=_agenda(source, appointment_table) if appointment_table else None,
        source=path,
    )


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Read and check every file of the catalogue; CatalogueError on the first problem."""
    files = sorted(directory.glob("*.toml"))
    shared = _Shared()
    for path in files:
        if path.name.startswith("_"):
            _load_shared(path, shared)
    demarches: list[Demarche] = []
    codes: dict[str, Path] = {}
    for path in files:
        if path.name.startswith("_"):
            continue
        demarche = _load_demarche(path, shared)
        if demarche.code in codes:
            raise CatalogueError(
                path, 1, f"code « {demarche.code} » déjà utilisé par {codes[demarche.code].name}"
            )
        codes[demarche.code] = path
        demarches.append(demarche)
    if not demarches:
        raise CatalogueError(directory, 1, "aucune démarche dans le catalogue")
    return Catalogue(
        demarches=tuple(demarches),
        pieces=dict(shared.pieces),
        workflows=dict(shared.workflows),
        tariff_grids=dict(shared.grids),
    )


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue shipped with the application (loaded once)."""
    return load_catalogue(CATALOGUE_DIR)
