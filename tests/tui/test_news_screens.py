"""Pilot tests of the news (issue 15): the agent sees the day's news after sign-in; a
supervisor publishes and withdraws one on the Actualités screen."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from mairie_tui.db import make_engine, read_session, unit_of_work
from mairie_tui.domain.safe_text import has_control
from mairie_tui.models import AuditEvent, News
from mairie_tui.tui.screens.news import NewsFormModal, NewsScreen
from mairie_tui.tui.screens.search import SearchScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SIZE, SMALL, fill, screen_text, settle, sign_in
from tests.tui.scenes.news import open_news

PORTAL_NEWS = "Les réservations en ALSH sont ouvertes !"


@run_async
async def test_the_search_screen_shows_the_current_news_after_sign_in(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, SearchScreen)
        shown = screen_text(app)
        assert PORTAL_NEWS in shown and "(jusqu'au 30/09)" in shown
        assert "Sortie au parc mercredi 16/09" in shown and "activité ALSH-ALES-PSJ" in shown
        # The news sit above the search: the field keeps the focus.
        assert app.focused is not None and app.focused.id == "query"


@run_async
async def test_no_news_is_shown_once_they_are_over(make_app: AppFactory) -> None:
    app = make_app("2020-10-01T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert PORTAL_NEWS not in screen_text(app)
        assert not app.screen.query_one("#search-news").display


@run_async
async def test_a_hostile_news_row_renders_as_text(make_app: AppFactory, demo_url: str) -> None:
    """A row written outside the services (a hand-made fix): markup, escapes, NUL, 300 chars."""
    hostile = "Grève [/] [@click=app.quit]x[/] \x1b]0;pwn\x07 \x00 " + "é" * 300
    engine = make_engine(demo_url)
    try:
        with unit_of_work(engine) as session:
            session.add(
                News(
                    title="[b]Alerte[/] \x1b[31m",
                    text=hostile,
                    start_date=date(2020, 9, 15),
                    end_date=date(2020, 9, 15),
                    created_at=datetime(2020, 9, 14, tzinfo=UTC),
                )
            )
    finally:
        engine.dispose()
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        shown = screen_text(app)
        assert "[b]Alerte[/]" in shown and "Grève [/] [@click=app.quit]x[/]" in shown
        assert not has_control(shown.replace("\n", ""))
        assert isinstance(app.screen, SearchScreen)


@run_async
async def test_a_supervisor_publishes_then_withdraws_a_news(
    make_app: AppFactory, demo_url: str
) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot, "superviseur")
        await open_news(pilot)
        assert isinstance(app.screen, NewsScreen)
        assert PORTAL_NEWS in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewsFormModal)
        await fill(pilot, "#news-title", "Cantine fermée jeudi")
        await fill(pilot, "#news-text", "Grève : pas de repas [/] jeudi 17/09.")
        await fill(pilot, "#news-end", "14/09/2020")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewsFormModal)  # refused, the form stays with its values
        assert "se termine le 14/09/2020, avant son début" in screen_text(app)
        await fill(pilot, "#news-end", "17/09/2020")
        await fill(pilot, "#news-activity", "RS-MONS")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewsScreen)
        row = next(line for line in screen_text(app).splitlines() if "Cantine fermée" in line)
        assert "15/09 – 17/09/2020" in row and "en cours" in row
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert "Cantine fermée" not in screen_text(app)
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            (row,) = session.exec(select(News).where(News.title == "Cantine fermée jeudi"))
            assert row.audience_value == "RS-MONS" and row.withdrawn_at is not None
            actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "news"))
            assert list(actions) == ["news.publish", "news.withdraw"]
    finally:
        engine.dispose()


@run_async
async def test_agents_cannot_open_the_news_screen(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        app.open_news()
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
