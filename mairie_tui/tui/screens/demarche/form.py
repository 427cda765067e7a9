"""Une démarche au guichet: the wizard generated from the catalogue, and its confirmation.

`[Mon rendez-vous] · Mes informations · Ma demande · Le récapitulatif`: one
generic screen for every démarche of data/demarches/*.toml. Each field is
checked where it is typed (`validate_field` when the agent leaves it, and
again as it changes once refused), with the démarche's own rules (an elector
under 18, a copie intégrale asked by a third party…) shown under the field
they concern; fields appear only while their `shown_if` holds. VALIDER files
the request (`file_request`, in a worker) and shows its number and the mail.

This module: the layout, loading, slots, steps and field checks (DemarcheForm);
screen.py adds the recap, filing, attachments and leaving (DemarcheScreen).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from mairie_tui.clock import PARIS
from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import (
    HANDLER_FIELDS,
    FieldContext,
    FieldValue,
    Step,
    for_day,
    is_shown,
    rule_problems,
    validate_field,
)
from mairie_tui.services.appointments import day_slots, next_free_slots
from mairie_tui.services.requests import demarche_of, form_context, prefill
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.demarche.common import wizard_steps_text
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.buttons import KeyOnlyButton
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.form_fields import LabelledField, control_id
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.appointments import Slot
    from mairie_tui.services.documents import DocumentView
    from mairie_tui.services.requests import RecapItem


class DemarcheForm(MairieScreen):
    """Une démarche: the wizard of the catalogue.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Champ suivant / précédent. |
    | enter | Champ suivant ; sur le dernier champ, étape suivante ; VALIDER au récapitulatif. |
    | pagedown | Étape suivante (les champs de l'étape sont vérifiés). |
    | pageup / escape | Étape précédente (escape à la première étape : ANNULER LA DÉMARCHE). |
    | ctrl+o | Joindre une pièce justificative. |
    | ctrl+x | ANNULER LA DÉMARCHE (demande confirmation). |
    """

    TITLE_TEXT = "Démarche"
    HELP = (
        "Le formulaire vient du catalogue des démarches. **Mes informations** est prérempli "
        "depuis le foyer ; chaque champ est vérifié quand vous le quittez et le message "
        "s'affiche sous le champ. Un astérisque marque un champ obligatoire.\n\n"
        "`pagedown` passe à l'étape suivante, `pageup` revient en arrière ; "
        "**LE RÉCAPITULATIF** reprend toutes les réponses : **VALIDER** enregistre la "
        "demande et met le mail de suivi dans la boîte d'envoi (une simulation des tarifs "
        "n'enregistre rien : **TERMINER**). `ctrl+o` joint une pièce (un fichier PDF, JPEG "
        "ou PNG, par exemple dans le dossier du scanner)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "next_step", "Étape suivante", priority=True, id="demarche.next"),
        Binding(
            "pageup", "previous_step", "Étape précédente", priority=True, id="demarche.previous"
        ),
        Binding("ctrl+o", "attach", "Joindre une pièce", id="demarche.attach"),
        Binding("escape", "back", "Retour", id="demarche.back"),
        Binding("ctrl+x", "cancel", "Annuler la démarche", priority=True, id="demarche.cancel"),
    ]

    def __init__(self, code: str, household_id: int | None) -> None:
        super().__init__()
        self.demarche = demarche_of(code)
        self.household_id = household_id
        self.steps = [step for step, _title in self.demarche.steps]
        self.step = self.steps[0]
        self.context: FieldContext | None = None
        self.initial: dict[str, str] = {}
        self.touched: set[str] = set()
        self.rule_errors: set[str] = set()
        self.slots: list[Slot] = []
        self.slot: datetime | None = None
        self.documents: list[DocumentView] = []
        self.recap: tuple[RecapItem, ...] = ()
        self.loaded = False
        self._busy = False

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # The choices that depend on the day (the elections open to registration).
        self.demarche = for_day(self.demarche, self.mairie.clock.today())
        demarche = self.demarche
        self.AUTO_FOCUS = self._first_focus()
        yield AppHeader(f"{self.TITLE_TEXT} — {demarche.category}")
        with VerticalScroll(id="demarche-body"):
            yield Static(content(demarche.category.upper()), classes="muted")
            yield Static(content(demarche.title), classes="panel-title", id="demarche-title")
            about = demarche.description + (
                f" · durée {demarche.duration}" if demarche.duration else ""
            )
            yield Static(content(about), id="demarche-about", classes="muted")
            yield Static(wizard_steps_text(demarche, self.step), id="demarche-steps")
            yield Static("Chargement…", id="demarche-message")
            if demarche.appointment is not None:
                with Vertical(id="pane-rendez_vous", classes="step-pane"):
                    yield Static(
                        content(
                            f"{demarche.appointment.name} · créneaux de "
                            f"{demarche.appointment.slot_minutes} mn"
                        ),
                        classes="muted",
                    )
                    with Horizontal(id="slot-day-line"):
                        yield Static("Prochains créneaux libres ; un autre jour :", classes="muted")
                        yield Field(
                            placeholder="jj/mm/aaaa puis entrée",
                            id="slot-day",
                            max_length=10,
                            compact=True,
                        )
                    yield Static("", id="slot-chosen")
                    yield OptionList(id="slots")
            for step in (Step.INFORMATIONS, Step.REQUEST):
                fields = demarche.fields_of(step)
                if not fields:
                    continue
                with Vertical(id=f"pane-{step.value}", classes="step-pane"):
                    if step is Step.INFORMATIONS:
                        yield Static(
                            "Préremplies depuis le foyer ; l'e-mail reçoit le suivi de la demande.",
                            classes="muted",
                        )
                    for spec in fields:
                        yield LabelledField.for_spec(spec)
            with Vertical(id="pane-recapitulatif", classes="step-pane"):
                yield Static("", id="recap-answers")
                yield Static("", id="recap-simulation")
                yield Static("", id="recap-pieces")
                yield Static("", id="recap-mail", classes="muted")
        with Horizontal(id="demarche-buttons", classes="buttons"):
            yield KeyOnlyButton("ANNULER LA DÉMARCHE", id="cancel", compact=True, variant="error")
            yield Button("< ÉTAPE PRÉCÉDENTE", id="previous", compact=True)
            yield KeyOnlyButton("Joindre une pièce", id="attach", compact=True)
            yield Button("ÉTAPE SUIVANTE >", id="next", compact=True, variant="primary")
            # A simulation files nothing: its last button only leaves.
            finish = "TERMINER" if demarche.handler == "simulation" else "VALIDER"
            yield Button(finish, id="validate", compact=True, variant="success")
        yield KeyBar()

    @property
    def field_widgets(self) -> list[LabelledField]:
        return list(self.query(LabelledField))

    def field_widget(self, code: str) -> LabelledField:
        return self.query_one(f"#row-{code}", LabelledField)

    def on_mount(self) -> None:
        self._show_step(self.step, focus=False)
        self._load()

    def _load(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None, "a démarche needs a signed-in agent"
        code, household_id, demarche = self.demarche.code, self.household_id, self.demarche

        def call() -> tuple[FieldContext, dict[str, str], list[Slot]]:
            context = form_context(app.engine, household_id, actor=actor, clock=app.clock)
            values = prefill(app.engine, code, household_id, actor=actor)
            slots: list[Slot] = []
            if demarche.appointment is not None:
                slots = next_free_slots(
                    app.engine, demarche.appointment.code, actor=actor, clock=app.clock, limit=60
                )
            return context, values, slots

        self.call_service("demarche-load", call, self._loaded)

    def _loaded(self, result: tuple[FieldContext, dict[str, str], list[Slot]]) -> None:
        context, values, slots = result
        self.context = context
        for widget in self.field_widgets:
            widget.set_children(context.children)
            if widget.spec.code in values:
                widget.set_raw(values[widget.spec.code])
        self.initial = {w.spec.code: w.raw for w in self.field_widgets}
        self._show_slots(slots)
        self.loaded = True
        self._message("")
        self._refresh_visibility()
        self._show_step(self.step)

    def _load_next_slots(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None and self.demarche.appointment is not None
        agenda = self.demarche.appointment.code

        def call() -> list[Slot]:
            return next_free_slots(app.engine, agenda, actor=actor, clock=app.clock, limit=60)

        self.call_service("demarche-slots", call, self._show_slots)

    def _show_slots(self, slots: list[Slot]) -> None:
        if self.demarche.appointment is None:
            return
        self.slots = slots
        options: list[Option] = []
        day = None
        for index, slot in enumerate(slots):
            local = slot.starts_at.astimezone(PARIS)
            if local.date() != day:
                day = local.date()
                options.append(Option(f"[b]{fr.long_date(day)}[/]", disabled=True))
            options.append(Option(content(f"   {slot.label}"), id=f"slot-{index}"))
        listing = self.query_one("#slots", OptionList)
        listing.clear_options()
        listing.add_options(options)
        if not slots:
            self.query_one("#slot-chosen", Static).update(
                "[yellow]Aucun créneau libre dans les semaines à venir.[/]"
            )
        elif len(options) > 1:
            listing.highlighted = 1

    # ------------------------------------------------------------ steps

    def _message(self, text: str | Content) -> None:
        """A `str` is plain text (service messages quote answers); `Content` for emphasis."""
        self.query_one("#demarche-message", Static).update(
            text if isinstance(text, Content) else content(text)
        )
        self.query_one("#demarche-message", Static).display = bool(text)

    def _show_step(self, step: Step, *, focus: bool = True) -> None:
        self.step = step
        for pane in self.query(".step-pane"):
            pane.display = pane.id == f"pane-{step.value}"
        self.query_one("#demarche-steps", Static).update(wizard_steps_text(self.demarche, step))
        first, last = step is self.steps[0], step is Step.RECAP
        self.query_one("#previous", Button).display = not first
        self.query_one("#next", Button).display = not last
        self.query_one("#validate", Button).display = last
        self.query_one("#demarche-body", VerticalScroll).scroll_home(animate=False)
        self.refresh_bindings()
        if focus:
            self._focus_step()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_step":
            return self.step is not Step.RECAP
        if action == "previous_step":
            return self.step is not self.steps[0]
        return True

    def _first_focus(self) -> str:
        """Where the first step's focus goes, taken from the start: focusing the scrolling body
        first, then the step's control, restyled the whole form twice."""
        step = self.steps[0]
        if step is Step.APPOINTMENT:
            return "#slots"
        if step is Step.RECAP:
            return "#validate"
        fields = self.demarche.fields_of(step)
        return f"#{control_id(fields[0].code)}" if fields else "*"

    def _focus_step(self) -> None:
        if self.step is Step.APPOINTMENT:
            self.query_one("#slots", OptionList).focus()
        elif self.step is Step.RECAP:
            self.query_one("#validate", Button).focus()
        else:
            for widget in self.field_widgets:
                if widget.spec.step is self.step and widget.display:
                    widget.control.focus()
                    return

    def action_next_step(self) -> None:
        if self._busy or not self.loaded:
            return
        if self.step is Step.RECAP:
            return
        if self.step is Step.APPOINTMENT:
            if self.slot is None:
                self.query_one("#slot-chosen", Static).update(
                    "[b red]Choisissez un créneau de rendez-vous (entrée sur la ligne).[/]"
                )
                return
        elif not self._check_step(self.step):
            return
        following = self.steps[self.steps.index(self.step) + 1]
        if following is Step.RECAP:
            self._check_all()
        else:
            self._show_step(following)

    def action_previous_step(self) -> None:
        if self._busy or self.step is self.steps[0]:
            return
        self._show_step(self.steps[self.steps.index(self.step) - 1])

    def action_back(self) -> None:
        if self.step is self.steps[0]:
            self.action_cancel()
        else:
            self.action_previous_step()

    # ------------------------------------------------------------ fields

    def values(self) -> dict[str, FieldValue]:
        """The values read so far, in form order, only fields shown (as validate_answers does)."""
        context = self._field_context()
        values: dict[str, FieldValue] = {}
        for widget in self.field_widgets:
            if not is_shown(widget.spec, values):
                continue
            value, error = validate_field(widget.spec, widget.raw, context)
            if error is None and value is not None:
                values[widget.spec.code] = value
        return values

    def answers(self) -> dict[str, str | None]:
        """Raw texts of the fields shown, for the services."""
        values: dict[str, FieldValue] = self.values()
        return {w.spec.code: w.raw for w in self.field_widgets if is_shown(w.spec, values)}

    def _field_context(self) -> FieldContext:
        if self.context is not None:
            return self.context
        return FieldContext(today=self.mairie.clock.today())

    def _refresh_visibility(self) -> None:
        values = self.values()
        for widget in self.field_widgets:
            widget.display = is_shown(widget.spec, values)

    def check_field(self, widget: LabelledField) -> bool:
        """validate_field on one field, then the démarche's rules on what is read: message under it."""
        self.touched.add(widget.spec.code)
        if not widget.display:
            widget.set_error(None)
            return True
        _, error = validate_field(widget.spec, widget.raw, self._field_context())
        if error is None:
            problems = self._rule_problems()
            for other in self.field_widgets:
                code = other.spec.code
                if code == widget.spec.code:
                    continue
                if code in self.touched and code in problems:
                    other.set_error(problems[code])
                    self.rule_errors.add(code)
                elif code in self.rule_errors:
                    # The rule no longer complains: only the field's own check remains.
                    self.rule_errors.discard(code)
                    other.set_error(validate_field(other.spec, other.raw, self._field_context())[1])
            error = problems.get(widget.spec.code)
            if error:
                self.rule_errors.add(widget.spec.code)
        widget.set_error(error)
        return error is None

    def _rule_problems(self) -> dict[str, str]:
        """The démarche's own rules, once every field they read is answered."""
        values = self.values()
        needed = HANDLER_FIELDS.get(self.demarche.handler or "", ())
        if any(code not in values for code in needed):
            return {}
        return dict(rule_problems(self.demarche, values, self._field_context()))

    def _check_step(self, step: Step) -> bool:
        wrong = [
            widget
            for widget in self.field_widgets
            if widget.spec.step is step and not self.check_field(widget)
        ]
        if wrong:
            wrong[0].control.focus()
            self.query_one("#demarche-body", VerticalScroll).scroll_to_widget(wrong[0])
            self.notify(
                "Une réponse est à corriger (message sous le champ)."
                if len(wrong) == 1
                else f"{len(wrong)} réponses sont à corriger (message sous chaque champ).",
                severity="warning",
            )
            return False
        return True

    def _owner(self, node: Widget | None) -> LabelledField | None:
        while node is not None and not isinstance(node, LabelledField):
            parent = node.parent
            node = parent if isinstance(parent, Widget) else None
        return node

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if not self.loaded or not isinstance(event.widget, Input | TextArea):
            return
        owner = self._owner(event.widget)
        if owner is None or not self.is_attached or self.app.screen is not self:
            return
        untouched = owner.spec.code not in self.touched
        if untouched and owner.raw == self.initial.get(owner.spec.code, ""):
            return  # only passed through: the step's check will say what is missing
        self.check_field(owner)

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _typed(self, event: Input.Changed | TextArea.Changed) -> None:
        owner = self._owner(event.control if isinstance(event, Input.Changed) else event.text_area)
        if (
            isinstance(event, Input.Changed)
            and owner is not None
            and owner.keeps_error(event.value)
        ):
            return
        if owner is not None and owner.error:
            self.check_field(owner)

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _chosen(self, event: Select.Changed | Checkbox.Changed) -> None:
        owner = self._owner(event.control)
        if owner is None or not self.loaded:
            return
        self._refresh_visibility()
        # Checked when the agent chose (not when the form was prefilled).
        if owner.control.has_focus or owner.spec.code in self.touched:
            self.check_field(owner)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        owner = self._owner(event.input)
        if owner is None:
            return
        self.check_field(owner)
        shown = [w for w in self.field_widgets if w.spec.step is owner.spec.step and w.display]
        if shown and shown[-1] is owner:
            self.action_next_step()
        else:
            self.focus_next()

    @on(Input.Submitted, "#slot-day")
    def _slot_day(self, event: Input.Submitted) -> None:
        """The free slots of the day typed (the next ones when the field is emptied)."""
        event.stop()
        text = event.value.strip()
        if not text:
            self._load_next_slots()
            return
        try:
            day = fr.parse_date(text)
        except ValueError as exc:
            self.query_one("#slot-chosen", Static).update(content(f"Jour : {exc}.", "b red"))
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None and self.demarche.appointment is not None
        agenda = self.demarche.appointment.code

        def call() -> list[Slot]:
            return [
                slot
                for slot in day_slots(app.engine, agenda, day, actor=actor, clock=app.clock)
                if slot.free
            ]

        def show(slots: list[Slot]) -> None:
            self._show_slots(slots)
            if not slots:
                self.query_one("#slot-chosen", Static).update(
                    f"[yellow]Aucun créneau libre le {fr.long_date(day)}.[/]"
                )
            else:
                self.query_one("#slot-chosen", Static).update("")
                self.query_one("#slots", OptionList).focus()

        self.call_service("demarche-day", call, show)

    @on(OptionList.OptionSelected, "#slots")
    def _slot_chosen(self, event: OptionList.OptionSelected) -> None:
        ident = event.option.id or ""
        if not ident.startswith("slot-"):
            return
        slot = self.slots[int(ident.removeprefix("slot-"))]
        self.slot = slot.starts_at
        self.query_one("#slot-chosen", Static).update(
            f"Créneau choisi : [b]{fr.date_time(slot.starts_at)}[/]"
        )
        self.action_next_step()
