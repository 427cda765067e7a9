"""Recherche de foyer: live results while typing, enter opens a household."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from mairie_tui.services.news import current_news
from mairie_tui.services.search import find_households
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content, lines, markup, plain
from mairie_tui.tui.widgets.columns import Width, fit_widths, resize_columns, table_room
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.news import NewsView
    from mairie_tui.services.search import HouseholdHit

DEBOUNCE_SECONDS = 0.15
RESULT_LIMIT = 50


class SearchInput(Field):
    """The search field: `down` goes into the results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "results", "Résultats", id="search.results", show=False),
    ]

    def action_results(self) -> None:
        table = self.screen.query_one("#results", DataTable)
        if table.row_count:
            table.focus()


RESULT_COLUMNS = (
    ("dossier", "Dossier"),
    ("representative", "Représentant"),
    ("children", "Enfants"),
    ("commune", "Commune"),
    ("phone", "Téléphone"),
)
RESULT_WIDTHS = (
    Width(9, 8),
    Width(30, 16, True),
    Width(28, 14, True),
    Width(20, 10),
    Width(15, 14),
)


class ResultsTable(DataTable[str]):
    """The results: `up` on the first row goes back to the search field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "up_or_field", "Monter", show=False, id="search.up"),
    ]

    def action_up_or_field(self) -> None:
        if self.cursor_row <= 0:
            self.screen.query_one("#query", Input).focus()
        else:
            self.action_cursor_up()


class SearchScreen(MairieScreen):
    """Accueil — recherche de foyer.

    | Key | Action |
    | :- | :- |
    | down | Aller dans les résultats. |
    | enter | Ouvrir le foyer (depuis le champ : le premier). |
    | ctrl+n | Nouveau foyer. |
    | ctrl+l | Effacer la recherche. |
    """

    TITLE_TEXT = "Recherche de foyer"
    HELP = (
        "Tapez un **nom** (de n'importe quel membre), un **n° de dossier** (F-000001), "
        "un **téléphone**, un **e-mail** ou une **commune** : les résultats s'affichent "
        "pendant la saisie (accents et majuscules ignorés, débuts de mots acceptés).\n\n"
        "`↓` descend dans les résultats, `entrée` ouvre le foyer en surbrillance "
        "(depuis le champ : le premier). Les lettres vont toujours dans le champ : "
        "les commandes de cet écran utilisent `ctrl`.\n\n"
        "Au-dessus de la recherche, les **actualités** du jour publiées par les "
        "superviseurs, à dire aux familles (la plus récente d'abord)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Ouvrir le foyer", priority=True, id="search.open"),
        Binding("ctrl+n", "new_household", "Nouveau foyer", id="search.new"),
        Binding("ctrl+l", "clear", "Effacer", id="search.clear"),
        Binding("escape", "back_to_field", "Champ de recherche", show=False, id="search.field"),
    ]

    def __init__(
        self, news: Sequence[NewsView] | None = None, news_error: str | None = None
    ) -> None:
        """`news`: the day's news, already read by the sign-in (else read on mounting)."""
        super().__init__()
        self._news = news
        self._news_error = news_error
        self._debounce: Timer | None = None
        self._hits: list[HouseholdHit] = []
        self._query = ""
        self._shown: str | None = None  # the query whose results are on screen

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="search-body"):
            yield Static(id="search-news")  # shown once the day's news are read
            yield Static("RECHERCHER UN FOYER", classes="panel-title")
            yield SearchInput(
                placeholder="nom, n° de dossier, téléphone, e-mail, commune…", id="query"
            )
            yield Static(
                "Tapez au moins deux lettres : les foyers s'affichent pendant la saisie.",
                id="search-status",
                classes="muted",
            )
            yield ResultsTable(id="results", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        for (key, label), width in zip(RESULT_COLUMNS, self._widths(table), strict=True):
            table.add_column(label, width=width, key=key)
        self.focus_search()
        if self._news is not None:
            self._show_news(self._news)
        elif self._news_error is not None:
            self._news_failed(self._news_error, None)
        else:
            self.load_news()

    def _widths(self, table: DataTable[str]) -> list[int]:
        room = table_room(table, self.app.size.width, 4, len(RESULT_COLUMNS))
        return fit_widths(RESULT_WIDTHS, room)

    def on_resize(self) -> None:
        table = self.query_one("#results", DataTable)
        resize_columns(table, [key for key, _ in RESULT_COLUMNS], self._widths(table))

    def focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    # ------------------------------------------------------------ news

    def load_news(self) -> None:
        """The news current today, above the search; typing goes on meanwhile."""
        app = self.mairie
        actor = app.actor
        if actor is None:
            return

        def call() -> list[NewsView]:
            return current_news(app.engine, actor=actor, clock=app.clock)

        self.call_service("news", call, self._show_news, failed=self._news_failed, hold_keys=False)

    def _show_news(self, news: Sequence[NewsView]) -> None:
        box = self.query_one("#search-news", Static)
        box.set_class(bool(news), "-shown")
        box.update(lines(_news_line(item) for item in news))

    def _news_failed(self, message: str, error: BaseException | None) -> None:
        box = self.query_one("#search-news", Static)
        box.add_class("-shown")
        box.update(content(f"Actualités indisponibles : {message}", "dim"))

    # ------------------------------------------------------------ searching

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._search)

    def _search(self) -> None:
        query = self.query_one("#query", Input).value
        self._query = query
        if len(query.strip()) < 2:
            self._show([], query)
            return
        self.query_one("#search-status", Static).update("Recherche…", layout=False)
        app = self.mairie

        def call() -> list[HouseholdHit]:
            return find_households(app.engine, query, limit=RESULT_LIMIT, actor=app.actor)

        self.call_service(
            "search",
            call,
            lambda hits: self._show(hits, query),
            failed=self._failed,
            hold_keys=False,  # typing goes on while it runs
        )

    def _failed(self, message: str, error: BaseException | None) -> None:
        self.query_one("#search-status", Static).update(content(message))

    def _show(self, hits: list[HouseholdHit], query: str) -> None:
        if query != self.query_one("#query", Input).value:
            return  # a newer query is on its way
        self._hits = hits
        self._shown = query
        table = self.query_one("#results", DataTable)
        table.clear()
        for hit in hits:
            table.add_row(
                plain(hit.dossier),
                plain(hit.representative),
                plain(", ".join(hit.children)),
                plain(hit.commune),
                plain(hit.phone),
                key=str(hit.id),
                height=None,  # a long name wraps in a narrow column
            )
        status = self.query_one("#search-status", Static)
        if len(query.strip()) < 2:
            status.update("Tapez au moins deux lettres : les foyers s'affichent pendant la saisie.")
        elif not hits:
            status.update(content(f"Aucun foyer ne correspond à « {query.strip()} »."))
        elif len(hits) >= RESULT_LIMIT:
            status.update(f"{len(hits)} premiers foyers : précisez la recherche.")
        else:
            status.update(f"{len(hits)} foyer{'s' if len(hits) > 1 else ''}")

    # ------------------------------------------------------------ opening

    def action_open(self) -> None:
        """enter: the highlighted household from the results, the first one from the field."""
        table = self.query_one("#results", DataTable)
        if table.has_focus and table.row_count:
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            if row_key.value is not None:
                self.open_household(int(row_key.value))
            return
        self._open_first()

    def _open_first(self) -> None:
        value = self.query_one("#query", Input).value
        if len(value.strip()) >= 2 and self._shown != value:
            # Enter typed before the results of what is in the field were shown
            # (faster than the debounce, or while the search runs): search now, open
            # when it lands; the keys typed meanwhile wait for the Foyer.
            if self._debounce is not None:
                self._debounce.stop()
            query = self.query_one("#query", Input).value
            self._query = query
            app = self.mairie

            def call() -> list[HouseholdHit]:
                return find_households(app.engine, query, limit=RESULT_LIMIT, actor=app.actor)

            def done(hits: list[HouseholdHit]) -> None:
                self._show(hits, query)
                if hits:
                    self.open_household(hits[0].id)

            self.call_service("search", call, done, failed=self._failed)
            return
        if self._hits:
            self.open_household(self._hits[0].id)
        else:
            self.notify("Aucun foyer à ouvrir : modifiez la recherche.", severity="warning")

    @on(DataTable.RowSelected, "#results")
    def _open_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_household(int(event.row_key.value))

    def open_household(self, household_id: int) -> None:
        """Read the household (and its balance) here, then open the Foyer with it: the Foyer
        is laid out once, with its data; the keys typed meanwhile wait for it."""
        from mairie_tui.tui.screens.household import HouseholdLoad, load_household

        app = self.mairie
        actor = app.actor
        assert actor is not None, "the search needs a signed-in agent"

        def call() -> HouseholdLoad:
            return load_household(app, household_id, actor=actor)

        def done(loaded: HouseholdLoad) -> None:
            app.open_household(household_id, loaded)

        self.call_service("open-household", call, done)

    def action_new_household(self) -> None:
        self.mairie.new_household()

    def action_clear(self) -> None:
        field = self.query_one("#query", Input)
        field.value = ""
        field.focus()

    def action_back_to_field(self) -> None:
        self.focus_search()


def _news_line(item: NewsView) -> Content:
    """One line: « ▸ Titre — texte (public, jusqu'au JJ/MM) »; stored text shown as text."""
    audience = "" if item.audience.kind == "all" else f"{item.audience.label()}, "
    return markup(
        "[b]▸ $title[/] — $text [dim]($audience$until)[/]",
        title=item.title.replace("\n", " "),
        text=item.text.replace("\n", " "),
        audience=audience,
        until=f"jusqu'au {item.end:%d/%m}",
    )
