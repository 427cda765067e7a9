"""Validation of a household typed at the counter or read from an import file.

Each problem names its field and says, in French, what is wrong; nothing is
saved while one remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from mairie_tui.domain import fr
from mairie_tui.domain.communes import Commune, communes, find_commune

CIVILITIES = ("Mme", "M.")
# What agents type for a civility, and the civility it means.
CIVILITY_WORDS = {
    "mme": "Mme",
    "madame": "Mme",
    "mlle": "Mme",
    "m": "M.",
    "m.": "M.",
    "mr": "M.",
    "monsieur": "M.",
}
ROLE_LABELS = {
    "representative": "représentant",
    "co_representative": "co-représentant",
    "child": "enfant",
    "authorised": "personne autorisée",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class PersonInput:
    role: str
    first_name: str = ""
    last_name: str = ""
    civility: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    school: str | None = None
    school_class: str | None = None
    id: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class HouseholdInput:
    representative: PersonInput
    address: str = ""
    commune: str = ""  # name or INSEE code
    postcode: str = ""
    phone: str | None = None
    email: str | None = None
    quotient_familial: int | None = None
    qf_valid_until: date | None = None
    external_id: str | None = None
    co_representatives: tuple[PersonInput, ...] = ()
    children: tuple[PersonInput, ...] = ()
    authorised: tuple[PersonInput, ...] = ()

    def members(self) -> tuple[PersonInput, ...]:
        return (self.representative, *self.co_representatives, *self.children, *self.authorised)


@dataclass(frozen=True)
class CleanHousehold:
    """A validated household: normalised phones and e-mails, commune resolved."""

    data: HouseholdInput
    commune_insee: str
    commune_name: str
    postcode: str


@dataclass
class ValidationReport:
    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        return " ; ".join(error.message for error in self.errors)


_SEPARATORS = re.compile(r"[\s.\-/]")
_FRENCH_NATIONAL = re.compile(r"0[1-9]\d{8}")
# The plain e-mails almost every family gives; anything else goes through email-validator.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
)


def normalise_phone(text: str | None) -> str | None:
    """`0466831074` → `04 66 83 10 74`; None if empty; ValueError if not a French number."""
    if text is None or not text.strip():
        return None
    compact = _SEPARATORS.sub("", text)
    if _FRENCH_NATIONAL.fullmatch(compact):
        # Fast path for the usual national form (imports read tens of thousands).
        return " ".join(compact[i : i + 2] for i in range(0, 10, 2))
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    # "Possible" (right length for the country), not "valid": the library's
    # list of allocated ranges lags behind real numbers families give.
    if not phonenumbers.is_possible_number(number) or str(number.national_number)[0] == "0":
        raise ValueError(text)
    if number.country_code != 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def normalise_email(text: str | None) -> str | None:
    """Lower-cased domain, syntax checked (no network); None if empty; ValueError if invalid."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if (
        _PLAIN_EMAIL.fullmatch(value)
        and ".." not in value
        and not value.split("@")[0].endswith(".")
    ):
        local, domain = value.split("@")
        return f"{local}@{domain.lower()}"
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(text) from None


# ---------------------------------------------------------------- messages (one wording each)


def _for(who: str) -> str:
    return f" pour {who}" if who else ""


def civility_message(value: str) -> str:
    return f"Civilité invalide : « {value} » (Mme ou M.)."


def phone_message(value: str, *, who: str = "", of: str = "") -> str:
    """`of`: « du foyer »; `who`: the person's first name."""
    return f"Téléphone{of} invalide{_for(who)} : « {value} » (ex. 04 66 83 10 74)."


def email_message(value: str, *, who: str = "", of: str = "") -> str:
    return f"Adresse e-mail{of} invalide{_for(who)} : « {value} »."


def future_birth_message(day: date, *, who: str = "") -> str:
    return f"Date de naissance dans le futur{_for(who)} : {fr.short_date(day)}."


def unknown_commune_message(value: str) -> str:
    return f"Commune inconnue : « {value} » (communes d'Alès Agglomération)."


def quotient_message(value: str) -> str:
    return f"Quotient familial invalide : « {value} » (un nombre entier)."


# ---------------------------------------------------------------- one field as it is typed


def parse_form_date(text: str) -> date:
    """`12031985` or `12/03/1985` (or ISO); ValueError with the French sentence."""
    value = text.strip()
    if value.isdigit() and len(value) == 8:
        value = f"{value[:2]}/{value[2:4]}/{value[4:]}"
    try:
        return fr.parse_date(value)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message[0].upper() + message[1:] + ".") from None


def parse_quotient(text: str) -> int | None:
    """The quotient familial typed (None if empty); ValueError with the French sentence."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(quotient_message(value))
    return int(value)


def matching_communes(text: str) -> list[Commune]:
    """Communes whose name starts with `text` (accents, case, hyphens and apostrophes ignored)."""
    typed = fr.fold(text, separators="-'’")
    if not typed:
        return []
    return [c for c in communes() if fr.fold(c.name, separators="-'’").startswith(typed)]


def _check_commune(value: str) -> tuple[str, str | None]:
    commune = find_commune(value)
    if commune is None:
        found = matching_communes(value)
        if len(found) != 1:
            if not found:
                return value, unknown_commune_message(value)
            names = ", ".join(c.name for c in found[:4]) + (" …" if len(found) > 4 else "")
            return value, f"Précisez la commune : {names}."
        commune = found[0]
    return commune.name, None


def check_field(key: str, text: str, today: date) -> tuple[str, str | None]:
    """One field of the household form on its own, as the agent leaves it.

    (value to show, French error or None); an empty field is fine here
    (`validate_household` says what is required). The value to show is
    normalised (phone spaced, date JJ/MM/AAAA, commune spelt out).
    """
    value = text.strip()
    if not value:
        return "", None
    if key == "civility":
        civility = CIVILITY_WORDS.get(value.lower())
        return (civility, None) if civility else (text, civility_message(value))
    if key in ("phone", "email"):
        normalise, message = (
            (normalise_phone, phone_message) if key == "phone" else (normalise_email, email_message)
        )
        try:
            return normalise(value) or "", None
        except ValueError:
            return text, message(value)
    if key in ("birth_date", "qf_valid_until"):
        try:
            day = parse_form_date(value)
        except ValueError as exc:
            return text, str(exc)
        error = future_birth_message(day) if key == "birth_date" and day > today else None
        return fr.short_date(day), error
    if key == "quotient_familial":
        try:
            return str(parse_quotient(value)), None
        except ValueError as exc:
            return text, str(exc)
    if key == "commune":
        shown, error = _check_commune(value)
        return (text, error) if error else (shown, None)
    return text, None


# ---------------------------------------------------------------- the whole household


def _person(
    person: PersonInput,
    where: str,
    label: str,
    today: date,
    report: ValidationReport,
    default_last: str,
) -> PersonInput:
    first = " ".join(person.first_name.split())
    last = " ".join(person.last_name.split()) or default_last
    if not first:
        report.add(f"{where}.first_name", f"Prénom du {label} obligatoire.")
    if not last:
        report.add(f"{where}.last_name", f"Nom du {label} obligatoire.")
    if person.civility is not None and person.civility not in CIVILITIES:
        report.add(f"{where}.civility", civility_message(person.civility))
    if person.birth_date is not None and person.birth_date > today:
        report.add(
            f"{where}.birth_date", future_birth_message(person.birth_date, who=first or label)
        )
    phone = person.phone
    try:
        phone = normalise_phone(person.phone)
    except ValueError:
        report.add(f"{where}.phone", phone_message(str(person.phone), who=first or label))
    email = person.email
    try:
        email = normalise_email(person.email)
    except ValueError:
        report.add(f"{where}.email", email_message(str(person.email), who=first or label))
    return replace(person, first_name=first, last_name=last, phone=phone, email=email)


def validate_household(
    data: HouseholdInput, today: date
) -> tuple[CleanHousehold | None, ValidationReport]:
    """Check a household; returns the cleaned household, or None with the report's errors."""
    report = ValidationReport()
    representative = _person(
        data.representative, "representative", "représentant", today, report, ""
    )
    family_name = representative.last_name
    co_reps = tuple(
        _person(p, f"co_representatives.{i}", "co-représentant", today, report, family_name)
        for i, p in enumerate(data.co_representatives)
    )
    children = tuple(
        _person(p, f"children.{i}", "enfant", today, report, family_name)
        for i, p in enumerate(data.children)
    )
    authorised = tuple(
        _person(p, f"authorised.{i}", "personne autorisée", today, report, "")
        for i, p in enumerate(data.authorised)
    )
    for index, child in enumerate(children):
        if child.birth_date is None:
            report.add(
                f"children.{index}.birth_date",
                f"Date de naissance de {child.first_name or 'l’enfant'} obligatoire.",
            )
            continue
        for parent in (representative, *co_reps):
            if parent.birth_date is not None and child.birth_date <= parent.birth_date:
                report.add(
                    f"children.{index}.birth_date",
                    f"{child.first_name} ne peut pas être né(e) avant son parent {parent.full_name} "
                    f"({fr.short_date(child.birth_date)} ≤ {fr.short_date(parent.birth_date)}).",
                )
    commune = find_commune(data.commune)
    postcode = data.postcode.strip()
    if not data.commune.strip():
        report.add("commune", "Commune obligatoire.")
    elif commune is None:
        report.add("commune", unknown_commune_message(data.commune))
    else:
        if not postcode:
            postcode = commune.postcode
        elif postcode not in commune.postcodes:
            report.add(
                "postcode",
                f"Code postal {postcode} incorrect pour {commune.name} ({', '.join(commune.postcodes)}).",
            )
    if not data.address.strip():
        report.add("address", "Adresse obligatoire.")
    phone, email = data.phone, data.email
    try:
        phone = normalise_phone(data.phone) or representative.phone
    except ValueError:
        report.add("phone", phone_message(str(data.phone), of=" du foyer"))
    try:
        email = normalise_email(data.email) or representative.email
    except ValueError:
        report.add("email", email_message(str(data.email), of=" du foyer"))
    if data.quotient_familial is not None and data.quotient_familial < 0:
        report.add("quotient_familial", "Le quotient familial ne peut pas être négatif.")
    if data.quotient_familial is not None and data.qf_valid_until is None:
        report.add("qf_valid_until", "Date de validité du quotient familial obligatoire.")
    if not report.ok or commune is None:
        return None, report
    clean = replace(
        data,
        representative=representative,
        co_representatives=co_reps,
        children=children,
        authorised=authorised,
        address=" ".join(data.address.split()),
        phone=phone,
        email=email,
        external_id=(data.external_id or "").strip() or None,
    )
    return CleanHousehold(clean, commune.insee, commune.name, postcode), report
