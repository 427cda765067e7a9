"""Connexion: the agent signs in (login, password, enter)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Button, Input, Label, Static

from mairie_tui.tui.errors import french_message
from mairie_tui.tui.messages import SignedIn
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.tui.app import MairieApp


def _authenticate(app: MairieApp, login: str, password: str) -> SignedIn:
    """Runs in a worker thread: Argon2 is slow on purpose, and throttling sleeps.

    Also asks, off the UI thread, whether the database is an offline copy, and reads the
    day's news the search screen shows (so that it is laid out once, with them).
    """
    from mairie_tui.services.agents import authenticate
    from mairie_tui.services.news import current_news
    from mairie_tui.services.offline import is_offline_copy

    actor = authenticate(app.engine, login, password, app.clock)
    offline_copy = is_offline_copy(app.engine)
    if actor.is_staff or offline_copy:
        return SignedIn(actor, offline_copy=offline_copy)
    try:
        news = tuple(current_news(app.engine, actor=actor, clock=app.clock))
    except Exception as error:  # the search screen says so; the agent is signed in anyway
        return SignedIn(actor, news_error=french_message(error))
    return SignedIn(actor, news=news)


class LoginScreen(MairieScreen):
    """Connexion.

    | Key | Action |
    | :- | :- |
    | tab | Champ suivant. |
    | enter | Se connecter. |
    """

    TITLE_TEXT = "Connexion"
    HELP = (
        "Saisissez votre **identifiant** puis votre **mot de passe** d'agent, "
        "puis `entrée`.\n\nAprès trois erreurs de suite, chaque nouvel essai est "
        "ralenti ; après dix, le compte est verrouillé jusqu'à ce qu'un superviseur le "
        "déverrouille. En mode formation, les comptes de démonstration sont "
        "`guichet`, `superviseur` et `cantine` (mot de passe identique).\n\n"
        "Sur une **copie hors ligne**, saisissez votre identifiant puis le **code "
        "d'accès de la copie** (remis avec la copie) à la place du mot de passe."
    )
    # f1 (Aide) is MairieScreen's, as on every screen.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Se connecter", priority=True, id="login.submit"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Center(id="login-center"), Vertical(id="login-box", classes="panel"):
            yield Static("MON ESPACE AGENT", classes="panel-title")
            yield Static("Guichet unique Mairie Prim' — Alès Agglomération", classes="muted")
            yield Label("Identifiant")
            yield Field(placeholder="identifiant", id="login")
            yield Label("Mot de passe")
            yield Field(placeholder="mot de passe", password=True, id="password")
            yield Static("", id="login-error", classes="error")
            yield Button("CONNEXION", id="login-button", variant="primary", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#login", Input).focus()

    def action_submit(self) -> None:
        """enter: from the login field, go to the password when it is empty; else sign in."""
        password = self.query_one("#password", Input)
        if self.focused is self.query_one("#login", Input) and not password.value:
            password.focus()
            return
        self.action_sign_in()

    @on(Button.Pressed, "#login-button")
    def _pressed(self) -> None:
        self.action_sign_in()

    def action_sign_in(self) -> None:
        if self.query_one("#login-button", Button).disabled:
            return  # a sign-in is already on its way
        login = self.query_one("#login", Input).value
        password = self.query_one("#password", Input).value
        if not login.strip() or not password:
            self.show_error("Saisissez l'identifiant et le mot de passe.")
            return
        self.query_one("#login-error", Static).update("Connexion…")
        self.query_one("#login-button", Button).disabled = True
        app = self.mairie
        self.call_service(
            "sign-in",
            lambda: _authenticate(app, login, password),
            self._signed_in,
        )

    def _signed_in(self, signed_in: SignedIn) -> None:
        # At once, not through a message: the keys typed during the sign-in wait for
        # the screen this opens (tui/typeahead.py), not for a message in flight.
        self.mairie.sign_in(
            signed_in.actor,
            offline_copy=signed_in.offline_copy,
            news=signed_in.news,
            news_error=signed_in.news_error,
        )

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#login-error", Static).update(content(message))
        self.query_one("#login-button", Button).disabled = False
        password = self.query_one("#password", Input)
        password.value = ""
        if self.query_one("#login", Input).value.strip():
            password.focus()
        else:
            self.query_one("#login", Input).focus()
