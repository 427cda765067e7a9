"""Menus (issue 15): the kitchen's file imported for two sites, a child with a peanut PAI
flagged on the staff list and the printed sheet the day peanuts are on the menu, and the
kitchen's headcount counting special diets."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Menu, Person
from mairie_tui.services.bookings import open_booking
from mairie_tui.services.errors import ImportFileError, PermissionDenied
from mairie_tui.services.lists import day_list, headcounts
from mairie_tui.services.menus import household_week_menus, import_menus, list_menus
from mairie_tui.services.reports import print_day_list
from tests.helpers import clock_at
from tests.services.test_lists import MONDAY, SITE_A, SITE_B, TUESDAY, World, build_world

NOW = clock_at("2020-09-18T10:00")
HEADER = "site;date;entree;plat;dessert;gouter;allergenes;labels"
PEANUT_DAY = MONDAY  # 21/09/2020


def month_of_menus(sites: tuple[str, ...] = (SITE_A, SITE_B)) -> list[str]:
    """September 2020, every school day, for each site: peanuts in Mons on the 21st only;
    Alès has no vegetarian meal the week of the 14th."""
    lines = [HEADER]
    day = date(2020, 9, 1)
    while day.month == 9:
        if day.weekday() in (0, 1, 3, 4):
            for site in sites:
                peanuts = site == SITE_A and day == PEANUT_DAY
                vegetarian = day.weekday() == 3 and not (
                    site == SITE_B and day == date(2020, 9, 17)
                )
                dessert = "Mousse aux cacahuètes" if peanuts else "Yaourt nature"
                allergens = "arachides, lait" if peanuts else "lait"
                labels = "végétarien, bio" if vegetarian else "local"
                plat = "Omelette" if vegetarian else "Poulet basquaise"
                lines.append(
                    f"{site};{day:%d/%m/%Y};Carottes râpées;{plat};{dessert};;{allergens};{labels}"
                )
        day += timedelta(days=1)
    return lines


def write(tmp_path: Path, lines: list[str], name: str = "menus.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def give_peanut_pai(engine, first_name: str = "Jeannot") -> None:
    with unit_of_work(engine) as session:
        child = session.exec(select(Person).where(Person.first_name == first_name)).one()
        child.allergens = "arachide"
        child.pai_until = date(2021, 7, 6)
        child.pai_document = "PAI signé le 01/09/2020"
        session.add(child)


@pytest.fixture
def world(engine) -> World:
    return build_world(engine)


def test_import_is_a_dry_run_then_applies_and_replaces(engine, world, tmp_path):
    path = write(tmp_path, month_of_menus())
    report = import_menus(engine, path, actor=world.agent, clock=NOW)
    days = 17  # Mondays, Tuesdays, Thursdays and Fridays of September 2020
    assert (report.lines, report.good, report.bad, report.applied) == (
        2 * days,
        2 * days,
        [],
        False,
    )
    assert "rien n'est écrit" in report.summary()
    assert report.without_vegetarian == [(SITE_B, date(2020, 9, 14))]
    with read_session(engine) as session:
        assert session.exec(select(Menu)).all() == []

    report = import_menus(engine, path, actor=world.agent, clock=NOW, apply=True)
    assert (report.created, report.replaced, report.applied) == (2 * days, 0, True)
    again = import_menus(engine, path, actor=world.agent, clock=NOW, apply=True)
    assert (again.created, again.replaced) == (0, 2 * days)
    menus = list_menus(engine, site="mons", start=PEANUT_DAY, end=TUESDAY, actor=world.agent)
    assert [(m.site, m.day) for m in menus] == [(SITE_A, PEANUT_DAY), (SITE_A, TUESDAY)]
    assert menus[0].allergens == ("arachide", "lait")
    assert menus[0].allergen_names == "arachide, lait"
    assert "Mousse aux cacahuètes" in menus[0].line


def test_each_bad_line_is_reported_with_its_number_and_column(engine, world, tmp_path):
    lines = [
        HEADER,
        f"{SITE_A};07/09/2020;Salade;Poisson pané;Fruit;;poisson;",  # 2: good
        f"{SITE_A};31/09/2020;Salade;Poisson;Fruit;;;",  # 3: no such day
        "Vézénobres;08/09/2020;Salade;Poisson;Fruit;;;",  # 4: unknown site
        f"{SITE_A};08/09/2020;Salade;Poisson;Fruit;;kiwi;",  # 5: not a regulated allergen
        f"{SITE_A};10/09/2020;Salade;Poisson;Fruit;;;halal",  # 6: unknown label
        f"{SITE_A};07/09/2020;Salade;Poisson;Fruit;;;",  # 7: same site and day as line 2
        f"{SITE_A};11/09/2020;;;;;;",  # 8: no dish
        "",
        f"{SITE_A};14/09/2020;Salade",  # 10: too few columns
    ]
    report = import_menus(engine, write(tmp_path, lines), actor=world.agent, clock=NOW, apply=True)
    found = {(bad.line, bad.column) for bad in report.bad}
    assert found == {
        (3, "date"),
        (4, "site"),
        (5, "allergenes"),
        (6, "labels"),
        (7, "date"),
        (8, ""),
        (10, ""),
    }
    texts = [bad.text() for bad in report.bad]
    assert any("ligne 5, colonne allergenes : allergène inconnu « kiwi »" in t for t in texts)
    assert any("Aucun site ne correspond à « Vézénobres »" in t for t in texts)
    assert any("même site et même jour que la ligne 2" in t for t in texts)
    assert (report.good, report.created, report.empty_lines) == (1, 1, 1)


def test_a_file_without_the_required_columns_is_refused(engine, world, tmp_path):
    with pytest.raises(ImportFileError, match="colonnes obligatoires absentes.*date"):
        import_menus(engine, write(tmp_path, ["site;plat", "x;y"]), actor=world.agent, clock=NOW)
    with pytest.raises(ImportFileError, match="colonnes inconnues : boisson"):
        import_menus(
            engine, write(tmp_path, ["site;date;boisson", "x;y;z"]), actor=world.agent, clock=NOW
        )


def test_the_peanut_day_flags_the_child_on_the_list_the_sheet_and_the_headcount(
    engine, world, tmp_path
):
    """Acceptance (issue 15): a month of menus for two sites, a child with a peanut PAI."""
    import_menus(
        engine, write(tmp_path, month_of_menus()), actor=world.agent, clock=NOW, apply=True
    )
    give_peanut_pai(engine)

    listed = day_list(
        engine, site=SITE_A, unit="Repas", day=PEANUT_DAY, clock=NOW, actor=world.staff
    )
    assert listed.menu is not None and "arachide" in listed.menu.allergens
    assert [c.first_name for c in listed.flagged] == ["Jeannot"]
    jeannot = listed.flagged[0]
    assert jeannot.menu_alert == "ALLERGIE AU MENU : arachide"
    assert jeannot.diet_label == "allergies : arachide · PAI jusqu'au 06/07/2021"
    others = [c for c in listed.children if c.first_name != "Jeannot"]
    assert others and all(not c.menu_allergens for c in others)
    # The next day has no peanuts: nobody is flagged, the allergy is still shown.
    tuesday = day_list(engine, site=SITE_A, unit="Repas", day=TUESDAY, clock=NOW, actor=world.staff)
    assert tuesday.flagged == ()
    assert next(c for c in tuesday.children if c.first_name == "Jeannot").allergens == ("arachide",)

    out = tmp_path / "liste.pdf"
    print_day_list(
        engine, site=SITE_A, unit="Repas", day=PEANUT_DAY, out=out, clock=NOW, actor=world.staff
    )
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "ALLERGIE AU MENU : arachide - FAMILLE TEST Jeannot (PAI jusqu'au 06/07/2021)" in text
    assert "Mousse aux cacahuètes" in text
    out_tuesday = tmp_path / "mardi.pdf"
    print_day_list(
        engine,
        site=SITE_A,
        unit="Repas",
        day=TUESDAY,
        out=out_tuesday,
        clock=NOW,
        actor=world.staff,
    )
    assert "ALLERGIE" not in " ".join(p.extract_text() for p in PdfReader(out_tuesday).pages)

    rows = headcounts(engine, start=PEANUT_DAY, end=TUESDAY, clock=NOW, actor=world.staff)
    diets = {(row.site, row.day): row.diets for row in rows}
    assert diets[(SITE_A, PEANUT_DAY)] == {"arachide": 1}
    assert diets[(SITE_A, TUESDAY)] == {"arachide": 1}  # booked that day too
    assert diets[(SITE_B, PEANUT_DAY)] == {}


def test_diets_count_only_booked_children(engine, world):
    give_peanut_pai(engine, "Tom")  # enrolled, never booked
    give_peanut_pai(engine, "Inès")
    with unit_of_work(engine) as session:
        zoe = session.exec(select(Person).where(Person.first_name == "Zoé")).one()
        zoe.diet = "sans_porc"
        session.add(zoe)
    rows = headcounts(engine, start=PEANUT_DAY, end=PEANUT_DAY, clock=NOW, actor=world.agent)
    diets = {row.site: row.diets for row in rows}
    assert diets == {SITE_A: {}, SITE_B: {"arachide": 1, "sans porc": 1}}


def test_staff_see_the_menus_of_their_sites_only(engine, world, tmp_path):
    import dataclasses

    import_menus(
        engine, write(tmp_path, month_of_menus()), actor=world.agent, clock=NOW, apply=True
    )
    mons_only = dataclasses.replace(world.staff, sites=(SITE_A,))
    every = list_menus(engine, start=PEANUT_DAY, end=PEANUT_DAY, actor=mons_only)
    assert [m.site for m in every] == [SITE_A]
    with pytest.raises(PermissionDenied, match=f"Le site {SITE_B} n'est pas l'un des vôtres"):
        list_menus(engine, site=SITE_B, start=PEANUT_DAY, end=PEANUT_DAY, actor=mons_only)
    with pytest.raises(PermissionDenied):
        import_menus(engine, tmp_path / "menus.csv", actor=mons_only, clock=NOW)


def test_the_booking_carries_its_site_s_menus_read_once(engine, world, tmp_path):
    """The grid's « Menu : » line: the booking opens with the menus of its own site only."""
    import_menus(engine, write(tmp_path, month_of_menus()), actor=world.agent, clock=NOW, apply=True)
    booking = open_booking(engine, world.enrolments["Paul"], NOW, actor=world.agent)
    assert booking.menus[PEANUT_DAY].site == SITE_A
    assert booking.menus[PEANUT_DAY].dishes == "Carottes râpées · Poulet basquaise · Mousse aux cacahuètes"
    assert {menu.site for menu in booking.menus.values()} == {SITE_A}
    assert len(booking.menus) == 17  # the school days of September with a menu
    ines = open_booking(engine, world.enrolments["Inès"], NOW, actor=world.agent)
    assert "cacahuètes" not in ines.menus[PEANUT_DAY].dishes


def test_the_foyer_s_week_flags_the_child_whose_allergen_is_on_the_menu(engine, world, tmp_path):
    """Paul (Mons, peanut PAI) and Inès (Alès): one household, two sites, one alert."""
    import_menus(engine, write(tmp_path, month_of_menus()), actor=world.agent, clock=NOW, apply=True)
    give_peanut_pai(engine, "Paul")
    with read_session(engine) as session:
        paul = session.exec(select(Person).where(Person.first_name == "Paul")).one()
        household = paul.household_id
    week = household_week_menus(engine, household, PEANUT_DAY + timedelta(days=2), actor=world.agent)
    assert week.monday == PEANUT_DAY
    assert week.title == "Semaine du lundi 21/09/2020 au vendredi 25/09/2020"
    assert week.sites == tuple(sorted((SITE_A, SITE_B)))
    monday, entries = week.days[0]
    assert monday == PEANUT_DAY
    by_site = {entry.site: entry for entry in entries}
    assert by_site[SITE_A].children == ("Paul",)
    assert [alert.text for alert in by_site[SITE_A].alerts] == ["Paul : arachide (PAI)"]
    assert by_site[SITE_B].children == ("Inès",) and by_site[SITE_B].alerts == ()
    # Tuesday: no peanuts, no alert; Wednesday: the canteens are closed, nobody eats there.
    assert all(not entry.alerts for entry in week.days[1][1])
    assert week.days[2][1] == ()
    assert sum(len(entry.alerts) for _day, day_entries in week.days for entry in day_entries) == 1
    with pytest.raises(PermissionDenied):
        household_week_menus(engine, household, PEANUT_DAY, actor=world.staff)
