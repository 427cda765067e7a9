"""Caisse (régisseur): a day's payments by agent and mode, and the day's closing.

The closing compares the cash counted with the cash expected; the difference is
recorded, the journal de caisse (with the bordereau de remise de chèques) is
shown, and that day's payments can no longer change.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static

from mairie_tui.domain import fr
from mairie_tui.domain.billing import Mode
from mairie_tui.domain.money import AmountError, format_euros, parse_euros
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.regie import close_till, till_day
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content, plain
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.regie import TillDay


SHORT_MODES = {
    Mode.CASH: "Espèces",
    Mode.CHEQUE: "Chèques",
    Mode.CARD: "Carte",
    Mode.CESU: "CESU",
    Mode.ANCV: "ANCV",
}


def euros(cents: int, style: str = "") -> Text:
    return Text(format_euros(cents) if cents else "—", style=style, justify="right")


class TillScreen(MairieScreen):
    """Caisse.

    | Key | Action |
    | :- | :- |
    | enter | Sur le jour : afficher la caisse de ce jour. |
    | f2 | Clore la caisse du jour (espèces comptées ; demande confirmation). |
    | escape | Retour. |
    """

    TITLE_TEXT = "Caisse"
    HELP = (
        "Les encaissements d'un jour, par agent et par mode, et le **journal de caisse** "
        "(avec le bordereau de remise de chèques). Pour la **clôture**, comptez les espèces "
        "et saisissez le montant : l'écart avec les espèces attendues est enregistré ; "
        "ensuite, les encaissements du jour ne peuvent plus changer. Réservé au régisseur."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "close", "Clore la caisse", id="till.close"),
        Binding("escape", "back", "Retour", id="till.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day: TillDay | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="till-body"):
            with Horizontal(classes="regie-row"):
                yield Static("Jour", classes="regie-label")
                yield Field(placeholder="jj/mm/aaaa", id="till-day", max_length=10, compact=True)
                yield Static("", id="till-title")
            yield Static("", id="till-day-error", classes="error regie-error")
            table: DataTable[Text] = DataTable(
                id="till-agents", cursor_type="none", zebra_stripes=True, cell_padding=0
            )
            table.can_focus = False
            yield table
            with Horizontal(id="till-closing", classes="regie-row"):
                yield Static("Espèces comptées", classes="regie-label-wide")
                yield Field(placeholder="ex. 4,90", id="till-counted", max_length=14, compact=True)
                yield Static("", id="till-difference")
            with Horizontal(id="till-note-row", classes="regie-row"):
                yield Static("Note", classes="regie-label-wide")
                yield Field(id="till-note", max_length=300, compact=True)
            yield Static("", id="till-error", classes="error regie-error")
            with VerticalScroll(id="till-journal-scroll"):
                yield Static("", id="till-journal")
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#till-agents", DataTable)
        table.add_column(" Agent", width=16)
        for mode in Mode:
            table.add_column(Text(SHORT_MODES[mode], justify="right"), width=10)
        table.add_column(Text("Total", justify="right"), width=11)
        self.query_one("#till-error", Static).display = False
        self.query_one("#till-day-error", Static).display = False
        field = self.query_one("#till-day", Field)
        field.value = fr.short_date(self.mairie.clock.today())
        field.focus()
        self._load(self.mairie.clock.today())

    def _load(self, day: date) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> TillDay:
            return till_day(app.engine, day, actor=actor)

        self.call_service("till-day", call, self._show)

    @on(Input.Submitted, "#till-day")
    def _day_submitted(self) -> None:
        text = self.query_one("#till-day", Field).value
        try:
            day = fr.parse_date(text)
        except ValueError as error:
            self._message("#till-day-error", str(error))
            return
        self._message("#till-day-error", "")
        self._load(day)

    @on(Input.Submitted, "#till-counted, #till-note")
    def _counted_submitted(self) -> None:
        self.action_close()

    def _show(self, day: TillDay) -> None:
        self.day = day
        closed = day.closing is not None
        state = "close" if closed else "ouverte"
        self.query_one("#till-title", Static).update(
            content(f"{fr.long_date(day.day)} · caisse {state}", "b")
        )
        table: DataTable[Text] = self.query_one("#till-agents", DataTable)
        table.clear()
        for agent, totals in sorted(day.totals_by_agent.items()):
            if totals:
                table.add_row(
                    plain(f" {agent}"),
                    *(euros(totals.get(mode.value, 0)) for mode in Mode),
                    euros(sum(totals.values()), "bold"),
                )
        table.add_row(
            Text(" Total", style="bold"),
            *(euros(day.totals_by_mode.get(mode.value, 0), "bold") for mode in Mode),
            euros(day.total_cents, "bold"),
        )
        for selector in ("#till-counted", "#till-note"):
            self.query_one(selector, Field).disabled = closed
        self._show_difference()
        self.query_one("#till-journal", Static).update(content(day.text()))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":  # f2 is offered while the day is open
            return self.day is None or self.day.closing is None
        return True

    @on(Input.Changed, "#till-counted")
    def _show_difference(self) -> None:
        """Expected cash, and the difference with what is typed, as it is typed."""
        day = self.day
        shown = self.query_one("#till-difference", Static)
        if day is None:
            return
        if day.closing is not None:
            self.query_one("#till-counted", Field).value = format_euros(
                day.closing.counted_cash_cents
            ).removesuffix(" €")
            shown.update(
                content(
                    f"attendu {format_euros(day.closing.expected_cash_cents)} · écart "
                    f"{format_euros(day.closing.difference_cents)}",
                    "b",
                )
            )
            return
        text = f"attendu {format_euros(day.expected_cash_cents)}"
        try:
            counted = parse_euros(self.query_one("#till-counted", Field).value)
        except AmountError:
            shown.update(content(text))
            return
        difference = counted - day.expected_cash_cents
        style = "b" if difference == 0 else "b red"
        shown.update(content(text + " · ") + content(f"écart {format_euros(difference)}", style))

    def _message(self, selector: str, message: str) -> None:
        widget = self.query_one(selector, Static)
        widget.update(content(message))
        widget.display = bool(message)

    def action_close(self) -> None:
        day = self.day
        if day is None or self._busy:
            return
        if day.closing is not None:
            self._message("#till-error", f"La caisse du {fr.long_date(day.day)} est déjà close.")
            return
        counted_field = self.query_one("#till-counted", Field)
        try:
            counted = parse_euros(counted_field.value)
        except AmountError as error:
            counted_field.add_class("-invalid")
            counted_field.focus()
            self._message("#till-error", f"Espèces comptées : {error}")
            return
        counted_field.remove_class("-invalid")
        self._message("#till-error", "")
        difference = counted - day.expected_cash_cents
        question = (
            f"Clore la caisse du {fr.long_date(day.day)} ? Espèces attendues "
            f"{format_euros(day.expected_cash_cents)}, comptées {format_euros(counted)}, "
            f"écart {format_euros(difference)}. Les encaissements de ce jour ne pourront "
            "plus changer."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._close(day.day, counted)

        self.app.push_screen(
            ConfirmModal("CLÔTURE DE CAISSE", question, yes="Clore", no="Annuler"), answered
        )

    def _close(self, day: date, counted: int) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        note = self.query_one("#till-note", Field).value
        self._busy = True

        def call() -> TillDay:
            return close_till(app.engine, day, counted, actor=actor, clock=app.clock, note=note)

        def done(closed: TillDay) -> None:
            self._busy = False
            self._show(closed)
            self.notify(f"Caisse du {fr.long_date(day)} close.", title="Clôture")
            self.query_one("#till-journal-scroll", VerticalScroll).focus()

        def refused(message: str, error: BaseException | None) -> None:
            self._busy = False
            if isinstance(error, RuleViolation):
                self._message("#till-error", message)
            else:
                self.show_error(message, error)

        self.call_service("till-close", call, done, failed=refused)

    def action_back(self) -> None:
        if not self._busy:
            self.app.pop_screen()
