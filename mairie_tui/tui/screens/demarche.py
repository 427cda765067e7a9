"""Une démarche au guichet: the wizard generated from the catalogue, and its confirmation.

`[Mon rendez-vous] · Mes informations · Ma demande · Le récapitulatif`: one
generic screen for every démarche of data/demarches/*.toml. Each field is
checked where it is typed (`validate_field` when the agent leaves it, and
again as it changes once refused), with the démarche's own rules (an elector
under 18, a copie intégrale asked by a third party…) shown under the field
they concern; fields appear only while their `shown_if` holds. VALIDER files
the request (`file_request`, in a worker) and shows its number and the mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
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
    is_shown,
    rule_problems,
    validate_field,
)
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.form_fields import FormFieldWidget
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.domain.catalogue import Demarche
    from mairie_tui.services.appointments import Slot
    from mairie_tui.services.documents import DocumentView
    from mairie_tui.services.requests import FiledRequest, RecapItem


def wizard_steps_text(demarche: Demarche, current: Step) -> str:
    """`1 - MON RENDEZ-VOUS · 2 - MES INFORMATIONS · …`, the current step in reverse."""
    parts = []
    for index, (step, title) in enumerate(demarche.steps, start=1):
        text = f"{index} - {title.upper()}"
        parts.append(f"[reverse b] {text} [/]" if step is current else f"[dim]{text}[/]")
    return " · ".join(parts)


def recap_table(items: tuple[RecapItem, ...] | list[RecapItem]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=False)
    table.add_column("Champ", style="bold", min_width=24, max_width=44)
    table.add_column("Valeur", max_width=70)
    for item in items:
        table.add_row(item.label, item.value)
    return table


class DemarcheScreen(MairieScreen):
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
        "demande et envoie le mail de suivi. `ctrl+o` joint une pièce (un fichier PDF, JPEG "
        "ou PNG, par exemple dans le dossier du scanner)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
        Binding("pagedown", "next_step", "Étape suivante", priority=True, id="demarche.next"),
        Binding(
            "pageup", "previous_step", "Étape précédente", priority=True, id="demarche.previous"
        ),
        Binding("ctrl+o", "attach", "Joindre une pièce", id="demarche.attach"),
        Binding("escape", "back", "Retour", id="demarche.back"),
        Binding("ctrl+x", "cancel", "Annuler la démarche", priority=True, id="demarche.cancel"),
    ]

    DEFAULT_CSS = """
    #demarche-body { padding: 0 2; height: 1fr; }
    #demarche-body > .panel-title { margin-top: 0; }
    #demarche-steps { margin: 1 0; }
    #demarche-message { height: auto; }
    .step-pane { height: auto; }
    #slots { height: auto; max-height: 18; border: none; }
    #slot-day-line { height: 1; }
    #slot-day-line > Static { width: auto; padding-right: 1; }
    #slot-day { width: 24; }
    #slot-chosen { height: auto; margin-bottom: 1; }
    #recap-pieces, #recap-simulation { margin-top: 1; }
    #recap-simulation { display: none; }
    #recap-simulation.-shown { display: block; }
    #recap-mail { margin-top: 1; }
    #demarche-buttons { padding: 0 2; }
    """

    def __init__(self, code: str, household_id: int | None) -> None:
        super().__init__()
        from mairie_tui.services.requests import demarche_of

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
        demarche = self.demarche
        yield AppHeader(f"{self.TITLE_TEXT} — {demarche.category}")
        with VerticalScroll(id="demarche-body"):
            yield Static(demarche.category.upper(), classes="muted")
            yield Static(demarche.title, classes="panel-title", id="demarche-title")
            about = demarche.description + (
                f" · durée {demarche.duration}" if demarche.duration else ""
            )
            yield Static(about, id="demarche-about", classes="muted")
            yield Static(wizard_steps_text(demarche, self.step), id="demarche-steps")
            yield Static("Chargement…", id="demarche-message")
            if demarche.appointment is not None:
                with Vertical(id="pane-rendez_vous", classes="step-pane"):
                    yield Static(
                        f"{demarche.appointment.name} · créneaux de "
                        f"{demarche.appointment.slot_minutes} mn",
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
                        yield FormFieldWidget(spec)
            with Vertical(id="pane-recapitulatif", classes="step-pane"):
                yield Static("", id="recap-answers")
                yield Static("", id="recap-simulation")
                yield Static("", id="recap-pieces")
                yield Static("", id="recap-mail", classes="muted")
        with Horizontal(id="demarche-buttons", classes="buttons"):
            yield Button("ANNULER LA DÉMARCHE", id="cancel", compact=True, variant="error")
            yield Button("< ÉTAPE PRÉCÉDENTE", id="previous", compact=True)
            yield Button("Joindre une pièce", id="attach", compact=True)
            yield Button("ÉTAPE SUIVANTE >", id="next", compact=True, variant="primary")
            yield Button("VALIDER", id="validate", compact=True, variant="success")
        yield KeyBar()

    @property
    def field_widgets(self) -> list[FormFieldWidget]:
        return list(self.query(FormFieldWidget))

    def field_widget(self, code: str) -> FormFieldWidget:
        return self.query_one(f"#row-{code}", FormFieldWidget)

    def on_mount(self) -> None:
        self._show_step(self.step, focus=False)
        self._load()

    def _load(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None, "a démarche needs a signed-in agent"
        code, household_id, demarche = self.demarche.code, self.household_id, self.demarche

        def call() -> tuple[FieldContext, dict[str, str], list[Slot]]:
            from mairie_tui.services.requests import form_context, prefill

            context = form_context(app.engine, household_id, actor=actor, clock=app.clock)
            values = prefill(app.engine, code, household_id, actor=actor)
            slots: list[Slot] = []
            if demarche.appointment is not None:
                from mairie_tui.services.appointments import next_free_slots

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
            from mairie_tui.services.appointments import next_free_slots

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
            options.append(Option(f"   {slot.label}", id=f"slot-{index}"))
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

    def _message(self, text: str) -> None:
        self.query_one("#demarche-message", Static).update(text)
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

    def check_field(self, widget: FormFieldWidget) -> bool:
        """validate_field on one field, then the démarche's rules on what is read: message under it."""
        self.touched.add(widget.spec.code)
        if not widget.display:
            widget.show_error(None)
            return True
        _, error = validate_field(widget.spec, widget.raw, self._field_context())
        if error is None:
            problems = self._rule_problems()
            for other in self.field_widgets:
                code = other.spec.code
                if code == widget.spec.code:
                    continue
                if code in self.touched and code in problems:
                    other.show_error(problems[code])
                    self.rule_errors.add(code)
                elif code in self.rule_errors:
                    # The rule no longer complains: only the field's own check remains.
                    self.rule_errors.discard(code)
                    other.show_error(
                        validate_field(other.spec, other.raw, self._field_context())[1]
                    )
            error = problems.get(widget.spec.code)
            if error:
                self.rule_errors.add(widget.spec.code)
        widget.show_error(error)
        return error is None

    def _rule_problems(self) -> dict[str, str]:
        """The démarche's own rules, once every field they read is answered."""
        values = self.values()
        needed = HANDLER_FIELDS.get(self.demarche.handler or "", ())
        if any(code not in values for code in needed):
            return {}
        return dict(rule_problems(self.demarche, values, self._field_context()))

    def _check_step(self, step: Step) -> bool:
        first_wrong: FormFieldWidget | None = None
        for widget in self.field_widgets:
            if widget.spec.step is step and not self.check_field(widget) and first_wrong is None:
                first_wrong = widget
        if first_wrong is not None:
            first_wrong.control.focus()
            self.query_one("#demarche-body", VerticalScroll).scroll_to_widget(first_wrong)
            self.notify("Une réponse est à corriger (message sous le champ).", severity="warning")
            return False
        return True

    def _owner(self, node: Widget | None) -> FormFieldWidget | None:
        while node is not None and not isinstance(node, FormFieldWidget):
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
            self.query_one("#slot-chosen", Static).update(f"[b red]Jour : {exc}.[/]")
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None and self.demarche.appointment is not None
        agenda = self.demarche.appointment.code

        def call() -> list[Slot]:
            from mairie_tui.services.appointments import day_slots

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

    # ------------------------------------------------------------ recap and filing

    def _check_all(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        code, answers, household_id = self.demarche.code, self.answers(), self.household_id
        self._busy = True
        self._message("Vérification des réponses…")

        def call() -> tuple[RecapItem, ...]:
            from mairie_tui.services.requests import check_answers

            return check_answers(
                app.engine, code, answers, household_id=household_id, actor=actor, clock=app.clock
            )

        self.call_service("demarche-check", call, self._checked, failed=self._refused)

    def _checked(self, recap: tuple[RecapItem, ...]) -> None:
        self._busy = False
        self._message("")
        self.recap = recap
        self._fill_recap()
        self._show_step(Step.RECAP)
        if self.demarche.handler == "simulation":
            self._simulate()

    def _simulate(self) -> None:
        """Simulation des tarifs: the new quotient and prices beside the current ones, before VALIDER."""
        app = self.mairie
        actor = app.actor
        assert actor is not None
        answers, household_id = self.answers(), self.household_id

        def call() -> tuple[str, ...]:
            from mairie_tui.services.requests import simulate_tariffs

            return simulate_tariffs(
                app.engine, answers, household_id=household_id, actor=actor, clock=app.clock
            ).summary()

        def show(lines: tuple[str, ...]) -> None:
            self.query_one("#recap-simulation", Static).add_class("-shown")
            self.query_one("#recap-simulation", Static).update(
                "[b]Simulation[/]\n" + "\n".join(f"  {line}" for line in lines)
            )

        self.call_service("demarche-simulate", call, show)

    def _fill_recap(self) -> None:
        demarche = self.demarche
        parts: list[Any] = []
        table = Table(box=None, show_header=False, pad_edge=False, expand=False)
        table.add_column("Champ", style="bold", min_width=24, max_width=44)
        table.add_column("Valeur", max_width=70)
        if self.slot is not None:
            table.add_row("[u]MON RENDEZ-VOUS[/]", "")
            table.add_row("Rendez-vous", fr.date_time(self.slot))
        for step in (Step.INFORMATIONS, Step.REQUEST):
            items = [item for item in self.recap if item.step == step.value]
            if items:
                table.add_row(f"[u]{dict(demarche.steps)[step].upper()}[/]", "")
                for item in items:
                    table.add_row(item.label, item.value)
        parts.append(table)
        self.query_one("#recap-answers", Static).update(table)
        lines = []
        attached = {document.kind for document in self.documents}
        if demarche.pieces:
            lines.append("[b]Pièces justificatives[/]")
            for piece in demarche.pieces:
                state = (
                    "[green]jointe[/]"
                    if piece.piece.code in attached
                    else ("[yellow]à fournir[/]" if piece.required else "[dim]facultative[/]")
                )
                note = f" ({piece.note})" if piece.note else ""
                lines.append(f"  {piece.piece.label}{note} : {state}")
        for document in self.documents:
            if document.kind not in {p.piece.code for p in demarche.pieces}:
                lines.append(f"  {document.kind_label} : [green]jointe[/]")
        if self.documents:
            names = ", ".join(document.original_name for document in self.documents)
            lines.append(f"  [dim]Fichiers joints : {names}[/]")
        self.query_one("#recap-pieces", Static).update("\n".join(lines))
        email = self.answers().get("email") or ""
        if email:
            mail = f"Le mail de suivi sera envoyé à {email}."
        elif self.household_id is not None:
            mail = "Le mail de suivi sera envoyé à l'adresse du foyer (s'il en a une)."
        else:
            mail = "[yellow]Pas d'adresse e-mail : aucun mail ne sera envoyé.[/]"
        if demarche.workflow.is_final(demarche.workflow.initial):
            mail = "La demande est traitée dès la validation. " + mail
        self.query_one("#recap-mail", Static).update(mail)

    def _refused(self, message: str, error: BaseException | None) -> None:
        """InvalidAnswers: each message under its field, back to the step of the first one."""
        from mairie_tui.services.errors import ConflictError
        from mairie_tui.services.requests import InvalidAnswers

        self._busy = False
        self._message("")
        if isinstance(error, InvalidAnswers):
            first: FormFieldWidget | None = None
            for code, text in error.errors.items():
                if code == "rendez_vous":
                    self.slot = None
                    self._show_step(Step.APPOINTMENT)
                    self.query_one("#slot-chosen", Static).update(f"[b red]{text}[/]")
                    return
                try:
                    widget = self.field_widget(code)
                except Exception:
                    continue
                widget.show_error(text)
                self.touched.add(code)
                if first is None:
                    first = widget
            if first is not None:
                self._show_step(first.spec.step, focus=False)
                first.control.focus()
                self.query_one("#demarche-body", VerticalScroll).scroll_to_widget(first)
            self.notify(message, title="Réponse à corriger", severity="warning", timeout=8)
            return
        if isinstance(error, ConflictError) and self.demarche.appointment is not None:
            # The slot was just taken at another desk: choose another one.
            self.slot = None
            self.query_one("#slot-chosen", Static).update(f"[b red]{message}[/]")
            self._show_step(Step.APPOINTMENT)
            self._load_next_slots()
            return
        self._message(f"[b red]{message}[/]")

    def action_validate(self) -> None:
        if self._busy or self.step is not Step.RECAP:
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None
        code, answers, household_id = self.demarche.code, self.answers(), self.household_id
        slot = self.slot
        document_ids = [document.id for document in self.documents]
        self._busy = True
        self._message("Enregistrement de la demande…")

        def call() -> FiledRequest:
            from mairie_tui.services.requests import file_request

            return file_request(
                app.engine,
                code=code,
                answers=answers,
                actor=actor,
                clock=app.clock,
                household_id=household_id,
                appointment_at=slot,
                document_ids=document_ids,
            )

        self.call_service("demarche-file", call, self._filed, failed=self._refused)

    def _filed(self, filed: FiledRequest) -> None:
        self._busy = False
        self.initial = {w.spec.code: w.raw for w in self.field_widgets}
        self.documents = []
        self.slot = None
        self.app.switch_screen(DemarcheFiledScreen(filed, self.household_id))

    # ------------------------------------------------------------ pièces

    def action_attach(self) -> None:
        if self.household_id is None:
            self.notify("Une pièce se joint au dossier d'un foyer.", severity="warning")
            return
        from mairie_tui.tui.screens.request_page import AttachModal

        kinds = [piece.piece.code for piece in self.demarche.pieces]

        def attached(document: DocumentView | None) -> None:
            if document is None:
                return
            self.documents.append(document)
            self.notify(
                f"« {document.original_name} » joint ({document.kind_label}) : il sera rattaché "
                "à la demande à la validation.",
                title="Pièce jointe",
            )
            if self.step is Step.RECAP:
                self._fill_recap()

        self.app.push_screen(AttachModal(self.household_id, kinds), attached)

    # ------------------------------------------------------------ leaving

    def unsaved_changes(self) -> int:
        if not self.loaded:
            return 0
        changed = sum(
            1 for w in self.field_widgets if w.raw != self.initial.get(w.spec.code, w.raw)
        )
        return changed + (self.slot is not None) + len(self.documents)

    def action_cancel(self) -> None:
        if self._busy:
            return
        if not self.unsaved_changes():
            self.app.pop_screen()
            return
        from mairie_tui.tui.screens.modals import ConfirmModal

        def answered(drop: bool | None) -> None:
            if drop:
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmModal(
                "ANNULER LA DÉMARCHE",
                f"Abandonner « {self.demarche.title} » ? Les réponses saisies seront perdues.",
                yes="Abandonner",
                no="Continuer la saisie",
            ),
            answered,
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {
            "cancel": self.action_cancel,
            "previous": self.action_previous_step,
            "next": self.action_next_step,
            "attach": self.action_attach,
            "validate": self.action_validate,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            event.stop()
            action()


class DemarcheFiledScreen(MairieScreen):
    """Demande enregistrée: its number, its status, where the mail went, the pièces to bring.

    | Key | Action |
    | :- | :- |
    | enter / escape | Retour au foyer. |
    | o | Ouvrir la demande. |
    """

    TITLE_TEXT = "Démarche — confirmation"
    DEFAULT_CSS = """
    #filed-center { height: 1fr; }
    #filed-box { width: 100; height: auto; max-height: 100%; border: round $success; padding: 0 2; }
    #filed-box > Static { margin-bottom: 1; }
    """
    AUTO_FOCUS = None
    HELP = (
        "La demande est enregistrée sous le numéro affiché ; le mail de suivi est dans la boîte "
        "d'envoi. `entrée` revient au foyer, `o` ouvre la page de la demande."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
        Binding("enter", "done", "Retour au foyer", id="filed.done"),
        Binding("o", "open", "Ouvrir la demande", id="filed.open"),
        Binding("escape", "done", "Retour au foyer", show=False, id="filed.back"),
    ]

    def __init__(self, filed: FiledRequest, household_id: int | None) -> None:
        super().__init__()
        self.filed = filed
        self.household_id = household_id

    def compose(self) -> ComposeResult:
        filed = self.filed
        yield AppHeader(self.TITLE_TEXT)
        with Center(id="filed-center"), VerticalScroll(id="filed-box", classes="panel"):
            yield Static("DEMANDE ENREGISTRÉE", classes="panel-title")
            yield Static(
                f"Demande n° [b]{filed.number}[/] — {filed.title} : {filed.status_label}.",
                id="filed-number",
            )
            if filed.appointment_at is not None:
                yield Static(f"Rendez-vous le [b]{fr.date_time(filed.appointment_at)}[/].")
            if filed.mail_queued and filed.recipient:
                mail = f"Un mail de confirmation a été envoyé à [b]{filed.recipient}[/]."
                if self.mairie.settings.smtp is None:
                    mail += (
                        "\n[dim](dans la boîte d'envoi : il partira dès qu'un serveur SMTP "
                        "sera configuré)[/]"
                    )
            else:
                mail = "[yellow]Pas d'adresse e-mail : aucun mail de confirmation.[/]"
            yield Static(mail, id="filed-mail")
            if filed.result:
                yield Static("\n".join(filed.result), id="filed-result")
            yield Static(recap_table(filed.recap), id="filed-recap")
            required = [piece for piece in filed.pieces if piece.required]
            if required and filed.status not in ("traitee", "refusee", "annulee"):
                yield Static(
                    "[b]Pièces à fournir :[/]\n"
                    + "\n".join(
                        f"  • {p.piece.label}" + (f" ({p.note})" if p.note else "")
                        for p in required
                    ),
                    id="filed-pieces",
                )
            with Horizontal(classes="buttons"):
                yield Button("OUVRIR LA DEMANDE (o)", id="open", compact=True)
                yield Button("RETOUR AU FOYER", id="done", compact=True, variant="primary")
        yield KeyBar()

    @on(Button.Pressed, "#done")
    def _done_pressed(self) -> None:
        self.action_done()

    @on(Button.Pressed, "#open")
    def _open_pressed(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        from mairie_tui.tui.screens.request_page import RequestPageScreen

        self.app.switch_screen(RequestPageScreen(self.filed.id))

    def action_done(self) -> None:
        from mairie_tui.tui.screens.household import HouseholdScreen

        app = self.app
        app.pop_screen()
        if isinstance(app.screen, HouseholdScreen):
            app.screen.reload()


class CatalogueScreen(MairieScreen):
    """TOUTES LES DÉMARCHES: the catalogue by category; enter starts the chosen one.

    | Key | Action |
    | :- | :- |
    | enter | Commencer la démarche. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Toutes les démarches"
    DEFAULT_CSS = """
    #catalogue-body { padding: 0 2; }
    #catalogue { height: auto; max-height: 24; border: none; }
    #catalogue-about { margin-top: 1; }
    """
    HELP = "Les démarches du catalogue, par rubrique. `entrée` commence la démarche pour ce foyer."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
        Binding("escape", "back", "Retour au foyer", id="catalogue.back"),
    ]

    def __init__(self, household_id: int | None) -> None:
        super().__init__()
        self.household_id = household_id

    def compose(self) -> ComposeResult:
        from mairie_tui.services.requests import catalogue

        options: list[Option] = []
        for category, demarches in catalogue().categories().items():
            options.append(Option(f"[b]{category.upper()}[/]", disabled=True))
            for demarche in demarches:
                duration = f"  [dim]{demarche.duration}[/]" if demarche.duration else ""
                options.append(Option(f"   {demarche.title}{duration}", id=demarche.code))
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="catalogue-body"):
            yield Static("TOUTES LES DÉMARCHES", classes="panel-title")
            yield OptionList(*options, id="catalogue")
            yield Static("", id="catalogue-about", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        listing = self.query_one("#catalogue", OptionList)
        listing.highlighted = 1
        listing.focus()

    @on(OptionList.OptionHighlighted, "#catalogue")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        from mairie_tui.services.requests import catalogue

        found = catalogue().get(event.option.id or "")
        self.query_one("#catalogue-about", Static).update(found.description if found else "")

    @on(OptionList.OptionSelected, "#catalogue")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.switch_screen(DemarcheScreen(event.option.id, self.household_id))

    def action_back(self) -> None:
        self.app.pop_screen()
