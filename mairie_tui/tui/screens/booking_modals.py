"""The booking screen's dialogs: the reason for forcing a day, the weekly pattern."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioSet, Static

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import UnitInfo
from mairie_tui.domain.draft import WeeklyPattern, WeekParity
from mairie_tui.tui.text import content, plain
from mairie_tui.tui.widgets.checks import RadioChoice, TickBox
from mairie_tui.tui.widgets.fields import Field


class ForceReasonModal(ModalScreen[str | None]):
    """A supervisor forces a locked day: the reason is mandatory."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="force.cancel"),
    ]

    def __init__(self, day: date, unit: str, lock_reason: str) -> None:
        super().__init__()
        self.day = day
        self.unit = unit
        self.lock_reason = lock_reason

    def compose(self) -> ComposeResult:
        with Vertical(id="force-box", classes="dialog"):
            yield Static("FORCER UN JOUR", classes="panel-title")
            yield Static(content(f"{fr.long_date(self.day)} · {self.unit}"))
            yield Static(content(self.lock_reason, "yellow"))
            yield Label("Motif (obligatoire, tracé dans l'historique)")
            yield Field(placeholder="ex. : accord du directeur, erreur de saisie…", id="reason")
            yield Static("", id="force-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Forcer (entrée)", id="force", compact=True, variant="warning")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#force")
    def _submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#force-error", Static).update(
                "Le motif est obligatoire pour forcer un jour dont le délai est dépassé."
            )
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PatternModal(ModalScreen[WeeklyPattern | None]):
    """Appliquer une périodicité: weekdays × units, parity, period, tick or untick.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Champ suivant / précédent. |
    | space | Cocher / décocher la case. |
    | enter | Appliquer. |
    | escape | Annuler. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="pattern.cancel"),
        Binding("enter", "apply", "Appliquer", priority=True, id="pattern.apply"),
    ]

    def __init__(self, units: tuple[UnitInfo, ...], period: tuple[date, date], start: date) -> None:
        super().__init__()
        self.units = units
        self.period = period
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(id="pattern-box", classes="dialog"):
            yield Static("APPLIQUER UNE PÉRIODICITÉ", classes="panel-title")
            yield Label("Jours de la semaine")
            with Horizontal(classes="checks"):
                for index, name in enumerate(fr.WEEKDAYS):
                    yield TickBox(name, id=f"weekday-{index}", compact=True)
            yield Label("Unités")
            with Horizontal(classes="checks"):
                for unit in self.units:
                    yield TickBox(
                        plain(unit.name),
                        value=len(self.units) == 1,
                        id=f"unit-{unit.id}",
                        compact=True,
                    )
            yield Label("Semaines")
            with RadioSet(id="parity", compact=True):
                for parity in WeekParity:
                    yield RadioChoice(
                        parity.label, value=parity is WeekParity.EVERY, id=f"parity-{parity.value}"
                    )
            with Horizontal(id="pattern-dates"):
                yield Label("du ")
                yield Field(fr.short_date(self.start), id="start", max_length=10)
                yield Label(" au ")
                yield Field(fr.short_date(self.period[1]), id="end", max_length=10)
            yield Static(
                f"[dim]Période de l'inscription : {fr.period(*self.period)}[/]", id="pattern-period"
            )
            yield Label("Action")
            with RadioSet(id="tick", compact=True):
                yield RadioChoice("cocher", value=True, id="tick-on")
                yield RadioChoice("décocher", id="tick-off")
            yield Static("", id="pattern-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Appliquer (entrée)", id="apply", compact=True, variant="primary")

    def on_mount(self) -> None:
        self.query_one("#weekday-0", Checkbox).focus()

    # ------------------------------------------------------------ validation

    def _date(self, field_id: str) -> date | None:
        field = self.query_one(f"#{field_id}", Input)
        try:
            value = fr.parse_date(field.value)
        except ValueError as exc:
            self._error(str(exc)[0].upper() + str(exc)[1:])
            field.add_class("-invalid")
            return None
        if not self.period[0] <= value <= self.period[1]:
            self._error(
                f"{fr.short_date(value)} est hors de la période ({fr.period(*self.period)})."
            )
            field.add_class("-invalid")
            return None
        field.remove_class("-invalid")
        return value

    @on(Input.Changed, "#start, #end")
    def _date_typed(self, event: Input.Changed) -> None:
        if event.input.id is None:
            return
        if len(event.value.strip()) >= 10 and self._date(event.input.id) is not None:
            self._error("")

    def _error(self, message: str) -> None:
        self.query_one("#pattern-error", Static).update(content(message))

    def pattern(self) -> WeeklyPattern | None:
        """The pattern the form describes, or None after saying what is wrong."""
        weekdays = frozenset(
            index for index in range(7) if self.query_one(f"#weekday-{index}", Checkbox).value
        )
        unit_ids = tuple(
            unit.id for unit in self.units if self.query_one(f"#unit-{unit.id}", Checkbox).value
        )
        if not weekdays:
            self._error("Choisissez au moins un jour de la semaine.")
            return None
        if not unit_ids:
            self._error("Choisissez au moins une unité.")
            return None
        start = self._date("start")
        end = self._date("end") if start is not None else None
        if start is None or end is None:
            return None
        if end < start:
            self._error("La date de fin est avant la date de début.")
            return None
        parity = WeekParity.EVERY
        pressed = self.query_one("#parity", RadioSet).pressed_button
        if pressed is not None and pressed.id is not None:
            parity = WeekParity(pressed.id.removeprefix("parity-"))
        tick_button = self.query_one("#tick", RadioSet).pressed_button
        tick = tick_button is None or tick_button.id == "tick-on"
        return WeeklyPattern(
            weekdays=weekdays, unit_ids=unit_ids, start=start, end=end, parity=parity, tick=tick
        )

    # ------------------------------------------------------------ actions

    def action_apply(self) -> None:
        focused = self.focused
        if isinstance(focused, Button) and focused.id == "cancel":
            self.dismiss(None)
            return
        pattern = self.pattern()
        if pattern is not None:
            self.dismiss(pattern)

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
