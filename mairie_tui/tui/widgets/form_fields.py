"""The form field of every form (LabelledField, FormRow) and a path completer.

The démarche wizard builds its form from the catalogue: a field shows the label
(a `*` when required), the control that suits the type (an Input for text, dates,
numbers; a Select for a choice or a child; a check box for yes / no; a TextArea
for a long text), the catalogue's help and, under it, the French message of
`validate_field` when the value typed is refused. The household form uses the
same widget for its text inputs, in rows (FormRow).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Checkbox, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from mairie_tui.domain.catalogue import Choice, FieldType, text_limit
from mairie_tui.tui.text import content, lines, markup, plain
from mairie_tui.tui.widgets.checks import TickBox
from mairie_tui.tui.widgets.fields import Field

if TYPE_CHECKING:
    from mairie_tui.domain.catalogue import FormField

PLACEHOLDERS = {
    FieldType.DATE: "jj/mm/aaaa",
    FieldType.PHONE: "0X XX XX XX XX",  # a format, never taken for a number typed in
    FieldType.EMAIL: "prenom.nom@exemple.fr",
    FieldType.POSTCODE: "5 chiffres",
    FieldType.AMOUNT: "montant en euros, ex. 1 250,50",
    FieldType.INTEGER: "nombre",
}


def control_id(code: str) -> str:
    return f"field-{code}"


def limit_placeholder(limit: int) -> str:
    """What an empty text field says about its size (never mistaken for a value)."""
    return f"{limit} caractères au plus"


def catalogue_control(spec: FormField) -> Widget:
    """The control that suits a catalogue field's type."""
    ident = control_id(spec.code)
    if spec.type is FieldType.CHOICE:
        return Select(
            [(plain(choice.label), choice.value) for choice in spec.choices],
            prompt="Choisir…",
            id=ident,
            compact=True,
            type_to_search=True,
        )
    if spec.type is FieldType.CHILD:
        return Select([], prompt="Choisir un enfant…", id=ident, compact=True)
    if spec.type is FieldType.BOOL:
        return TickBox(plain(spec.label), id=ident, compact=True)
    if spec.type is FieldType.LONG_TEXT:
        area = TextArea(id=ident, soft_wrap=True, show_line_numbers=False, compact=True)
        area.tab_behavior = "focus"
        return area
    if spec.type is FieldType.DATE:
        limit = 10
    elif spec.type is FieldType.TEXT:
        limit = text_limit(spec)  # what validate_field accepts
    else:
        limit = spec.max_length or 0
    placeholder = PLACEHOLDERS.get(spec.type, "")
    if not placeholder and spec.type is FieldType.TEXT:
        placeholder = limit_placeholder(limit)
    return Field(placeholder=placeholder, id=ident, max_length=limit, compact=True)


class LabelledField(Vertical):
    """One field of a form: its label, its control, its help and its French error.

    The one form-field widget of the application (the démarche wizard and the
    household form):

    - `LabelledField.for_spec(spec)`: a catalogue field (domain.catalogue.FormField),
      label on the left of the control that suits its type, the catalogue's help and
      the error under it (`inline`);
    - `LabelledField.text(key, label, …)`: a text input with its label above it, in a
      household form's row (a FormRow shows the errors of its fields under the row).

    A text control has a maximum length (the database's, or the catalogue's): an
    empty field says it, and a key or a paste beyond it is refused with a message
    under the field instead of being dropped silently.
    """

    def __init__(
        self,
        key: str,
        label: str,
        control: Widget,
        *,
        spec: FormField | None = None,
        help_text: str = "",
        inline: bool = False,
        classes: str = "",
        id: str | None = None,
    ) -> None:
        layout = "inline" if inline else "stacked"
        super().__init__(id=id, classes=f"form-field -{layout} {classes}".strip())
        self.key = key
        self.label = label
        self.control = control
        self.spec = spec
        self.help_text = help_text
        self.inline = inline
        self.message: str | None = None
        self._too_long = False

    @classmethod
    def for_spec(cls, spec: FormField) -> LabelledField:
        return cls(
            spec.code,
            spec.label,
            catalogue_control(spec),
            spec=spec,
            help_text=spec.help or "",
            inline=True,
            id=f"row-{spec.code}",
        )

    @classmethod
    def text(
        cls,
        key: str,
        label: str,
        value: str = "",
        *,
        placeholder: str = "",
        limit: int | None = None,
        classes: str = "",
    ) -> LabelledField:
        control = Field(
            value,
            placeholder=placeholder or (limit_placeholder(limit) if limit else ""),
            max_length=limit or 0,
            compact=True,
            classes="form-input",
        )
        return cls(key, label, control, classes=classes)

    def compose(self) -> ComposeResult:
        if self.inline:
            star = " [b]*[/]" if self.spec is not None and self.spec.required else ""
            is_box = self.spec is not None and self.spec.type is FieldType.BOOL
            label = content("") if is_box else markup(f"$label{star}", label=self.label)
            with Horizontal(classes="field-line"):
                yield Static(label, classes="field-label")
                yield self.control
        else:
            yield Static(content(self.label), classes="field-label")
            yield self.control
        if self.help_text:
            yield Static(content(self.help_text), classes="field-help muted")
        yield Static("", classes="field-error error")

    # ------------------------------------------------------------ value

    @property
    def input(self) -> Field:
        """The text control (household form: every field is one)."""
        assert isinstance(self.control, Field), f"{self.key} is not a text field"
        return self.control

    @property
    def raw(self) -> str:
        """The text as `validate_field` / `check_field` reads it."""
        control = self.control
        if isinstance(control, Select):
            value = control.value
            return "" if value is Select.NULL or value is None else str(value)
        if isinstance(control, Checkbox):
            return "oui" if control.value else "non"
        if isinstance(control, TextArea):
            return control.text
        assert isinstance(control, Field)
        return control.value

    @property
    def value(self) -> str:
        return self.raw

    def set_raw(self, text: str) -> None:
        control = self.control
        if isinstance(control, Select):
            for choice in self.spec.choices if self.spec is not None else ():
                if text == choice.label:
                    text = choice.value
            try:
                control.value = text if text else Select.NULL
            except InvalidSelectValueError:
                control.value = Select.NULL
        elif isinstance(control, Checkbox):
            control.value = text.strip().lower() in ("oui", "o", "true", "1", "yes", "x")
        elif isinstance(control, TextArea):
            control.text = text
        else:
            assert isinstance(control, Field)
            control.value = text

    def set_children(self, children: tuple[Choice, ...]) -> None:
        """The household's children, for a CHILD field (known once the form context is loaded)."""
        control = self.control
        if self.spec is not None and self.spec.type is FieldType.CHILD:
            assert isinstance(control, Select)
            control.set_options([(plain(child.label), child.value) for child in children])
            if len(children) == 1:
                control.value = children[0].value

    # ------------------------------------------------------------ errors

    def set_error(self, message: str | None) -> None:
        """Show (or clear) this field's error: under it, or under its row in a FormRow."""
        if message == self.message:
            return
        self.message = message
        self.query_one(".field-error", Static).update(content(message))
        self.set_class(bool(message), "-has-error")
        self.control.set_class(bool(message), "-has-error")
        row = self.parent.parent if self.parent is not None else None
        if isinstance(row, FormRow):
            row.show_errors()

    @property
    def error(self) -> str:
        return self.message or ""

    def on_field_too_long(self, event: Field.TooLong) -> None:
        event.stop()
        name = self.label.removesuffix(" *")
        self._too_long = True
        self.set_error(
            f"« {name} » : au plus {event.limit} caractères (la suite n'a pas été prise)."
        )

    def keeps_error(self, typed: str) -> bool:
        """Whether an Input.Changed carrying `typed` should leave the error shown.

        Keys typed in one burst (a paste, a fast typist) reach the screen's Changed
        handlers after the refusal of the key beyond the limit: a Changed that is not
        the current value any more, or that is still at the limit, must not hide
        « au plus N caractères ».
        """
        control = self.control
        if not isinstance(control, Field) or not self._too_long:
            return False
        if typed != control.value or (control.max_length and len(typed) >= control.max_length):
            return True
        self._too_long = False
        return False


class FormRow(Vertical):
    """A line of fields and, right under it, their errors (full width, so they never wrap)."""

    def __init__(self, *fields: LabelledField) -> None:
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


class PathSuggester(Suggester):
    """Completes a file path as it is typed (the scanner's output folder…); → accepts."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, prefix = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if name.startswith(prefix) and name != prefix and not name.startswith("."):
                suffix = name[len(prefix) :]
                if Path(folder or ".", name).is_dir():
                    suffix += os.sep
                return value + suffix
        return None
