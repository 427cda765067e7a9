"""Agenda de la famille: every child × activity of the household in one month, one recap."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import EditResult
from mairie_tui.domain.family_draft import apply_family_pattern
from mairie_tui.services.agenda import reload_agenda
from mairie_tui.tui.screens.agenda_modals import FamilyPatternModal
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.booking import steps_text
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.agenda_grid import AgendaGrid
from mairie_tui.tui.widgets.buttons import KeyOnlyButton
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.domain.family_draft import FamilyPattern
    from mairie_tui.services.agenda import FamilyAgenda


def family_results(agenda: FamilyAgenda, results: dict[int, EditResult]) -> list[str]:
    """« Paul : 423 jours modifiés, 105 ignorés (vacances : 96, …) », one line per child."""
    by_child: dict[int, EditResult] = defaultdict(EditResult)
    for enrolment_id, result in results.items():
        child = agenda.row(enrolment_id).booking.enrolment.child_id
        by_child[child].merge(result)
    names = dict(agenda.children)
    return [f"{names[child]} : {result.summary()}" for child, result in by_child.items()]


class AgendaScreen(MairieScreen):
    """Agenda de la famille.

    | Key | Action |
    | :- | :- |
    | arrows | Jour précédent / suivant, ligne précédente / suivante. |
    | pageup / pagedown | Mois précédent / suivant. |
    | space | Cocher / décocher le jour de la ligne. |
    | a / d | Tout cocher / Tout décocher : le mois de la ligne. |
    | w | Vue semaine / mois. |
    | p | Appliquer une périodicité à plusieurs enfants et activités. |
    | enter, v | LE RÉCAPITULATIF. |
    | ctrl+r | Recharger l'agenda (les modifications sont gardées). |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Agenda de la famille"
    HELP = (
        "Le mois de toute la famille : une ligne par enfant, activité et unité (Repas, "
        "Matin, Soir). Rien n'est enregistré avant **VALIDER** au récapitulatif.\n\n"
        "- flèches : jour précédent / suivant (on change de mois au bord), ligne "
        "précédente / suivante ; `pageup` / `pagedown` : mois ; `w` : vue semaine / mois ;\n"
        "- `espace` coche ou décoche le jour de la ligne ; `a` **Tout cocher**, "
        "`d` **Tout décocher** : le mois de l'enfant et de l'activité de la ligne ;\n"
        "- `p` **Appliquer une périodicité** à plusieurs enfants et activités à la fois "
        "(jours, unités, semaines paires / impaires, période), avec le compte par enfant "
        "des jours modifiés et ignorés ;\n"
        "- les jours où aucune activité n'ouvre (mercredi, week-end) ne sont pas affichés ; "
        "la ligne « garde alternée » dit chez qui est l'enfant chaque semaine ;\n"
        "- `entrée` ou `v` **LE RÉCAPITULATIF**, `échap` retour au foyer."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pattern", "Périodicité", id="agenda.pattern"),
        Binding("enter", "recap", "Récapitulatif", id="agenda.recap"),
        Binding("v", "recap", "Récapitulatif", show=False, id="agenda.recap_v"),
        Binding("escape", "cancel", "Retour au foyer", id="agenda.cancel"),
        Binding("ctrl+r", "reload", "Recharger", show=False, id="agenda.reload"),
    ]
    # Focused in on_mount: Textual's auto focus scrolls the grid into view with an animation,
    # one full repaint of the screen per frame.
    AUTO_FOCUS = ""

    def __init__(self, agenda: FamilyAgenda) -> None:
        super().__init__()
        self.agenda = agenda
        self._message_lines = 0
        self._said: tuple[str, bool] = ("", False)

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        agenda = self.agenda
        today = self.mairie.clock.today()
        children = len(agenda.children)
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="agenda-body", can_focus=False):
            yield Static("ENFANCE · AGENDA DE LA FAMILLE", id="agenda-kicker", classes="muted")
            with Horizontal(id="agenda-title-row"):
                yield Static(
                    content(agenda.household_name), id="agenda-title", classes="panel-title"
                )
                yield Static(
                    content(
                        f"Dossier {agenda.dossier} · {children} enfant{'s' if children > 1 else ''}"
                        f" · {len(agenda.rows)} inscription{'s' if len(agenda.rows) > 1 else ''}"
                    ),
                    id="agenda-counts",
                    classes="muted",
                )
            yield Static(steps_text(1), id="agenda-steps")
            yield AgendaGrid(
                agenda.rows, focus_day=self._first_day(today), today=today, id="agenda"
            )
        with Vertical(id="agenda-footer"):
            yield Static("", id="agenda-message")
            with Horizontal(id="agenda-buttons", classes="buttons"):
                yield KeyOnlyButton("RETOUR AU FOYER", id="cancel", compact=True, variant="error")
                yield Button("Appliquer une périodicité", id="pattern", compact=True)
                yield Button("LE RÉCAPITULATIF >", id="next", compact=True, variant="primary")
        yield KeyBar()

    def _first_day(self, today: date) -> date:
        """Today inside the family's enrolments, else the first day of the earliest one."""
        if not self.agenda.rows:
            return today
        start = min(row.booking.enrolment.start for row in self.agenda.rows)
        end = max(row.booking.enrolment.end for row in self.agenda.rows)
        return today if start <= today <= end else start

    def on_mount(self) -> None:
        self.set_focus(self.grid, scroll_visible=False)
        self._scrollbar_at_once()
        self.call_after_refresh(self._grid_in_view)
        if not self.agenda.rows:
            self.say("Aucune inscription active dans ce foyer : rien à réserver.", error=True)

    def _scrollbar_at_once(self) -> None:
        """Show the body's scrollbar before the first layout when the grid alone is taller than
        the body can be (the screen less its header, buttons and key bar): Textual shows it
        after drawing the first frame, then draws the whole screen again, two columns narrower.
        A wrong guess costs that second frame only: Textual sets the scrollbar after layout."""
        width, height = self.app.size
        grid = self.grid
        if grid.get_content_height(self.app.size, self.app.size, width) > height - 4:
            self.query_one("#agenda-body", VerticalScroll).show_vertical_scrollbar = True

    def _grid_in_view(self) -> None:
        """What Textual's focus does (the grid centred, its top kept in view), not animated."""
        grid = self.grid
        if self.focused is grid and not self.can_view_entire(grid):
            self.scroll_to_center(grid, animate=False, origin_visible=True)

    @property
    def grid(self) -> AgendaGrid:
        return self.query_one("#agenda", AgendaGrid)

    def unsaved_changes(self) -> int:
        return sum(len(row.booking.draft.changes) for row in self.agenda.rows)

    def say(self, message: str, *, error: bool = False) -> None:
        """The message lines under the grid (relayout only when their count changes)."""
        if (message, error) == self._said:
            return
        self._said = (message, error)
        width = max(20, self.size.width - 4)
        lines = sum(1 + len(part) // width for part in message.split("\n")) if message else 0
        line = self.query_one("#agenda-message", Static)
        line.update(content(message, "b red" if error else ""), layout=lines != self._message_lines)
        line.display = lines > 0
        self._message_lines = lines

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.say(message, error=True)

    # ------------------------------------------------------------ grid events

    @on(AgendaGrid.Edited)
    def _edited(self, event: AgendaGrid.Edited) -> None:
        if event.action == "toggle" and len(event.result.changed) == 1:
            self.say("")
            return
        row = self.agenda.rows[event.row]
        label = "Tout cocher" if event.action == "tick_all" else "Tout décocher"
        self.say(f"{label} · {row.title} : {event.result.summary()}")

    @on(AgendaGrid.Refused)
    def _refused(self, event: AgendaGrid.Refused) -> None:
        status = event.status
        child = self.agenda.rows[event.row].booking.enrolment.child_name
        where = f"{fr.long_date(event.day)} · {child} : {status.reason}"
        if status.state is DayState.LOCKED:
            self.say(f"{where} — à modifier depuis « Modifier les réservations » (r).", error=True)
            return
        self.say(f"{where} : ce jour ne peut pas être modifié.", error=True)

    # ------------------------------------------------------------ actions

    def action_pattern(self) -> None:
        if not self.agenda.rows:
            return
        start = self._first_day(self.mairie.clock.today())

        def chosen(pattern: FamilyPattern | None) -> None:
            if pattern is None:
                return
            drafts = {row.enrolment_id: row.booking.draft for row in self.agenda.rows}
            results = apply_family_pattern(drafts, pattern)
            self.grid.invalidate()
            self.say("Périodicité appliquée :\n" + "\n".join(family_results(self.agenda, results)))

        self.app.push_screen(FamilyPatternModal(self.agenda, start), chosen)

    def action_recap(self) -> None:
        if not self.agenda.dirty():
            self.say(
                "Aucune modification : cochez des jours ou appliquez une périodicité.", error=True
            )
            return
        self.mairie.open_agenda_recap(self.agenda)

    def action_cancel(self) -> None:
        count = self.unsaved_changes()
        if not count:
            self.app.pop_screen()
            return

        def answered(drop: bool | None) -> None:
            if drop:
                for row in self.agenda.rows:
                    row.booking.draft.discard()
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmModal(
                "ANNULER LA DÉMARCHE",
                f"Abandonner {count} modification{'s' if count > 1 else ''} non validée"
                f"{'s' if count > 1 else ''} ?",
                yes="Abandonner",
                no="Continuer la saisie",
            ),
            answered,
        )

    def action_reload(self) -> None:
        """Reload every row from the database, keeping the edits where they still apply."""
        app = self.mairie
        agenda, actor = self.agenda, app.actor
        assert actor is not None
        self.say("Rechargement de l'agenda…")

        def call() -> tuple[FamilyAgenda, EditResult]:
            return reload_agenda(app.engine, agenda, app.clock, actor=actor)

        self.call_service("reload-agenda", call, self._reloaded)

    def _reloaded(self, outcome: tuple[FamilyAgenda, EditResult]) -> None:
        fresh, result = outcome
        self.agenda = fresh
        self.grid.replace_rows(fresh.rows)
        self.say(f"Agenda rechargé : {result.summary()}")

    def back_from_recap(self, message: str | None) -> None:
        """The recap returned here (RETOUR, or a refused validation with its message)."""
        if message:
            self.say(
                f"{message}\n(ctrl+r : recharger l'agenda, vos modifications sont gardées)",
                error=True,
            )
        self.grid.invalidate()
        self.grid.focus()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#pattern")
    def _pattern_pressed(self) -> None:
        self.action_pattern()

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_recap()
