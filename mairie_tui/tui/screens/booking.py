"""Étape 1 — MA DEMANDE: the month grid over the booking draft."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import DraftError
from mairie_tui.services.bookings import reload_booking
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.booking_modals import ForceReasonModal, PatternModal
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.buttons import KeyOnlyButton
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar
from mairie_tui.tui.widgets.month_grid import MonthGrid

if TYPE_CHECKING:
    from mairie_tui.domain.draft import EditResult, WeeklyPattern
    from mairie_tui.services.bookings import BookingSession


def steps_text(step: int) -> str:
    first, second = "1 - MA DEMANDE", "2 - LE RÉCAPITULATIF"
    if step == 1:
        return f"[reverse b] {first} [/] · [dim]{second}[/]"
    return f"[dim]{first}[/] · [reverse b] {second} [/]"


class BookingScreen(MairieScreen):
    """Étape 1 — MA DEMANDE.

    | Key | Action |
    | :- | :- |
    | arrows | Jour / semaine précédent(e) ou suivant(e). |
    | pageup / pagedown | Mois précédent / suivant. |
    | space, 1-9 | Cocher / décocher (unité 1, unité N). |
    | c / d | Tout cocher / Tout décocher. |
    | v | Vue semaine / mois. |
    | p | Appliquer une périodicité. |
    | enter | ALLER À L'ÉTAPE 2. |
    | escape | ANNULER LA DÉMARCHE. |
    """

    TITLE_TEXT = "Réservation — étape 1"
    HELP = (
        "Cochez les jours de réservation de l'enfant. Rien n'est enregistré avant "
        "**VALIDER** à l'étape 2.\n\n"
        "- flèches : jour précédent / suivant, semaine précédente / suivante (on change de mois au bord) ;\n"
        "- `pageup` / `pagedown` : mois précédent / suivant ; `v` : vue semaine / mois ;\n"
        "- `espace` coche ou décoche la première unité (« Repas »), `1`-`9` l'unité N ;\n"
        "- `c` **Tout cocher**, `d` **Tout décocher** : les jours affichés et ouverts ;\n"
        "- `p` **Appliquer une périodicité** (jours de la semaine, semaines paires / impaires, période) ;\n"
        "- un jour qui ne peut pas changer dit pourquoi (vacances, fermé, délai dépassé…). "
        "Un superviseur peut forcer un jour dont le délai est dépassé, avec un motif ;\n"
        "- `entrée` **ALLER À L'ÉTAPE 2**, `échap` **ANNULER LA DÉMARCHE**."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pattern", "Périodicité", id="booking.pattern"),
        Binding("enter", "next_step", "Étape 2", id="booking.next"),
        Binding("escape", "cancel", "Annuler la démarche", id="booking.cancel"),
        Binding("ctrl+r", "reload", "Recharger", id="booking.reload"),
    ]

    def __init__(self, booking: BookingSession) -> None:
        super().__init__()
        self.booking = booking
        self._message_lines = 0
        self._said: tuple[str, bool] = ("", False)  # what the message line shows

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        booking = self.booking
        enrolment = booking.enrolment
        today = self.mairie.clock.today()
        yield AppHeader(self.TITLE_TEXT)
        # Several units per day make the grid taller: the page drops its spacing.
        compact = "multi-unit" if len(booking.units) > 1 else None
        with VerticalScroll(id="booking-body", can_focus=False, classes=compact):
            # The lines above the grid, in one box: a repaint of the grid's lines then
            # redraws this box alone, not each of its lines (Textual redraws every
            # widget whose container overlaps what changed).
            with Vertical(id="booking-head"):
                yield Static("ENFANCE · RÉSERVATION", id="booking-kicker", classes="muted")
                yield Static(content(enrolment.title), id="booking-title", classes="panel-title")
                yield Static(
                    content(f"{enrolment.period_text} · {enrolment.site}"),
                    id="booking-period",
                )
                with Horizontal(id="booking-steps-row"):
                    yield Static(steps_text(1), id="booking-steps")
                    yield Static(
                        content(f"Réservations {booking.rule_text}"),
                        id="booking-rule",
                        classes="muted",
                    )
            yield MonthGrid(
                booking.draft,
                booking.units,
                period=(enrolment.start, enrolment.end),
                focus_day=booking.initial_day(today),
                today=today,
                menus=booking.menus,
                id="grid",
            )
        # Under the scrolling body, always in view: the message and the buttons.
        with Vertical(id="booking-footer"):
            yield Static("", id="booking-message")
            with Horizontal(id="booking-buttons", classes="buttons"):
                yield KeyOnlyButton(
                    "ANNULER LA DÉMARCHE", id="cancel", compact=True, variant="error"
                )
                yield Button("Appliquer une périodicité", id="pattern", compact=True)
                yield Button("ALLER À L'ÉTAPE 2 >", id="next", compact=True, variant="primary")
        yield KeyBar()

    def on_mount(self) -> None:
        self.grid.focus()

    def unsaved_changes(self) -> int:
        """Changes that leaving this screen would drop (the app asks first)."""
        return len(self.booking.draft.changes)

    @property
    def grid(self) -> MonthGrid:
        return self.query_one("#grid", MonthGrid)

    def say(self, message: str, *, error: bool = False) -> None:
        """The message line under the grid (one line: no relayout)."""
        if (message, error) == self._said:
            return  # a tick says "" after "": no repaint
        self._said = (message, error)
        text = content(message, "b red" if error else "")
        # Rows of the message line: none until a first message, then as many as the longest
        # message shown; an emptied or shorter message keeps them, so that a refusal then a
        # tick do not relayout the whole screen (and the grid does not jump).
        width = max(20, self.size.width - 4)
        lines = sum(1 + len(part) // width for part in message.split("\n")) if message else 0
        rows = max(lines, self._message_lines)
        line = self.query_one("#booking-message", Static)
        if rows != self._message_lines:
            line.styles.height = rows
        line.update(text, layout=rows != self._message_lines)
        line.display = rows > 0
        self._message_lines = rows

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.say(message, error=True)

    # ------------------------------------------------------------ grid events

    @on(MonthGrid.Edited)
    def _edited(self, event: MonthGrid.Edited) -> None:
        result = event.result
        if event.action == "toggle" and len(result.changed) == 1:
            # The grid's status line already describes the focused day.
            self.say("")
            return
        label = {
            "tick_all": "Tout cocher",
            "untick_all": "Tout décocher",
            "pattern": "Périodicité",
        }.get(event.action, "Modification")
        self.say(f"{label} : {result.summary()}")

    @on(MonthGrid.Refused)
    def _refused(self, event: MonthGrid.Refused) -> None:
        status = event.status
        where = f"{fr.long_date(event.day)} : "
        if status.state is DayState.LOCKED:
            actor = self.mairie.actor
            if actor is not None and actor.is_supervisor:
                self._ask_force_reason(event.day, event.unit_id, status.reason)
                return
            self.say(
                f"{where}{status.reason} — seul un superviseur peut le modifier, avec un motif.",
                error=True,
            )
            return
        self.say(f"{where}{status.reason} : ce jour ne peut pas être modifié.", error=True)

    def _ask_force_reason(self, day: object, unit_id: int, reason: str) -> None:
        assert isinstance(day, date)
        unit = self.booking.draft.ctx.unit(unit_id).name

        def forced(text: str | None) -> None:
            if text is None:
                self.say("Jour non modifié (forçage annulé).")
                return
            try:
                self.grid.toggle(day, unit_id, force_reason=text)
            except DraftError as exc:
                self.say(str(exc), error=True)

        self.app.push_screen(ForceReasonModal(day, unit, reason), forced)

    # ------------------------------------------------------------ actions

    def action_pattern(self) -> None:
        enrolment = self.booking.enrolment
        start = max(enrolment.start, min(self.mairie.clock.today(), enrolment.end))

        def chosen(pattern: WeeklyPattern | None) -> None:
            if pattern is None:
                return
            result: EditResult = self.booking.draft.apply_pattern(pattern)
            self.grid.apply(result, "pattern")

        self.app.push_screen(
            PatternModal(self.booking.units, (enrolment.start, enrolment.end), start), chosen
        )

    def action_next_step(self) -> None:
        if not self.booking.draft.dirty:
            self.say(
                "Aucune modification : cochez ou décochez des jours avant l'étape 2.", error=True
            )
            return
        self.mairie.open_recap(self.booking)

    def action_cancel(self) -> None:
        if not self.booking.draft.dirty:
            self.app.pop_screen()
            return
        count = len(self.booking.draft.changes)

        def answered(drop: bool | None) -> None:
            if drop:
                self.booking.draft.discard()
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
        """Reload the calendar from the database, keeping this draft's edits where possible."""
        app = self.mairie
        booking = self.booking
        self.say("Rechargement du calendrier…")

        def call() -> tuple[BookingSession, EditResult]:
            return reload_booking(app.engine, booking, app.clock, actor=app.actor)

        self.call_service("reload-booking", call, self._reloaded)

    def _reloaded(self, outcome: tuple[BookingSession, EditResult]) -> None:
        fresh, result = outcome
        self.booking = fresh
        grid = self.grid
        grid.draft = fresh.draft
        grid.menus = fresh.menus
        grid.invalidate()
        self.say(f"Calendrier rechargé : {result.summary()}")

    def back_from_recap(self, message: str | None) -> None:
        """Step 2 returned here (RETOUR, or a refused validation with its message)."""
        if message:
            self.say(
                f"{message}\n(ctrl+r : recharger le calendrier, vos modifications sont gardées)",
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
        self.action_next_step()
