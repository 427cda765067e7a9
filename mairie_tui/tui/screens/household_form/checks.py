"""What the household form checks on one field as it is left (commune, dates, phones…)."""

from __future__ import annotations

from datetime import date

from textual.suggester import Suggester

from mairie_tui.domain import fr
from mairie_tui.domain.communes import Commune, communes, find_commune
from mairie_tui.domain.household_rules import normalise_email, normalise_phone

DATE_PLACEHOLDER = "JJ/MM/AAAA"

# (key, label, placeholder, width class) of each person's fields, by role.
PERSON_FIELDS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "representative": (
        ("civility", "Civilité", "Mme / M.", "w-civility"),
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom *", "", "w-name"),
        ("birth_date", "Né(e) le", DATE_PLACEHOLDER, "w-date"),
        ("phone", "Téléphone", "04 66 83 10 74", "w-phone"),
        ("email", "E-mail", "", "w-email"),
    ),
    "co_representative": (
        ("civility", "Civilité", "Mme / M.", "w-civility"),
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom", "celui du foyer", "w-name"),
        ("birth_date", "Né(e) le", DATE_PLACEHOLDER, "w-date"),
        ("phone", "Téléphone", "04 66 83 10 74", "w-phone"),
        ("email", "E-mail", "", "w-email"),
    ),
    "child": (
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom", "celui du foyer", "w-name"),
        ("birth_date", "Né(e) le *", DATE_PLACEHOLDER, "w-date"),
        ("school", "École", "", "w-school"),
        ("school_class", "Classe", "CP, CE1…", "w-class"),
    ),
    "authorised": (
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom *", "", "w-name"),
        ("phone", "Téléphone", "04 66 83 10 74", "w-phone"),
    ),
}
# Rows of fields per role (a row is one line of the form at 120 columns).
PERSON_ROWS: dict[str, tuple[int, ...]] = {
    "representative": (4, 2),
    "co_representative": (4, 2),
    "child": (5,),
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
CIVILITY_WORDS = {
    "mme": "Mme",
    "madame": "Mme",
    "mlle": "Mme",
    "m": "M.",
    "m.": "M.",
    "mr": "M.",
    "monsieur": "M.",
}


def _key(text: str) -> str:
    """`saint christol lez ales` for « Saint-Christol-lez-Alès » (as the communes are matched)."""
    return fr.fold(text, separators="-'’")


def matching_communes(text: str) -> list[Commune]:
    """Communes whose name starts with `text` (accents, case and hyphens ignored)."""
    typed = _key(text)
    if not typed:
        return []
    return [commune for commune in communes() if _key(commune.name).startswith(typed)]


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


def parse_form_date(text: str) -> date:
    """`12031985` or `12/03/1985` (or ISO); ValueError with the French message."""
    value = text.strip()
    if value.isdigit() and len(value) == 8:
        value = f"{value[:2]}/{value[2:4]}/{value[4:]}"
    return fr.parse_date(value)


def check_value(key: str, text: str, today: date) -> tuple[str, str | None]:
    """One field on its own: (value to show, French error or None). Empty is fine here."""
    value = text.strip()
    if not value:
        return "", None
    if key == "civility":
        civility = CIVILITY_WORDS.get(value.lower())
        if civility is None:
            return text, f"Civilité invalide : « {value} » (Mme ou M.)."
        return civility, None
    if key == "phone":
        try:
            return normalise_phone(value) or "", None
        except ValueError:
            return text, f"Téléphone invalide : « {value} » (ex. 04 66 83 10 74)."
    if key == "email":
        try:
            return normalise_email(value) or "", None
        except ValueError:
            return text, f"Adresse e-mail invalide : « {value} »."
    if key in ("birth_date", "qf_valid_until"):
        try:
            day = parse_form_date(value)
        except ValueError as exc:
            message = str(exc)
            return text, message[0].upper() + message[1:] + "."
        if key == "birth_date" and day > today:
            return fr.short_date(day), f"Date de naissance dans le futur : {fr.short_date(day)}."
        return fr.short_date(day), None
    if key == "quotient_familial":
        if not value.isdigit():
            return text, f"Quotient familial invalide : « {value} » (un nombre entier)."
        return str(int(value)), None
    if key == "commune":
        commune = find_commune(value)
        if commune is None:
            found = matching_communes(value)
            if len(found) == 1:
                commune = found[0]
            elif found:
                names = ", ".join(c.name for c in found[:4]) + (" …" if len(found) > 4 else "")
                return text, f"Précisez la commune : {names}."
            else:
                return text, f"Commune inconnue : « {value} » (communes d'Alès Agglomération)."
        return commune.name, None
    return text, None
