"""MairieApp: the counter agents' terminal application.

The app holds the settings, the clock, the signed-in agent and the engine;
screens call services in thread workers (see screens/base.py). Heavy modules
(SQLAlchemy, the services) are imported on first use, so that the sign-in
screen is up as fast as a bare Textual app.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual._path import CSSPathType
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from mairie_tui import errorlog
from mairie_tui.config import Settings, load_settings
from mairie_tui.tui import breakpoints
from mairie_tui.tui.messages import SignedIn
from mairie_tui.tui.navigation import Navigation
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.typeahead import TypeAheadApp

if TYPE_CHECKING:
    from mairie_tui.clock import Clock
    from mairie_tui.services.common import Actor
    from mairie_tui.services.handle import DatabaseHandle

APP_NAME = "Mairie Prim' · Guichet unique"


class MairieApp(TypeAheadApp, Navigation):
    """Guichet unique Mairie Prim': sign-in, households, bookings."""

    # Screens carry no DEFAULT_CSS: their styles live here (docs/architecture.md, « Styles »).
    CSS_PATH: ClassVar[CSSPathType | None] = [
        "app.tcss",
        "styles/requests.tcss",
        "styles/mails.tcss",
        "styles/menus.tcss",
        "styles/regie.tcss",
        "styles/agenda.tcss",
    ]
    TITLE = APP_NAME
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    # Screen classes -narrow/-medium/-wide and -short/-tall (tui/breakpoints.py, app.tcss).
    HORIZONTAL_BREAKPOINTS = breakpoints.HORIZONTAL
    VERTICAL_BREAKPOINTS = breakpoints.VERTICAL

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quitter", id="app.quit", priority=True),
        # Priority: a focused field's own ctrl+d (delete right) would take it first.
        Binding("ctrl+d", "sign_out", "Déconnexion", id="app.sign_out", priority=True),
        Binding("f6", "open_lists", "Listes", id="app.lists"),
        Binding("f5", "open_inbox", "Demandes à instruire", show=False, id="app.inbox"),
        # Supervisors (the régisseur), on the search and Foyer screens: check_action.
        Binding("f7", "open_till", "Caisse", id="app.till"),
        Binding("f8", "open_invoicing", "Facturation", id="app.invoicing"),
    ]

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else load_settings()
        errorlog.set_directory(self.settings.data_dir)
        self.clock: Clock = self.settings.clock
        self.actor: Actor | None = None
        # True on an offline copy of a site (export_offline): every role sees the lists only.
        self.offline_copy = False
        self._engine: DatabaseHandle | None = None
        self._engine_lock = threading.Lock()
        self._mail_stop: threading.Event | None = None

    def _fatal_error(self) -> None:
        # Textual would print a traceback with local variables (a family's data):
        # the error goes to the error log and the terminal shows its reference.
        from rich.text import Text

        from mairie_tui.tui.errors import crash_text

        self.bell()
        error = sys.exc_info()[1] or self._exception
        self._exit_renderables.append(Text(crash_text(error), style="bold red"))
        self._close_messages_no_wait()

    # ------------------------------------------------------------ database

    @property
    def engine(self) -> DatabaseHandle:
        """The database handle services take, built on first use (in a worker, never at import)."""
        with self._engine_lock:
            if self._engine is None:
                from mairie_tui.services.handle import open_database

                self._engine = open_database(self.settings.db_url)
            return self._engine

    def on_unmount(self) -> None:
        self._stop_mail_sender()
        if self._engine is not None:
            from mairie_tui.services.handle import close_database

            close_database(self._engine)

    # ------------------------------------------------------------ screens

    def on_mount(self) -> None:
        self.push_screen(self.login_screen())

    def on_signed_in(self, message: SignedIn) -> None:
        self.sign_in(
            message.actor,
            offline_copy=message.offline_copy,
            news=message.news,
            news_error=message.news_error,
        )

    def _warm_up(self) -> None:
        """The first booking's one-off costs (holiday tables, queries), paid in a worker now."""
        engine, clock = self.engine, self.settings.clock

        def warm() -> None:
            from mairie_tui.services.bookings import warm_up

            warm_up(engine, clock)

        self.run_worker(warm, group="warm-up", thread=True, exit_on_error=False)

    def _start_mail_sender(self) -> None:
        """Send the outbox by itself while a counter agent is signed in (MAIRIE_SMTP_HOST set,
        MAIRIE_SMTP_IN_APP not 0): services/outbox.py's loop in a daemon thread, on the real
        clock (mails leave in real time, even in training mode). Every desk may run one: a
        mail is claimed before it is sent, so none leaves twice."""
        smtp, actor = self.settings.smtp, self.actor
        if smtp is None or not smtp.in_app or actor is None or self._mail_stop is not None:
            return
        stop = threading.Event()
        self._mail_stop = stop
        engine = self.engine

        def send() -> None:
            from mairie_tui.clock import SystemClock
            from mairie_tui.services.outbox import run_sender

            run_sender(engine, smtp, SystemClock(), stop, actor=actor)

        threading.Thread(target=send, name="mairie-courriels", daemon=True).start()

    def _stop_mail_sender(self) -> None:
        if self._mail_stop is not None:
            self._mail_stop.set()
            self._mail_stop = None

    def confirm_leaving(self, then: Callable[[], None]) -> None:
        """Run `then`, after asking when open screens hold unsaved changes."""
        unsaved = sum(
            getattr(screen, "unsaved_changes", lambda: 0)() for screen in self.screen_stack
        )
        if not unsaved:
            then()
            return

        def answered(drop: bool | None) -> None:
            if drop:
                then()

        self.push_screen(
            ConfirmModal(
                "ANNULER LA DÉMARCHE",
                f"Abandonner {unsaved} modification{'s' if unsaved > 1 else ''} non validée"
                f"{'s' if unsaved > 1 else ''} ?",
                yes="Abandonner",
                no="Continuer la saisie",
            ),
            answered,
        )

    def action_open_lists(self) -> None:
        self.open_lists()

    def action_open_inbox(self) -> None:
        self.open_inbox()

    def action_open_till(self) -> None:
        self.open_till()

    def action_open_invoicing(self) -> None:
        self.open_invoicing()

    def action_sign_out(self) -> None:
        """ctrl+d on every screen after sign-in: back to the sign-in, asking about unsaved work."""
        own = getattr(self.screen, "action_sign_out", None)
        if own is not None:
            own()  # the pointage waits for its marks to be saved
            return
        self.confirm_leaving(self.sign_out)

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's own words are English): how to quit."""
        self.notify("Pour quitter l'application : ctrl+q.", title="Quitter ?")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_out":
            # After sign-in, on every screen; not from under a dialog (it has its own keys).
            return self.actor is not None and not isinstance(self.screen, ModalScreen)
        if action == "open_inbox":
            # f5 is offered on the search and Foyer screens, to counter agents.
            return (
                self.actor is not None
                and not self.actor.is_staff
                and type(self.screen).__name__ in ("SearchScreen", "HouseholdScreen")
            )
        if action in ("open_till", "open_invoicing"):
            # f7 Caisse and f8 Facturation: the régisseur's, from the search and the Foyer.
            return (
                self.actor is not None
                and self.actor.is_supervisor
                and not self.offline_copy
                and type(self.screen).__name__ in ("SearchScreen", "HouseholdScreen")
            )
        if action == "open_lists":
            # f6 is offered on the search and Foyer screens, to counter agents.
            name = type(self.screen).__name__
            return (
                self.actor is not None
                and not self.actor.is_staff
                and name in ("SearchScreen", "HouseholdScreen")
            )
        return True

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications are plain text, always: their messages quote names and addresses.

        `markup` is ignored: Widget.notify (every screen's) passes True explicitly.
        """
        from mairie_tui.domain.safe_text import clean_control

        super().notify(
            clean_control(message),
            title=clean_control(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def coming_soon(self, what: str) -> None:
        self.notify(f"{what} : bientôt disponible.", title="Bientôt disponible")

    # ------------------------------------------------------------ command palette

    def action_command_palette(self) -> None:
        """ctrl+p: the command palette, in French."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(cast(App[object], self)):
            self.push_screen(
                CommandPalette(placeholder="Rechercher une commande…", id="--command-palette")
            )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.actor is not None and not self.actor.is_staff and not self.offline_copy:
            yield SystemCommand(
                "Foyer : rechercher…", "Retour à la recherche de foyer", self.go_to_search
            )
            yield SystemCommand(
                "Demandes : à instruire",
                "Les demandes des familles à traiter (f5)",
                self.open_inbox,
            )
        if self.actor is not None and self.actor.is_supervisor:
            yield SystemCommand(
                "Agents : comptes et déverrouillage",
                "Les comptes des agents ; déverrouiller un compte bloqué",
                self.open_agents,
            )
            if not self.offline_copy:
                yield SystemCommand(
                    "Actualités : publier ou retirer",
                    "Les actualités affichées aux agents après la connexion",
                    self.open_news,
                )
                yield SystemCommand(
                    "Caisse : journal et clôture",
                    "Les encaissements du jour par agent et par mode ; clôture (f7)",
                    self.open_till,
                )
                yield SystemCommand(
                    "Facturation : factures du mois",
                    "Simulation puis émission des factures d'un mois (f8)",
                    self.open_invoicing,
                )
        if self.actor is not None:
            yield SystemCommand(
                "Listes : effectifs du jour",
                "Enfants inscrits et réservés par site, pointage, effectifs",
                self.open_lists,
            )
            yield SystemCommand(
                "Session : se déconnecter", "Retour à la connexion (ctrl+d)", self.action_sign_out
            )
        help_action = getattr(screen, "action_help", None)
        if help_action is not None:
            yield SystemCommand("Aide : cet écran", "Touches et explications (f1)", help_action)
        yield SystemCommand("Application : quitter", "Fermer l'application (ctrl+q)", self.exit)
