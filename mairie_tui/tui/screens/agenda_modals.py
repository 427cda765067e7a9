"""The family agenda's dialog: one periodicity for several children and activities."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioSet, Static

from mairie_tui.domain import fr
from mairie_tui.domain.draft import WeekParity
from mairie_tui.domain.family_draft import FamilyPattern
from mairie_tui.tui.text import content, plain
from mairie_tui.tui.widgets.checks import RadioChoice, TickBox
from mairie_tui.tui.widgets.fields import Field

if TYPE_CHECKING:
    from mairie_tui.services.agenda import FamilyAgenda


class FamilyPatternModal(ModalScreen[FamilyPattern | None]):
    """Appliquer une périodicité à la famille: rows, weekdays, units, parity, period.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Champ suivant / précédent. |
    | space | Cocher / décocher la case. |
    | enter | Appliquer. |
    | escape | Annuler. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="family_pattern.cancel"),
        Binding("enter", "apply", "Appliquer", priority=True, id="family_pattern.apply"),
    ]

    def __init__(self, agenda: FamilyAgenda, start: date) -> None:
        super().__init__()
        self.agenda = agenda
        rows = agenda.rows
        self.period = (
            min(row.booking.enrolment.start for row in rows),
            max(row.booking.enrolment.end for row in rows),
        )
        self.start = max(self.period[0], min(start, self.period[1]))
        self.unit_names = list(
            dict.fromkeys(unit.name for row in rows for unit in row.booking.units)
        )
        opened = {day for row in rows for unit in row.booking.units for day in unit.weekdays}
        self.weekdays = [day for day in range(7) if day in opened] or list(range(5))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="family-pattern-box", classes="dialog"):
            yield Static("APPLIQUER UNE PÉRIODICITÉ À LA FAMILLE", classes="panel-title")
            yield Label("Enfants et activités")
            with Vertical(id="family-pattern-rows", classes="checks"):
                for index, row in enumerate(self.agenda.rows):
                    label = f"{row.booking.enrolment.child_name} · {row.booking.enrolment.activity_name}"
                    yield TickBox(plain(label), value=True, id=f"row-{index}", compact=True)
            yield Label("Jours de la semaine")
            with Horizontal(classes="checks"):
                for day in self.weekdays:
                    yield TickBox(fr.WEEKDAYS[day], id=f"weekday-{day}", compact=True)
            yield Label("Unités")
            with Horizontal(classes="checks"):
                for index, name in enumerate(self.unit_names):
                    yield TickBox(plain(name), value=True, id=f"unit-{index}", compact=True)
            yield Label("Semaines")
            with RadioSet(id="family-parity", compact=True):
                for parity in WeekParity:
                    yield RadioChoice(
                        parity.label, value=parity is WeekParity.EVERY, id=f"parity-{parity.value}"
                    )
            with Horizontal(id="family-pattern-dates"):
                yield Label("du ")
                yield Field(fr.short_date(self.start), id="start", max_length=10)
                yield Label(" au ")
                yield Field(fr.short_date(self.period[1]), id="end", max_length=10)
                yield Label("  ")
                with RadioSet(id="family-tick", compact=True):
                    yield RadioChoice("cocher", value=True, id="tick-on")
                    yield RadioChoice("décocher", id="tick-off")
            # The period of the enrolments, until a mistake is said in its place.
            yield Static(self._period_text(), id="family-pattern-error")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Appliquer (entrée)", id="apply", compact=True, variant="primary")

    def on_mount(self) -> None:
        self.query_one(f"#weekday-{self.weekdays[0]}", Checkbox).focus()

    # ------------------------------------------------------------ validation

    def _period_text(self) -> Content:
        return content(f"Inscriptions : {fr.period(*self.period)}", "dim")

    def _error(self, message: str) -> None:
        shown = content(message, "b red") if message else self._period_text()
        self.query_one("#family-pattern-error", Static).update(shown)

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
                f"{fr.short_date(value)} est hors des inscriptions ({fr.period(*self.period)})."
            )
            field.add_class("-invalid")
            return None
        field.remove_class("-invalid")
        return value

    def _ticked(self, prefix: str, count: int) -> list[int]:
        return [i for i in range(count) if self.query_one(f"#{prefix}-{i}", Checkbox).value]

    def pattern(self) -> FamilyPattern | None:
        """The pattern the form describes, or None after saying what is wrong."""
        rows = self._ticked("row", len(self.agenda.rows))
        weekdays = [d for d in self.weekdays if self.query_one(f"#weekday-{d}", Checkbox).value]
        units = self._ticked("unit", len(self.unit_names))
        start = self._date("start")
        end = self._date("end") if start is not None else None
        if start is None or end is None:
            return None
        parity = WeekParity.EVERY
        pressed = self.query_one("#family-parity", RadioSet).pressed_button
        if pressed is not None and pressed.id is not None:
            parity = WeekParity(pressed.id.removeprefix("parity-"))
        tick_button = self.query_one("#family-tick", RadioSet).pressed_button
        pattern = FamilyPattern(
            enrolment_ids=frozenset(self.agenda.rows[i].enrolment_id for i in rows),
            weekdays=frozenset(weekdays),
            unit_names=None
            if len(units) == len(self.unit_names)
            else frozenset(self.unit_names[i] for i in units),
            parity=parity,
            start=start,
            end=end,
            add=tick_button is None or tick_button.id == "tick-on",
        )
        problems = pattern.problems()
        if problems:
            self._error(problems[0])
            return None
        return pattern

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
