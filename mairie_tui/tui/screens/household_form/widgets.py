"""The household form's widgets: its text fields (widgets/form_fields.py), one person's block."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from mairie_tui.domain import fr, menus
from mairie_tui.domain.household_rules import PersonInput
from mairie_tui.services.schema_limits import schema_limits
from mairie_tui.tui.screens.household_form.checks import (
    PERSON_FIELDS,
    PERSON_ROWS,
    CommuneSuggester,
)
from mairie_tui.tui.widgets.form_fields import FormRow, LabelledField


def household_field(
    key: str,
    label: str,
    value: str = "",
    *,
    placeholder: str = "",
    classes: str = "",
    person: bool = True,
) -> LabelledField:
    """One text field of the household form, as long as its column allows (schema_limits)."""
    limits = schema_limits()
    column = "commune_name" if key == "commune" else key
    limit = (limits.person_lengths if person else limits.household_lengths).get(column)
    if key in ("birth_date", "qf_valid_until", "pai_until"):
        limit = 10
    form_field = LabelledField.text(
        key, label, value, placeholder=placeholder, limit=limit, classes=classes
    )
    if key == "commune":
        form_field.input.suggester = CommuneSuggester()
    return form_field


def field_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return fr.short_date(value)
    return str(value)


def person_text(person: PersonInput, key: str) -> str:
    """A person's field as the form shows it: allergens and diet by their French names."""
    if key == "allergens":
        return menus.allergen_names(person.allergens)
    if key == "diet":
        return menus.diet_name(person.diet)
    return field_text(getattr(person, key))


class PersonBlock(Vertical):
    """One person of the household: its fields in one or two rows."""

    def __init__(self, role: str, person: PersonInput | None = None) -> None:
        super().__init__(classes=f"person-block person-{role}")
        self.role = role
        self.person_id = person.id if person is not None else None
        self.title = Static("", classes="person-title")
        self.fields: dict[str, LabelledField] = {
            key: household_field(
                key,
                label,
                person_text(person, key) if person is not None else "",
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
