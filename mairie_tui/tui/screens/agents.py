"""AGENTS (supervisors): the accounts with their state; `d` unlocks a locked account,
`s` edits the sites of a school staff member."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, SelectionList, Static

from mairie_tui.services.agents import get_agents, set_agent_sites, unlock_agent
from mairie_tui.services.lists import list_sites
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.text import content, markup, plain
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.agents import AgentPublic

STATE_STYLES = {"actif": "", "verrouillé": "bold red", "désactivé": "dim"}
HINT = "Un compte verrouillé ne peut plus se connecter : d pour le déverrouiller."
STAFF_HINT = "s : les sites où ce membre du personnel voit les listes et fait le pointage."


class AgentsScreen(MairieScreen):
    """Agents.

    | Key | Action |
    | :- | :- |
    | up / down | Choisir le compte. |
    | d | Déverrouiller le compte. |
    | s | Sites du personnel école. |
    | escape | Retour. |
    """

    TITLE_TEXT = "Agents"
    HELP = (
        "Les comptes des agents, avec leur état : **actif**, **verrouillé** (trop d'essais "
        "de mot de passe infructueux de suite) ou **désactivé**.\n\n"
        "`d` déverrouille le compte en surbrillance : l'agent peut de nouveau se connecter. "
        "Chaque déverrouillage est tracé au journal.\n\n"
        "`s` choisit les **sites** d'un membre du personnel école : il ne voit les listes, "
        "le pointage et les effectifs que de ces sites (changement pris en compte à sa "
        "prochaine connexion, tracé au journal)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "unlock", "Déverrouiller", id="agents.unlock"),
        Binding("s", "sites", "Sites", id="agents.sites"),
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
        table.add_column("Sites")
        table.focus()
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> list[AgentPublic]:
            return get_agents(app.engine, actor=actor)

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
                plain(_sites_cell(agent)),
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
        if agent is not None and agent.role == "staff":
            return content(f"{_sites_summary(agent)} {STAFF_HINT}")
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

    def action_sites(self) -> None:
        agent = self.highlighted()
        if agent is None:
            return
        if agent.role != "staff":
            self._status("Les agents d'accueil et les superviseurs voient tous les sites.")
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> list[str]:
            return [summary.site for summary in list_sites(app.engine, actor=actor)]

        self.call_service("agents-sites", call, lambda sites: self._pick_sites(agent, sites))

    def _pick_sites(self, agent: AgentPublic, sites: list[str]) -> None:
        def chosen(picked: tuple[str, ...] | None) -> None:
            if picked is not None:
                self._save_sites(agent.login, picked)

        self.app.push_screen(SitesModal(agent, sites), chosen)

    def _save_sites(self, login: str, sites: tuple[str, ...]) -> None:
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def call() -> AgentPublic:
            return set_agent_sites(app.engine, login, sites, actor=actor, clock=app.clock)

        self._status("Enregistrement des sites…")
        self.call_service("agents-sites-save", call, self._sites_saved)

    def _sites_saved(self, agent: AgentPublic) -> None:
        self.notify(
            f"Sites de « {agent.login} » enregistrés. {_sites_summary(agent)}",
            title="Agents",
            markup=False,
        )
        self.reload(keep=agent.login)

    def _unlocked(self, agent: AgentPublic) -> None:
        self.notify(f"Compte « {agent.login} » déverrouillé.", title="Agents", markup=False)
        self.reload(keep=agent.login)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._status(f"[b red]{message}[/]")

    def action_back(self) -> None:
        self.app.pop_screen()


def _sites_cell(agent: AgentPublic) -> str:
    if agent.role != "staff":
        return "tous"
    return ", ".join(agent.sites) if agent.sites else "aucun"


def _sites_summary(agent: AgentPublic, shown: int = 2) -> str:
    """« 28 sites : A, B… » — short enough for the status line at 80 columns."""
    if not agent.sites:
        return "Aucun site."
    names = ", ".join(agent.sites[:shown])
    return f"{len(agent.sites)} site(s) : {names}{'…' if len(agent.sites) > shown else '.'}"


class SitesModal(ModalScreen[tuple[str, ...] | None]):
    """The sites of a school staff member: space ticks a site, enter saves, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Enregistrer", priority=True, id="sites.save"),
        Binding("escape", "cancel", "Annuler", id="sites.cancel"),
    ]

    def __init__(self, agent: AgentPublic, sites: list[str]) -> None:
        super().__init__()
        self.agent = agent
        self.sites = sorted(set(sites) | set(agent.sites))

    def compose(self) -> ComposeResult:
        with Vertical(id="sites-box", classes="dialog"):
            yield Static("SITES DU PERSONNEL ÉCOLE", classes="panel-title")
            yield Static(content(f"{self.agent.name} ({self.agent.login})"))
            yield SelectionList[str](
                *[(plain(site), site, site in self.agent.sites) for site in self.sites],
                id="sites-list",
            )
            yield Static("espace : cocher ou décocher un site", classes="muted")
            with Horizontal(classes="buttons"):
                yield Button("Annuler (échap)", id="cancel", compact=True)
                yield Button("Enregistrer (entrée)", id="save", compact=True, variant="primary")

    def on_mount(self) -> None:
        self.query_one("#sites-list", SelectionList).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        picked = self.query_one("#sites-list", SelectionList).selected
        self.dismiss(tuple(str(site) for site in picked))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
