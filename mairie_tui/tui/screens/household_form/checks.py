"""The household form's fields (labels, rows by role) and its commune completer.

The checks themselves are the domain's (domain/household_rules.py: check_field).
"""

from __future__ import annotations

from textual.suggester import Suggester

from mairie_tui.domain.household_rules import matching_communes

DATE_PLACEHOLDER = "JJ/MM/AAAA"
# A format, not a number: « 04 66 83 10 74 » read as a phone already typed in.
PHONE_PLACEHOLDER = "0X XX XX XX XX"

# (key, label, placeholder, width class) of each person's fields, by role.
PERSON_FIELDS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "representative": (
        ("civility", "Civilité", "Mme / M.", "w-civility"),
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom *", "", "w-name"),
        ("birth_date", "Né(e) le", DATE_PLACEHOLDER, "w-date"),
        ("phone", "Téléphone", PHONE_PLACEHOLDER, "w-phone"),
        ("email", "E-mail", "", "w-email"),
    ),
    "co_representative": (
        ("civility", "Civilité", "Mme / M.", "w-civility"),
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom", "celui du foyer", "w-name"),
        ("birth_date", "Né(e) le", DATE_PLACEHOLDER, "w-date"),
        ("phone", "Téléphone", PHONE_PLACEHOLDER, "w-phone"),
        ("email", "E-mail", "", "w-email"),
    ),
    "child": (
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom", "celui du foyer", "w-name"),
        ("birth_date", "Né(e) le *", DATE_PLACEHOLDER, "w-date"),
        ("school", "École", "", "w-school"),
        ("school_class", "Classe", "CP, CE1…", "w-class"),
        ("allergens", "Allergies", "arachide, lait…", "w-allergens"),
        ("diet", "Régime", "sans porc…", "w-diet"),
        ("pai_until", "PAI jusqu'au", DATE_PLACEHOLDER, "w-date"),
        ("pai_document", "Document du PAI", "", "w-pai-document"),
    ),
    "authorised": (
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom *", "", "w-name"),
        ("phone", "Téléphone", PHONE_PLACEHOLDER, "w-phone"),
    ),
}
# Rows of fields per role (a row is one line of the form at 120 columns).
PERSON_ROWS: dict[str, tuple[int, ...]] = {
    "representative": (4, 2),
    "co_representative": (4, 2),
    "child": (5, 4),
    "authorised": (3,),
}
ROLE_TITLES = {
    "co_representative": "Co-représentant",
    "child": "Enfant",
    "authorised": "Personne autorisée",
}
ROLE_PATHS = {
    "co_representative": "co_representatives",
    "child": "children",
    "authorised": "authorised",
}


class CommuneSuggester(Suggester):
    """Completes a commune's name, whatever accents or case were typed."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        found = matching_communes(value)
        if not found:
            return None
        name = found[0].name
        return value + name[len(value) :] if len(name) > len(value) else None
