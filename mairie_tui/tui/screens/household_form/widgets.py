"""The household form's widgets: a labelled input, a row of them, one person's block."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from mairie_tui.domain import fr
from mairie_tui.domain.household_rules import PersonInput
from mairie_tui.tui.screens.household_form.checks import (
    PERSON_FIELDS,
    PERSON_ROWS,
    CommuneSuggester,
)
from mairie_tui.tui.text import lines
from mairie_tui.tui.widgets.fields import Field


class HouseholdField(Vertical):
    """A label, its input and, right under it, its French error."""

    def __init__(
        self, key: str, label: str, value: str = "", *, placeholder: str = "", classes: str = ""
    ) -> None:
        super().__init__(classes=f"form-field {classes}".strip())
        self.key = key
        self.label = label
        self.input = Field(value, placeholder=placeholder, compact=True, classes="form-input")
        if key in ("birth_date", "qf_valid_until"):
            self.input.max_length = 10
        if key == "commune":
            self.input.suggester = CommuneSuggester()
        self.message: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="field-label")
        yield self.input

    @property
    def value(self) -> str:
        return self.input.value

    def set_error(self, message: str | None) -> None:
        """Show (or clear) this field's error on the line under its row."""
        if message == self.message:
            return
        self.message = message
        self.input.set_class(bool(message), "-has-error")
        row = self.parent.parent if self.parent is not None else None
        if isinstance(row, FormRow):
            row.show_errors()


class FormRow(Vertical):
    """A line of fields and, right under it, their errors (full width, so they never wrap)."""

    def __init__(self, *fields: HouseholdField) -> None:
        super().__init__(classes="form-row")
        self.fields = fields
        self.errors = Static("", classes="row-error")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-fields"):
            yield from self.fields
        yield self.errors

    def show_errors(self) -> None:
        messages = [f.message for f in self.fields if f.message]
        self.errors.update(lines(f"↑ {m}" for m in dict.fromkeys(messages)))
        self.errors.set_class(bool(messages), "-shown")


def field_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return fr.short_date(value)
    return str(value)


class PersonBlock(Vertical):
    """One person of the household: its fields in one or two rows."""

    def __init__(self, role: str, person: PersonInput | None = None) -> None:
        super().__init__(classes=f"person-block person-{role}")
        self.role = role
        self.person_id = person.id if person is not None else None
        self.title = Static("", classes="person-title")
        self.fields: dict[str, HouseholdField] = {
            key: HouseholdField(
                key,
                label,
                field_text(getattr(person, key)) if person is not None else "",
                placeholder=placeholder,
                classes=width,
            )
            for key, label, placeholder, width in PERSON_FIELDS[role]
        }

    def compose(self) -> ComposeResult:
        if self.role != "representative":
            yield self.title
        fields = list(self.fields.values())
        start = 0
        for size in PERSON_ROWS[self.role]:
            yield FormRow(*fields[start : start + size])
            start += size

    def first_input(self) -> Input:
        return next(iter(self.fields.values())).input
