"""Pilot tests of the Agents screen (issue 11): a supervisor unlocks a locked account."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import SelectionList

from mairie_tui.db import read_session
from mairie_tui.models import Agent, AgentSite, AuditEvent
from mairie_tui.tui.screens.agents import AgentsScreen, SitesModal
from mairie_tui.tui.screens.login import LoginScreen
from mairie_tui.tui.screens.search import SearchScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.agents import lock_by_wrong_passwords, open_agents
from tests.tui.scenes.base import SIZE, screen_text, settle, sign_in


async def type_sign_in(pilot, login: str, password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*login, "tab", *(password or login), "enter")
    await settle(pilot)


def row_of(app, login: str) -> str:  # type: ignore[no-untyped-def]
    return next(line for line in screen_text(app).splitlines() if f" {login} " in line)


@run_async
async def test_supervisor_unlocks_a_locked_agent(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lock_by_wrong_passwords(pilot, "guichet")
        # The locked agent is refused at the sign-in screen, even with the right password.
        await type_sign_in(pilot, "guichet")
        assert isinstance(app.screen, LoginScreen)
        assert "Ce compte est verrouillé après 10 essais infructueux" in screen_text(app)
        await sign_in(pilot, "superviseur")
        assert isinstance(app.screen, SearchScreen)
        await open_agents(pilot)
        assert isinstance(app.screen, AgentsScreen)
        assert "verrouillé" in row_of(app, "guichet")
        assert "actif" in row_of(app, "superviseur")
        await pilot.press("down")  # cantine, guichet, superviseur: guichet
        await pilot.pause()
        assert "guichet est verrouillé" in screen_text(app)
        await pilot.press("d")
        await settle(pilot)
        assert "actif" in row_of(app, "guichet")
        assert "verrouillé" not in row_of(app, "guichet")
        with read_session(app.engine) as session:
            agent = session.exec(select(Agent).where(Agent.login == "guichet")).one()
            assert agent.failed_attempts == 0
            (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.unlock"))
            assert event.agent_id == app.actor.id  # type: ignore[union-attr]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)


@run_async
async def test_a_counter_agent_has_no_agents_screen(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "guichet")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert not [title for title in titles if title.startswith("Agents")]
        app.open_agents()
        await pilot.pause()
        assert not isinstance(app.screen, AgentsScreen)


@run_async
async def test_supervisor_edits_the_sites_of_a_staff_member(make_app: AppFactory) -> None:
    """`s` on cantine: the demo's school sites are ticked; untick the first, enter: saved, audited,
    shown in the Sites column; `s` on a counter agent says they see every site."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "superviseur")
        await open_agents(pilot)
        assert isinstance(app.screen, AgentsScreen)
        assert "Accueil périsc" in row_of(app, "cantine")  # cantine: first row
        with read_session(app.engine) as session:
            before = sorted(
                session.exec(select(AgentSite.site).where(AgentSite.agent_id == 3)).all()
            )
        assert {site.split(" ")[0] for site in before} == {"Accueil", "Restaurant"}
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SitesModal)
        listed = app.screen.query_one("#sites-list", SelectionList)
        assert sorted(listed.selected) == before
        first_ticked = next(
            i for i in range(listed.option_count) if listed.get_option_at_index(i).value in before
        )
        listed.highlighted = first_ticked
        await pilot.press("space", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AgentsScreen)
        with read_session(app.engine) as session:
            after = sorted(
                session.exec(select(AgentSite.site).where(AgentSite.agent_id == 3)).all()
            )
            (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.sites"))
        assert after == [
            site for site in before if site != listed.get_option_at_index(first_ticked).value
        ]
        assert event.agent_id == app.actor.id  # type: ignore[union-attr]
        await pilot.press("down")  # guichet
        await pilot.pause()
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, AgentsScreen)
        assert "voient tous les sites" in screen_text(app)
