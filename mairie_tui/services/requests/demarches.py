"""The catalogue as the démarches services see it: lookups, French labels, shared constants.

`InvalidAnswers` lives in `services.errors`; it is imported here for the callers of
`services.requests`.
"""

from __future__ import annotations

import mairie_tui.models.demarches  # noqa: F401  (registers the démarches tables)
from mairie_tui.domain.catalogue import (
    Catalogue,
    Demarche,
    default_catalogue,
)
from mairie_tui.domain.workflow import STATUS_LABELS_DEFAULT
from mairie_tui.services.errors import InvalidAnswers, NotFoundError

OPEN_STATUSES = ("deposee", "en_cours", "en_attente")
RESULT_KEY = "_resultat"
NON_CATALOGUE_LABELS = {"reservation": "Réservation"}
__all__ = [
    "NON_CATALOGUE_LABELS",
    "OPEN_STATUSES",
    "RESULT_KEY",
    "SIGNATURE",
    "InvalidAnswers",
    "catalogue",
    "demarche_of",
    "status_label",
    "type_label",
]

SIGNATURE = "Mairie Prim' — Alès Agglomération"


def catalogue() -> Catalogue:
    """The shipped catalogue (loaded and checked once; CatalogueError if a file is wrong)."""
    return default_catalogue()


def demarche_of(code: str) -> Demarche:
    found = catalogue().get(code)
    if found is None:
        raise NotFoundError(f"Démarche inconnue : « {code} ».")
    return found


def type_label(code: str) -> str:
    if code in NON_CATALOGUE_LABELS:
        return NON_CATALOGUE_LABELS[code]
    found = catalogue().get(code)
    return found.title if found else code


def status_label(code: str, type_code: str | None = None) -> str:
    found = catalogue().get(type_code) if type_code else None
    if found is not None:
        return found.workflow.label(code)
    return catalogue().status_labels().get(code, STATUS_LABELS_DEFAULT.get(code, code))
