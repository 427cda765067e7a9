"""AGENTS (supervisors): the accounts with their state; `d` unlocks a locked account."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from mairie_tui.services.agents import get_agents, unlock_agent
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import markup, plain
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.agents import AgentPublic

STATE_STYLES = {"actif": "", "verrouillé": "bold red", "désactivé": "dim"}
HINT = "Un compte verrouillé ne peut plus se connecter : d pour le déverrouiller."


class AgentsScreen(MairieScreen):
    """Agents.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir le compte. |
    | d | Déverrouiller le compte. |
    | escape | Retour. |
    """

    TITLE_TEXT = "Agents"
    HELP = (
        "Les comptes des agents, avec leur état : **actif**, **verrouillé** (trop d'essais "
        "de mot de passe infructueux de suite) ou **désactivé**.\n\n"
        "`d` déverrouille le compte en surbrillance : l'agent peut de nouveau se connecter. "
        "Chaque déverrouillage est tracé au journal."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "unlock", "Déverrouiller", id="agents.unlock"),
        Binding("escape", "back", "Retour", id="agents.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.agents: list[AgentPublic] = []

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="agents-body"):
            yield Static("GESTION DES AGENTS", classes="panel-title")
            yield DataTable(id="agent-table", cursor_type="row")
            yield Static("Chargement…", id="agents-status", classes="muted")
        yield KeyBar()

    def on_mount(self) -> None:
        table: DataTable[str | Text] = self.query_one("#agent-table", DataTable)
        table.add_column("Identifiant")
        table.add_column("Nom")
        table.add_column("Rôle")
        table.add_column("État")
        table.add_column("Essais manqués")
        table.focus()
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        app = self.mairie

        def call() -> list[AgentPublic]:
            return get_agents(app.engine)

        self.call_service("agents-load", call, lambda agents: self._loaded(agents, keep))

    def _loaded(self, agents: list[AgentPublic], keep: str | None) -> None:
        self.agents = agents
        table: DataTable[str | Text] = self.query_one("#agent-table", DataTable)
        table.clear()
        for agent in agents:
            table.add_row(
                plain(agent.login),
                plain(agent.name),
                agent.role_label,
                Text(agent.state_label, style=STATE_STYLES.get(agent.state_label, "")),
                str(agent.failed_attempts) if agent.failed_attempts else "",
                key=agent.login,
            )
        logins = [agent.login for agent in agents]
        if keep in logins:
            table.move_cursor(row=logins.index(keep))
        self._status(self._describe(self.highlighted()))

    def highlighted(self) -> AgentPublic | None:
        table = self.query_one("#agent-table", DataTable)
        if not self.agents or not 0 <= table.cursor_row < len(self.agents):
            return None
        return self.agents[table.cursor_row]

    @staticmethod
    def _describe(agent: AgentPublic | None) -> Content | str:
        if agent is not None and agent.locked and agent.active:
            return markup(
                "[b red]$login est verrouillé[/] : d pour le déverrouiller.", login=agent.login
            )
        return HINT

    def _status(self, text: Content | str) -> None:
        self.query_one("#agents-status", Static).update(text)

    @on(DataTable.RowHighlighted, "#agent-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._status(self._describe(self.highlighted()))

    def action_unlock(self) -> None:
        agent = self.highlighted()
        if agent is None:
            return
        if not agent.failed_attempts:
            self._status(f"Le compte « {agent.login} » n'est pas verrouillé.")
            return
        app = self.mairie
        actor, login = app.actor, agent.login
        assert actor is not None

        def call() -> AgentPublic:
            return unlock_agent(app.engine, login, actor=actor, clock=app.clock)

        self._status("Déverrouillage…")
        self.call_service("agents-unlock", call, self._unlocked)

    def _unlocked(self, agent: AgentPublic) -> None:
        self.notify(f"Compte « {agent.login} » déverrouillé.", title="Agents", markup=False)
        self.reload(keep=agent.login)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._status(f"[b red]{message}[/]")

    def action_back(self) -> None:
        self.app.pop_screen()
