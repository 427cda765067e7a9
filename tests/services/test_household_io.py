"""Import and export of households: bad lines reported by number, good lines in one
transaction, idempotent re-runs, identical round trip."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session
from mairie_tui.models import Household, Person
from mairie_tui.services.common import SYSTEM_ACTOR, Actor
from mairie_tui.services.demo import build_demo
from mairie_tui.services.errors import ImportFileError, PermissionDenied
from mairie_tui.services.household_io import COLUMNS, export_households, import_households
from mairie_tui.services.search import find_households
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
CLOCK = clock_at("2020-08-20T10:00")
EXAMPLE = resources.files("mairie_tui").joinpath("data/foyers-exemple.csv").read_bytes()


def line(**values: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="").writerow([values.get(c, "") for c in COLUMNS])
    return out.getvalue()


def good(n: int, **extra: str) -> str:
    values = dict(
        id_externe=f"X-{n}", nom="Martin", prenom=f"Prénom{n}", adresse=f"{n} rue Haute",
        commune="Salindres", telephone="04 66 85 00 00", date_naissance="01/01/1980",
    )
    values.update(extra)
    return line(**values)


def household_count(engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(Household)).one()


@pytest.fixture
def demo(engine):
    build_demo(engine, households=0)
    return engine


def mixed_file(tmp_path):
    header = ";".join(COLUMNS)
    text_lines = [
        header,                                                    # line 1
        good(1),                                                   # 2 good
        good(2, date_naissance="31/02/1980"),                      # 3 bad date
        good(3, commune="Paris"),                                  # 4 unknown commune
        good(1, prenom="Autre"),                                   # 5 duplicated external id
        None,                                                      # 6 Latin-1 line (below)
        ";".join(good(5).split(";")[:10]),                         # 7 missing columns
        good(6) + ";en trop;encore",                               # 8 extra columns
        "",                                                        # 9 empty line
        ";;;;",                                                    # 10 empty line (separators only)
        good(7, nom="D'Artagnan", prenom='Jean "le Cadet"'),       # 11 good, quotes
        good(8, telephone="12345"),                                # 12 bad phone
        good(9, email="pas-un-mail@"),                             # 13 bad email
        good(10, enfant1_prenom="Léo", enfant1_date_naissance="01/01/1970"),  # 14 child before parent
        good(11, nom=""),                                          # 15 missing required value
        good(12),                                                  # 16 good
    ]
    raw = b"\xef\xbb\xbf"  # BOM
    for text in text_lines:
        if text is None:
            raw += good(4, nom="Hélène").encode("latin-1") + b"\r\n"
        else:
            raw += text.encode("utf-8") + b"\r\n"
    path = tmp_path / "foyers.csv"
    path.write_bytes(raw)
    return path


def test_mixed_file_reports_each_bad_line_and_imports_the_good(demo, tmp_path):
    path = mixed_file(tmp_path)
    dry = import_households(demo, path, actor=AGENT, clock=CLOCK)
    assert not dry.applied and household_count(demo) == 1
    reasons = {bad.line: bad.reason for bad in dry.bad}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 12, 13, 14, 15]
    assert "date de naissance invalide « 31/02/1980 »" in reasons[3]
    assert "Commune inconnue : « Paris »" in reasons[4]
    assert "déjà présent ligne 2" in reasons[5]
    assert "encodage invalide" in reasons[6]
    assert "colonnes au lieu de" in reasons[7] and "colonnes au lieu de" in reasons[8]
    assert "Téléphone invalide" in reasons[12]
    assert "e-mail invalide" in reasons[13]
    assert "avant son parent" in reasons[14]
    assert "Nom du représentant obligatoire" in reasons[15]
    assert (dry.good, dry.empty_lines) == (3, 2)
    applied = import_households(demo, path, actor=AGENT, clock=CLOCK, apply=True)
    assert applied.imported == 3 and household_count(demo) == 4
    (artagnan,) = find_households(demo, "artagnan", actor=DESK)
    assert artagnan.representative == 'Jean "le Cadet" D\'Artagnan'
    again = import_households(demo, path, actor=AGENT, clock=CLOCK, apply=True)
    assert (again.imported, again.already_present) == (0, 3)
    assert household_count(demo) == 4


def index_rows(engine) -> dict[int, str]:
    sql = (
        "SELECT rowid, document FROM household_fts"
        if engine.dialect.name == "sqlite"
        else "SELECT household_id, document FROM household_search"
    )
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql(sql).all())


def test_import_indexes_only_the_imported_households(engine, tmp_path):
    build_demo(engine, households=30)
    table = "household_fts" if engine.dialect.name == "sqlite" else "household_search"
    key = "rowid" if engine.dialect.name == "sqlite" else "household_id"
    before = index_rows(engine)
    marked, dropped = sorted(before)[:2]
    # Marks a full rebuild would undo: one document replaced, one removed.
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {table} SET document = 'marque' WHERE {key} = {marked}")
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE {key} = {dropped}")
    path = tmp_path / "foyers.csv"
    rows = [good(n, nom=f"Importé{n}", telephone=f"04 66 85 00 {n:02d}") for n in (1, 2, 3)]
    path.write_text("\n".join([";".join(COLUMNS), *rows]) + "\n", encoding="utf-8")
    report = import_households(engine, path, actor=AGENT, clock=CLOCK, apply=True)
    assert report.imported == 3
    after = index_rows(engine)
    with read_session(engine) as session:
        imported = set(
            session.exec(
                select(Household.id).where(Household.external_id.in_(["X-1", "X-2", "X-3"]))
            )
        )
    assert set(after) - set(before) == imported and len(imported) == 3
    assert after[marked] == "marque" and dropped not in after
    assert {hid: doc for hid, doc in after.items() if hid not in imported} == {
        hid: ("marque" if hid == marked else doc) for hid, doc in before.items() if hid != dropped
    }
    for n in (1, 2, 3):
        (hit,) = find_households(engine, f"importe{n} salindres", actor=DESK)
        assert hit.id in imported and hit.phone == f"04 66 85 00 {n:02d}"


def test_all_or_nothing_writes_nothing_when_a_line_is_bad(demo, tmp_path):
    path = mixed_file(tmp_path)
    report = import_households(demo, path, actor=AGENT, clock=CLOCK, apply=True, all_or_nothing=True)
    assert not report.applied and report.bad
    assert household_count(demo) == 1


def test_comma_separated_file_and_example_file(demo, tmp_path):
    example = tmp_path / "exemple.csv"
    example.write_bytes(EXAMPLE)
    report = import_households(demo, example, actor=AGENT, clock=CLOCK, apply=True)
    assert (report.imported, report.bad) == (3, [])
    comma = tmp_path / "virgules.csv"
    comma.write_text("id_externe,nom,prenom,adresse,commune\nV-1,Durand,Zoé,3 rue Basse,Anduze\n", encoding="utf-8")
    assert import_households(demo, comma, actor=AGENT, clock=CLOCK, apply=True).imported == 1
    assert find_households(demo, "zoe durand", actor=DESK)[0].commune == "Anduze"


def test_a_file_without_the_required_columns_is_refused(demo, tmp_path):
    path = tmp_path / "mauvais.csv"
    path.write_text("nom;prenom\nDurand;Zoé\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="Colonnes obligatoires absentes de l'en-tête : id_externe, adresse, commune"):
        import_households(demo, path, actor=AGENT, clock=CLOCK)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip_is_identical(engine, tmp_path, db_url, fmt):
    build_demo(engine, households=40)
    staff = Actor(id=3, login="cantine", name="S", role="staff")
    with pytest.raises(PermissionDenied):
        export_households(engine, actor=staff, clock=CLOCK)
    first = export_households(engine, actor=AGENT, clock=CLOCK, fmt=fmt)
    path = tmp_path / f"export.{fmt}"
    path.write_text(first, encoding="utf-8")
    # Re-importing into the same database creates nothing.
    same = import_households(engine, path, actor=AGENT, clock=CLOCK, apply=True)
    assert same.bad == [] and same.imported == 0 and same.already_present == household_count(engine)
    # Into an empty database: the same households, exported identically.
    from mairie_tui.db import make_engine, upgrade

    target_url = db_url.replace("mairie.db", "cible.db") if db_url.startswith("sqlite") else None
    if target_url is None:
        pytest.skip("aller-retour vers une seconde base : SQLite")
    target = make_engine(target_url)
    upgrade(target)
    report = import_households(target, path, actor=SYSTEM_ACTOR, clock=CLOCK, apply=True)
    assert report.bad == [], report.bad[:3]
    assert export_households(target, actor=SYSTEM_ACTOR, clock=CLOCK, fmt=fmt) == first
    with read_session(engine) as a, read_session(target) as b:
        count = select(func.count()).select_from(Person)
        assert a.exec(count).one() == b.exec(count).one()
    target.dispose()
