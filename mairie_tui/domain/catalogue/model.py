"""What the catalogue is made of: démarches, their form fields, pièces and agendas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from mairie_tui.domain import fr
from mairie_tui.domain.workflow import Workflow

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
            self.demarches, key=lambda d: (fr.fold(d.category), fr.fold(d.title))
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


def _as_text(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
