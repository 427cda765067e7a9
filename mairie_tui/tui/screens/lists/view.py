"""Listes: the children of a site, unit and day, and the pointage (present / absent).

The school staff see only this screen (and the kitchen headcounts): names,
class, booking, absence and the phones of the people to call, nothing else of
the households. Counter agents and supervisors reach it from the command
palette or `f6`; a supervisor closes the day here.

Pointage is keyboard-first: the table of children has the focus, `p` / `a`
tick the highlighted child and move to the next one at once; the ticks are
written one after the other by a single worker (in the order typed), each
shown as « … » until the database has it.

This module: the layout, the choice of site, unit and day, the list shown (ListsView);
pointage.py adds the pointage, printing, closing and leaving (ListsScreen).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Select, Static

from mairie_tui.domain import fr, menus
from mairie_tui.services.lists import day_list, list_sites
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.lists.cells import (
    OFFLINE_TITLE,
    PendingMark,
    Picker,
    PointageTable,
    absence_cell,
    booking_cell,
    contacts_cell,
    is_offline,
    mark_cell,
    name_cell,
)
from mairie_tui.tui.text import content, plain
from mairie_tui.tui.widgets.columns import Width, fit_widths, resize_columns, table_room
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.lists import ChildLine, DayList, Mark, SiteSummary


LIST_COLUMNS = (
    ("name", "Nom et prénom"),
    ("class", "Classe"),
    ("booking", "Réservation"),
    ("mark", "Pointage"),
    ("absence", "Absence signalée"),
    ("phone", "Téléphone"),
)
# After the name: class, booking, pointage, absence, first phone (the others under c Contacts).
# The phone stays whole (with its « (+1) »): it is what one calls from the list.
LIST_WIDTHS = (Width(6, 6), Width(11, 11), Width(19, 11), Width(22, 5), Width(20, 19))


class ListsView(MairieScreen):
    """Listes — effectifs du jour et pointage.

    | Key | Action |
    | :- | :- |
    | p | Pointer présent (puis enfant suivant). |
    | a | Pointer absent (puis enfant suivant). |
    | i | Présence imprévue (enfant venu sans réservation). |
    | c / enter | Contacts et téléphones de l'enfant. |
    | left / right | Jour précédent / suivant. |
    | t | Aujourd'hui. |
    | s / u | Choisir le site / l'unité. |
    | e | Effectifs cuisine (jour, semaine, mois). |
    | l | Imprimer la liste (PDF). |
    | k | Clôturer la journée (superviseur). |
    | escape | Retour (agents) ; ctrl+d se déconnecter (personnel). |
    """

    TITLE_TEXT = "Listes"
    HELP = (
        "Choisissez le **site**, l'**unité** et le **jour** (aujourd'hui par défaut, "
        "`←` / `→` pour changer de jour). Les compteurs en haut résument la journée : "
        "inscrits, réservés, en attente, non réservés, absences signalées, présents, "
        "absents, imprévus et enfants réservés restant à pointer.\n\n"
        "**Pointage** : `p` présent, `a` absent (l'enfant suivant est alors en "
        "surbrillance), `i` présence imprévue pour un enfant venu sans réservation. "
        "Chaque pointage est enregistré et tracé à votre nom. Une journée clôturée "
        "par un superviseur est verrouillée ; un jour à venir ne se pointe pas.\n\n"
        "`c` (ou `entrée`) montre les personnes autorisées et leurs téléphones. "
        "`l` imprime la liste du jour en PDF (cases à cocher) dans le dossier de "
        "données ; `e` ouvre les effectifs pour la cuisine.\n\n"
        "**Allergies** : le menu du jour s'affiche sous la liste ; un enfant dont un "
        "allergène est au menu est marqué ⚠ en rouge, un enfant avec une allergie, un "
        "régime ou un PAI est marqué ● (détails avec `c`)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "previous_day", "Jour", key_display="←/→", id="lists.prev"),
        Binding("right", "next_day", "Jour suivant", show=False, id="lists.next"),
        Binding("t", "today", "Aujourd'hui", show=False, id="lists.today"),
        Binding("s", "pick_site", "Site", show=False, id="lists.site"),
        Binding("u", "pick_unit", "Unité", show=False, id="lists.unit"),
        Binding("e", "headcounts", "Effectifs", id="lists.headcounts"),
        Binding("l", "print", "Imprimer", id="lists.print"),
        Binding("k", "close_day", "Clôturer", id="lists.close"),
        Binding("escape", "back", "Retour", id="lists.back"),
        Binding("ctrl+d", "sign_out", "Déconnexion", id="lists.sign_out"),
        Binding("p,a,i", "pointage_refused", show=False, id="lists.pointage_refused"),
    ]

    def __init__(self, *, can_go_back: bool = False, site: str | None = None) -> None:
        super().__init__()
        self.can_go_back = can_go_back
        self.day = date.min
        self.sites: list[SiteSummary] = []
        self.site: str | None = site
        self.unit_id: int | None = None
        self.day_list: DayList | None = None
        self._children: dict[int, ChildLine] = {}
        self._marks: dict[int, Mark | None] = {}
        self._queue: deque[PendingMark] = deque()
        self._pending: dict[int, PendingMark] = {}
        self._writing = False

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        offline = is_offline(self.app)
        title = f"{self.TITLE_TEXT} — {OFFLINE_TITLE}" if offline else self.TITLE_TEXT
        yield AppHeader(title)
        with Vertical(id="lists-body"):
            if offline:
                yield Static(
                    f"{OFFLINE_TITLE} : seul le pointage est enregistré ici ; "
                    "il sera importé à la mairie au retour du réseau.",
                    id="lists-offline",
                )
            with Horizontal(id="lists-pickers"):
                yield Static("Site", classes="picker-label")
                yield Picker([], prompt="Choisir un site…", id="lists-site", compact=True)
                yield Static("Unité", classes="picker-label")
                yield Picker([], prompt="Unité", id="lists-unit", compact=True)
                yield Static("", id="lists-day")
            yield Static("", id="lists-counts")
            yield Static("", id="lists-status")
            yield PointageTable(id="lists-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.day = self.mairie.clock.today()
        table = self.query_one("#lists-table", PointageTable)
        for (key, label), width in zip(LIST_COLUMNS, self._widths(table), strict=True):
            table.add_column(Text(label, overflow="ellipsis"), width=width, key=key)
        self._show_day()
        self.query_one("#lists-status", Static).update("Chargement des sites…")
        app = self.mairie

        def call() -> list[SiteSummary]:
            return list_sites(app.engine, actor=app.actor)

        self.call_service("sites", call, self._sites_loaded)

    def _sites_loaded(self, sites: list[SiteSummary]) -> None:
        self.sites = sites
        select = self.query_one("#lists-site", Select)
        with self.prevent(Select.Changed):
            select.set_options([(plain(s.site), s.site) for s in sites])
        names = [s.site for s in sites]
        if self.site not in names:
            self.site = names[0] if len(names) == 1 else None
        if self.site is None:
            self.query_one("#lists-status", Static).update(
                "Choisissez un site (s), puis l'unité : la liste du jour s'affiche."
            )
            select.focus()
            return
        self.choose_site(self.site)

    # ------------------------------------------------------------ choosing

    def units(self) -> tuple[Any, ...]:
        for summary in self.sites:
            if summary.site == self.site:
                return summary.units
        return ()

    def choose_site(self, site: str, unit_id: int | None = None) -> None:
        """Show `site` (its first unit, or `unit_id`) for the current day."""
        self.site = site
        units = self.units()
        site_select = self.query_one("#lists-site", Select)
        unit_select = self.query_one("#lists-unit", Select)
        with self.prevent(Select.Changed):
            if site_select.value != site:
                site_select.value = site
            names = [u.name for u in units]
            # The activity is on the status line: the unit's own name, unless two share it.
            unit_select.set_options(
                [(plain(u.name if names.count(u.name) == 1 else u.label), u.id) for u in units]
            )
        ids = [u.id for u in units]
        self.unit_id = unit_id if unit_id in ids else (ids[0] if ids else None)
        if self.unit_id is not None:
            with self.prevent(Select.Changed):
                unit_select.value = self.unit_id
        self.load()
        self.query_one("#lists-table", PointageTable).focus()

    @on(Select.Changed, "#lists-site")
    def _site_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.site:
            self.choose_site(event.value)

    @on(Select.Changed, "#lists-unit")
    def _unit_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int) and event.value != self.unit_id:
            self.unit_id = event.value
            self.load()
            self.query_one("#lists-table", PointageTable).focus()

    def action_pick_site(self) -> None:
        select = self.query_one("#lists-site", Select)
        select.focus()
        select.action_show_overlay()

    def action_pick_unit(self) -> None:
        select = self.query_one("#lists-unit", Select)
        select.focus()
        select.action_show_overlay()

    def set_day(self, day: date) -> None:
        self.day = day
        self._show_day()
        self.load()

    def action_previous_day(self) -> None:
        self.set_day(self.day - timedelta(days=1))

    def action_next_day(self) -> None:
        self.set_day(self.day + timedelta(days=1))

    def action_today(self) -> None:
        self.set_day(self.mairie.clock.today())

    def _show_day(self) -> None:
        today = self.mairie.clock.today()
        suffix = " (aujourd'hui)" if self.day == today else ""
        self.query_one("#lists-day", Static).update(f"[b]‹ {fr.long_date(self.day)}{suffix} ›[/]")

    # ------------------------------------------------------------ loading

    def load(self) -> None:
        if self.site is None or self.unit_id is None:
            return
        site, unit_id, day = self.site, self.unit_id, self.day
        app = self.mairie
        self.query_one("#lists-status", Static).update("Chargement de la liste…")

        def call() -> DayList:
            assert app.actor is not None
            return day_list(
                app.engine, site=site, unit=unit_id, day=day, clock=app.clock, actor=app.actor
            )

        self.call_service("list", call, self._show_list, failed=self._list_failed)

    def _list_failed(self, message: str, error: BaseException | None) -> None:
        self.query_one("#lists-status", Static).update(content(message, "b red"))

    def _widths(self, table: PointageTable, longest_name: int = 25) -> list[int]:
        """The name column as wide as the longest name when there is room."""
        room = table_room(table, self.app.size.width, 2, len(LIST_COLUMNS))
        name = Width(max(longest_name, 12), 12, True)
        return fit_widths((name, *LIST_WIDTHS), room)

    def _fit_columns(self) -> None:
        table = self.query_one("#lists-table", PointageTable)
        names = [len(child.full_name) for child in self._children.values()]
        widths = self._widths(table, max(names, default=25))
        resize_columns(table, [key for key, _ in LIST_COLUMNS], widths)

    def on_resize(self) -> None:
        self._fit_columns()

    def _show_list(self, listed: DayList) -> None:
        if (listed.unit_id, listed.day) != (self.unit_id, self.day):
            return  # the agent moved on meanwhile
        self.day_list = listed
        ordered = listed.booked + listed.pending + listed.not_booked
        self._children = {c.enrolment_id: c for c in ordered}
        self._marks = {c.enrolment_id: c.mark for c in ordered}
        table = self.query_one("#lists-table", PointageTable)
        row = table.cursor_row
        table.clear()
        for child in ordered:
            pending = self._pending_for(child.enrolment_id)
            cells = (
                name_cell(child),
                plain(child.school_class),
                booking_cell(child),
                mark_cell(child.mark, pending, child.booking == "booked"),
                absence_cell(child),
                contacts_cell(child),
            )
            for cell in cells:
                cell.overflow = "ellipsis"  # a narrow column ends with « … », never mid-word
            table.add_row(*cells, key=str(child.enrolment_id))
        self._fit_columns()
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self._show_counts()
        self._show_status()
        self.refresh_bindings()  # p / a / i only where the day can be ticked

    def _pending_for(self, enrolment_id: int) -> PendingMark | None:
        pending = self._pending.get(enrolment_id)
        if pending is None or self.day_list is None:
            return None
        if (pending.day, pending.unit_id) != (self.day_list.day, self.day_list.unit_id):
            return None
        return pending

    def _show_counts(self) -> None:
        listed = self.day_list
        if listed is None:
            return
        counts = listed.counts
        marks = [m for m in self._marks.values() if m is not None]
        counts = dataclasses.replace(
            counts,
            present=sum(1 for m in marks if m.present),
            absent=sum(1 for m in marks if not m.present),
            unexpected=sum(1 for m in marks if m.present and m.unexpected),
            unmarked=sum(
                1
                for c in self._children.values()
                if c.booking == "booked" and self._marks.get(c.enrolment_id) is None
            ),
        )
        self.query_one("#lists-counts", Static).update(
            f"Inscrits [b]{counts.enrolled}[/] · Réservés [b]{counts.booked}[/] · "
            f"En attente [b]{counts.pending}[/] · Non réservés [b]{counts.not_booked}[/] · "
            f"Absences signalées [b]{counts.absences}[/]\n"
            f"Pointage : [green]présents [b]{counts.present}[/][/] · "
            f"[red]absents [b]{counts.absent}[/][/] · "
            f"[yellow]imprévus [b]{counts.unexpected}[/][/] · "
            f"réservés restant à pointer [b]{counts.unmarked}[/]",
            layout=False,  # two lines always: no layout pass per tick
        )

    def _show_status(self) -> None:
        listed = self.day_list
        if listed is None:
            return
        parts = [content(f"{listed.activity_name} — {listed.unit_name}", "b")]
        if listed.note:
            parts.append(content(listed.note, "yellow"))
        if listed.closed:
            who = f" par {listed.closed_by}" if listed.closed_by else ""
            when = f" le {fr.date_time(listed.closed_at)}" if listed.closed_at else ""
            parts.append(content(f"Journée clôturée{who}{when} : pointage verrouillé.", "b red"))
        elif listed.day > self.mairie.clock.today():
            parts.append(content("Jour à venir : pas de pointage.", "dim"))
        elif listed.note:
            parts.append(content("Pas de pointage ce jour.", "dim"))
        else:
            parts.append(content("Pointage ouvert.", "green"))
        if not listed.children:
            parts.append(content("Aucun enfant inscrit ce jour."))
        status = Content("  ·  ").join(parts)
        if listed.menu is not None:
            status = Content("\n").join([status, content(f"Menu : {listed.menu.line}", "dim")])
        if listed.flagged:
            alerts = ", ".join(
                f"{c.full_name} ({menus.allergen_names(c.menu_allergens)})" for c in listed.flagged
            )
            status = Content("\n").join(
                [status, content(f"⚠ Allergie au menu : {alerts}", "b red")]
            )
        self.query_one("#lists-status", Static).update(status)
