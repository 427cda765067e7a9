"""Reading data/demarches/*.toml into a checked `Catalogue`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from mairie_tui.domain.catalogue.model import (
    ACT_KINDS,
    HANDLER_FIELDS,
    Catalogue,
    CatalogueError,
    Demarche,
    FormField,
    Piece,
    RequiredPiece,
    Step,
    TariffBracketSpec,
)
from mairie_tui.domain.catalogue.parts import _agenda, _field, _workflow
from mairie_tui.domain.catalogue.source import _expect, _read, _Source
from mairie_tui.domain.tariffs import TariffGrid
from mairie_tui.domain.workflow import Workflow

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "data" / "demarches"


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
    workflow = _demarche_workflow(source, data, shared, code)
    handler = _expect(source, data, "handler", str, top, required=False)
    if handler is not None and handler not in HANDLER_FIELDS:
        raise CatalogueError(
            path, source.line_of(None, None, "handler"), f"traitement inconnu « {handler} »"
        )
    fields = _demarche_fields(source, data, shared)
    pieces = _demarche_pieces(source, data, shared)
    appointment_table = _expect(source, data, "appointment", dict, top, required=False)
    options = dict(_expect(source, data, "options", dict, top, required=False) or {})
    if handler is not None:
        _check_handler(source, handler, fields, options, appointment_table)
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


def _demarche_workflow(
    source: _Source, data: Mapping[str, Any], shared: _Shared, code: str
) -> Workflow:
    """The shared circuit named by `workflow`, or the démarche's own."""
    workflow_ref = _expect(source, data, "workflow", (str, dict), (None, None))
    if not isinstance(workflow_ref, str):
        return _workflow(source, code, workflow_ref, "workflow")
    if workflow_ref not in shared.workflows:
        raise CatalogueError(
            source.path,
            source.line_of(None, None, "workflow"),
            f"circuit inconnu « {workflow_ref} »",
        )
    return shared.workflows[workflow_ref]


def _demarche_fields(source: _Source, data: Mapping[str, Any], shared: _Shared) -> list[FormField]:
    """The shared "Mes informations" fields (unless `informations = false`), then its own."""
    top = (None, None)
    fields: list[FormField] = []
    if _expect(source, data, "informations", bool, top, required=False) is not False:
        fields.extend(shared.informations)
    for index, table in enumerate(_expect(source, data, "fields", list, top, required=False) or []):
        fields.append(_field(source, table, "fields", index))
    seen: set[str] = set()
    for index, spec in enumerate(fields):
        if spec.code in seen:
            raise CatalogueError(
                source.path,
                source.line_of_text(f'"{spec.code}"'),
                f"champ « {spec.code} » déclaré deux fois",
            )
        seen.add(spec.code)
        _check_condition(source, spec, fields[:index])
    return fields


def _check_condition(source: _Source, spec: FormField, earlier: list[FormField]) -> None:
    """`shown_if` names an earlier field, and only values that field offers."""
    if spec.shown_if is None:
        return
    line = source.line_of_text("shown_if", source.line_of_text(f'"{spec.code}"'))
    target = next((f for f in earlier if f.code == spec.shown_if.field), None)
    if target is None:
        raise CatalogueError(
            source.path,
            line,
            f"champ « {spec.code} » : shown_if se réfère à un champ inconnu ou placé après",
        )
    offered = {choice.value for choice in target.choices}
    strange = [v for v in spec.shown_if.values if target.choices and v not in offered]
    if strange:
        raise CatalogueError(
            source.path,
            line,
            f"champ « {spec.code} » : shown_if attend « {strange[0]} », "
            f"qui n'est pas un choix de « {target.code} »",
        )


def _demarche_pieces(
    source: _Source, data: Mapping[str, Any], shared: _Shared
) -> list[RequiredPiece]:
    pieces: list[RequiredPiece] = []
    for item in _expect(source, data, "pieces", list, (None, None), required=False) or []:
        piece_code = item.get("piece") if isinstance(item, dict) else None
        if piece_code not in shared.pieces:
            raise CatalogueError(
                source.path,
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
    return pieces


def _check_handler(
    source: _Source,
    handler: str,
    fields: list[FormField],
    options: Mapping[str, Any],
    appointment_table: Mapping[str, Any] | None,
) -> None:
    """A handler needs its fields, and its options or [appointment] section."""
    codes = {spec.code for spec in fields}
    missing = [name for name in HANDLER_FIELDS[handler] if name not in codes]
    if missing:
        raise CatalogueError(
            source.path,
            source.line_of(None, None, "handler"),
            f"le traitement « {handler} » demande le champ « {missing[0]} »",
        )
    if handler == "etat_civil" and options.get("act") not in ACT_KINDS:
        raise CatalogueError(
            source.path,
            source.line_of(None, None, "options"),
            f"options.act doit valoir {', '.join(ACT_KINDS)}",
        )
    if handler == "rendez_vous" and appointment_table is None:
        raise CatalogueError(
            source.path, source.line_of(None, None, "handler"), "section [appointment] manquante"
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
