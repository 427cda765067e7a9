"""The family agenda's recap (grouped by child, then activity) and its confirmation."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from mairie_tui.domain import fr
from mairie_tui.domain.draft import ChangeKind, RecapLine
from mairie_tui.domain.money import format_euros
from mairie_tui.services.agenda import family_recap, validate_agenda
from mairie_tui.services.errors import ConflictError, RuleViolation
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.booking import steps_text
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content, lines, markup, plain
from mairie_tui.tui.widgets.buttons import KeyOnlyButton
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.agenda import FamilyAgenda, FamilyRecapGroup, FamilyValidationResult


def short_counts(added: int, removed: int) -> str:
    """`141 ajouts`, `2 annulations`, `141 ajouts, 2 annulations` (no « 0 annulation »)."""
    parts = [
        counts_text(added, removed).split(", ")[i] for i, n in enumerate((added, removed)) if n
    ]
    return ", ".join(parts) or "aucun changement"


def counts_text(added: int, removed: int) -> str:
    return (
        f"{added} ajout{'s' if added > 1 else ''}, {removed} annulation{'s' if removed > 1 else ''}"
    )


def month_rows(recap: list[RecapLine]) -> list[tuple[str, str]]:
    """(« Septembre 2020 », « 12 ajouts (Matin et Soir) les 21, 22… »), one per month."""
    by_month: dict[tuple[int, int], list[RecapLine]] = defaultdict(list)
    for line in recap:
        by_month[(line.day.year, line.day.month)].append(line)
    rows = []
    for (year, month), month_recap in sorted(by_month.items()):
        parts = []
        for kind, word in ((ChangeKind.ADD, "ajout"), (ChangeKind.REMOVE, "annulation")):
            picked = [line for line in month_recap if line.kind is kind]
            if not picked:
                continue
            days = sorted({line.day.day for line in picked})
            units = list(dict.fromkeys(line.unit_name for line in picked))
            count = len(picked)
            parts.append(
                f"{count} {word}{'s' if count > 1 else ''} ({' et '.join(units)}) "
                f"les {', '.join(str(day) for day in days)}"
            )
        rows.append((fr.month_title(year, month), " ; ".join(parts)))
    return rows


def group_heading(group: FamilyRecapGroup) -> Content:
    """« Restauration scolaire Mons — 141 ajouts, 0 annulation · coût estimé : 465,30 € »."""
    cost = ""
    if group.estimated_cost_cents is not None:
        cost = f" · coût estimé : {format_euros(group.estimated_cost_cents)}"
    return markup(
        "[b]$activity[/] — $counts$cost",
        activity=group.activity_name,
        counts=counts_text(group.added, group.removed),
        cost=cost,
    )


def group_table(group: FamilyRecapGroup) -> Table:
    """The group's months, the days of each wrapped under their own column."""
    table = Table(box=None, show_header=False, pad_edge=False, expand=False, padding=(0, 1))
    table.add_column("Mois", no_wrap=True, min_width=14, style="bold")
    table.add_column("Jours")
    for month, text in month_rows(group.lines):
        table.add_row(plain(month), plain(text))
    return table


def recap_widgets(groups: list[FamilyRecapGroup]) -> list[Static]:
    """Grouped by child (in agenda order), then by activity."""
    widgets: list[Static] = []
    child = None
    for group in groups:
        if group.child_name != child:
            child = group.child_name
            widgets.append(
                Static(content(child.upper(), "b underline"), classes="agenda-recap-child")
            )
        widgets.append(Static(group_heading(group), classes="agenda-recap-activity"))
        widgets.append(Static(group_table(group), classes="agenda-recap-months"))
    return widgets


def totals_line(groups: list[FamilyRecapGroup]) -> Content:
    added = sum(group.added for group in groups)
    removed = sum(group.removed for group in groups)
    text = f"Total : {counts_text(added, removed)} ({len(groups)} inscription"
    text += "s)" if len(groups) > 1 else ")"
    costs = [g.estimated_cost_cents for g in groups if g.estimated_cost_cents is not None]
    shown = content(text, "b")
    if costs:
        cost = f"Coût estimé : {format_euros(sum(costs))}"
        if len(costs) < len(groups):
            cost += " (sans les activités sans tarif)"
        shown = lines([shown, content(cost)])
    return shown


class AgendaRecapScreen(MairieScreen):
    """LE RÉCAPITULATIF de la famille.

    | Key | Action |
    | :- | :- |
    | enter, v | VALIDER (tout ou rien). |
    | escape | RETOUR À L'AGENDA (la saisie est gardée). |
    | ctrl+x | ANNULER LA DÉMARCHE. |
    """

    TITLE_TEXT = "Agenda de la famille — récapitulatif"
    HELP = (
        "Les modifications de toute la famille, par enfant puis par activité, avec le coût "
        "estimé quand la régie a un tarif. `entrée` **VALIDER** enregistre tout en une fois "
        "(ou rien, si un autre poste a modifié un enfant entre-temps) et envoie un seul mail "
        "de confirmation ; `échap` **RETOUR À L'AGENDA** garde la saisie."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "validate", "Valider", id="agenda_recap.validate"),
        Binding("v", "validate", "Valider", show=False, id="agenda_recap.validate_v"),
        Binding("escape", "back", "Retour à l'agenda", id="agenda_recap.back"),
        Binding("ctrl+x", "cancel", "Annuler la démarche", id="agenda_recap.cancel"),
    ]

    def __init__(self, agenda: FamilyAgenda) -> None:
        super().__init__()
        self.agenda = agenda
        self.groups = family_recap(agenda)
        self._busy = False

    def compose(self) -> ComposeResult:
        agenda = self.agenda
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="agenda-recap-body"):
            yield Static("ENFANCE · AGENDA DE LA FAMILLE", classes="muted")
            yield Static(content(agenda.household_name), classes="panel-title")
            yield Static(steps_text(2), id="agenda-recap-steps")
            yield Static(totals_line(self.groups), id="agenda-recap-totals")
            yield from recap_widgets(self.groups)
            recipient = agenda.recipient
            yield Static(
                content(f"Un seul mail de confirmation, listant tout, sera envoyé à {recipient}.")
                if recipient
                else "[yellow]Pas d'adresse e-mail dans le foyer : aucun mail ne sera envoyé.[/]",
                id="agenda-recap-mail",
                classes="muted",
            )
            yield Static("", id="agenda-recap-message")
        with Horizontal(id="agenda-recap-buttons", classes="buttons"):
            yield KeyOnlyButton("ANNULER LA DÉMARCHE", id="cancel", compact=True, variant="error")
            yield Button("< RETOUR À L'AGENDA", id="back", compact=True)
            yield Button("VALIDER", id="validate", compact=True, variant="success")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#agenda-recap-body", VerticalScroll).focus()

    def action_validate(self) -> None:
        if self._busy:
            return
        app = self.mairie
        actor = app.actor
        if actor is None:
            return
        self._busy = True
        self.query_one("#agenda-recap-message", Static).update("Validation en cours…")
        agenda = self.agenda

        def call() -> FamilyValidationResult:
            return validate_agenda(app.engine, agenda, actor=actor, clock=app.clock)

        self.call_service("validate-agenda", call, self._validated, failed=self._refused)

    def _validated(self, result: FamilyValidationResult) -> None:
        self._busy = False
        self.mairie.open_agenda_confirmation(self.agenda, result)

    def _refused(self, message: str, error: BaseException | None) -> None:
        """A conflict (another desk) or a broken rule: back to the agenda, edits kept."""
        self._busy = False
        if isinstance(error, ConflictError | RuleViolation):
            self.mairie.back_to_agenda(message)
            return
        self.query_one("#agenda-recap-message", Static).update(content(message, "b red"))

    def action_back(self) -> None:
        if not self._busy:
            self.mairie.back_to_agenda(None)

    def action_cancel(self) -> None:
        if self._busy:
            return

        def answered(drop: bool | None) -> None:
            if drop:
                for row in self.agenda.rows:
                    row.booking.draft.discard()
                self.mairie.back_to_household()

        count = sum(len(group.lines) for group in self.groups)
        self.app.push_screen(
            ConfirmModal(
                "ANNULER LA DÉMARCHE",
                f"Abandonner les {count} modifications de ce récapitulatif ?",
                yes="Abandonner",
                no="Continuer",
            ),
            answered,
        )

    @on(Button.Pressed, "#validate")
    def _validate_pressed(self) -> None:
        self.action_validate()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


class AgendaConfirmationScreen(MairieScreen):
    """Confirmation de la famille.

    | Key | Action |
    | :- | :- |
    | enter / escape | Retour au foyer. |
    """

    TITLE_TEXT = "Agenda de la famille — confirmation"
    AUTO_FOCUS = None
    HELP = "Les demandes sont enregistrées, une par enfant et activité. `entrée` revient au foyer."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Retour au foyer", id="agenda_confirmation.done"),
        Binding("escape", "done", "Retour au foyer", show=False, id="agenda_confirmation.back"),
    ]

    def __init__(self, agenda: FamilyAgenda, result: FamilyValidationResult) -> None:
        super().__init__()
        self.agenda = agenda
        self.result = result

    def compose(self) -> ComposeResult:
        result = self.result
        yield AppHeader(self.TITLE_TEXT)
        with (
            Center(id="confirmation-center"),
            VerticalScroll(id="agenda-confirmation-box", classes="panel"),
        ):
            count = len(result.request_numbers)
            yield Static(
                f"DEMANDE{'S' if count > 1 else ''} ENREGISTRÉE{'S' if count > 1 else ''}",
                classes="panel-title",
            )
            yield Static(content(self.agenda.household_name))
            yield Static(self._requests(), id="agenda-confirmation-numbers")
            yield Static(self._mail(), id="agenda-confirmation-mail")
            yield Static(totals_line(result.groups))
            yield Button("RETOUR AU FOYER", id="done", compact=True, variant="primary")
        yield KeyBar()

    def _requests(self) -> Content:
        result = self.result
        if len(result.request_numbers) == len(result.groups):
            return lines(
                markup(
                    "n° [b]$number[/] · $child · $activity : $counts",
                    number=number,
                    child=group.child_name,
                    activity=group.activity_name,
                    counts=short_counts(group.added, group.removed),
                )
                for number, group in zip(result.request_numbers, result.groups, strict=True)
            )
        return lines(
            markup("Demande n° [b]$number[/]", number=number) for number in result.request_numbers
        )

    def _mail(self) -> Content:
        result = self.result
        if not (result.mail_queued and result.recipients):
            return Content.from_markup(
                "[yellow]Pas d'adresse e-mail dans le foyer : aucun mail de confirmation.[/]"
            )
        mail = markup(
            "Un mail de confirmation listant tout va être envoyé à [b]$to[/].",
            to=" et ".join(result.recipients),
        )
        if self.mairie.settings.smtp is None:
            mail += Content.from_markup(
                "\n[dim](dans la boîte d'envoi : il partira dès qu'un serveur SMTP sera configuré)[/]"
            )
        return mail

    @on(Button.Pressed, "#done")
    def _pressed(self) -> None:
        self.action_done()

    def action_done(self) -> None:
        self.mairie.back_to_household()
