"""Menus de la semaine, from the Foyer (key `m`): the week's menus of the sites where the
household's children eat (canteen, périscolaire), the allergens named in French, and each
child whose allergens are in a day's menu flagged.

Every dish comes from the kitchen's file: shown with `content()`, never read as markup.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from mairie_tui.domain import fr
from mairie_tui.services.menus import household_week_menus
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content, lines
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.menus import SiteMenu, WeekMenus


def menu_lines(entry: SiteMenu) -> Content:
    """A site's menu of the day: dishes, goûter, allergens and labels, the children flagged."""
    menu = entry.menu
    if menu is None:
        return content("menu non communiqué", "dim")
    parts = [content(menu.dishes or "menu non communiqué")]
    if menu.snack:
        parts.append(content(f"goûter : {menu.snack}"))
    details = []
    if menu.allergens:
        details.append(f"allergènes : {menu.allergen_names}")
    if menu.labels:
        details.append(menu.label_names)
    if details:
        parts.append(content(" · ".join(details), "dim"))
    for alert in entry.alerts:
        parts.append(content(f"⚠ ALLERGIE {alert.text}", "b red"))
    return lines(parts)


def day_widgets(week: WeekMenus) -> list[Static]:
    """Per day its title, then per site its name and its menu (indented, wrapped)."""
    widgets = []
    for day, entries in week.days:
        widgets.append(Static(content(fr.long_date(day).upper()), classes="week-menus-day"))
        if not entries:
            widgets.append(
                Static(
                    content("pas de repas ce jour-là pour les enfants du foyer"),
                    classes="week-menus-site muted",
                )
            )
        for entry in entries:
            children = ", ".join(entry.children)
            widgets.append(Static(content(f"{entry.site} ({children})"), classes="week-menus-site"))
            widgets.append(Static(menu_lines(entry), classes="week-menus-menu"))
    return widgets


def alert_count(week: WeekMenus) -> int:
    return sum(len(entry.alerts) for _day, entries in week.days for entry in entries)


class WeekMenusScreen(MairieScreen):
    """Menus de la semaine.

    | Key | Action |
    | :- | :- |
    | left / right | Semaine précédente / suivante. |
    | up / down, pageup / pagedown | Faire défiler la semaine. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Menus de la semaine"
    HELP = (
        "Les menus de la semaine, du lundi au vendredi, des restaurants scolaires et "
        "périscolaires où les enfants du foyer sont inscrits, avec les allergènes du menu "
        "(les 14 du règlement européen) et ses labels. Un enfant dont un allergène est au "
        "menu ce jour-là est signalé en rouge (« ⚠ ALLERGIE », et « PAI » s'il en a un en "
        "cours).\n\n`←` / `→` : semaine précédente / suivante ; `↑` / `↓` font défiler ; `échap` : "
        "retour au foyer."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        # Before the scrolling body's own left / right (it never scrolls sideways).
        Binding("left", "week(-1)", "Semaine précédente", priority=True, id="week_menus.previous"),
        Binding("right", "week(1)", "Semaine suivante", priority=True, id="week_menus.next"),
        Binding("escape", "back", "Retour au foyer", id="week_menus.back"),
    ]

    def __init__(self, household_id: int, dossier: str, day: date | None = None) -> None:
        super().__init__()
        self.household_id = household_id
        self.dossier = dossier
        self.day = day
        self.week: WeekMenus | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="week-menus-body"):
            yield Static(
                content(f"MENUS DE LA SEMAINE — FOYER {self.dossier}"),
                id="week-menus-title",
                classes="panel-title",
            )
            yield Static(content("Chargement…"), id="week-menus-summary", classes="muted")
            yield Vertical(id="week-menus-days")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.mairie.clock.today()
        self.query_one("#week-menus-body", VerticalScroll).focus()
        self.reload()

    def reload(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None and self.day is not None
        household_id, day = self.household_id, self.day

        def call() -> WeekMenus:
            return household_week_menus(app.engine, household_id, day, actor=actor)

        self.call_service("week-menus", call, self._show)

    def _show(self, week: WeekMenus) -> None:
        self.week = week
        alerts = alert_count(week)
        summary = week.title
        if not week.sites:
            summary += " — aucun enfant inscrit à la cantine ou au périscolaire"
        elif alerts:
            summary += f" — {alerts} alerte{'s' if alerts > 1 else ''} allergie"
        style = "b red" if alerts else ""
        self.query_one("#week-menus-summary", Static).update(content(summary, style))
        days = self.query_one("#week-menus-days", Vertical)
        days.remove_children()
        days.mount_all(day_widgets(week))
        self.query_one("#week-menus-body", VerticalScroll).scroll_home(animate=False)

    def action_week(self, delta: int) -> None:
        if self.day is None:
            return
        self.day += timedelta(days=7 * delta)
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
