"""The French text of a service error is decided by its class (issue 10)."""

from __future__ import annotations

from mairie_tui.services import errors
from mairie_tui.services.errors import (
    InvalidAnswers,
    NotFoundError,
    RuleViolation,
    ServiceError,
)


def test_a_service_error_shows_its_message() -> None:
    assert NotFoundError("Foyer introuvable (n° 9).").french_message() == (
        "Foyer introuvable (n° 9)."
    )
    assert errors.BusyError().french_message() == (
        "Un autre guichet enregistre en ce moment, réessayez."
    )


def test_a_rule_violation_lists_the_problems_its_message_does_not_say() -> None:
    refused = RuleViolation(
        "Réservation refusée.", problems=["vendredi 25/09/2020 : Fermeture : grève"]
    )
    assert refused.french_message() == (
        "Réservation refusée.\n• vendredi 25/09/2020 : Fermeture : grève"
    )
    said = RuleViolation("Refusé : lundi 28/09/2020 : grève", problems=["lundi 28/09/2020 : grève"])
    assert said.french_message() == "Refusé : lundi 28/09/2020 : grève"


def test_invalid_answers_names_the_first_field_and_counts_the_others() -> None:
    one = InvalidAnswers({"du": "Date invalide."})
    assert (one.french_message(), one.field) == ("Date invalide.", "du")
    two = InvalidAnswers({"du": "Date invalide.", "au": "Date invalide."})
    assert two.french_message() == "2 réponses à corriger : Date invalide."
    assert two.errors == {"du": "Date invalide.", "au": "Date invalide."}


def test_the_requests_package_still_exports_invalid_answers() -> None:
    from mairie_tui.services.requests import InvalidAnswers as FromRequests

    assert FromRequests is InvalidAnswers
    assert issubclass(InvalidAnswers, ServiceError)
