"""Writes tests/data/household_io_corpus/: small malformed household files (CSV and JSON).

Each file is a good household (or two) with one thing wrong, as issue 12 listed
them: values too long for the schema, NUL / control / bidi characters, numbers
in exotic notations, duplicate headers or keys, nested values, broken syntax.
tests/services/test_household_io_fuzz.py imports each one (dry run, then
--apply) on SQLite and PostgreSQL and checks both give the same verdict.

Run: .venv/bin/python tests/household_io_corpus.py (rewrites the folder).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent / "data" / "household_io_corpus"
LEGACY = [
    "id_externe",
    "civilite",
    "nom",
    "prenom",
    "date_naissance",
    "telephone",
    "email",
    "adresse",
    "commune",
    "code_postal",
    "telephone_foyer",
    "email_foyer",
    "quotient_familial",
    "qf_valide_jusqu_au",
    "enfant1_prenom",
    "enfant1_nom",
    "enfant1_date_naissance",
    "enfant1_ecole",
    "enfant1_classe",
]
PERSON = [
    "id_externe",
    "membre",
    "civilite",
    "nom",
    "prenom",
    "date_naissance",
    "telephone",
    "email",
    "ecole",
    "classe",
    "adresse",
    "commune",
    "code_postal",
    "telephone_foyer",
    "email_foyer",
    "quotient_familial",
    "qf_valide_jusqu_au",
]


def legacy_line(n: int, **values: str) -> dict[str, str]:
    row = dict(
        id_externe=f"C-{n}", civilite="Mme", nom="Martin", prenom=f"Anne{n}",
        date_naissance="01/01/1980", telephone="04 66 85 00 00", adresse=f"{n} rue Haute",
        commune="Salindres", quotient_familial="640", qf_valide_jusqu_au="31/08/2021",
        enfant1_prenom="Léo", enfant1_date_naissance="02/03/2012",
        enfant1_ecole="École de Salindres", enfant1_classe="CE2",
    )  # fmt: skip
    row.update(values)
    return row


def csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row.get(name, "") for name in header] for row in rows)
    return out.getvalue()


def legacy(name: str, **values: str) -> tuple[str, bytes]:
    rows = [legacy_line(1), legacy_line(2, **values)]
    return name + ".csv", csv_text(LEGACY, rows).encode("utf-8")


def person_rows(n: int) -> list[dict[str, str]]:
    key = f"P-{n}"
    return [
        dict(id_externe=key, membre="representant", nom="Roux", prenom="Paul",
             date_naissance="01/01/1980", adresse="1 rue Basse", commune="Anduze"),
        dict(id_externe=key, membre="enfant", prenom="Lou", date_naissance="01/01/2012",
             ecole="École d'Anduze", classe="CM1"),
    ]  # fmt: skip


def person(name: str, rows: list[dict[str, str]]) -> tuple[str, bytes]:
    return name + ".csv", csv_text(PERSON, rows).encode("utf-8")


def json_file(name: str, text: str) -> tuple[str, bytes]:
    return name + ".json", text.encode("utf-8", "surrogatepass")


GOOD_JSON = (
    '{"id_externe": "J-1", "adresse": "1 rue Basse", "commune": "Anduze", "membres": '
    '[{"membre": "representant", "nom": "Roux", "prenom": "Paul"}]}'
)


def json_with(**values: str) -> str:
    """A list of one good household and one whose household fields are `values` (raw JSON)."""
    fields = {"id_externe": '"J-2"', "adresse": '"2 rue Basse"', "commune": '"Anduze"'}
    fields.update(values)
    body = ", ".join(f'"{key}": {value}' for key, value in fields.items())
    member = '[{"membre": "representant", "nom": "Roux", "prenom": "Zoé"}]'
    return f'[{GOOD_JSON},\n{{{body}, "membres": {member}}}]'


def csv_cases() -> list[tuple[str, bytes]]:
    cases = [
        legacy("nom-93-caracteres", nom="N" * 93),
        legacy("nul-dans-le-nom", nom="Mar\x00tin"),
        legacy("qf-2-puissance-31", quotient_familial=str(2**31)),
        legacy("qf-maximum-accepte", quotient_familial=str(2**31 - 1)),
        legacy("classe-21-caracteres", enfant1_classe="C" * 21),
        legacy("ecole-121-caracteres", enfant1_ecole="E" * 121),
        legacy("id-externe-65-caracteres", id_externe="I" * 65),
        legacy("formule-cmd", nom="=cmd|' /C calc'!A0"),
        legacy("formule-plus-sum", prenom="+SUM(1+1)"),
        legacy("formule-arobase", adresse="@SUM(1+1)"),
        legacy("formule-hyperlink", nom='=HYPERLINK("http://exemple.fr","clic")'),
        legacy("bom-dans-le-nom", nom="Mar\ufefftin"),
        legacy("u202e-dans-le-prenom", prenom="Anne\u202eenna"),
        legacy("chiffres-arabes-date", date_naissance="٠١/٠١/١٩٨٠"),
        legacy("qf-souligne", quotient_familial="1_000"),
        legacy("qf-exposant", quotient_familial="1e3"),
        legacy("qf-5000-chiffres", quotient_familial="9" * 5000),
        legacy("qf-negatif", quotient_familial="-5"),
        legacy("qf-chiffres-arabes", quotient_familial="١٢٣"),
        legacy("qf-milliers-espace", quotient_familial="1 200"),
        legacy("texte-objet-python", nom="{'a': 1}"),
        legacy("bip-dans-adresse", adresse="2 rue\x07 Haute"),
        legacy("separateur-ligne-u2028", adresse="2 rue\u2028Haute"),
        legacy("date-31-fevrier", date_naissance="31/02/1980"),
        legacy("date-iso-semaine", date_naissance="1980-W01-1"),
        legacy("date-compacte", date_naissance="19800101"),
        legacy("email-300-caracteres", email="a" * 290 + "@exemple.fr"),
        legacy("adresse-201-caracteres", adresse="A" * 201),
        legacy("civilite-inconnue", civilite="Dr"),
        ("en-tete-en-double.csv", csv_text([*LEGACY, "nom"], [legacy_line(1)]).encode()),
        ("colonne-inconnue.csv", csv_text([*LEGACY, "pointure"], [legacy_line(1)]).encode()),
        ("colonne-obligatoire-absente.csv", csv_text(LEGACY[1:], [legacy_line(1)]).encode()),
        ("colonne-sans-nom.csv", csv_text([*LEGACY, ""], [legacy_line(1)]).encode()),
        ("fichier-vide.csv", b""),
        ("en-tete-seul.csv", csv_text(LEGACY, []).encode()),
        ("latin1.csv", csv_text(LEGACY, [legacy_line(1, nom="Hélène")]).encode("latin-1")),
        ("surrogate-utf8.csv", csv_text(LEGACY, [legacy_line(1)]).encode() + b"C-9;;\xed\xa0\x80\n"),
        ("guillemet-non-ferme.csv", csv_text(LEGACY, [legacy_line(1)]).encode() + b'C-3;"Mme;x\n'),
        ("colonnes-en-trop.csv", csv_text(LEGACY, [legacy_line(1)]).encode() + b"C-4;" * 30 + b"\n"),
        ("champ-geant.csv", csv_text(LEGACY, [legacy_line(1, adresse="x" * 140_000)]).encode()),
        person("personne-deux-representants", [*person_rows(1), {**person_rows(1)[0], "prenom": "Luc"}]),
        person("personne-membre-inconnu", [*person_rows(1), {"id_externe": "P-1", "membre": "chat", "prenom": "Tom"}]),
        person("personne-champ-foyer-different", [*person_rows(1), {"id_externe": "P-1", "membre": "autorise", "prenom": "Jo", "nom": "Roux", "commune": "Alès"}]),
        person("personne-lignes-disjointes", [*person_rows(1), *person_rows(2), person_rows(1)[1]]),
        person("personne-ecole-du-representant", [{**person_rows(1)[0], "ecole": "École"}, person_rows(1)[1]]),
        person("personne-sans-representant", [person_rows(1)[1]]),
        person("personne-bidi-enfant", [person_rows(1)[0], {**person_rows(1)[1], "prenom": "Lou\u202d"}]),
        ("personne-ligne-courte.csv", csv_text(PERSON, person_rows(1)).encode() + b"P-1;enfant;;Roux\n" + csv_text(PERSON, person_rows(2)).encode().split(b"\n", 1)[1]),
    ]  # fmt: skip
    return cases


def json_cases() -> list[tuple[str, bytes]]:
    return [
        json_file("cle-en-double", json_with(adresse='"3 rue"', commune='"Anduze", "commune": "Alès"')),
        json_file("objet-imbrique", json_with(adresse='{"rue": "Basse"}')),
        json_file("liste-en-valeur", json_with(adresse='["rue"]')),
        json_file("qf-decimal", json_with(quotient_familial="1.5")),
        json_file("qf-exposant", json_with(quotient_familial="1e3")),
        json_file("qf-nan", json_with(quotient_familial="NaN")),
        json_file("qf-infini", json_with(quotient_familial="-Infinity")),
        json_file("qf-booleen", json_with(quotient_familial="true")),
        json_file("qf-5000-chiffres", json_with(quotient_familial="9" * 5000)),
        json_file("qf-2-puissance-31", json_with(quotient_familial=str(2**31), qf_valide_jusqu_au='"31/08/2021"')),
        json_file("surrogate-isole", json_with(adresse='"2 rue \\ud800"')),
        json_file("nul-echappe", json_with(adresse='"2 rue\\u0000Basse"')),
        json_file("imbrication-5000", "[" + GOOD_JSON + "," + "[" * 5000 + "]" * 5000 + "]"),
        json_file("objet-au-lieu-de-liste", GOOD_JSON),
        json_file("texte-apres-la-liste", "[" + GOOD_JSON + "] en trop"),
        json_file("syntaxe-cassee", "[" + GOOD_JSON + ",\n{\"id_externe\": }]"),
        json_file("virgule-finale", "[" + GOOD_JSON + ",]"),
        ("non-utf8.json", ("[" + GOOD_JSON + "]").encode("utf-8").replace(b"Paul", b"P\xe9ul")),
        json_file("element-nombre", "[" + GOOD_JSON + ", 42]"),
        json_file("membres-pas-une-liste", json_with(membres_placeholder="1").replace('"membres_placeholder": 1, ', "").replace('"membres": [', '"membres": 3, "x": [')),
        json_file("membre-inconnu", "[" + GOOD_JSON.replace('"representant"', '"chef"') + "]"),
        json_file("ancien-format-champ-inconnu", '[{"id_externe": "J-3", "nom": "Roux", "prenom": "Paul", "adresse": "1 rue", "commune": "Anduze", "pointure": 42}]'),
        json_file("ancien-format-valide", '[{"id_externe": "J-4", "nom": "Roux", "prenom": "Paul", "adresse": "1 rue", "commune": "Anduze", "enfant1_prenom": "Lou", "enfant1_date_naissance": "01/01/2012"}]'),
        json_file("liste-vide", "[]"),
        json_file("nom-93-caracteres", "[" + GOOD_JSON.replace('"Roux"', '"' + "N" * 93 + '"') + "]"),
        json_file("entier-comme-id", "[" + GOOD_JSON.replace('"J-1"', "12345") + "]"),
    ]  # fmt: skip


def main() -> None:
    shutil.rmtree(HERE, ignore_errors=True)
    HERE.mkdir(parents=True)
    for name, content in [*csv_cases(), *json_cases()]:
        (HERE / name).write_bytes(content)
    print(f"{len(list(HERE.iterdir()))} fichiers dans {HERE}")


if __name__ == "__main__":
    main()
