"""The header of every screen: application, screen, signed-in agent, training banner."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from mairie_tui.domain import fr
from mairie_tui.tui.text import content

if TYPE_CHECKING:
    from mairie_tui.tui.app import MairieApp

ROLE_LABELS = {"agent": "agent d'accueil", "supervisor": "superviseur", "staff": "personnel école"}
SHORT_ROLE_LABELS = {"agent": "agent", "supervisor": "superviseur", "staff": "personnel"}


def training_banner(app: MairieApp) -> str | None:
    """`MODE FORMATION — date simulée mardi 15/09/2020 10:00` when the clock is frozen."""
    now = app.settings.now
    if now is None:
        return None
    moment = app.clock.now()
    return f"MODE FORMATION — date simulée {fr.long_date(moment.date())} {moment:%H:%M}"


class AppHeader(Vertical):
    """Application name, screen title, agent; a banner line in training mode."""

    def __init__(self, screen_title: str) -> None:
        super().__init__(id="app-header")
        self.screen_title = screen_title

    def compose(self) -> ComposeResult:
        app = cast("MairieApp", self.app)
        with Horizontal(id="header-row"):
            # Below 100 columns (Screen.-narrow, app.tcss) the short texts leave room for the title.
            yield Static("Mairie Prim' · Guichet unique", id="header-app", classes="-long")
            yield Static("Mairie Prim'", id="header-app-short", classes="-short")
            yield Static(content(self.screen_title), id="header-title")
            yield Static(content(self.agent_text()), id="header-agent", classes="-long")
            yield Static(
                content(self.agent_text(short=True)), id="header-agent-short", classes="-short"
            )
        banner = training_banner(app)
        if banner is not None:
            yield Static(banner, id="header-training")

    def agent_text(self, *, short: bool = False) -> str:
        actor = cast("MairieApp", self.app).actor
        if actor is None:
            return "non connecté"
        labels = SHORT_ROLE_LABELS if short else ROLE_LABELS
        return f"{actor.name} ({labels.get(actor.role, actor.role)})"
