"""One input per catalogue field (domain.catalogue.FormField), and a path completer.

The démarche wizard builds its form from the catalogue: a `CatalogueField`
shows the label (a `*` when required), the control that suits the type (an
Input for text, dates, numbers; a Select for a choice or a child; a Checkbox
for yes / no; a TextArea for a long text), the catalogue's help and, under it,
the French message of `validate_field` when the value typed is refused.
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

from mairie_tui.domain.catalogue import Choice, FieldType
from mairie_tui.tui.text import content, markup, plain
from mairie_tui.tui.widgets.fields import Field

if TYPE_CHECKING:
    from mairie_tui.domain.catalogue import FormField

PLACEHOLDERS = {
    FieldType.DATE: "jj/mm/aaaa",
    FieldType.PHONE: "ex. 04 66 83 10 74",
    FieldType.EMAIL: "prenom.nom@exemple.fr",
    FieldType.POSTCODE: "5 chiffres",
    FieldType.AMOUNT: "montant en euros, ex. 1 250,50",
    FieldType.INTEGER: "nombre",
}


def control_id(code: str) -> str:
    return f"field-{code}"


class CatalogueField(Vertical):
    """Label, control, help and error line of one catalogue field."""

    def __init__(self, spec: FormField) -> None:
        super().__init__(id=f"row-{spec.code}", classes="form-field")
        self.spec = spec
        self.control: Widget = self._make_control()

    def _make_control(self) -> Widget:
        spec = self.spec
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
            return Checkbox(plain(spec.label), id=ident, compact=True)
        if spec.type is FieldType.LONG_TEXT:
            area = TextArea(id=ident, soft_wrap=True, show_line_numbers=False, compact=True)
            area.tab_behavior = "focus"
            return area
        limit = spec.max_length or (10 if spec.type is FieldType.DATE else None)
        return Field(
            placeholder=PLACEHOLDERS.get(spec.type, ""),
            id=ident,
            max_length=limit or 0,
            compact=True,
        )

    DEFAULT_CSS = """
    CatalogueField { height: auto; margin-bottom: 1; }
    CatalogueField .field-line { height: auto; }
    CatalogueField .field-label { width: 40; padding-right: 1; }
    CatalogueField .field-line > Input, CatalogueField .field-line > Select { width: 1fr; }
    CatalogueField .field-line > Checkbox { width: 1fr; }
    CatalogueField .field-line > TextArea { width: 1fr; height: 4; }
    CatalogueField .field-help { margin-left: 40; }
    CatalogueField .field-error { margin-left: 40; display: none; }
    CatalogueField.-has-error .field-error { display: block; }
    CatalogueField .-wrong { background: $error 25%; }
    """

    def compose(self) -> ComposeResult:
        star = " [b]*[/]" if self.spec.required else ""
        label = (
            content("")
            if self.spec.type is FieldType.BOOL
            else markup(f"$label{star}", label=self.spec.label)
        )
        with Horizontal(classes="field-line"):
            yield Static(label, classes="field-label")
            yield self.control
        if self.spec.help:
            yield Static(content(self.spec.help), classes="field-help muted")
        yield Static("", id=f"error-{self.spec.code}", classes="field-error error")

    # ------------------------------------------------------------ value

    @property
    def raw(self) -> str:
        """The text as `validate_field` reads it."""
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

    def set_raw(self, text: str) -> None:
        control = self.control
        if isinstance(control, Select):
            for choice in self.spec.choices:
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
        if self.spec.type is FieldType.CHILD and isinstance(control, Select):
            control.set_options([(plain(child.label), child.value) for child in children])
            if len(children) == 1:
                control.value = children[0].value

    def show_error(self, message: str | None) -> None:
        self.query_one(f"#error-{self.spec.code}", Static).update(content(message))
        self.set_class(bool(message), "-has-error")
        self.control.set_class(bool(message), "-wrong")

    @property
    def error(self) -> str:
        return str(self.query_one(f"#error-{self.spec.code}", Static).content)


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
