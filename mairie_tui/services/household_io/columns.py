"""Column names of the household files, and where each domain field is read from.

Two layouts are read:

- « une ligne par personne » (what the export writes): `id_externe` and `membre`
  (representant, co_representant, enfant, autorise) on every line, the person's
  columns (PERSON_FIELDS), and the household's columns (HOUSEHOLD_FIELDS) on the
  representative's line — on other lines they are empty or repeat it;
- the former « une ligne par foyer » layout (LEGACY_COLUMNS): 1 co-representative,
  4 children, 2 authorised persons at most; still read, no longer written.

JSON: a list of households, each with the household's keys and `membres`, a
list of persons with the person's keys and `membre`; a household without
`membres` is read with the legacy keys.
"""

from __future__ import annotations

MAX_CHILDREN = 4
MAX_AUTHORISED = 2
PERSON_FIELDS = ("civilite", "nom", "prenom", "date_naissance", "telephone", "email")
CHILD_FIELDS = ("prenom", "nom", "date_naissance", "ecole", "classe")
AUTHORISED_FIELDS = ("prenom", "nom", "telephone")
HOUSEHOLD_FIELDS = (
    "adresse",
    "commune",
    "code_postal",
    "telephone_foyer",
    "email_foyer",
    "quotient_familial",
    "qf_valide_jusqu_au",
)
LEGACY_COLUMNS: tuple[str, ...] = (
    "id_externe",
    *PERSON_FIELDS,
    *HOUSEHOLD_FIELDS,
    *(f"co_{name}" for name in PERSON_FIELDS),
    *(f"enfant{i}_{name}" for i in range(1, MAX_CHILDREN + 1) for name in CHILD_FIELDS),
    *(f"autorise{i}_{name}" for i in range(1, MAX_AUTHORISED + 1) for name in AUTHORISED_FIELDS),
)
COLUMNS = LEGACY_COLUMNS  # the name earlier callers import
MEMBER_FIELDS = (*PERSON_FIELDS, "ecole", "classe")
MEMBER = "membre"
MEMBERS = "membres"
PERSON_COLUMNS: tuple[str, ...] = ("id_externe", MEMBER, *MEMBER_FIELDS, *HOUSEHOLD_FIELDS)
REQUIRED = ("id_externe", "nom", "prenom", "adresse", "commune")
PERSON_REQUIRED = ("id_externe", MEMBER, "nom", "prenom")

# `membre` values ↔ Person.role, in the order the export writes the members.
ROLES = {
    "representant": "representative",
    "co_representant": "co_representative",
    "enfant": "child",
    "autorise": "authorised",
}
ROLE_NAMES = {role: name for name, role in ROLES.items()}

# Domain attribute → column name.
PERSON_COLUMN = {
    "civility": "civilite",
    "first_name": "prenom",
    "last_name": "nom",
    "birth_date": "date_naissance",
    "phone": "telephone",
    "email": "email",
    "school": "ecole",
    "school_class": "classe",
}
HOUSEHOLD_COLUMN = {
    "address": "adresse",
    "commune": "commune",
    "postcode": "code_postal",
    "phone": "telephone_foyer",
    "email": "email_foyer",
    "quotient_familial": "quotient_familial",
    "qf_valid_until": "qf_valide_jusqu_au",
    "external_id": "id_externe",
}
# Columns whose values normally start with + (international numbers): not flagged.
PHONE_COLUMNS = frozenset({"telephone", "telephone_foyer"})
