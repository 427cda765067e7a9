"""Facturation (régisseur): a month's dry run (totals by activity), then its invoices."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static

from mairie_tui.domain import fr
from mairie_tui.domain.money import format_euros
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.regie import generate_month, prepare_month
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content, lines, plain
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.regie import MonthRun

_MONTH = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$|^\s*(\d{4})-(\d{2})\s*$")


def parse_month(text: str) -> tuple[int, int]:
    """`09/2020` or `2020-09` → (2020, 9); ValueError with a French message otherwise."""
    found = _MONTH.match(text)
    if found is not None:
        month, year = (found[1], found[2]) if found[1] else (found[4], found[3])
        if 1 <= int(month) <= 12:
            return int(year), int(month)
    raise ValueError(f"Mois invalide : « {text.strip()[:20]} » (attendu MM/AAAA, ex. 09/2020).")


def _s(count: int) -> str:
    return "s" if count > 1 else ""


class InvoicingScreen(MairieScreen):
    """Facturation.

    | Key | Action |
    | :- | :- |
    | enter | Sur le mois : simulation (rien n'est écrit). |
    | f2 | Générer les factures du mois simulé (demande confirmation). |
    | escape | Retour. |
    """

    TITLE_TEXT = "Facturation"
    HELP = (
        "Saisissez le mois (MM/AAAA) puis `entrée` : la **simulation** montre les totaux par "
        "activité, sans rien écrire. `f2` **génère** les factures (une par foyer, numérotées "
        "sans trou). Relancer un mois ne change rien aux foyers déjà facturés ; une "
        "correction après émission passe par un avoir."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "generate", "Générer les factures", id="invoicing.generate"),
        Binding("escape", "back", "Retour", id="invoicing.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.run: MonthRun | None = None
        self.month: tuple[int, int] | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="invoicing-body"):
            with Horizontal(classes="regie-row"):
                yield Static("Mois", classes="regie-label")
                yield Field(placeholder="MM/AAAA", id="invoicing-month", max_length=7, compact=True)
                yield Static("", id="invoicing-title")
            yield Static("", id="invoicing-error", classes="error regie-error")
            yield DataTable(id="invoicing-activities", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="invoicing-result-scroll"):
                yield Static(
                    content("Saisissez un mois puis entrée : simulation.", "dim"),
                    id="invoicing-result",
                )
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#invoicing-activities", DataTable)
        table.add_column("Activité", width=40)
        table.add_column("Total", width=12)
        self.query_one("#invoicing-error", Static).display = False
        today = self.mairie.clock.today()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        field = self.query_one("#invoicing-month", Field)
        field.value = f"{month:02d}/{year}"
        field.focus()

    def _error(self, message: str) -> None:
        widget = self.query_one("#invoicing-error", Static)
        widget.update(content(message))
        widget.display = bool(message)

    @on(Input.Submitted, "#invoicing-month")
    def action_dry_run(self) -> None:
        if self._busy:
            return
        try:
            year, month = parse_month(self.query_one("#invoicing-month", Field).value)
        except ValueError as error:
            self._error(str(error))
            return
        self._error("")
        app = self.mairie
        actor = app.actor
        assert actor is not None
        self.run, self.month = None, (year, month)
        self.query_one("#invoicing-result", Static).update(content("Simulation en cours…"))

        def call() -> MonthRun:
            return prepare_month(app.engine, year, month, actor=actor)

        self.call_service("invoicing-dry-run", call, self._simulated, failed=self._refused)

    def _simulated(self, run: MonthRun) -> None:
        self.run = run
        year, month = self.month or (0, 1)
        self.query_one("#invoicing-title", Static).update(
            content(f"{fr.month_title(year, month)} · simulation (rien n'est écrit)", "b")
        )
        table: DataTable[Text] = self.query_one("#invoicing-activities", DataTable)
        table.clear()
        for activity, total in run.totals_by_activity().items():
            table.add_row(plain(activity), Text(format_euros(total), justify="right"))
        table.add_row(
            Text("Total", style="bold"),
            Text(format_euros(run.total), style="bold", justify="right"),
        )
        count = len(run.invoices)
        parts = [
            content(f"{count} facture{_s(count)} à émettre, {format_euros(run.total)}.", "b"),
            content(
                f"{run.already_invoiced} foyer{_s(run.already_invoiced)} déjà facturé"
                f"{_s(run.already_invoiced)} pour ce mois (laissé{_s(run.already_invoiced)} "
                "tel(s) quel(s))."
            ),
        ]
        if run.problems:
            parts.append(content("Problèmes (la génération sera refusée) :", "b red"))
            parts += [content(f"  {problem}") for problem in run.problems]
        elif count:
            parts.append(content("f2 : générer les factures.", "dim"))
        self.query_one("#invoicing-result", Static).update(lines(parts))

    def _refused(self, message: str, error: BaseException | None) -> None:
        self._busy = False
        if isinstance(error, RuleViolation):
            self._error(message)
            self.query_one("#invoicing-result", Static).update("")
        else:
            self.show_error(message, error)

    def action_generate(self) -> None:
        run, month = self.run, self.month
        if self._busy:
            return
        if run is None or month is None:
            self._error("Faites d'abord la simulation du mois (entrée sur le mois).")
            return
        if not run.invoices:
            self._error("Aucune facture à émettre pour ce mois.")
            return
        year, number = month
        question = (
            f"Émettre {len(run.invoices)} facture{_s(len(run.invoices))} de "
            f"{fr.month_title(year, number)} pour {format_euros(run.total)} ? "
            "Une facture émise ne se modifie plus (correction : avoir)."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._generate(year, number)

        self.app.push_screen(
            ConfirmModal("FACTURATION", question, yes="Émettre", no="Annuler"), answered
        )

    def _generate(self, year: int, month: int) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        self._busy = True

        def call() -> MonthRun:
            return generate_month(app.engine, year, month, actor=actor, clock=app.clock)

        def done(run: MonthRun) -> None:
            self._busy = False
            self.run = None
            written = len(run.numbers)
            text = f"{written} facture{_s(written)} émise{_s(written)}"
            if run.numbers:
                text += f" : {run.numbers[0]} à {run.numbers[-1]}"
            self.query_one("#invoicing-title", Static).update(
                content(f"{fr.month_title(year, month)} · facturé", "b")
            )
            self.query_one("#invoicing-result", Static).update(
                lines([content(text + f", {format_euros(run.total)}.", "b")])
            )

        self.call_service("invoicing-generate", call, done, failed=self._refused)

    def action_back(self) -> None:
        if not self._busy:
            self.app.pop_screen()
