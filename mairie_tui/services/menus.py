"""The canteen's menus: import from the kitchen's file, list per site and days.

The kitchen sends a CSV or XLSX file, one line per site and day:

    site;date;entree;plat;dessert;gouter;allergenes;labels
    Restaurant scolaire Mons;07/09/2020;Carottes râpées;Poulet basquaise;Yaourt;;lait;bio,local

`allergenes` and `labels` list the regulated allergens and the labels (bio,
local, végétarien) by name (domain/menus.py). The import is a dry run unless
`apply`: every line is checked, each bad one is reported with its number and
column, and --apply writes the good lines in one transaction, replacing the
menu a site already had that day. Menus are the kitchen's, not personal data,
but the staff see those of their own sites only (`listes.lire` par site).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr, menus
from mairie_tui.domain.household_rules import refused_character
from mairie_tui.domain.menus import MenuDay
from mairie_tui.models import Activity, Enrolment, Household, Menu, Person, Unit
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import ImportFileError, ServiceError
from mairie_tui.services.household_io.cells import parse_date, shown
from mairie_tui.services.household_io.report import BadLine
from mairie_tui.services.household_io.tables import Cells, csv_table, xlsx_table
from mairie_tui.services.lists.lookup import resolve_site
from mairie_tui.services.lists.menus import menu_day, menus_of
from mairie_tui.services.permissions import may_see_site, require, requires
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import get_or_404, writing

# Column → Menu attribute, for the dishes.
DISHES = {"entree": "starter", "plat": "main_course", "dessert": "dessert", "gouter": "snack"}
COLUMNS = ("site", "date", *DISHES, "allergenes", "labels")
REQUIRED = ("site", "date")
TEXT_LIMIT = 200
MAX_DAYS = 400
T = TypeVar("T")


@dataclass
class MenuImportReport:
    lines: int = 0
    good: int = 0
    created: int = 0
    replaced: int = 0
    empty_lines: int = 0
    bad: list[BadLine] = field(default_factory=list)
    # (site, Monday) of the weeks of the file without a vegetarian meal (EGalim).
    without_vegetarian: list[tuple[str, date]] = field(default_factory=list)
    applied: bool = False

    @property
    def bad_lines(self) -> int:
        return len({bad.line for bad in self.bad})

    def summary(self) -> str:
        if self.applied:
            done = f"{self.created} menus ajoutés, {self.replaced} remplacés"
        else:
            done = f"{self.good} menus à importer (essai : rien n'est écrit, ajoutez --apply)"
        text = f"{self.lines} lignes lues : {done}, {self.bad_lines} lignes en erreur"
        if self.empty_lines:
            text += f", {self.empty_lines} lignes vides ignorées"
        return text + "."

    def warnings(self) -> list[str]:
        return [
            f"{site} : semaine du {fr.short_date(monday)} sans repas végétarien "
            "(un par semaine depuis la loi EGalim)."
            for site, monday in self.without_vegetarian
        ]


@requires("listes.lire")
def list_menus(
    engine: Engine,
    *,
    start: date,
    end: date,
    actor: Actor,
    site: str | None = None,
) -> list[MenuDay]:
    """The menus of a site (or of every site the agent may see) from `start` to `end`."""
    if end < start:
        raise ServiceError("La date de fin précède la date de début.", field="end")
    if (end - start).days > MAX_DAYS:
        raise ServiceError("Période trop longue (plus d'un an).", field="end")
    with read_session(engine) as session:
        query = select(Menu).where(Menu.day >= start, Menu.day <= end)
        if site is not None:
            name = resolve_site(session, site)
            require(actor, "listes.lire", site=name)
            query = query.where(Menu.site == name)
        rows = session.exec(query.order_by(col(Menu.site), col(Menu.day))).all()
    return [menu_day(row) for row in rows if may_see_site(actor, row.site)]


def vegetarian_warnings(days: Iterable[MenuDay]) -> list[tuple[str, date]]:
    """(site, Monday) of each week without a vegetarian meal among these menus."""
    by_site: dict[str, list[tuple[date, tuple[str, ...]]]] = {}
    for menu in days:
        by_site.setdefault(menu.site, []).append((menu.day, menu.labels))
    return [
        (site, monday)
        for site in sorted(by_site)
        for monday in menus.weeks_without_vegetarian(by_site[site])
    ]


# ---------------------------------------------------------------- the Foyer's week

MENU_KINDS = ("canteen", "periscolaire")
SCHOOL_DAYS = 5  # Monday to Friday


@dataclass(frozen=True)
class AllergyAlert:
    """A child of the household whose allergens are in a day's menu."""

    child: str
    allergens: tuple[str, ...]
    pai: bool

    @property
    def text(self) -> str:
        """`Jeannot : arachide (PAI)`."""
        return f"{self.child} : {menus.allergen_names(self.allergens)}" + (
            " (PAI)" if self.pai else ""
        )


@dataclass(frozen=True)
class SiteMenu:
    """One site's menu on one day, for the household's children enrolled there."""

    site: str
    children: tuple[str, ...]
    menu: MenuDay | None
    alerts: tuple[AllergyAlert, ...]


@dataclass(frozen=True)
class WeekMenus:
    monday: date
    days: tuple[tuple[date, tuple[SiteMenu, ...]], ...]

    @property
    def title(self) -> str:
        """`Semaine du lundi 14/09/2020 au vendredi 18/09/2020`."""
        friday = self.monday + timedelta(days=SCHOOL_DAYS - 1)
        return f"Semaine du {fr.long_date(self.monday)} au {fr.long_date(friday)}"

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(sorted({entry.site for _day, entries in self.days for entry in entries}))


@requires("foyers.lire")
def household_week_menus(
    engine: Engine, household_id: int, day: date, *, actor: Actor
) -> WeekMenus:
    """The menus, Monday to Friday of `day`'s week, of the sites where the household's
    children are enrolled (canteen, périscolaire) on the days their activity serves
    meals, each child's allergens in them flagged."""
    monday = menus.week_start(day)
    friday = monday + timedelta(days=SCHOOL_DAYS - 1)
    with read_session(engine) as session:
        get_or_404(session, Household, household_id, "Foyer introuvable.")
        rows = session.exec(
            select(Person, Enrolment, Activity)
            .join(Enrolment, col(Enrolment.person_id) == col(Person.id))
            .join(Activity, col(Activity.id) == col(Enrolment.activity_id))
            .where(
                Person.household_id == household_id,
                Person.role == "child",
                Enrolment.status == "active",
                col(Activity.kind).in_(MENU_KINDS),
                Enrolment.start_date <= friday,
                Enrolment.end_date >= monday,
            )
            .order_by(col(Person.first_name), col(Activity.site))
        ).all()
        found = menus_of(session, {activity.site for _p, _e, activity in rows}, monday, friday)
        # The weekdays each activity serves meals (its units'): none on the canteen's Wednesday.
        open_days: dict[int, set[int]] = {}
        activity_ids = {activity.id for _p, _e, activity in rows}
        for unit in session.exec(select(Unit).where(col(Unit.activity_id).in_(activity_ids))):
            weekdays = {int(d) for d in unit.weekdays.split(",") if d.strip().isdigit()}
            open_days.setdefault(unit.activity_id, set()).update(weekdays)
    days = []
    for offset in range(SCHOOL_DAYS):
        current = monday + timedelta(days=offset)
        by_site: dict[str, list[Person]] = {}
        for person, enrolment, activity in rows:
            serves = current.weekday() in open_days.get(enrolment.activity_id, set())
            if serves and enrolment.start_date <= current <= enrolment.end_date:
                children = by_site.setdefault(activity.site, [])
                if person not in children:
                    children.append(person)
        entries = []
        for site in sorted(by_site):
            menu = found.get((site, current))
            alerts = []
            for person in by_site[site]:
                hit = menus.allergens_in_menu(
                    menus.split_codes(person.allergens), menu.allergens if menu else ()
                )
                if hit:
                    pai = person.pai_until is not None and person.pai_until >= current
                    alerts.append(AllergyAlert(person.first_name, hit, pai))
            entries.append(
                SiteMenu(
                    site=site,
                    children=tuple(person.first_name for person in by_site[site]),
                    menu=menu,
                    alerts=tuple(alerts),
                )
            )
        days.append((current, tuple(entries)))
    return WeekMenus(monday=monday, days=tuple(days))


# ---------------------------------------------------------------- import


def _table(path: Path) -> tuple[int, list[str], Iterator[tuple[int, Cells]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Fichier illisible : {path} ({exc.strerror})") from None
    if path.suffix.lower() == ".xlsx":
        return xlsx_table(raw)
    return csv_table(raw)


def _check_header(line: int, names: list[str]) -> None:
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ImportFileError(
            f"Ligne {line} : colonnes obligatoires absentes de l'en-tête : {', '.join(missing)}."
        )
    unknown = [shown(name) for name in names if name not in COLUMNS]
    if unknown or len(set(names)) != len(names):
        detail = f"colonnes inconnues : {', '.join(unknown)}" if unknown else "colonne en double"
        raise ImportFileError(f"Ligne {line} : {detail} (attendues : {', '.join(COLUMNS)}).")


class _LineChecker:
    """Checks one line of the file; the site names are resolved once each."""

    def __init__(self, session: Session, report: MenuImportReport) -> None:
        self.session = session
        self.report = report
        self.sites: dict[str, str | ServiceError] = {}
        self.seen: dict[tuple[str, date], int] = {}

    def site(self, text: str) -> str:
        if not text:
            raise ValueError("site obligatoire")
        if text not in self.sites:
            try:
                self.sites[text] = resolve_site(self.session, text)
            except ServiceError as exc:
                self.sites[text] = exc
        found = self.sites[text]
        if isinstance(found, ServiceError):
            raise ValueError(found.french_message().rstrip("."))
        return found

    def check(self, line: int, values: dict[str, str]) -> MenuDay | None:
        problems: list[tuple[str, str]] = []

        def read(column: str, reader: Callable[[str], T], empty: T) -> T:
            try:
                return reader(values.get(column, ""))
            except ValueError as exc:
                problems.append((column, str(exc)))
                return empty

        site = read("site", self.site, "")
        day = read("date", _day, None)
        dishes = {attribute: read(column, _dish, "") for column, attribute in DISHES.items()}
        menu = MenuDay(
            site=site,
            day=day or date.min,
            allergens=read("allergenes", menus.parse_allergens, ()),
            labels=read("labels", menus.parse_labels, ()),
            **dishes,
        )
        if not problems and not any(dishes.values()):
            problems.append(("", "aucun plat (entree, plat, dessert ou gouter)"))
        if not problems:
            first = self.seen.setdefault((menu.site, menu.day), line)
            if first != line:
                problems.append(("date", f"même site et même jour que la ligne {first}"))
        for column, reason in problems:
            self.report.bad.append(BadLine(line, reason, column))
        return None if problems else menu


def _day(text: str) -> date:
    day = parse_date(text, "date")
    if day is None:
        raise ValueError("date obligatoire")
    return day


def _dish(text: str) -> str:
    value = " ".join(text.split())
    problem = refused_character(value)
    if problem:
        raise ValueError(f"caractère interdit ({problem})")
    if len(value) > TEXT_LIMIT:
        raise ValueError(f"texte trop long ({len(value)} caractères, {TEXT_LIMIT} au plus)")
    return value


def _checked_rows(path: Path, session: Session, report: MenuImportReport) -> list[MenuDay]:
    header_line, names, rows = _table(path)
    _check_header(header_line, names)
    checker = _LineChecker(session, report)
    good = []
    for line, cells in rows:
        if isinstance(cells, list) and not any(cells):
            report.empty_lines += 1
            continue
        report.lines += 1
        if isinstance(cells, str):
            report.bad.append(BadLine(line, cells))
            continue
        if len(cells) != len(names):
            report.bad.append(BadLine(line, f"{len(cells)} colonnes au lieu de {len(names)}"))
            continue
        row = checker.check(line, dict(zip(names, cells, strict=True)))
        if row is not None:
            good.append(row)
    return good


@requires("menus.importer")
@write_use_case(retry_on_duplicate=True)
def import_menus(
    engine: Engine, path: Path, *, actor: Actor, clock: Clock, apply: bool = False
) -> MenuImportReport:
    """Check the kitchen's file (dry run) and, with `apply`, write its good lines."""
    report = MenuImportReport()
    with read_session(engine) as session:
        good = _checked_rows(Path(path), session, report)
    report.good = len(good)
    report.without_vegetarian = vegetarian_warnings(good)
    if not apply or not good:
        return report
    now = clock.now()
    with writing(engine, "import des menus") as session:
        report.created, report.replaced = _write(session, good, now)
        audit(
            session,
            at=now,
            actor=actor,
            action="menus.import",
            entity="menu",
            entity_id=None,
            details={
                "file": Path(path).name,
                "created": report.created,
                "replaced": report.replaced,
            },
        )
    report.applied = True
    return report


def _write(session: Session, good: list[MenuDay], now: datetime) -> tuple[int, int]:
    """Insert the new menus, replace those a site already had that day."""
    existing = {
        (row.site, row.day): row
        for row in session.exec(
            select(Menu).where(
                col(Menu.site).in_({menu.site for menu in good}),
                Menu.day >= min(menu.day for menu in good),
                Menu.day <= max(menu.day for menu in good),
            )
        ).all()
    }
    created = replaced = 0
    for menu in good:
        row = existing.get((menu.site, menu.day))
        if row is None:
            row = Menu(site=menu.site, day=menu.day, updated_at=now)
            created += 1
        else:
            replaced += 1
        for attribute in DISHES.values():
            setattr(row, attribute, getattr(menu, attribute))
        row.allergens = menus.join_codes(menu.allergens)
        row.labels = menus.join_codes(menu.labels)
        row.updated_at = now
        session.add(row)
    return created, replaced
