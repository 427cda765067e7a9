"""Export keeps everyone: export → import into an empty database → export is identical,
in CSV, JSON and XLSX, for the demo and a household of 13 members created at the counter;
formula-like cells are neutralised in CSV and XLSX and read back as the original text."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date

import pytest
from sqlmodel import col, select

from mairie_tui.db import make_engine, read_session
from mairie_tui.domain.household_rules import HouseholdInput, PersonInput
from mairie_tui.models import Household, Person
from mairie_tui.services.common import SYSTEM_ACTOR, Actor
from mairie_tui.services.demo import build_demo
from mairie_tui.services.household_edit import create_household
from mairie_tui.services.household_io import export_households_bytes, import_households
from tests.helpers import clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
CLOCK = clock_at("2020-09-15T10:00")

THIRTEEN = HouseholdInput(
    representative=PersonInput(
        "representative", "Aïcha", "=Benali", civility="Mme", birth_date=date(1975, 1, 2),
        phone="+44 20 7946 0958", email="aicha@exemple.fr",
    ),
    address="@SUM(1+1) rue Haute", commune="Alès", postcode="30100", phone="04 66 00 00 01",
    quotient_familial=640, qf_valid_until=date(2021, 8, 31), external_id="-TREIZE",
    co_representatives=(
        PersonInput("co_representative", "Karim", "Benali", civility="M.", birth_date=date(1974, 5, 6)),
        PersonInput("co_representative", "'=Nour", "Benali", email="nour@exemple.fr"),
    ),
    children=tuple(
        PersonInput(
            "child", f"Enfant{i}", "+SUM(1)" if i == 0 else "Benali", birth_date=date(2005 + i, 3, 4),
            school="École Jean Macé", school_class="CM1" if i % 2 else "",
        )
        for i in range(7)
    ),
    authorised=tuple(
        PersonInput("authorised", f"Voisin{i}", "Roux", phone=f"06 12 34 56 7{i}") for i in range(3)
    ),
)  # fmt: skip


@pytest.fixture
def empty_url(db_url, tmp_path, sqlite_template, pg_databases):
    """Makes URLs of further empty, migrated databases of the same kind as db_url."""
    made: list[str] = []

    def make() -> str:
        if db_url.startswith("sqlite"):
            path = tmp_path / f"cible{len(made)}.db"
            shutil.copyfile(sqlite_template, path)
            made.append(f"sqlite:///{path}")
        else:
            made.append(pg_databases.new())
        return made[-1]

    yield make
    for url in made:
        if not url.startswith("sqlite"):
            pg_databases.drop(url)


def xlsx_cells(content: bytes) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows


def comparable(fmt: str, content: bytes) -> object:
    # An .xlsx file holds its creation time: compare its cells.
    return xlsx_cells(content) if fmt == "xlsx" else content


def test_export_import_export_is_identical_for_everyone(engine, empty_url, tmp_path):
    build_demo(engine, households=2000)
    create_household(engine, THIRTEEN, actor=AGENT, clock=CLOCK, allow_duplicates=True)
    with read_session(engine) as session:
        people = len(session.exec(select(Person.id)).all())
        households = len(session.exec(select(Household.id)).all())
    assert households > 2000
    for fmt in ("csv", "json", "xlsx"):
        first = export_households_bytes(engine, actor=AGENT, clock=CLOCK, fmt=fmt)
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(first)
        target = make_engine(empty_url())
        try:
            report = import_households(target, path, actor=SYSTEM_ACTOR, clock=CLOCK, apply=True)
            assert report.bad == [], report.bad[:3]
            assert report.imported == households
            again = export_households_bytes(target, actor=SYSTEM_ACTOR, clock=CLOCK, fmt=fmt)
            assert comparable(fmt, again) == comparable(fmt, first), fmt
            with read_session(target) as session:
                assert len(session.exec(select(Person.id)).all()) == people
                (household,) = session.exec(
                    select(Household).where(Household.external_id == "-TREIZE")
                ).all()
                members = session.exec(
                    select(Person)
                    .where(Person.household_id == household.id)
                    .order_by(col(Person.position))
                ).all()
        finally:
            target.dispose()
        assert household.address == "@SUM(1+1) rue Haute"
        assert [m.role for m in members].count("child") == 7 and len(members) == 13
        names = {m.last_name for m in members} | {m.first_name for m in members}
        assert {"=Benali", "+SUM(1)", "'=Nour"} <= names
        assert report.warnings  # the formula-like values are flagged


def test_formula_cells_are_neutralised_in_csv_and_xlsx(engine):
    build_demo(engine, households=0)
    create_household(engine, THIRTEEN, actor=AGENT, clock=CLOCK, allow_duplicates=True)
    text = export_households_bytes(engine, actor=AGENT, clock=CLOCK, fmt="csv").decode("utf-8")
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=";") if row[0] == "'-TREIZE"]
    assert len(rows) == 13
    cells = {cell for row in rows for cell in row}
    assert {"'=Benali", "'+SUM(1)", "''=Nour", "'@SUM(1+1) rue Haute", "'+44 20 7946 0958"} <= cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)
    sheet = xlsx_cells(export_households_bytes(engine, actor=AGENT, clock=CLOCK, fmt="xlsx"))
    values = {value for row in sheet for value in row if isinstance(value, str)}
    assert {"'=Benali", "'+SUM(1)", "''=Nour", "'-TREIZE"} <= values
    assert not any(value[:1] in "=+-@" for value in values if value)
    json_text = export_households_bytes(engine, actor=AGENT, clock=CLOCK, fmt="json").decode("utf-8")
    assert '"nom": "=Benali"' in json_text  # JSON is no spreadsheet: kept as is
