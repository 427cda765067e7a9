"""ACTUALITÉS (supervisors): the news current and to come; `n` publishes one, `r` withdraws one.

The agents read the current ones above the household search (screens/search.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Label, Static

from mairie_tui.domain import fr
from mairie_tui.domain.news import TEXT_MAX, TITLE_MAX
from mairie_tui.services.news import list_news, publish_news, withdraw_news
from mairie_tui.tui.screens.base import MairieModal, MairieScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content, markup, plain
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from rich.text import Text

    from mairie_tui.services.news import NewsView

HINT = "n : publier une actualité · r : retirer celle en surbrillance."


class NewsScreen(MairieScreen):
    """Actualités.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir l'actualité. |
    | n | Publier une actualité. |
    | r | Retirer l'actualité. |
    | escape | Retour. |
    """

    TITLE_TEXT = "Actualités"
    HELP = (
        "Les **actualités** en cours et à venir : les agents voient celles du jour "
        "au-dessus de la recherche de foyer, pour les dire aux familles.\n\n"
        "`n` publie une actualité : un titre, un texte court, la période d'affichage "
        "(JJ/MM/AAAA) et, si elle ne concerne pas tout le monde, une activité (son code) "
        "ou un site. `r` retire l'actualité en surbrillance : elle n'est plus affichée. "
        "Publications et retraits sont tracés au journal."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "publish", "Publier", id="news.publish"),
        Binding("r", "withdraw", "Retirer", id="news.withdraw"),
        Binding("escape", "back", "Retour", id="news.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.news: list[NewsView] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="news-body"):
            yield Static("ACTUALITÉS EN COURS ET À VENIR", classes="panel-title")
            yield DataTable(id="news-table", cursor_type="row")
            yield Static("Chargement…", id="news-status")
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[str | Text] = self.query_one("#news-table", DataTable)
        table.add_column("N°")
        table.add_column("Titre", width=30)
        table.add_column("Période")
        table.add_column("État")
        table.add_column("Public")
        table.focus()
        self.reload()

    @property
    def today(self) -> date:
        return self.mairie.clock.today()

    def reload(self, keep: int | None = None) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> list[NewsView]:
            return list_news(app.engine, actor=actor, clock=app.clock)

        self.call_service("news-load", call, lambda news: self._loaded(news, keep))

    def _loaded(self, news: list[NewsView], keep: int | None) -> None:
        self.news = news
        table: DataTable[str | Text] = self.query_one("#news-table", DataTable)
        table.clear()
        for item in news:
            table.add_row(
                str(item.id),
                plain(item.title),
                f"{item.start:%d/%m} – {item.end:%d/%m/%Y}",
                item.state(self.today),
                plain(item.audience.label()),
                key=str(item.id),
            )
        ids = [item.id for item in news]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        self._describe()

    def highlighted(self) -> NewsView | None:
        table = self.query_one("#news-table", DataTable)
        if not self.news or not 0 <= table.cursor_row < len(self.news):
            return None
        return self.news[table.cursor_row]

    def _describe(self) -> None:
        item = self.highlighted()
        status = self.query_one("#news-status", Static)
        if item is None:
            status.update(f"Aucune actualité en cours ni à venir. {HINT}")
            return
        status.update(
            markup(
                "[b]$title[/]\n$text\n[dim]Pour : $audience · publiée par $author · $hint[/]",
                title=item.title,
                text=item.text,
                audience=item.audience.label(),
                author=item.author or "?",
                hint=HINT,
            )
        )

    @on(DataTable.RowHighlighted, "#news-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._describe()

    def action_publish(self) -> None:
        def published(item: NewsView | None) -> None:
            if item is not None:
                self.notify(
                    f"Actualité « {item.title} » publiée {item.period.text()}.", title="Actualités"
                )
                self.reload(keep=item.id)

        self.app.push_screen(NewsFormModal(), published)

    def action_withdraw(self) -> None:
        item = self.highlighted()
        if item is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._withdraw(item.id)

        self.app.push_screen(
            ConfirmModal(
                "RETIRER L'ACTUALITÉ",
                f"Retirer « {item.title} » ? Les agents ne la verront plus.",
                yes="Retirer",
            ),
            answered,
        )

    def _withdraw(self, news_id: int) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> NewsView:
            return withdraw_news(app.engine, news_id, actor=actor, clock=app.clock)

        def done(item: NewsView) -> None:
            self.notify(f"Actualité « {item.title} » retirée.", title="Actualités")
            self.reload()

        self.call_service("news-withdraw", call, done)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#news-status", Static).update(content(message, "bold red"))

    def action_back(self) -> None:
        self.app.pop_screen()


# The form's fields: id, label, width limit, placeholder.
FIELDS = (
    ("news-title", "Titre", TITLE_MAX, f"{TITLE_MAX} caractères au plus"),
    ("news-text", "Texte", TEXT_MAX, f"à dire aux familles, {TEXT_MAX} caractères au plus"),
    ("news-start", "Du", 10, "JJ/MM/AAAA"),
    ("news-end", "Au", 10, "JJ/MM/AAAA"),
    ("news-activity", "Activité", 40, "code (vide : pour tous)"),
    ("news-site", "Site", 120, "ou un site (vide : pour tous)"),
)
LABELS = {field_id: label for field_id, label, _limit, _placeholder in FIELDS}


class NewsFormModal(MairieModal["NewsView | None"]):
    """Publish a news: ctrl+s (or enter on the last field) publishes, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Publier", priority=True, id="news-form.save"),
        Binding("escape", "cancel", "Annuler", id="news-form.cancel"),
    ]

    def compose(self) -> ComposeResult:
        today = self.mairie.clock.today()
        values = {"news-start": fr.short_date(today)}
        with Vertical(id="news-form", classes="dialog"):
            yield Static("PUBLIER UNE ACTUALITÉ", classes="panel-title")
            for field_id, label, limit, placeholder in FIELDS:
                with Horizontal(classes="news-row"):
                    yield Label(label, classes="news-label")
                    yield Field(
                        values.get(field_id, ""),
                        placeholder=placeholder,
                        max_length=limit,
                        id=field_id,
                        compact=True,
                    )
            yield Static(
                "Pour tous si ni activité ni site. ctrl+s : publier.", id="news-form-status"
            )
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Publier (ctrl+s)", id="save", compact=True, variant="primary")

    def on_mount(self) -> None:
        self.query_one("#news-title", Field).focus()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Field).value

    def on_field_too_long(self, event: Field.TooLong) -> None:
        label = LABELS.get(event.field.id or "", "Ce champ")
        self._status(f"{label} : {event.limit} caractères au plus.")

    @on(Field.Submitted)
    def _submitted(self, event: Field.Submitted) -> None:
        if event.input.id == FIELDS[-1][0]:
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            start = fr.parse_date(self.value("news-start"))
            end = fr.parse_date(self.value("news-end"))
        except ValueError as exc:
            self._status(f"Période : {exc}.")
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None
        title, text = self.value("news-title"), self.value("news-text")
        activity, site = self.value("news-activity"), self.value("news-site")

        def call() -> NewsView:
            return publish_news(
                app.engine,
                title=title,
                text=text,
                start=start,
                end=end,
                activity=activity,
                site=site,
                actor=actor,
                clock=app.clock,
            )

        self._status("Publication…", "")

        def done(item: NewsView) -> None:
            self.dismiss(item)

        self.call_service("news-publish", call, done)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._status(message)

    def _status(self, message: str, style: str = "bold red") -> None:
        self.query_one("#news-form-status", Static).update(content(message, style))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
