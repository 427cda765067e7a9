"""Listes: the children of a site, unit and day, and the pointage (present / absent).

The school staff see only this screen (and the kitchen headcounts): names,
class, booking, absence and the phones of the people to call, nothing else of
the households. Counter agents and supervisors reach it from the command
palette or `f6`; a supervisor closes the day here.

Pointage is keyboard-first: the table of children has the focus, `p` / `a`
tick the highlighted child and move to the next one at once; the ticks are
written one after the other by a single worker (in the order typed), each
shown as « … » until the database has it.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import deque
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Select, Static
from textual.widgets._select import SelectCurrent, SelectOverlay
from textual.widgets.data_table import ColumnKey, RowKey

from mairie_tui.domain import fr
from mairie_tui.tui.screens.base import MairieModal, MairieScreen
from mairie_tui.tui.text import content, markup, plain
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.lists import ChildLine, ClosingInfo, DayList, Mark, SiteSummary
    from mairie_tui.services.reports import PrintedList

OFFLINE_TITLE = "COPIE HORS LIGNE"


def is_offline(app: Any) -> bool:
    """True when the app runs on an offline copy (set at sign-in by MairieApp)."""
    return bool(getattr(app, "offline_copy", False))


class PendingMark(NamedTuple):
    enrolment_id: int
    day: date
    unit_id: int
    present: bool
    unexpected: bool
    name: str


# ---------------------------------------------------------------- cells


def mark_cell(mark: Mark | None, pending: PendingMark | None = None, booked: bool = True) -> Text:
    if pending is not None:
        label = (
            "Absent"
            if not pending.present
            else ("Présent (imprévu)" if pending.unexpected else "Présent")
        )
        return Text(f"… {label}", style="dim italic")
    if mark is None:
        # Only booked children are expected; the others are ticked with `i` if they come.
        return Text("· à pointer", style="dim") if booked else Text("—", style="dim")
    if not mark.present:
        return Text("✘ Absent", style="bold red")
    if mark.unexpected:
        return Text("✔ Présent (imprévu)", style="bold yellow")
    return Text("✔ Présent", style="bold green")


def booking_cell(child: ChildLine) -> Text:
    style = {"booked": "", "pending": "yellow", "none": "dim"}[child.booking]
    return plain(child.booking_label, style)


def absence_cell(child: ChildLine) -> Text:
    if child.absence is None:
        return Text("")
    return plain(child.absence.label, "magenta")


def contacts_cell(child: ChildLine) -> Text:
    phones = [c for c in child.contacts if c.phone]
    if not phones:
        return Text("aucun téléphone", style="dim")
    first = phones[0]
    more = f" (+{len(phones) - 1})" if len(phones) > 1 else ""
    return plain(f"{first.phone}{more}")


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


# ---------------------------------------------------------------- widgets


class FrenchSelectOverlay(SelectOverlay):
    """The open menu of a picker: its key said in French in the key bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Fermer le menu", id="lists.menu_close"),
    ]


class Picker(Select[Any]):
    """A Select whose menu speaks French (type a few letters to jump to a site)."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield FrenchSelectOverlay(type_to_search=self._type_to_search).data_bind(
            compact=Select.compact
        )


class PointageTable(DataTable[Any]):
    """The children of the list; pointage keys act on the highlighted row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "screen.mark_present", "Présent", id="lists.present"),
        Binding("a", "screen.mark_absent", "Absent", id="lists.absent"),
        Binding("i", "screen.mark_unexpected", "Imprévu", id="lists.unexpected"),
        Binding("c", "screen.contacts", "Contacts", id="lists.contacts"),
        Binding("enter", "screen.contacts", "Contacts", show=False, id="lists.contacts2"),
        Binding("left", "screen.previous_day", "Jour", key_display="←/→", id="lists.prev2"),
        Binding("right", "screen.next_day", "Jour suivant", show=False, id="lists.next2"),
    ]

    def set_mark_cell(self, row_key: str, value: Text) -> None:
        """Change the Pointage cell of one row, re-rendering that row only.

        DataTable.update_cell bumps a counter that is part of every render
        cache key, so each tick re-rendered every visible cell (about 40 ms
        for 30 children); here only the caches of the changed row are dropped.
        Relies on DataTable internals (Textual 8.2): plain update_cell if they
        are not there.
        """
        try:
            row = RowKey(row_key)
            self._data[row][ColumnKey("mark")] = value
            row_index = self._row_locations.get(row)
            caches: tuple[Any, ...] = (self._cell_render_cache, self._row_render_cache)
            for cache in caches:
                for key in [key for key in cache.keys() if key[0] == row]:  # noqa: SIM118
                    cache.discard(key)
            if row_index is not None:
                self._row_renderable_cache.discard((self._update_count, row_index))
            self._line_cache.clear()
        except (AttributeError, KeyError, TypeError):
            self.update_cell(row_key, "mark", value)
            return
        self.refresh()


class ListsScreen(MairieScreen):
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
        "données ; `e` ouvre les effectifs pour la cuisine."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
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
        table.add_column("Nom et prénom", width=25, key="name")
        table.add_column("Classe", width=6, key="class")
        table.add_column("Réservation", width=11, key="booking")
        table.add_column("Pointage", width=19, key="mark")
        table.add_column("Absence signalée", width=22, key="absence")
        table.add_column("Téléphone", width=20, key="phone")
        self._show_day()
        self.query_one("#lists-status", Static).update("Chargement des sites…")
        app = self.mairie

        def call() -> list[SiteSummary]:
            from mairie_tui.services.lists import list_sites

            return list_sites(app.engine)

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
            from mairie_tui.services.lists import day_list

            assert app.actor is not None
            return day_list(
                app.engine, site=site, unit=unit_id, day=day, clock=app.clock, actor=app.actor
            )

        self.call_service("list", call, self._show_list, failed=self._list_failed)

    def _list_failed(self, message: str, error: BaseException | None) -> None:
        self.query_one("#lists-status", Static).update(content(message, "b red"))

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
            table.add_row(
                plain(child.full_name),
                plain(child.school_class),
                booking_cell(child),
                mark_cell(child.mark, pending, child.booking == "booked"),
                absence_cell(child),
                contacts_cell(child),
                key=str(child.enrolment_id),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self._show_counts()
        self._show_status()

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
        else:
            parts.append(content("Pointage ouvert.", "green"))
        if not listed.children:
            parts.append(content("Aucun enfant inscrit ce jour."))
        self.query_one("#lists-status", Static).update(Content("  ·  ").join(parts))

    # ------------------------------------------------------------ pointage

    def current_child(self) -> ChildLine | None:
        table = self.query_one("#lists-table", PointageTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._children.get(int(key)) if key is not None else None

    def refusal(self, child: ChildLine, present: bool, unexpected: bool) -> str | None:
        """Why this tick cannot be made (the services' own words), or None."""
        listed = self.day_list
        assert listed is not None
        day = fr.long_date(listed.day)
        if listed.closed:
            return (
                f"La journée du {day} ({listed.unit_name}) est clôturée : "
                "le pointage est verrouillé."
            )
        if listed.day > self.mairie.clock.today():
            return f"Impossible de pointer un jour à venir ({day})."
        name = f"{child.first_name} {child.last_name}"
        if present and not unexpected and child.booking != "booked":
            return f"{name} n'a pas de réservation le {day} : notez une présence imprévue (i)."
        if unexpected and child.booking == "booked":
            return f"{name} est réservé(e) le {day} : pointez-le présent (p)."
        return None

    def tick(self, present: bool, unexpected: bool = False) -> None:
        listed = self.day_list
        child = self.current_child()
        if listed is None or child is None:
            self.notify(
                "Aucun enfant à pointer : choisissez un site et une unité.", severity="warning"
            )
            return
        refused = self.refusal(child, present, unexpected)
        if refused is not None:
            self.show_error(refused)
            return
        pending = PendingMark(
            child.enrolment_id,
            listed.day,
            listed.unit_id,
            present,
            unexpected,
            f"{child.first_name} {child.last_name}",
        )
        self._pending[child.enrolment_id] = pending
        self._queue.append(pending)
        table = self.query_one("#lists-table", PointageTable)
        table.set_mark_cell(str(child.enrolment_id), mark_cell(None, pending))
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._write_next()

    def action_mark_present(self) -> None:
        self.tick(True)

    def action_mark_absent(self) -> None:
        self.tick(False)

    def action_mark_unexpected(self) -> None:
        self.tick(True, unexpected=True)

    def _write_next(self) -> None:
        """One worker writes the ticks in the order typed (never two at once)."""
        if self._writing or not self._queue:
            return
        pending = self._queue.popleft()
        self._writing = True
        app = self.mairie

        def call() -> Mark:
            from mairie_tui.services.lists import mark_attendance

            assert app.actor is not None
            return mark_attendance(
                app.engine,
                enrolment_id=pending.enrolment_id,
                day=pending.day,
                unit_id=pending.unit_id,
                present=pending.present,
                unexpected=pending.unexpected,
                actor=app.actor,
                clock=app.clock,
            )

        def done(mark: Mark) -> None:
            self._writing = False
            if self._pending.get(pending.enrolment_id) is pending:
                del self._pending[pending.enrolment_id]
            self._apply_mark(pending, mark)
            self._write_next()

        def failed(message: str, error: BaseException | None) -> None:
            self._writing = False
            dropped = len(self._queue)
            self._queue.clear()
            self._pending.clear()
            more = f"\n{dropped} autre(s) pointage(s) non enregistré(s)." if dropped else ""
            self.show_error(f"{pending.name} : {message}{more}")
            self.load()

        self.call_service("pointage", call, done, failed=failed)

    def _apply_mark(self, pending: PendingMark, mark: Mark) -> None:
        listed = self.day_list
        if listed is None or (listed.day, listed.unit_id) != (pending.day, pending.unit_id):
            return
        if pending.enrolment_id not in self._children:
            return
        self._marks[pending.enrolment_id] = mark
        if pending.enrolment_id not in self._pending:
            table = self.query_one("#lists-table", PointageTable)
            table.set_mark_cell(str(pending.enrolment_id), mark_cell(mark))
        self._show_counts()

    # ------------------------------------------------------------ other actions

    def action_contacts(self) -> None:
        child = self.current_child()
        if child is None or self.day_list is None:
            return
        self.app.push_screen(ContactsModal(child, self.day_list))

    @on(DataTable.RowSelected, "#lists-table")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        """A click on the highlighted row (enter is bound to the contacts already)."""
        self.action_contacts()

    def action_headcounts(self) -> None:
        from mairie_tui.tui.screens.headcounts import HeadcountsScreen

        self.app.push_screen(HeadcountsScreen(site=self.site, day=self.day))

    def action_print(self) -> None:
        if self.site is None or self.unit_id is None:
            self.notify("Choisissez d'abord un site et une unité.", severity="warning")
            return
        site, unit_id, day = self.site, self.unit_id, self.day
        unit_name = next((u.name for u in self.units() if u.id == unit_id), str(unit_id))
        app = self.mairie
        folder = app.settings.data_dir / "listes"
        out = folder / f"liste-{slug(site)}-{slug(unit_name)}-{day.isoformat()}.pdf"
        self.notify("Impression de la liste…", timeout=2)

        def call() -> PrintedList:
            from mairie_tui.services.reports import print_day_list

            assert app.actor is not None
            folder.mkdir(parents=True, exist_ok=True)
            return print_day_list(
                app.engine, site=site, unit=unit_id, day=day, out=out,
                clock=app.clock, actor=app.actor,
            )  # fmt: skip

        def done(printed: PrintedList) -> None:
            pages = f"{printed.pages} page{'s' if printed.pages > 1 else ''}"
            self.notify(
                f"Liste du {fr.long_date(printed.day)} ({printed.children} enfants, {pages}) "
                f"enregistrée dans :\n{printed.path}",
                title="Liste imprimée (PDF)",
                timeout=12,
            )

        self.call_service("print", call, done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        actor = self.mairie.actor
        if action == "close_day":
            return actor is not None and actor.is_supervisor
        if action == "back":
            return self.can_go_back
        if action == "sign_out":
            return not self.can_go_back
        return True

    def action_close_day(self) -> None:
        listed = self.day_list
        actor = self.mairie.actor
        if actor is None or not actor.is_supervisor:
            self.show_error("Seul un superviseur peut clôturer une journée.")
            return
        if listed is None:
            return
        if listed.closed:
            self.show_error(f"La journée du {fr.long_date(listed.day)} est déjà clôturée.")
            return
        from mairie_tui.tui.screens.modals import ConfirmModal

        marks = [m for m in self._marks.values() if m is not None]
        unmarked = sum(
            1 for c in self._children.values()
            if c.booking == "booked" and self._marks.get(c.enrolment_id) is None
        )  # fmt: skip
        question = (
            f"Clôturer la journée du {fr.long_date(listed.day)} — {listed.site}, "
            f"{listed.unit_name} ?\n\n"
            f"{sum(1 for m in marks if m.present)} présent(s), "
            f"{sum(1 for m in marks if not m.present)} absent(s), "
            f"{unmarked} enfant(s) réservé(s) non pointé(s).\n"
            "Le pointage de cette journée sera ensuite verrouillé."
        )
        day, unit_id = listed.day, listed.unit_id

        def answered(yes: bool | None) -> None:
            if yes:
                self._close(day, unit_id)

        self.app.push_screen(
            ConfirmModal("CLÔTURER LA JOURNÉE", question, yes="Clôturer", no="Annuler"), answered
        )

    def _close(self, day: date, unit_id: int) -> None:
        app = self.mairie

        def call() -> ClosingInfo:
            from mairie_tui.services.lists import close_day

            assert app.actor is not None
            return close_day(app.engine, unit_id=unit_id, day=day, actor=app.actor, clock=app.clock)

        def done(info: ClosingInfo) -> None:
            self.notify(
                f"Journée du {fr.long_date(info.day)} clôturée : {info.present} présent(s), "
                f"{info.absent} absent(s), {info.unmarked} non pointé(s).",
                title="Clôture",
            )
            self.load()

        self.call_service("close", call, done)

    def action_back(self) -> None:
        if not self.can_go_back:
            return
        if self._pending:
            self.notify("Pointage en cours d'enregistrement : un instant…", severity="warning")
            return
        self.app.pop_screen()

    def action_sign_out(self) -> None:
        if self._pending:
            self.notify("Pointage en cours d'enregistrement : un instant…", severity="warning")
            return
        self.mairie.sign_out()


# ---------------------------------------------------------------- contacts


class ContactsModal(MairieModal[None]):
    """The child's authorised persons and their phones (what a list needs, no more)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,enter", "close", "Fermer", id="contacts.close"),
    ]

    def __init__(self, child: ChildLine, listed: DayList) -> None:
        super().__init__()
        self.child = child
        self.listed = listed

    def compose(self) -> ComposeResult:
        child = self.child
        born = f"né(e) le {fr.short_date(child.birth_date)}" if child.birth_date else ""
        details = " · ".join(
            part for part in (child.school_class and f"classe {child.school_class}", born) if part
        )
        with Vertical(id="contacts-box", classes="dialog"):
            yield Static(
                content(f"CONTACTS — {child.first_name} {child.last_name}"), classes="panel-title"
            )
            yield Static(content(details or " "), classes="muted")
            yield Static(
                content(
                    f"{fr.long_date(self.listed.day)} · {self.listed.unit_name} : "
                    f"{child.booking_label}"
                    + (f" · absence : {child.absence.label}" if child.absence else "")
                )
            )
            with VerticalScroll(id="contacts-list"):
                if not child.contacts:
                    yield Static("Aucune personne à appeler n'est enregistrée.", classes="muted")
                for contact in child.contacts:
                    yield Static(
                        markup(
                            "[b]$name[/] — $role\n   ☎ $phone"
                            if contact.phone
                            else "[b]$name[/] — $role\n   ☎ [dim]pas de téléphone[/]",
                            name=contact.name,
                            role=contact.role_label,
                            phone=contact.phone,
                        ),
                        classes="contact",
                    )
            yield Static("[dim]échap : fermer[/]")

    def action_close(self) -> None:
        self.dismiss(None)
