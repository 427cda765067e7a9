"""The family agenda (Foyer key g), driven through Pilot: a family of three booked for the
school year with keys only and checked in the database day by day, a conflict with another
desk, the grid's keys, a tick that repaints its line only, hostile names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import col, func, select
from textual._compositor import Compositor
from textual.geometry import Region

from mairie_tui.db import make_engine, read_session, unit_of_work
from mairie_tui.models import Booking, Enrolment, Household, Person, Request
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.tui.screens.agenda import AgendaScreen
from mairie_tui.tui.screens.agenda_modals import FamilyPatternModal
from mairie_tui.tui.screens.agenda_recap import AgendaConfirmationScreen, AgendaRecapScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.search import SearchScreen
from mairie_tui.tui.widgets.agenda_grid import AgendaGrid
from tests.helpers import DESK
from tests.services.family_agenda_helpers import MON_TUE_THU_FRI, YEAR, open_days
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.agenda import AGENDA_NOW, open_agenda
from tests.tui.scenes.base import screen_text, settle

SIZE = (120, 40)
# From the Foyer: the agenda, the family periodicity (lundi, mardi, jeudi, vendredi on every
# row, every unit, every week, the whole period: the dialog's defaults), the recap, VALIDER.
FROM_FOYER = (
    "g",
    "p",
    *("space", "tab", "space", "tab", "space", "tab", "space"),
    "enter",
    "v",
    "enter",
)


def family_bookings(db_url: str) -> dict[tuple[str, str], dict[str, list[date]]]:
    """FAMILLE AGENDA's live bookings: (child, activity kind) → unit → days."""
    engine = make_engine(db_url)
    found: dict[tuple[str, str], dict[str, list[date]]] = {}
    try:
        with read_session(engine) as session:
            household = session.exec(
                select(Household.id).where(Household.dossier == "F-000000")
            ).one()
            rows = session.exec(
                select(Booking, Person.first_name, Enrolment.activity_id)
                .join(Enrolment, col(Enrolment.id) == Booking.enrolment_id)
                .join(Person, col(Person.id) == Enrolment.person_id)
                .where(Person.household_id == household, Booking.status == "booked")
            ).all()
            from mairie_tui.models import Activity, Unit

            kinds = {a.id: a.kind for a in session.exec(select(Activity))}
            units = {u.id: u.name for u in session.exec(select(Unit))}
            for booking, child, activity_id in rows:
                by_unit = found.setdefault((child, kinds[activity_id]), {})
                by_unit.setdefault(units[booking.unit_id], []).append(booking.day)
    finally:
        engine.dispose()
    return {
        key: {unit: sorted(days) for unit, days in value.items()} for key, value in found.items()
    }


def count_requests(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as session:
            return session.exec(select(func.count()).select_from(Request)).one()
    finally:
        engine.dispose()


@run_async
async def test_a_family_of_three_booked_for_the_year_with_keys_only(
    make_app: AppFactory, demo_url: str
) -> None:
    """Search → Foyer → g → p (Mon/Tue/Thu/Fri) → recap → VALIDER: 12 keys from the Foyer."""
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"guichet", "tab", *"guichet", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"famille agenda")
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "g Agenda de la famille" in screen_text(app)  # in the footer

        keys = 0
        for key in FROM_FOYER:
            await pilot.press(key)
            await settle(pilot)
            keys += 1
            if key == "g":
                assert isinstance(app.screen, AgendaScreen)
            if key == "p":
                assert isinstance(app.screen, FamilyPatternModal)
            if key == "v":
                assert isinstance(app.screen, AgendaRecapScreen)
                text = screen_text(app)
                assert "PAUL" in text and "LÉA" in text and "Restauration scolaire Mons" in text
                assert "Total : 1269 ajouts, 0 annulation (6 inscriptions)" in text
        assert keys <= 25
        assert keys == 12
        assert isinstance(app.screen, AgendaConfirmationScreen)
        text = screen_text(app)
        assert "DEMANDES ENREGISTRÉES" in text
        assert (
            "n° 2020-" in text and "· Léa · Restauration scolaire Mons : 141 ajouts" in text
        )
        assert "claire.agenda@example.fr" in text and "marc.agenda@example.fr" in text

    # Day by day against the independent count of open days (tests/services/family_agenda_helpers.py).
    expected = open_days(*YEAR, MON_TUE_THU_FRI)
    assert len(expected) == 141
    booked = family_bookings(demo_url)
    assert booked == {
        (child, kind): dict.fromkeys(units, expected)
        for child in ("Paul", "Léa", "Hugo")
        for kind, units in (("canteen", ("Repas",)), ("periscolaire", ("Matin", "Soir")))
    }


@run_async
async def test_another_desk_changing_one_child_refuses_everything(
    make_app: AppFactory, demo_url: str
) -> None:
    """Léa's canteen changed at another desk between the opening and VALIDER: nothing written,
    the message names Léa, the agenda keeps the family's edits."""
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        await pilot.press("p", *("space", "tab", "space", "tab", "space", "tab", "space"), "enter")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, AgendaRecapScreen)

        lea = next(
            row for row in screen.agenda.rows if row.title == "Léa - Restauration scolaire Mons"
        )
        other = open_booking(app.engine, lea.enrolment_id, app.clock, actor=DESK)
        other.draft.toggle(date(2020, 9, 1), other.units[0].id)
        validate_booking(app.engine, other, actor=DESK, clock=app.clock)
        requests = count_requests(demo_url)

        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        text = screen_text(app)
        assert "Léa" in text and "Un autre poste a modifié" in text, text
        assert screen.unsaved_changes() == 1269  # the edits are kept (ctrl+r reloads)
    assert count_requests(demo_url) == requests
    assert family_bookings(demo_url) == {("Léa", "canteen"): {"Repas": [date(2020, 9, 1)]}}


@run_async
async def test_the_grid_keys(make_app: AppFactory) -> None:
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_agenda(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        grid = screen.grid
        assert grid.focus_day == date(2020, 9, 1) and grid.visible_days()[0] == date(2020, 9, 1)
        assert date(2020, 9, 2) not in grid.visible_days()  # mercredi: no row opens
        await pilot.press("right")
        assert grid.focus_day == date(2020, 9, 3)  # over the Wednesday
        await pilot.press("down", "down", "space")  # Paul's meal
        paul_canteen = grid.rows[grid.focused_row]
        assert paul_canteen.title == "Paul - Restauration scolaire Mons"
        assert paul_canteen.booking.draft.is_ticked(date(2020, 9, 3), grid.focused_unit.id)
        await pilot.press("down")
        assert grid.rows[grid.focused_row].title == "Léa - Périscolaire Mons"
        assert grid.focused_unit.name == "Matin"
        assert "semaine de M. Marc" in screen_text(app).split("Cantine")[-1]  # ISO week 36
        await pilot.press("a")
        result = grid.rows[grid.focused_row].booking.draft.changes
        assert len(result) == 2 * 17  # Matin and Soir of every open day of Septembre
        assert "Tout cocher · Léa - Périscolaire Mons : 34 jours modifiés" in screen_text(app)
        await pilot.press("down", "down", "down")  # over Léa's custody line
        assert grid.rows[grid.focused_row].title == "Hugo - Périscolaire Mons"
        await pilot.press("pagedown")
        assert (grid.focus_day.year, grid.focus_day.month) == (2020, 10)
        assert "Octobre 2020" in screen_text(app)
        assert grid.focus_day == date(2020, 10, 5)  # 03/10 is a Saturday: the next open day
        await pilot.press("w")
        await pilot.pause()
        assert grid.week_view and "Semaine 41 · du 05/10/2020 au 11/10/2020" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Abandonner 35 modifications" in screen_text(app)


@pytest.fixture
def repainted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[Region]]]:
    frames: list[list[Region]] = []
    original = Compositor.render_partial_update

    def spy(self: Compositor):  # type: ignore[no-untyped-def]
        if self._dirty_regions:
            frames.append(sorted(self._dirty_regions))
        return original(self)

    monkeypatch.setattr(Compositor, "render_partial_update", spy)
    yield frames


@run_async
async def test_a_tick_repaints_its_line_and_the_status_only(
    make_app: AppFactory, repainted: list[list[Region]]
) -> None:
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_agenda(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        grid: AgendaGrid = screen.grid
        await pilot.press("right", "down")
        await pilot.pause()
        repainted.clear()
        await pilot.press("space")
        await pilot.pause()
        lines = sum(region.height for frame in repainted for region in frame)
        assert 1 <= lines <= 3, repainted  # the line, the status (and its second row)
        # The cached lines are what a fresh drawing gives.
        cached = list(grid._lines or [])
        grid._line_strips.clear()
        assert cached == grid._build_lines(grid.content_size.width)


@run_async
async def test_hostile_names_are_shown_literally(make_app: AppFactory, demo_url: str) -> None:
    engine = make_engine(demo_url)
    with unit_of_work(engine) as session:
        paul = session.exec(select(Person).where(Person.first_name == "Paul")).first()
        assert paul is not None
        paul.first_name = "Dupont [/] [b]\x1b[31m" + "x" * 300
        session.add(paul)
    engine.dispose()
    app = make_app(AGENDA_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_agenda(pilot)
        assert isinstance(app.screen, AgendaScreen)
        assert "Dupont [/] [b]" in screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        assert "Dupont [/]" in screen_text(app)
