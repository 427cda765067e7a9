"""The family agenda's opening does its work once: the grid drawn at its final width only, no
animated scroll of the body (one repaint of the screen per frame), the key bar left alone when
the keys did not change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import col, select
from textual.containers import VerticalScroll
from textual.widget import Widget

from mairie_tui.db import make_engine, unit_of_work
from mairie_tui.models import Activity, Enrolment, Household, Person
from mairie_tui.tui.screens.agenda import AgendaScreen
from mairie_tui.tui.widgets.agenda_grid import AgendaGrid
from mairie_tui.tui.widgets.keybar import KeyBar
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.agenda import AGENDA_NOW, open_agenda


@pytest.fixture
def big_family(demo_url: str) -> None:
    """FAMILLE AGENDA's children also enrolled at the ALSH: a month taller than the screen."""
    engine = make_engine(demo_url)
    try:
        with unit_of_work(engine) as session:
            household = session.exec(select(Household).where(Household.dossier == "F-000000")).one()
            alsh = session.exec(select(Activity).where(col(Activity.kind) == "alsh")).first()
            assert alsh is not None
            children = session.exec(
                select(Person).where(Person.household_id == household.id, Person.role == "child")
            ).all()
            for child in children:
                session.add(
                    Enrolment(
                        person_id=child.id,
                        activity_id=alsh.id,
                        start_date=date(2020, 9, 1),
                        end_date=date(2021, 7, 6),
                        status="active",
                    )
                )
    finally:
        engine.dispose()


@pytest.fixture
def drawn_widths(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The width of each drawing of the agenda's lines."""
    widths: list[int] = []
    original = AgendaGrid._build_lines

    def spy(self: AgendaGrid, width: int) -> object:
        widths.append(width)
        return original(self, width)

    monkeypatch.setattr(AgendaGrid, "_build_lines", spy)
    yield widths


@pytest.mark.usefixtures("big_family")
@pytest.mark.parametrize(("size", "scrolled"), [((120, 40), False), ((80, 24), True)])
@run_async
async def test_the_grid_is_drawn_at_its_final_width_only(
    make_app: AppFactory, drawn_widths: list[int], size: tuple[int, int], scrolled: bool
) -> None:
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=size) as pilot:
        await open_agenda(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        body = screen.query_one("#agenda-body", VerticalScroll)
        assert body.show_vertical_scrollbar is scrolled  # is the month taller than the body?
        assert drawn_widths
        assert set(drawn_widths) == {screen.grid.content_size.width}, drawn_widths


@pytest.mark.usefixtures("big_family")
@run_async
async def test_the_body_is_scrolled_at_once(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where Textual's focus scrolls it (the grid centred, its top in view), in one step."""
    positions: list[float] = []
    original = Widget.watch_scroll_y

    def spy(self: Widget, old_value: float, new_value: float) -> None:
        if self.id == "agenda-body":
            positions.append(new_value)
        original(self, old_value, new_value)

    monkeypatch.setattr(Widget, "watch_scroll_y", spy)
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_agenda(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        assert screen.focused is screen.grid
        body = screen.query_one("#agenda-body", VerticalScroll)
        assert body.scroll_y > 0
        assert positions == [body.scroll_y]


@run_async
async def test_the_key_bar_is_kept_when_the_keys_are_the_same(make_app: AppFactory) -> None:
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_agenda(pilot)
        bar = app.screen.query_one(KeyBar)
        drawn = bar._content
        assert drawn is not None
        app.screen.refresh_bindings()
        await pilot.pause()
        assert bar._content is drawn
