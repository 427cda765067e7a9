"""The démarche catalogue: shipped files load, bad files are named with their line,
each field type is read and checked as typed."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from mairie_tui.domain.catalogue import (
    CATALOGUE_DIR,
    CatalogueError,
    Choice,
    FieldContext,
    FieldType,
    Step,
    display_value,
    load_catalogue,
    validate_answers,
    validate_field,
)

TODAY = date(2020, 9, 15)
CTX = FieldContext(today=TODAY, children=(Choice("7", "Jeannot"),))
EXPECTED = {
    "acte_naissance",
    "acte_mariage",
    "acte_deces",
    "inscription_listes",
    "rdv_titres",
    "demande_informations",
    "carte_perdue",
    "absence",
    "simulation_tarifs",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_the_shipped_catalogue_has_every_demarche(catalogue):
    assert {d.code for d in catalogue.demarches} == EXPECTED
    labels = catalogue.type_labels()
    assert labels["rdv_titres"] == "Prise de rendez-vous (carte d'identité / passeport)"
    assert list(catalogue.categories()) == ["Citoyenneté", "Enfance", "État civil", "Vie pratique"]


def test_wizard_steps_follow_the_portal(catalogue):
    assert [title for _, title in catalogue.get("rdv_titres").steps] == [
        "Mon rendez-vous",
        "Mes informations",
        "Ma demande",
        "Le récapitulatif",
    ]
    assert [title for _, title in catalogue.get("acte_naissance").steps] == [
        "Mes informations",
        "Ma demande",
        "Le récapitulatif",
    ]
    # No "Mes informations" where the démarche declares none.
    assert [s for s, _ in catalogue.get("simulation_tarifs").steps] == [Step.REQUEST, Step.RECAP]
    informations = catalogue.get("acte_deces").fields_of(Step.INFORMATIONS)
    assert [f.code for f in informations] == ["civilite", "nom", "prenom", "email", "telephone"]
    assert informations[1].prefill == "representative.last_name"


def test_electoral_registration_requires_id_and_recent_proof_of_address(catalogue):
    pieces = {p.piece.code: p for p in catalogue.get("inscription_listes").pieces}
    assert set(pieces) == {"piece_identite", "justificatif_domicile"}
    assert all(p.required for p in pieces.values())
    assert pieces["justificatif_domicile"].piece.validity_months == 3


def test_workflows_name_the_households_statuses(catalogue):
    standard = catalogue.get("carte_perdue").workflow
    assert standard.initial == "deposee"
    assert {s.code for s in standard.statuses} == {
        "deposee",
        "en_cours",
        "en_attente",
        "traitee",
        "refusee",
        "annulee",
    }
    refuse = [t for t in standard.transitions if t.target == "refusee"]
    assert refuse and all(t.comment_required for t in refuse)
    assert catalogue.get("absence").workflow.initial == "traitee"


# ---------------------------------------------------------------- bad files


def copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "demarches"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def test_unknown_field_type_names_the_file_and_the_line(tmp_path):
    folder = copy_catalogue(tmp_path)
    bad = folder / "zz-mauvaise.toml"
    bad.write_text(
        'code = "mauvaise"\n'
        'title = "Démarche mal écrite"\n'
        'category = "Test"\n'
        'workflow = "standard"\n'
        "\n"
        "[[fields]]\n"
        'code = "objet"\n'
        'type = "text"\n'
        'label = "Objet"\n'
        "\n"
        "[[fields]]\n"
        'code = "couleur"\n'
        'type = "colour"\n'
        'label = "Couleur"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    error = caught.value
    assert error.path == bad
    assert error.line == 13
    assert str(error).startswith(f"{bad}:13: ")
    assert "type inconnu « colour »" in str(error)


def test_toml_syntax_error_gives_its_line(tmp_path):
    folder = copy_catalogue(tmp_path)
    bad = folder / "acte-deces.toml"
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines[2] = 'category = "État civil'  # unterminated string on line 3
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    assert caught.value.path == bad and caught.value.line == 3


HANDLER_LINE = 'handler = "etat_civil"'


@pytest.mark.parametrize(
    ("replace", "by", "message", "at"),
    [
        ('workflow = "standard"', 'workflow = "express"', "circuit inconnu « express »", None),
        (
            'piece = "piece_identite"',
            'piece = "passeport_chat"',
            "pièce inconnue « passeport_chat »",
            None,
        ),
        ("max = 5", "maxi = 5", "clé de champ inconnue « maxi »", None),
        ('default = "1"', 'default = "9"', "valeur par défaut refusée", None),
        (
            '"extrait_filiation", "extrait_plurilingue"] }',
            '"extrait_filiation", "extrait_multilingue"] }',
            "shown_if attend « extrait_multilingue »",
            None,
        ),
        (
            'options = { act = "naissance" }',
            'options = { act = "bapteme" }',
            "options.act doit valoir",
            None,
        ),
        ('code = "lien"', 'code = "relation"', "demande le champ « lien »", HANDLER_LINE),
    ],
)
def test_other_mistakes_are_named_with_their_line(tmp_path, replace, by, message, at):
    folder = copy_catalogue(tmp_path)
    path = folder / "acte-naissance.toml"
    text = path.read_text(encoding="utf-8")
    assert replace in text
    path.write_text(text.replace(replace, by), encoding="utf-8")
    expected_line = next(
        number for number, line in enumerate(text.splitlines(), 1) if (at or replace) in line
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    assert message in caught.value.message
    assert caught.value.line == expected_line


def test_a_gap_in_a_tariff_grid_stops_loading(tmp_path):
    folder = copy_catalogue(tmp_path)
    path = folder / "_commun.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("min = 623", "min = 650"), encoding="utf-8")
    with pytest.raises(CatalogueError, match="trou ou chevauchement"):
        load_catalogue(folder)


# ---------------------------------------------------------------- fields as typed


def field(catalogue, demarche: str, code: str):
    return catalogue.get(demarche).field(code)


@pytest.mark.parametrize(
    ("demarche", "code", "raw", "value"),
    [
        ("acte_naissance", "date_acte", "14/05/1980", date(1980, 5, 14)),
        ("acte_naissance", "date_acte", "1980-05-14", date(1980, 5, 14)),
        ("acte_naissance", "exemplaires", " 3 ", 3),
        ("acte_naissance", "format", "Extrait sans filiation", "extrait_sans_filiation"),
        ("acte_naissance", "format", "copie_integrale", "copie_integrale"),
        ("acte_naissance", "telephone", "04.66.83.10.74", "04 66 83 10 74"),
        ("acte_naissance", "telephone", "+33466831074", "04 66 83 10 74"),
        ("acte_naissance", "email", "a.b@orange.fr", "a.b@orange.fr"),
        ("simulation_tarifs", "revenu_annuel", "30 000,50 €", Decimal("30000.50")),
        ("absence", "justifiee", "Oui", True),
        ("absence", "enfant", "jeannot", 7),
        ("absence", "enfant", "7", 7),
        ("acte_naissance", "nom_pere", "", None),
    ],
)
def test_a_field_reads_what_the_agent_types(catalogue, demarche, code, raw, value):
    assert validate_field(field(catalogue, demarche, code), raw, CTX) == (value, None)


@pytest.mark.parametrize(
    ("demarche", "code", "raw", "message"),
    [
        ("acte_naissance", "date_acte", "31/02/1980", "date invalide"),
        ("acte_naissance", "date_acte", "16/09/2020", "ne peut pas être dans le futur"),
        ("acte_naissance", "exemplaires", "6", "au plus 5"),
        ("acte_naissance", "exemplaires", "0", "au moins 1"),
        ("acte_naissance", "exemplaires", "1,5", "n'est pas un nombre entier"),
        ("acte_naissance", "exemplaires", "", "est obligatoire"),
        ("acte_naissance", "format", "photocopie", "choisissez parmi Copie intégrale"),
        ("acte_naissance", "email", "pas-un-mail", "adresse e-mail invalide"),
        ("acte_naissance", "telephone", "04 66", "numéro invalide"),
        ("rdv_titres", "pre_demande", "ABC", "10 lettres ou chiffres"),
        ("absence", "justifiee", "peut-être", "répondez oui ou non"),
        ("absence", "enfant", "Kevin", "choisissez un enfant du foyer (Jeannot)"),
        ("simulation_tarifs", "revenu_annuel", "trente mille", "n'est pas un montant"),
        ("demande_informations", "message", "court", "au moins 10 caractères"),
    ],
)
def test_a_wrong_field_says_why_in_french(catalogue, demarche, code, raw, message):
    value, error = validate_field(field(catalogue, demarche, code), raw, CTX)
    assert value is None
    assert error is not None and message in error


def test_every_field_type_is_used_by_the_catalogue(catalogue):
    used = {f.type for d in catalogue.demarches for f in d.fields}
    assert used == set(FieldType) - {FieldType.POSTCODE}


def test_conditional_fields_and_rules_over_a_whole_form(catalogue):
    birth = catalogue.get("acte_naissance")
    raw = {
        "nom": "DUPONT",
        "prenom": "Marie",
        "lien": "autre_famille",
        "format": "extrait_sans_filiation",
        "nom_concerne": "DUPONT",
        "prenoms_concerne": "Paul",
        "date_acte": "01/02/1950",
        "nom_pere": "ignoré car non affiché",
        "exemplaires": "1",
    }
    checked = validate_answers(birth, raw, CTX)
    assert checked.ok, checked.errors
    assert "nom_pere" not in checked.values  # shown only for a format with filiation
    refused = validate_answers(birth, {**raw, "format": "copie_integrale"}, CTX)
    assert set(refused.errors) == {"format"}
    assert "seul l'extrait sans filiation peut être délivré" in refused.errors["format"]
    unknown = validate_answers(birth, {**raw, "pointure": "42"}, CTX)
    assert "pointure" in unknown.errors


def test_values_are_shown_in_french(catalogue):
    simulation = catalogue.get("simulation_tarifs")
    assert display_value(simulation.field("revenu_annuel"), "30000.00") == "30 000,00 €"
    birth = catalogue.get("acte_naissance")
    assert display_value(birth.field("date_acte"), "1980-05-14") == "14/05/1980"
    assert display_value(birth.field("format"), "extrait_filiation") == "Extrait avec filiation"
    assert display_value(catalogue.get("absence").field("enfant"), 7, CTX) == "Jeannot"
