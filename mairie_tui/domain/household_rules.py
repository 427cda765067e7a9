"""Validation of a household typed at the counter or read from an import file.

Each problem names its field and says, in French, what is wrong; nothing is
saved while one remains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from mairie_tui.domain import fr, menus
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


# French names of the fields, for the messages (the import adds its column name).
PERSON_LABELS = {
    "civility": "civilité",
    "first_name": "prénom",
    "last_name": "nom",
    "phone": "téléphone",
    "email": "e-mail",
    "school": "école",
    "school_class": "classe",
    "pai_document": "document du PAI",
}
HOUSEHOLD_LABELS = {
    "address": "adresse",
    "commune": "commune",
    "postcode": "code postal",
    "phone": "téléphone du foyer",
    "email": "e-mail du foyer",
    "external_id": "identifiant externe",
}
_OF_ROLE = {
    "representative": "du représentant",
    "co_representative": "du co-représentant",
    "child": "de l'enfant",
    "authorised": "de la personne autorisée",
}
_NUMBER_LABELS = {"quotient_familial": "Quotient familial"}
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Printable ASCII, Latin-1 letters (not the soft hyphen U+00AD), Latin Extended-A/B,
# dashes and typographic quotes: all assigned, none a control or format character.
_PLAIN_LATIN = re.compile("[\x20-\x7e\xa0-\xac\xae-\u024f\u2010-\u2015\u2018-\u201f]*")


@dataclass(frozen=True)
class FieldLimits:
    """What the database can store: maximum lengths and integer ranges.

    Built from the tables themselves (services.schema_limits), so the
    checks cannot drift from the schema. Keys are the model attribute names.
    """

    household_lengths: Mapping[str, int]
    person_lengths: Mapping[str, int]
    household_ranges: Mapping[str, tuple[int, int]]


def refused_character(text: str) -> str | None:
    """A description of the first character that has no place in a name or an address.

    NUL and other control characters, bidirectional overrides (U+202E…), the
    BOM and other invisible format characters, lone surrogates, private-use and
    unassigned code points, line/paragraph separators. None if the text is clean.
    """
    if text.isascii():
        found = _ASCII_CONTROL.search(text)
        return _describe(found.group()) if found else None
    if _PLAIN_LATIN.fullmatch(text):  # printable Latin letters and quotes: the usual names
        return None
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return _describe(char)
    return None


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        kind = "caractère nul"
    elif char in _BIDI:
        kind = "contrôle de direction du texte"
    elif char == "\ufeff":
        kind = "marque d'ordre des octets (BOM)"
    elif unicodedata.category(char) == "Cc":
        kind = "caractère de contrôle"
    elif unicodedata.category(char) == "Cs":
        kind = "demi-paire UTF-16 isolée"
    else:
        kind = "caractère invisible ou non attribué"
    return f"{code}, {kind}"


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
    # A child's allergens (codes of domain/menus.py), diet and PAI.
    allergens: tuple[str, ...] = ()
    diet: str | None = None
    pai_until: date | None = None
    pai_document: str | None = None

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


def _commune_as_typed(value: str) -> tuple[str, str | None]:
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
    if key in ("allergens", "diet"):
        try:
            if key == "allergens":
                return menus.allergen_names(menus.parse_allergens(value)), None
            return menus.diet_name(menus.parse_diet(value)), None
        except ValueError as exc:
            reason = str(exc)
            return text, reason[:1].upper() + reason[1:] + "."
    if key in ("birth_date", "qf_valid_until", "pai_until"):
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
        shown, error = _commune_as_typed(value)
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


def _members_with_paths(data: HouseholdInput) -> list[tuple[str, PersonInput]]:
    return [
        ("representative", data.representative),
        *((f"co_representatives.{i}", p) for i, p in enumerate(data.co_representatives)),
        *((f"children.{i}", p) for i, p in enumerate(data.children)),
        *((f"authorised.{i}", p) for i, p in enumerate(data.authorised)),
    ]


def _texts(data: HouseholdInput) -> str:
    values = [getattr(data, name) or "" for name in HOUSEHOLD_LABELS]
    for person in data.members():
        values += [getattr(person, name) or "" for name in PERSON_LABELS]
    return " ".join(values)


def _check_characters(data: HouseholdInput, report: ValidationReport) -> None:
    """Refuse NUL, control, bidi and invisible characters in every text field."""
    if refused_character(_texts(data)) is None:  # one pass for the usual clean household
        return
    for name, label in HOUSEHOLD_LABELS.items():
        value = getattr(data, name)
        problem = refused_character(value) if value else None
        if problem:
            report.add(name, f"Caractère interdit dans {label} ({problem}).")
    for where, person in _members_with_paths(data):
        for name, label in PERSON_LABELS.items():
            value = getattr(person, name)
            problem = refused_character(value) if value else None
            if problem:
                role = _OF_ROLE.get(person.role, person.role)
                report.add(
                    f"{where}.{name}", f"Caractère interdit dans {label} {role} ({problem})."
                )


def check_limits(data: HouseholdInput, limits: FieldLimits, report: ValidationReport) -> None:
    """Lengths and integer ranges of the cleaned values, as the database will store them."""
    for name, maximum in limits.household_lengths.items():
        value = getattr(data, name) if name in HOUSEHOLD_LABELS else None
        if isinstance(value, str) and len(value) > maximum:
            label = HOUSEHOLD_LABELS.get(name, name).capitalize()
            report.add(
                name, f"{label} : texte trop long ({len(value)} caractères, {maximum} au plus)."
            )
    for name, (low, high) in limits.household_ranges.items():
        number = getattr(data, name) if name in _NUMBER_LABELS else None
        if isinstance(number, int) and not low <= number <= high:
            label = _NUMBER_LABELS.get(name, name)
            report.add(name, f"{label} hors limites : {number} (de {low} à {high}).")
    person_lengths = [(n, m) for n, m in limits.person_lengths.items() if n in PERSON_LABELS]
    for where, person in _members_with_paths(data):
        for name, maximum in person_lengths:
            value = getattr(person, name)
            if isinstance(value, str) and len(value) > maximum:
                label = PERSON_LABELS.get(name, name).capitalize()
                role = _OF_ROLE.get(person.role, person.role)
                report.add(
                    f"{where}.{name}",
                    f"{label} {role} : texte trop long ({len(value)} caractères, "
                    f"{maximum} au plus).",
                )


def _check_children(
    children: tuple[PersonInput, ...], parents: tuple[PersonInput, ...], report: ValidationReport
) -> None:
    for index, child in enumerate(children):
        if child.birth_date is None:
            report.add(
                f"children.{index}.birth_date",
                f"Date de naissance de {child.first_name or 'l’enfant'} obligatoire.",
            )
            continue
        for parent in parents:
            if parent.birth_date is not None and child.birth_date <= parent.birth_date:
                report.add(
                    f"children.{index}.birth_date",
                    f"{child.first_name} ne peut pas être né(e) avant son parent {parent.full_name} "
                    f"({fr.short_date(child.birth_date)} ≤ {fr.short_date(parent.birth_date)}).",
                )


def _check_commune(data: HouseholdInput, report: ValidationReport) -> tuple[Commune | None, str]:
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
    return commune, postcode


def validate_household(
    data: HouseholdInput, today: date, limits: FieldLimits | None = None
) -> tuple[CleanHousehold | None, ValidationReport]:
    """Check a household; returns the cleaned household, or None with the report's errors.

    With `limits` (the schema's, see services.schema_limits), the cleaned
    values are also checked against what the database can store.
    """
    report = ValidationReport()
    _check_characters(data, report)
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
    _check_children(children, (representative, *co_reps), report)
    commune, postcode = _check_commune(data, report)
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
    clean = _cleaned(data, representative, co_reps, children, authorised, phone, email)
    clean = replace(clean, postcode=postcode)
    if limits is not None:
        check_limits(clean, limits, report)
        if not report.ok:
            return None, report
    return CleanHousehold(clean, commune.insee, commune.name, postcode), report


def _cleaned(
    data: HouseholdInput,
    representative: PersonInput,
    co_reps: tuple[PersonInput, ...],
    children: tuple[PersonInput, ...],
    authorised: tuple[PersonInput, ...],
    phone: str | None,
    email: str | None,
) -> HouseholdInput:
    return replace(
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
