"""A request's page (answers, pièces, documents, history, next moves), its dialogs, the
household's documents.

Each move the workflow allows is a numbered key (`1` Prendre en charge, `2`
Demander des pièces…); it opens a dialog for the comment sent to the family,
mandatory for a refusal or a request for pièces (the service says so when it
is missing). Every move mails the family.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, Label, Select, Static, TextArea

from mairie_tui.domain import fr
from mairie_tui.services.documents import attach_document, household_documents
from mairie_tui.services.requests import catalogue, change_status, get_request, status_label
from mairie_tui.tui.screens.base import MairieModal, MairieScreen
from mairie_tui.tui.text import content, lines, markup, plain
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.form_fields import PathSuggester
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.domain.workflow import Transition
    from mairie_tui.services.documents import DocumentView
    from mairie_tui.services.requests import RequestPage

MAX_MOVES = 9


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, round(size / 1024))} ko"


def _pieces_text(page: RequestPage) -> Content:
    """The result, then each piece (joined, missing, optional) and the attached files."""
    pieces: list[Content | str] = []
    attached = {document.kind for document in page.documents}
    for piece in page.pieces:
        state = (
            content("jointe", "green")
            if piece.piece.code in attached
            else (
                content("manquante", "yellow") if piece.required else content("facultative", "dim")
            )
        )
        pieces.append(content(f"{piece.piece.label} : ") + state)
    for document in page.documents:
        valid = (
            f" · valable jusqu'au {fr.short_date(document.valid_until)}"
            if document.valid_until
            else ""
        )
        pieces.append(
            "  "
            + content(
                f"{document.kind_label} · {document.original_name} · "
                f"{size_text(document.size)}{valid}",
                "dim",
            )
        )
    if page.result:
        pieces = [content("Résultat :", "b"), *[f"  {line}" for line in page.result], "", *pieces]
    return lines(pieces) if pieces else content("aucune pièce demandée", "dim")


class RequestPageScreen(MairieScreen):
    """La demande: answers, pièces, documents, history and the moves of its workflow.

    | Key | Action |
    | :- | :- |
    | 1-9 | Faire passer la demande à l'étape proposée (commentaire envoyé à la famille). |
    | ctrl+o | Joindre une pièce à la demande. |
    | f5 | Actualiser. |
    | escape | Retour. |
    """

    TITLE_TEXT = "Demande"
    AUTO_FOCUS = "#request-body"
    HELP = (
        "La demande telle que déposée : réponses, pièces attendues et jointes, historique. "
        "En bas, les étapes que le circuit de la démarche permet, chacune avec sa touche "
        "(`1`, `2`…) : un commentaire est demandé, **obligatoire pour un refus** ou une "
        "demande de pièces ; la famille reçoit un mail à chaque étape."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(str(n), f"move({n})", "", show=False, id=f"request.move{n}")
            for n in range(1, MAX_MOVES + 1)
        ],
        Binding("ctrl+o", "attach", "Joindre une pièce", id="request.attach"),
        Binding("f5", "reload", "Actualiser", id="request.reload"),
        Binding("escape", "back", "Retour", id="request.back"),
    ]

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id
        self.page: RequestPage | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with VerticalScroll(id="request-body"):
            yield Static("Chargement de la demande…", id="request-title", classes="panel-title")
            yield Static("", id="request-summary")
            yield Static("RÉPONSES", classes="panel-title")
            yield Static("", id="request-answers", classes="panel")
            yield Static("PIÈCES JUSTIFICATIVES", classes="panel-title")
            yield Static("", id="request-pieces", classes="panel")
            yield Static("HISTORIQUE", classes="panel-title")
            yield Static("", id="request-history", classes="panel")
        yield Static("", id="request-moves")
        yield Horizontal(id="request-buttons")
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        request_id = self.request_id

        def call() -> RequestPage:
            return get_request(app.engine, request_id, actor=actor)

        self.call_service("request-page", call, self.show_page)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#request-title", Static).update(content(message, "b red"))

    def show_page(self, page: RequestPage) -> None:
        self.page = page
        self.query_one("#request-title", Static).update(
            content(f"Demande n° {page.number} — {page.type_label}")
        )
        status_style = "green" if page.status == "traitee" else ("red" if page.final else "yellow")
        summary = [
            content("Statut : ") + content(page.status_label, f"b {status_style}"),
            f"Déposée le {fr.date_time(page.created_at)}"
            + (
                f" · mise à jour le {fr.date_time(page.updated_at)}"
                if page.updated_at != page.created_at
                else ""
            ),
            f"Demandeur : {page.requester or '—'}"
            + (f" · dossier {page.dossier}" if page.dossier else " · sans foyer"),
        ]
        if page.appointment_at is not None:
            summary.append(markup("Rendez-vous le [b]$at[/]", at=fr.date_time(page.appointment_at)))
        self.query_one("#request-summary", Static).update(lines(summary))
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column("Champ", style="bold", min_width=24, max_width=44)
        table.add_column("Valeur", max_width=70)
        for item in page.answers:
            table.add_row(plain(item.label), plain(item.value))
        answers = self.query_one("#request-answers", Static)
        answers.update(table if page.answers else content("aucune réponse", "dim"))
        self.query_one("#request-pieces", Static).update(_pieces_text(page))
        history = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        history.add_column("Date")
        history.add_column("Statut")
        history.add_column("Agent")
        history.add_column("Commentaire", max_width=50)
        for event in page.events:
            history.add_row(
                fr.date_time(event.at),
                plain(event.status_label),
                plain(event.agent or "—"),
                plain(event.comment),
            )
        self.query_one("#request-history", Static).update(history)
        self._show_moves(page)

    def _show_moves(self, page: RequestPage) -> None:
        moves = page.transitions[:MAX_MOVES]
        text = (
            "Étapes possibles (la famille est prévenue par mail) :"
            if moves
            else content(f"Demande « {page.status_label} » : plus d'étape possible.", "dim")
        )
        self.query_one("#request-moves", Static).update(text)
        bar = self.query_one("#request-buttons", Horizontal)
        bar.remove_children()
        bar.mount_all(
            Button(
                f"{index} {move.label}",
                name=f"move-{index}",
                compact=True,
                variant="error" if move.target == "refusee" else "default",
            )
            for index, move in enumerate(moves, start=1)
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move" and parameters:
            count = len(self.page.transitions) if self.page is not None else 0
            return int(str(parameters[0])) <= count
        return True

    def action_move(self, number: int) -> None:
        page = self.page
        if page is None or not 1 <= number <= len(page.transitions):
            return
        transition = page.transitions[number - 1]

        def moved(result: RequestPage | None) -> None:
            if result is None:
                return
            self.show_page(result)
            self.notify(
                f"Demande n° {result.number} : « {result.status_label} ». "
                "Un mail va être envoyé à la famille si elle a une adresse e-mail.",
                title="Statut modifié",
            )

        self.app.push_screen(TransitionModal(page, transition), moved)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        ident = event.button.name or ""
        if ident.startswith("move-"):
            self.action_move(int(ident.removeprefix("move-")))

    def action_attach(self) -> None:
        page = self.page
        if page is None:
            return
        if page.household_id is None:
            self.notify("Une pièce se joint au dossier d'un foyer.", severity="warning")
            return
        kinds = [piece.piece.code for piece in page.pieces]

        def attached(document: DocumentView | None) -> None:
            if document is not None:
                self.notify(
                    f"« {document.original_name} » joint à la demande.", title="Pièce jointe"
                )
                self.action_reload()

        self.app.push_screen(AttachModal(page.household_id, kinds, request_id=page.id), attached)

    def action_back(self) -> None:
        self.app.pop_screen()
        # The inbox (or the Foyer) below shows the new status.
        below = self.app.screen
        refresh = getattr(below, "reload_rows", None) or getattr(below, "reload", None)
        if callable(refresh):
            refresh()


class TransitionModal(MairieModal["RequestPage | None"]):
    """One move of the workflow: a comment for the family (mandatory for a refusal), then OK."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="transition.cancel"),
        Binding("ctrl+s", "confirm", "Confirmer", priority=True, id="transition.confirm"),
    ]

    def __init__(self, page: RequestPage, transition: Transition) -> None:
        super().__init__()
        self.page = page
        self.transition = transition
        self._busy = False

    def compose(self) -> ComposeResult:
        move = self.transition
        mandatory = "obligatoire" if move.comment_required else "facultatif"
        with Vertical(id="transition-box", classes="dialog"):
            yield Static(content(move.label.upper()), classes="panel-title")
            yield Static(
                content(
                    f"Demande n° {self.page.number} — {self.page.type_label}\n"
                    f"« {self.page.status_label} » → « {_label(self.page, move.target)} »"
                )
            )
            yield Label(f"Commentaire pour la famille ({mandatory})")
            area = TextArea(id="comment", compact=True, soft_wrap=True)
            area.tab_behavior = "focus"
            yield area
            yield Static(
                "Un mail part à la famille avec le nouveau statut et ce commentaire.",
                classes="muted",
            )
            yield Static("", id="transition-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button(
                    "Confirmer (ctrl+s)",
                    id="confirm",
                    compact=True,
                    variant="error" if move.target == "refusee" else "primary",
                )

    def on_mount(self) -> None:
        self.query_one("#comment", TextArea).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if self._busy:
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None
        comment = self.query_one("#comment", TextArea).text
        request_id, target, version = self.page.id, self.transition.target, self.page.version
        self._busy = True
        self.query_one("#transition-error", Static).update("[dim]Enregistrement…[/]")

        def call() -> RequestPage:
            return change_status(
                app.engine,
                request_id,
                target,
                actor=actor,
                clock=app.clock,
                comment=comment,
                version=version,
            )

        self.call_service("transition", call, self._moved, failed=self._refused)

    def _moved(self, page: RequestPage) -> None:
        self.dismiss(page)

    def _refused(self, message: str, error: BaseException | None) -> None:
        self._busy = False
        self.query_one("#transition-error", Static).update(content(message))
        self.query_one("#comment", TextArea).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(None)


def _label(page: RequestPage, status: str) -> str:
    return status_label(status, page.type)


class AttachModal(MairieModal["DocumentView | None"]):
    """Joindre une pièce: its kind, the file's path (completed as typed), its issue date.

    The file is checked by the service: PDF, JPEG or PNG by its content, 10 Mo at
    most, no `..` in the path; a refusal is said here and nothing is stored.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="attach.cancel"),
        Binding("ctrl+s", "confirm", "Joindre", priority=True, id="attach.confirm"),
    ]

    def __init__(
        self, household_id: int, kinds: list[str], *, request_id: int | None = None
    ) -> None:
        super().__init__()
        self.household_id = household_id
        self.kinds = kinds
        self.request_id = request_id
        self._busy = False

    def compose(self) -> ComposeResult:
        pieces = catalogue().pieces
        ordered = [code for code in self.kinds if code in pieces]
        ordered += [code for code in pieces if code not in ordered]
        with Vertical(id="attach-box", classes="dialog"):
            yield Static("JOINDRE UNE PIÈCE", classes="panel-title")
            yield Label("Type de pièce")
            yield Select(
                [(plain(pieces[code].label), code) for code in ordered],
                value=ordered[0],
                allow_blank=False,
                id="kind",
                compact=True,
            )
            yield Label("Fichier (PDF, JPEG ou PNG ; → complète le chemin)")
            yield Field(
                placeholder="/chemin/du/scanner/document.pdf",
                id="path",
                suggester=PathSuggester(),
            )
            yield Label(
                "Date d'émission du document (si sa validité est limitée)", id="issued-label"
            )
            yield Field(placeholder="jj/mm/aaaa", id="issued", max_length=10)
            yield Static("", id="attach-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Joindre (ctrl+s)", id="confirm", compact=True, variant="primary")

    def on_mount(self) -> None:
        self._kind_changed()
        self.query_one("#path", Field).focus()

    @on(Select.Changed, "#kind")
    def _kind_changed(self) -> None:
        kind = self.query_one("#kind", Select).value
        piece = catalogue().pieces.get(str(kind))
        limited = piece is not None and piece.validity_months is not None
        self.query_one("#issued", Field).display = limited
        self.query_one("#issued-label", Label).display = limited

    @on(Field.Submitted)
    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if self._busy:
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None
        kind = str(self.query_one("#kind", Select).value)
        path = self.query_one("#path", Field).value.strip()
        issued_text = self.query_one("#issued", Field).value.strip()
        if not path:
            self._error("Indiquez le chemin du fichier.")
            return
        issued: date | None = None
        if issued_text and self.query_one("#issued", Field).display:
            try:
                issued = fr.parse_date(issued_text)
            except ValueError as exc:
                self._error(f"Date d'émission : {exc}.")
                return
        household_id, request_id = self.household_id, self.request_id
        self._busy = True
        self._error(content("Vérification du fichier…", "dim"))

        def call() -> DocumentView:
            return attach_document(
                app.engine,
                household_id=household_id,
                source=path,
                kind=kind,
                documents_dir=app.settings.documents_dir,
                actor=actor,
                clock=app.clock,
                request_id=request_id,
                issued_on=issued,
            )

        self.call_service("attach", call, self._attached, failed=self._refused)

    def _attached(self, document: DocumentView) -> None:
        self.dismiss(document)

    def _error(self, text: str | Content) -> None:
        """A `str` is plain text (it may quote a path); `Content` for emphasis."""
        self.query_one("#attach-error", Static).update(
            text if isinstance(text, Content) else content(text)
        )

    def _refused(self, message: str, error: BaseException | None) -> None:
        self._busy = False
        self._error(message)
        field = getattr(error, "field", None)
        self.query_one("#issued" if field == "issued_on" else "#path", Field).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(None)


class HouseholdDocumentsScreen(MairieScreen):
    """Mes documents: the household's pièces, the expired and expiring ones first.

    | Key | Action |
    | :- | :- |
    | ctrl+o | Joindre une pièce au dossier. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Mes documents"
    HELP = (
        "Les pièces du foyer, avec leur validité : celles qui ont expiré ou expirent dans "
        "les 30 jours sont en tête, à redemander à la famille. `ctrl+o` joint une pièce."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "attach", "Joindre une pièce", id="documents.attach"),
        Binding("escape", "back", "Retour au foyer", id="documents.back"),
    ]

    def __init__(self, household_id: int, title: str = "") -> None:
        super().__init__()
        self.household_id = household_id
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="documents-body"):
            yield Static(content(f"MES DOCUMENTS {self.title_text}".strip()), classes="panel-title")
            yield Static("", id="documents-expiring")
            yield DataTable(id="documents-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#documents-table", DataTable)
        table.add_columns("Pièce", "Fichier", "Taille", "Validité", "Demande")
        table.focus()
        self.reload_rows()

    def reload_rows(self) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None
        household_id = self.household_id

        def call() -> list[DocumentView]:
            return household_documents(app.engine, household_id, actor=actor, clock=app.clock)

        self.call_service("documents", call, self._show)

    def _show(self, documents: list[DocumentView]) -> None:
        order = {"expire": 0, "expire_bientot": 1}
        documents = sorted(documents, key=lambda d: order.get(d.state, 2))
        expiring = [d for d in documents if d.state in order]
        self.query_one("#documents-expiring", Static).update(
            f"[b yellow]{len(expiring)} pièce{'s' if len(expiring) > 1 else ''} expirée"
            f"{'s' if len(expiring) > 1 else ''} ou bientôt expirée{'s' if len(expiring) > 1 else ''} "
            "à redemander.[/]"
            if expiring
            else (
                "[dim]Aucune pièce dans ce dossier.[/]"
                if not documents
                else "Toutes les pièces sont valables."
            )
        )
        table = self.query_one("#documents-table", DataTable)
        table.clear()
        for document in documents:
            colour = {"expire": "red", "expire_bientot": "yellow"}.get(document.state, "")
            state = plain(document.state_label, colour)
            table.add_row(
                plain(document.kind_label),
                plain(document.original_name),
                size_text(document.size),
                state,
                "oui" if document.request_id else "—",
                key=str(document.id),
            )

    def action_attach(self) -> None:
        def attached(document: DocumentView | None) -> None:
            if document is not None:
                self.notify(f"« {document.original_name} » joint au dossier.", title="Pièce jointe")
                self.reload_rows()

        self.app.push_screen(AttachModal(self.household_id, []), attached)

    def action_back(self) -> None:
        self.app.pop_screen()
