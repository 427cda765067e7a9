"""Malformed household files: the dry run's verdict is --apply's, on SQLite and PostgreSQL.

A committed corpus (tests/household_io_corpus.py writes it) and hypothesis-made
files: each is imported as a dry run, then with --apply; the only exception
allowed is ImportFileError (the file cannot be read at all), and the dry run's
bad lines and count of households are exactly what --apply reports and writes.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mairie_tui.services.common import SYSTEM_ACTOR
from mairie_tui.services.errors import ImportFileError
from mairie_tui.services.household_io import import_households
from tests.helpers import clock_at
from tests.household_io_corpus import GOOD_JSON, LEGACY, PERSON, csv_text, legacy_line, person_rows

CLOCK = clock_at("2020-08-20T10:00")
CORPUS = Path(__file__).resolve().parent.parent / "data" / "household_io_corpus"
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def verdict(engine, path: Path, apply: bool) -> tuple[object, ...]:
    try:
        report = import_households(engine, path, actor=SYSTEM_ACTOR, clock=CLOCK, apply=apply)
    except ImportFileError as exc:
        return ("fichier illisible", str(exc))
    count = report.imported if apply else report.good
    assert all(bad.line > 0 and bad.reason for bad in report.bad)
    bad = [(b.line, b.column, b.reason) for b in report.bad]
    return ("lignes", count, report.already_present, bad, len(report.warnings))


def assert_same_verdict(engine, path: Path) -> tuple[object, ...]:
    dry = verdict(engine, path, apply=False)
    applied = verdict(engine, path, apply=True)
    assert dry == applied, path.name
    return dry


def test_every_file_of_the_corpus_gets_the_same_verdict_dry_and_applied(engine):
    files = sorted(CORPUS.iterdir())
    assert len(files) >= 63
    verdicts = {path.name: assert_same_verdict(engine, path) for path in files}
    # The corpus is malformed on purpose: every file but the few good ones says so.
    refused = [name for name, v in verdicts.items() if v[0] == "fichier illisible" or v[3]]
    assert len(refused) >= 55


def test_a_20001_line_file_with_one_long_surname_names_that_line(engine, tmp_path):
    rows = [legacy_line(n) for n in range(20_000)]
    rows.insert(12_345, legacy_line(99_999, nom="N" * 93, enfant1_nom="Martin"))
    path = tmp_path / "grand.csv"
    path.write_text(csv_text(LEGACY, rows), encoding="utf-8")
    dry = verdict(engine, path, apply=False)
    assert dry[1] == 20_000
    assert dry[3] == [
        (12_347, "nom", "Nom du représentant : texte trop long (93 caractères, 80 au plus).")
    ]
    assert verdict(engine, path, apply=True) == dry


# ---------------------------------------------------------------- hypothesis

ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0), max_size=120)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    person = draw(st.booleans())
    header = PERSON if person else LEGACY
    rows = (
        [r for n in range(3) for r in person_rows(n)]
        if person
        else [legacy_line(n) for n in range(3)]
    )
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(header))] = draw(
            st.one_of(
                ANY_TEXT, st.sampled_from(["=1+1", "'=x", "1e3", "9" * 400, "1_0", "31/02/2020"])
            )
        )
    text = csv_text(header, rows)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = (
            text[:cut]
            + draw(st.sampled_from(['"', ";", "\n", "\x00", "\ufeff", "\r"]))
            + text[cut:]
        )
    raw = _encoded(text)
    if draw(st.integers(0, 4)) == 0:
        raw += draw(st.binary(max_size=40))
    return raw


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutated_json(draw: st.DrawFn) -> bytes:
    household = json.loads(GOOD_JSON)
    target = draw(st.sampled_from([household, household["membres"][0]]))
    key = draw(
        st.sampled_from(
            [*target, "commune", "quotient_familial", "date_naissance", "membres", "inconnu"]
        )
    )
    target[key] = draw(JSON_VALUES)
    text = json.dumps(
        [json.loads(GOOD_JSON) | {"id_externe": "J-0"}, household],
        ensure_ascii=draw(st.booleans()),
        allow_nan=True,
    )
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = (
            text[:cut]
            + draw(st.sampled_from(["{", "[", ",", '"', "1e9", "]", '"id_externe": 1,']))
            + text[cut:]
        )
    return _encoded(text)


@FUZZ
@given(raw=mutated_csv())
def test_fuzzed_csv_files_get_the_same_verdict_dry_and_applied(engine, tmp_path, raw):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(raw)
    assert_same_verdict(engine, path)


@FUZZ
@given(raw=mutated_json())
def test_fuzzed_json_files_get_the_same_verdict_dry_and_applied(engine, tmp_path, raw):
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    assert_same_verdict(engine, path)


@FUZZ
@given(
    cells=st.lists(
        st.one_of(JSON_VALUES.filter(lambda v: not isinstance(v, (list, dict))), st.datetimes()),
        min_size=1,
        max_size=6,
    )
)
def test_fuzzed_xlsx_files_get_the_same_verdict_dry_and_applied(engine, tmp_path, cells):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(LEGACY)
    row = legacy_line(7)
    values: list[object] = [row.get(name, "") for name in LEGACY]
    for index, cell in enumerate(cells):
        values[(index * 5) % len(values)] = cell
    try:
        sheet.append(values)
    except Exception:  # openpyxl refuses to write some strings (control characters)
        return
    path = tmp_path / "fuzz.xlsx"
    book.save(path)
    assert_same_verdict(engine, path)


def test_a_damaged_xlsx_is_refused_whole(engine, tmp_path):
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert verdict(engine, path, apply=False)[0] == "fichier illisible"
    assert_same_verdict(engine, path)
