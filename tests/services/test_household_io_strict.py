"""Strict reading of household files: every error has its line and column, values
are checked against the schema's own limits, XLSX is read like CSV."""

from __future__ import annotations

from datetime import datetime

import pytest

from mairie_tui.domain.household_rules import refused_character
from mairie_tui.models import Person
from mairie_tui.services.common import SYSTEM_ACTOR
from mairie_tui.services.errors import ImportFileError
from mairie_tui.services.household_io import (
    import_households,
    neutralise,
    schema_limits,
    unneutralise,
)
from tests.helpers import clock_at
from tests.household_io_corpus import LEGACY, PERSON, csv_text, legacy_line, person_rows

CLOCK = clock_at("2020-08-20T10:00")


def dry(engine, path):
    return import_households(engine, path, actor=SYSTEM_ACTOR, clock=CLOCK)


def test_limits_come_from_the_models():
    limits = schema_limits()
    assert limits.person_lengths["last_name"] == Person.__table__.c.last_name.type.length == 80
    assert limits.person_lengths["school_class"] == 20
    assert limits.household_lengths["external_id"] == 64
    assert limits.household_ranges["quotient_familial"] == (-(2**31), 2**31 - 1)


@pytest.mark.parametrize(
    ("text", "code"),
    [("a\x00b", "U+0000"), ("Anne\u202e", "U+202E"), ("x\ufeff", "U+FEFF"), ("é\u200bé", "U+200B")],
)
def test_invisible_and_control_characters_are_named(text, code):
    assert code in (refused_character(text) or "")


def test_clean_names_pass():
    assert refused_character("Zoé O'Brien-Lefèvre, 3 bis rue de l'Œuf") is None


@pytest.mark.parametrize(
    "value", ["=1+1", "+SUM(1)", "-2", "@x", "'=x", "''+x", "\t=x", "plain", "'plain", ""]
)
def test_neutralisation_round_trips(value):
    written = neutralise(value)
    assert written[:1] not in ("=", "+", "-", "@", "\t")
    assert unneutralise(written) == value


def test_each_error_names_its_line_and_column(engine, tmp_path):
    rows = [
        legacy_line(1),
        legacy_line(2, enfant1_classe="C" * 21, quotient_familial="1_000"),
        legacy_line(3, date_naissance="٠١/٠١/١٩٨٠"),
    ]
    path = tmp_path / "f.csv"
    path.write_text(csv_text(LEGACY, rows), encoding="utf-8")
    report = dry(engine, path)
    assert [(b.line, b.column) for b in report.bad] == [
        (3, "quotient_familial"),
        (4, "date_naissance"),
    ]  # the class is checked once the numbers read: one pass of errors per household
    assert report.good == 1
    fixed = [legacy_line(1), legacy_line(2, enfant1_classe="C" * 21)]
    path.write_text(csv_text(LEGACY, fixed), encoding="utf-8")
    (bad,) = dry(engine, path).bad
    assert (bad.line, bad.column) == (3, "enfant1_classe")
    assert bad.text().startswith("ligne 3, colonne enfant1_classe : Classe de l'enfant")


def test_duplicate_header_refuses_the_file_naming_the_column(engine, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(csv_text([*LEGACY, "prenom"], [legacy_line(1)]), encoding="utf-8")
    with pytest.raises(ImportFileError, match="Ligne 1 : colonne « prenom » en double"):
        dry(engine, path)


def test_person_layout_errors_point_at_the_member_line(engine, tmp_path):
    rows = person_rows(1)
    rows.append(
        {
            "id_externe": "P-1",
            "membre": "enfant",
            "prenom": "Zed\u202e",
            "date_naissance": "01/01/2013",
        }
    )
    path = tmp_path / "p.csv"
    path.write_text(csv_text(PERSON, rows), encoding="utf-8")
    (bad,) = dry(engine, path).bad
    assert (bad.line, bad.column) == (4, "prenom") and "U+202E" in bad.reason


def test_xlsx_is_read_with_line_numbers_dates_and_formulas(engine, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(LEGACY)
    first = [legacy_line(1).get(name, "") for name in LEGACY]
    first[LEGACY.index("date_naissance")] = datetime(1980, 1, 1)
    first[LEGACY.index("quotient_familial")] = 640.0
    first[LEGACY.index("nom")] = '=CONCAT("a";"b")'  # a real formula: read as its text
    sheet.append(first)
    second = [legacy_line(2).get(name, "") for name in LEGACY]
    second[LEGACY.index("quotient_familial")] = 640.5
    sheet.append(second)
    path = tmp_path / "f.xlsx"
    book.save(path)
    report = dry(engine, path)
    assert report.good == 1
    (bad,) = report.bad
    assert bad.line == 3 and "nombre non entier" in bad.reason
    assert [(w.line, w.column) for w in report.warnings] == [(2, "nom")]
