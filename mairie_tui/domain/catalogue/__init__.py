"""The démarche catalogue: data/demarches/*.toml, loaded and checked at start-up.

Each file describes one démarche (code, title, category, wizard steps, form
fields with their type and validation, required pièces, workflow); files whose
name starts with `_` hold shared definitions (workflows, pièces, the "Mes
informations" fields, tariff grids). A screen generates the wizard's form from
a `Demarche` and checks each field as it is typed with `validate_field`; the
service re-checks everything with `validate_answers` before filing.

A bad file stops loading with a `CatalogueError` naming the file and the line.
"""

from mairie_tui.domain.catalogue.fields import (
    AnswerCheck,
    FieldContext,
    display_value,
    for_day,
    is_shown,
    rule_problems,
    text_limit,
    to_json,
    validate_answers,
    validate_field,
)
from mairie_tui.domain.catalogue.loading import CATALOGUE_DIR, default_catalogue, load_catalogue
from mairie_tui.domain.catalogue.model import (
    ACT_KINDS,
    DATE_RANGES,
    HANDLER_FIELDS,
    PREFILLS,
    STEP_TITLES,
    WEEKDAY_KEYS,
    AgendaSpec,
    Catalogue,
    CatalogueError,
    Choice,
    Condition,
    Demarche,
    FieldType,
    FieldValue,
    FormField,
    Piece,
    RequiredPiece,
    Step,
    TariffBracketSpec,
)

__all__ = [
    "ACT_KINDS",
    "CATALOGUE_DIR",
    "DATE_RANGES",
    "HANDLER_FIELDS",
    "PREFILLS",
    "STEP_TITLES",
    "WEEKDAY_KEYS",
    "AgendaSpec",
    "AnswerCheck",
    "Catalogue",
    "CatalogueError",
    "Choice",
    "Condition",
    "Demarche",
    "FieldContext",
    "FieldType",
    "FieldValue",
    "FormField",
    "Piece",
    "RequiredPiece",
    "Step",
    "TariffBracketSpec",
    "default_catalogue",
    "display_value",
    "for_day",
    "is_shown",
    "load_catalogue",
    "rule_problems",
    "text_limit",
    "to_json",
    "validate_answers",
    "validate_field",
]
