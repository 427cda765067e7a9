"""Une démarche au guichet: recap, filing and leaving of the wizard (form.py: the rest)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from textual import on
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static

from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import (
    Step,
)
from mairie_tui.services.errors import ConflictError
from mairie_tui.services.requests import (
    InvalidAnswers,
    check_answers,
    file_request,
    simulate_tariffs,
)
from mairie_tui.tui.screens.demarche.filed import DemarcheFiledScreen
from mairie_tui.tui.screens.demarche.form import DemarcheForm
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.screens.request_page import AttachModal
from mairie_tui.tui.text import content, plain, span
from mairie_tui.tui.text import lines as lines_of
from mairie_tui.tui.widgets.form_fields import LabelledField

if TYPE_CHECKING:
    from mairie_tui.services.documents import DocumentView
    from mairie_tui.services.requests import FiledRequest, RecapItem


class DemarcheScreen(DemarcheForm):
    """The démarche wizard (see DemarcheForm for its keys): recap, filing, attachments, leaving."""

    # ------------------------------------------------------------ recap and filing

    def _check_all(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        code, answers, household_id = self.demarche.code, self.answers(), self.household_id
        self._busy = True
        self._message("Vérification des réponses…")

        def call() -> tuple[RecapItem, ...]:
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
            return simulate_tariffs(
                app.engine, answers, household_id=household_id, actor=actor, clock=app.clock
            ).summary()

        def show(lines: tuple[str, ...]) -> None:
            self.query_one("#recap-simulation", Static).add_class("-shown")
            self.query_one("#recap-simulation", Static).update(
                lines_of([content("Simulation", "b"), *(f"  {line}" for line in lines)])
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
                table.add_row(span(dict(demarche.steps)[step].upper(), "u"), "")
                for item in items:
                    table.add_row(plain(item.label), plain(item.value))
        parts.append(table)
        self.query_one("#recap-answers", Static).update(table)
        self.query_one("#recap-pieces", Static).update(self._pieces_text())
        email = self.answers().get("email") or ""
        if email:
            mail = content(f"Le mail de suivi sera envoyé à {email}.")
        elif self.household_id is not None:
            mail = content("Le mail de suivi sera envoyé à l'adresse du foyer (s'il en a une).")
        else:
            mail = content("Pas d'adresse e-mail : aucun mail ne sera envoyé.", "yellow")
        if demarche.workflow.is_final(demarche.workflow.initial):
            mail = content("La demande est traitée dès la validation. ") + mail
        if demarche.handler == "simulation":
            mail = content(
                "Simulation seulement : aucune demande n'est enregistrée et aucun mail n'est "
                "envoyé. TERMINER revient au foyer."
            )
        self.query_one("#recap-mail", Static).update(mail)

    def _pieces_text(self) -> Content:
        """Pièces justificatives: each piece and its state, then the attached files."""
        demarche = self.demarche
        parts: list[Content] = []
        attached = {document.kind for document in self.documents}
        if demarche.pieces:
            parts.append(content("Pièces justificatives", "b"))
            for piece in demarche.pieces:
                state = (
                    content("jointe", "green")
                    if piece.piece.code in attached
                    else (
                        content("à fournir", "yellow")
                        if piece.required
                        else content("facultative", "dim")
                    )
                )
                note = f" ({piece.note})" if piece.note else ""
                parts.append(content(f"  {piece.piece.label}{note} : ") + state)
        for document in self.documents:
            if document.kind not in {p.piece.code for p in demarche.pieces}:
                parts.append(content(f"  {document.kind_label} : ") + content("jointe", "green"))
        if self.documents:
            names = ", ".join(document.original_name for document in self.documents)
            parts.append("  " + content(f"Fichiers joints : {names}", "dim"))
        return lines_of(parts)

    def _refused(self, message: str, error: BaseException | None) -> None:
        """InvalidAnswers: each message under its field, back to the step of the first one."""
        self._busy = False
        self._message("")
        if isinstance(error, InvalidAnswers):
            first: LabelledField | None = None
            for code, text in error.errors.items():
                if code == "rendez_vous":
                    self.slot = None
                    self._show_step(Step.APPOINTMENT)
                    self.query_one("#slot-chosen", Static).update(content(text, "b red"))
                    return
                try:
                    widget = self.field_widget(code)
                except Exception:
                    continue
                widget.set_error(text)
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
            self.query_one("#slot-chosen", Static).update(content(message, "b red"))
            self._show_step(Step.APPOINTMENT)
            self._load_next_slots()
            return
        self._message(content(message, "b red"))

    def action_validate(self) -> None:
        if self._busy or self.step is not Step.RECAP:
            return
        if self.demarche.handler == "simulation":
            self.initial = {w.spec.code: w.raw for w in self.field_widgets}
            self.app.pop_screen()
            self.notify("Simulation terminée : rien n'est enregistré ni envoyé.", title="Tarifs")
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
        # A day typed to look for slots is a choice too (the appointment step's own field).
        day_typed = any(field.value.strip() for field in self.query("#slot-day").results(Input))
        return changed + (self.slot is not None) + day_typed + len(self.documents)

    def action_cancel(self) -> None:
        if self._busy:
            return
        if not self.unsaved_changes():
            self.app.pop_screen()
            return

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
