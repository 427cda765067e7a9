"""The démarche catalogue: data/demarches/*.toml, loaded and checked at start-up.

Each file describes one démarche (code, title, category, wizard steps, form
fields with their type and validation, required pièces, workflow); files whose
name starts with `_` hold shared definitions (workflows, pièces, the "Mes
informations" fields, tariff grids). A screen generates the wizard's form from
a `Demarche` and checks each field as it is typed with `validate_field`; the
service re-checks everything with `validate_answers` before filing.

A bad file stops loading with a `CatalogueError` naming the file and the line.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from mairie_tui.domain import civil_status, elections, fr
from mairie_tui.domain.tariffs import TariffGrid
from mairie_tui.domain.workflow import Status, Transition, Workflow

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data" / "demarches"

FieldValue = str | int | bool | date | Decimal | None


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    AMOUNT = "amount"
    DATE = "date"
    CHOICE = "choice"
    BOOL = "bool"
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    CHILD = "child"


class Step(StrEnum):
    APPOINTMENT = "rendez_vous"
    INFORMATIONS = "informations"
    REQUEST = "demande"
    RECAP = "recapitulatif"


STEP_TITLES = {
    Step.APPOINTMENT: "Mon rendez-vous",
    Step.INFORMATIONS: "Mes informations",
    Step.REQUEST: "Ma demande",
    Step.RECAP: "Le récapitulatif",
}
# Fields the service reads for each handler (their codes are part of the contract).
HANDLER_FIELDS: dict[str, tuple[str, ...]] = {
    "absence": ("enfant", "du", "au", "motif", "justifiee"),
    "simulation": ("situation", "enfants", "revenu_annuel", "prestations_mensuelles"),
    "rendez_vous": (),
    "etat_civil": ("lien", "format"),
    "elections": ("date_naissance", "scrutin", "nationalite"),
}
ACT_KINDS = ("naissance", "mariage", "deces")
DATE_RANGES = ("any", "past", "future")
PREFILLS = (
    "representative.civility",
    "representative.first_name",
    "representative.last_name",
    "representative.email",
    "representative.phone",
    "household.address",
    "household.postcode",
    "household.commune",
)
WEEKDAY_KEYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class CatalogueError(Exception):
    """A catalogue file is wrong: `path:line: message` (French)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Show (and require) a field only when another field has one of these values."""

    field: str
    values: tuple[str, ...]

    def holds(self, values: Mapping[str, FieldValue]) -> bool:
        value = values.get(self.field)
        return value is not None and _as_text(value) in self.values


@dataclass(frozen=True)
class FormField:
    code: str
    type: FieldType
    label: str
    required: bool = False
    step: Step = Step.REQUEST
    help: str = ""
    choices: tuple[Choice, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: str = ""
    date_range: str = "any"
    default: str | None = None
    prefill: str | None = None
    shown_if: Condition | None = None

    def choice_label(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value


@dataclass(frozen=True)
class Piece:
    """A kind of pièce justificative (proof of address, ID, medical certificate…)."""

    code: str
    label: str
    validity_months: int | None = None


@dataclass(frozen=True)
class RequiredPiece:
    piece: Piece
    required: bool = True
    note: str = ""


@dataclass(frozen=True)
class TariffBracketSpec:
    min_qf: int
    max_qf: int | None
    price: Decimal


@dataclass(frozen=True)
class AgendaSpec:
    """An appointment agenda's defaults; the mairie may change them afterwards."""

    code: str
    name: str
    slot_minutes: int
    opening: tuple[tuple[int, tuple[tuple[time, time], ...]], ...]
    days_ahead: int = 60


@dataclass(frozen=True)
class Demarche:
    code: str
    title: str
    category: str
    description: str
    duration: str
    fields: tuple[FormField, ...]
    pieces: tuple[RequiredPiece, ...]
    workflow: Workflow
    handler: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    appointment: AgendaSpec | None = None
    source: Path | None = None

    @property
    def steps(self) -> tuple[tuple[Step, str], ...]:
        """The wizard's steps: [Mon rendez-vous] · Mes informations · Ma demande · Le récapitulatif."""
        steps = [Step.REQUEST, Step.RECAP]
        if self.fields_of(Step.INFORMATIONS):
            steps.insert(0, Step.INFORMATIONS)
        if self.appointment is not None:
            steps.insert(0, Step.APPOINTMENT)
        return tuple((step, STEP_TITLES[step]) for step in steps)

    def fields_of(self, step: Step) -> tuple[FormField, ...]:
        return tuple(f for f in self.fields if f.step is step)

    def field(self, code: str) -> FormField:
        for candidate in self.fields:
            if candidate.code == code:
                return candidate
        raise KeyError(code)


@dataclass(frozen=True)
class Catalogue:
    demarches: tuple[Demarche, ...]
    pieces: Mapping[str, Piece]
    workflows: Mapping[str, Workflow]
    tariff_grids: Mapping[str, tuple[TariffBracketSpec, ...]]

    def get(self, code: str) -> Demarche | None:
        for demarche in self.demarches:
            if demarche.code == code:
                return demarche
        return None

    def categories(self) -> dict[str, list[Demarche]]:
        """Démarches grouped by category, in title order (the « Toutes les démarches » page)."""
        grouped: dict[str, list[Demarche]] = {}
        for demarche in sorted(
            self.demarches, key=lambda d: (_sort_key(d.category), _sort_key(d.title))
        ):
            grouped.setdefault(demarche.category, []).append(demarche)
        return grouped

    def type_labels(self) -> dict[str, str]:
        return {d.code: d.title for d in self.demarches}

    def status_labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for workflow in self.workflows.values():
            for status in workflow.statuses:
                labels.setdefault(status.code, status.label)
        return labels


def _sort_key(text: str) -> str:
    """French order: « État civil » between « Enfance » and « Vie pratique »."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


# ---------------------------------------------------------------- field checks


@dataclass(frozen=True)
class FieldContext:
    """What validation needs beyond the text typed: today, the household's children."""

    today: date
    children: tuple[Choice, ...] = ()


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^(?:\+33|0)[1-9](?:\d{8})$")


def _as_text(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


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
    kind = spec.type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        if spec.min_length is not None and len(text) < spec.min_length:
            return None, f"« {spec.label} » : au moins {spec.min_length} caractères."
        limit = spec.max_length or (2000 if kind is FieldType.LONG_TEXT else 200)
        if len(text) > limit:
            return None, f"« {spec.label} » : au plus {limit} caractères."
        if spec.pattern and not re.fullmatch(spec.pattern, text):
            return None, spec.pattern_message or f"« {spec.label} » : format invalide."
        return text, None
    if kind in (FieldType.INTEGER, FieldType.AMOUNT):
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
    if kind is FieldType.DATE:
        try:
            day = fr.parse_date(text)
        except ValueError as exc:
            return None, f"« {spec.label} » : {exc}."
        if spec.date_range == "past" and day > context.today:
            return None, f"« {spec.label} » : la date ne peut pas être dans le futur."
        if spec.date_range == "future" and day < context.today:
            return None, f"« {spec.label} » : la date est déjà passée."
        return day, None
    if kind is FieldType.CHOICE:
        for choice in spec.choices:
            if text in (choice.value, choice.label):
                return choice.value, None
        offered = ", ".join(choice.label for choice in spec.choices)
        return None, f"« {spec.label} » : choisissez parmi {offered}."
    if kind is FieldType.BOOL:
        lowered = text.lower()
        if lowered in ("oui", "o", "true", "1", "yes", "x"):
            return True, None
        if lowered in ("non", "n", "false", "0", "no"):
            return False, None
        return None, f"« {spec.label} » : répondez oui ou non."
    if kind is FieldType.EMAIL:
        if not _EMAIL.match(text):
            return None, f"« {spec.label} » : adresse e-mail invalide (« {text} »)."
        return text, None
    if kind is FieldType.PHONE:
        digits = re.sub(r"[\s.\-]", "", text)
        if not _PHONE.match(digits):
            return None, f"« {spec.label} » : numéro invalide (10 chiffres, ex. 04 66 83 10 74)."
        if digits.startswith("+33"):
            digits = "0" + digits[3:]
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2)), None
    if kind is FieldType.POSTCODE:
        if not re.fullmatch(r"\d{5}", text):
            return None, f"« {spec.label} » : code postal à 5 chiffres."
        return text, None
    # FieldType.CHILD: one of the household's children, by id or first name.
    for child in context.children:
        if text == child.value or text.lower() == child.label.lower():
            return int(child.value), None
    if not context.children:
        return None, "Aucun enfant n'est enregistré dans ce foyer."
    names = ", ".join(child.label for child in context.children)
    return None, f"« {spec.label} » : choisissez un enfant du foyer ({names})."


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


def validate_answers(
    demarche: Demarche, raw: Mapping[str, str | None], context: FieldContext
) -> AnswerCheck:
    """Every field of the form, then the démarche's own rules (état civil, élections…)."""
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
        found = elections.registration_problems(
            birth_date=birth,
            first_round=first_round,
            filed_on=context.today,
            online=False,
            nationality=str(values.get("nationalite", "francaise")),
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


# ---------------------------------------------------------------- loading


@dataclass
class _Source:
    """A file's text, to point errors at the right line (tomllib keeps no positions)."""

    path: Path
    lines: list[str]

    def line_of(self, table: str | None, index: int | None = None, key: str | None = None) -> int:
        """Line of `key` in the index-th `[[table]]` (or `[table]`), else the header, else 1."""
        start = 0
        if table is not None:
            seen = -1
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if index is None or seen == index:
                        start = number
                        break
            else:
                return self._key_anywhere(key)
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + (1 if table else 0), len(self.lines)):
            line = self.lines[number]
            if table is not None and number > start and line.lstrip().startswith("["):
                break
            if table is None and line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number + 1
        return start + 1

    def _key_anywhere(self, key: str | None) -> int:
        if key is not None:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for number, line in enumerate(self.lines):
                if pattern.match(line):
                    return number + 1
        return 1

    def line_of_text(self, needle: str, after: int = 1) -> int:
        for number in range(max(after - 1, 0), len(self.lines)):
            if needle in self.lines[number]:
                return number + 1
        return after


def _read(path: Path) -> tuple[dict[str, Any], _Source]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(path, 1, f"fichier non UTF-8 ({exc.reason})") from None
    source = _Source(path, text.splitlines())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else 1
        raise CatalogueError(path, line, f"syntaxe TOML invalide : {exc}") from None
    return data, source


def _expect(
    source: _Source,
    data: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: tuple[str | None, int | None],
    *,
    required: bool = True,
) -> Any:
    table, index = where
    if key not in data:
        if required:
            raise CatalogueError(
                source.path, source.line_of(table, index), f"clé « {key} » manquante"
            )
        return None
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CatalogueError(
            source.path, source.line_of(table, index, key), f"« {key} » : type de valeur inattendu"
        )
    return value


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
