"""Demande enregistrée: the confirmation of a filed démarche."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from mairie_tui.domain import fr
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.demarche.common import recap_table
from mairie_tui.tui.text import content, markup
from mairie_tui.tui.text import lines as lines_of
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.domain.catalogue import RequiredPiece
    from mairie_tui.services.requests import FiledRequest


def _piece_text(piece: RequiredPiece) -> str:
    return piece.piece.label + (f" ({piece.note})" if piece.note else "")


class DemarcheFiledScreen(MairieScreen):
    """Demande enregistrée: its number, its status, where the mail went, the pièces to bring.

    | Key | Action |
    | :- | :- |
    | enter / escape | Retour au foyer. |
    | o | Ouvrir la demande. |
    """

    TITLE_TEXT = "Démarche — confirmation"
    AUTO_FOCUS = None
    HELP = (
        "La demande est enregistrée sous le numéro affiché ; le mail de suivi est dans la boîte "
        "d'envoi. `entrée` revient au foyer, `o` ouvre la page de la demande."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
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
                markup(
                    "Demande n° [b]$number[/] — $title : $status.",
                    number=filed.number,
                    title=filed.title,
                    status=filed.status_label,
                ),
                id="filed-number",
            )
            if filed.appointment_at is not None and not filed.result:
                # Otherwise the result already says it, with the agenda (« … (Guichet des titres) »).
                yield Static(f"Rendez-vous le [b]{fr.date_time(filed.appointment_at)}[/].")
            if filed.mail_queued and filed.recipient:
                mail = markup(
                    "Un mail de confirmation va être envoyé à [b]$to[/].", to=filed.recipient
                )
                if self.mairie.settings.smtp is None:
                    mail += content(
                        "\n(dans la boîte d'envoi : il partira dès qu'un serveur SMTP "
                        "sera configuré)",
                        "dim",
                    )
            else:
                mail = content("Pas d'adresse e-mail : aucun mail de confirmation.", "yellow")
            yield Static(mail, id="filed-mail")
            if filed.result:
                yield Static(lines_of(filed.result), id="filed-result")
            yield Static(recap_table(filed.recap), id="filed-recap")
            pieces: list[str | Content] = []
            if filed.attached_pieces:
                pieces.append(content("Pièces jointes :", "b"))
                pieces += [
                    content(f"  • {_piece_text(p)} : ") + content("jointe", "green")
                    for p in filed.attached_pieces
                ]
            if filed.missing_pieces and filed.status not in ("traitee", "refusee", "annulee"):
                pieces.append(content("Pièces à fournir :", "b"))
                pieces += [f"  • {_piece_text(p)}" for p in filed.missing_pieces]
            if pieces:
                yield Static(lines_of(pieces), id="filed-pieces")
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
        self.mairie.open_request(self.filed.id, replace=True)

    def action_done(self) -> None:
        self.app.pop_screen()
        self.mairie.reload_household()
