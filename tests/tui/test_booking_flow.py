"""The seed scenario and the booking screens, driven through Pilot on the demo database."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from mairie_tui.db import make_engine, read_session
from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.draft import ChangeKind
from mairie_tui.models import Booking, OutboxEmail, Request
from mairie_tui.services.demo import seed_ids
from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.screens.confirmation import ConfirmationScreen
from mairie_tui.tui.screens.demarche import DemarcheScreen
from mairie_tui.tui.screens.enrolments import EnrolmentsScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.login import LoginScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.screens.recap import RecapScreen
from mairie_tui.tui.screens.search import SearchScreen
from mairie_tui.tui.widgets.month_grid import MonthGrid
from tests.helpers import DESK
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SEED_KEYS, open_step1, screen_text, seed_ticks, settle

SIZE = (120, 40)
TUTORIAL_LINES = [
    "vendredi | 25/09/2020 | Repas | Ajout",
    "lundi | 28/09/2020 | Repas | Ajout",
    "mardi | 29/09/2020 | Repas | Ajout",
]


def grid_of(app: object) -> MonthGrid:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, BookingScreen), type(screen).__name__
    return screen.grid


@run_async
async def test_seed_scenario_with_keys_only(make_app: AppFactory, demo_url: str) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoginScreen)
        assert "MODE FORMATION — date simulée mardi 15/09/2020 10:00" in screen_text(app)
        await pilot.press(*"guichet", "tab", *"guichet", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert "Camille Martin" in screen_text(app)

        await pilot.press(*"famille test")
        await pilot.pause(0.2)
        await settle(pilot)
        assert "F-000001" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        text = screen_text(app)
        for expected in (
            "MON ESPACE",
            "Test 1 FAMILLE TEST",
            "CO-REPRÉSENTANTS",
            "Test 2",
            "Jeannot",
        ):
            assert expected in text

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, EnrolmentsScreen)
        assert (
            "Jeannot" in screen_text(app)
            and "Restaurant scolaire Mons Elementaire" in screen_text(app)
            and "du 01/09/2020 au 06/07/2021" in screen_text(app)
        )
        await pilot.press("enter")
        await settle(pilot)
        grid = grid_of(app)
        assert grid.focus_day == date(2020, 9, 15)
        assert grid.has_focus
        text = screen_text(app)
        assert "Septembre 2020" in text and "1 - MA DEMANDE" in text and "LUNDI" in text

        await pilot.press(*SEED_KEYS)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
        assert [line.text() for line in app.screen.lines] == TUTORIAL_LINES
        text = screen_text(app)
        assert "2 - LE RÉCAPITULATIF" in text and "3 ajouts, 0 annulation" in text
        for day in ("25/09/2020", "28/09/2020", "29/09/2020"):
            assert day in text

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmationScreen)
        number = app.screen.result.request_number
        text = screen_text(app)
        assert number in text
        # Only queued: the screen does not claim the mail has left.
        assert "Un mail de confirmation va être envoyé à mairiedemons0517@orange.fr" in text
        assert "a été envoyé" not in text

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert number in screen_text(app)

    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
            bookings = session.exec(
                select(Booking).where(Booking.enrolment_id == ids.enrolment_id)
            ).all()
            assert sorted((b.day, b.status) for b in bookings) == [
                (date(2020, 9, 25), "booked"),
                (date(2020, 9, 28), "booked"),
                (date(2020, 9, 29), "booked"),
            ]
            request = session.exec(select(Request).where(Request.number == number)).one()
            assert request.type == "reservation" and request.household_id == ids.household_id
            mails = session.exec(
                select(OutboxEmail).where(OutboxEmail.request_id == request.id)
            ).all()
            assert [mail.recipient for mail in mails] == ["mairiedemons0517@orange.fr"]
    finally:
        engine.dispose()


@run_async
async def test_past_deadline_day_cannot_be_ticked_by_an_agent(make_app: AppFactory) -> None:
    app = make_app("2020-09-16T00:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        grid = grid_of(app)
        assert grid.focus_day == date(2020, 9, 16)
        assert "Fermé le mercredi" in screen_text(app)
        await pilot.press("down", "right", "right")
        assert grid.focus_day == date(2020, 9, 25)
        await pilot.press("space")
        await pilot.pause()
        assert not grid.draft.dirty
        text = screen_text(app)
        assert "Délai dépassé" in text
        assert "seul un superviseur" in text
        # The next week is still open.
        await pilot.press("down", "left", "space")
        assert grid.focus_day == date(2020, 10, 1)
        assert grid.draft.changes == {(date(2020, 10, 1), grid.units[0].id): ChangeKind.ADD}


@run_async
async def test_supervisor_forces_a_locked_day_only_with_a_reason(make_app: AppFactory) -> None:
    from mairie_tui.tui.screens.booking_modals import ForceReasonModal

    app = make_app("2020-09-16T00:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot, "superviseur")
        grid = grid_of(app)
        await pilot.press("down", "right", "right", "space")
        await pilot.pause()
        assert isinstance(app.screen, ForceReasonModal)
        await pilot.press("enter")  # empty reason
        await pilot.pause()
        assert isinstance(app.screen, ForceReasonModal)
        assert "motif est obligatoire" in str(app.screen.query_one("#force-error").render())
        assert not grid.draft.dirty
        await pilot.press(*"accord directeur", "enter")
        await pilot.pause()
        assert isinstance(app.screen, BookingScreen)
        key = (date(2020, 9, 25), grid.units[0].id)
        assert grid.draft.changes == {key: ChangeKind.ADD}
        assert grid.draft.forced == {key: "accord directeur"}
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
        text = screen_text(app)
        assert "forcé : accord directeur" in text and "Attention" in text


@run_async
async def test_holidays_closed_days_and_month_crossing(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        grid = grid_of(app)
        await pilot.press("right")
        assert grid.focus_day == date(2020, 9, 16)
        assert "Fermé le mercredi" in screen_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert not grid.draft.dirty
        assert "ce jour ne peut pas être modifié" in screen_text(app)

        await pilot.press("pagedown")
        assert grid.focus_day == date(2020, 10, 16) and "Octobre 2020" in screen_text(app)
        await pilot.press("left", "left", "left", "left", "down")  # lundi 19/10
        assert grid.focus_day == date(2020, 10, 19)
        assert "Vacances de la Toussaint" in screen_text(app)
        assert "Toussaint" in screen_text(app).split("19/10")[1][:200]
        await pilot.press("space")
        await pilot.pause()
        assert not grid.draft.dirty

        await pilot.press("down", "down")  # arrows cross into November
        assert grid.focus_day == date(2020, 11, 2)
        assert "Novembre 2020" in screen_text(app)
        await pilot.press("space")
        assert grid.draft.changes == {(date(2020, 11, 2), grid.units[0].id): ChangeKind.ADD}
        await pilot.press("up", "up", "up")
        assert grid.focus_day == date(2020, 10, 12) and "Octobre 2020" in screen_text(app)
        await pilot.press("pageup")
        assert grid.focus_day == date(2020, 9, 12)
        await pilot.press("pageup")  # the period starts in September: no further
        assert grid.focus_day == date(2020, 9, 1)
        assert "Septembre 2020" in screen_text(app)


@run_async
async def test_week_view_and_tick_all_over_october(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        grid = grid_of(app)
        unit = grid.units[0].id
        await pilot.press("pagedown", "c")
        await pilot.pause()
        # Every day shown and open: 28/09 and 29/09 head the first row of Octobre 2020.
        october = [date(2020, 9, 28), date(2020, 9, 29)] + [
            date(2020, 10, day) for day in (1, 2, 5, 6, 8, 9, 12, 13, 15, 16)
        ]
        assert sorted(grid.draft.changes) == [(day, unit) for day in october]
        assert "12 jours modifiés" in screen_text(app)
        assert "vacances" in screen_text(app)
        await pilot.press("d")
        assert not grid.draft.dirty

        await pilot.press("v")
        await pilot.pause()
        assert grid.week_view and len(grid.visible_weeks()) == 1
        assert "Semaine 42" in screen_text(app)
        await pilot.press("c")
        assert sorted(grid.draft.changes) == [
            (date(2020, 10, 12), unit),
            (date(2020, 10, 13), unit),
            (date(2020, 10, 15), unit),
            (date(2020, 10, 16), unit),
        ]
        await pilot.press("right", "right", "right", "right")  # the week view follows the focus
        assert grid.visible_weeks()[0][0] == date(2020, 10, 19)
        await pilot.press("v")
        assert not grid.week_view and len(grid.visible_weeks()) == 5


@run_async
async def test_pattern_over_the_whole_period_adds_141_days(make_app: AppFactory) -> None:
    from mairie_tui.tui.screens.booking_modals import PatternModal

    app = make_app("2020-08-20T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        grid = grid_of(app)
        assert grid.focus_day == date(2020, 9, 1)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PatternModal)
        # lundi, mardi, (mercredi skipped), jeudi, vendredi.
        await pilot.press("space", "tab", "space", "tab", "tab", "space", "tab", "space")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BookingScreen)
        assert len(grid.draft.changes) == 141
        assert all(kind is ChangeKind.ADD for kind in grid.draft.changes.values())
        assert "141 jours modifiés" in screen_text(app)


@run_async
async def test_odd_weeks_pattern_and_date_validation(make_app: AppFactory) -> None:
    from textual.widgets import Checkbox, Input, RadioButton

    from mairie_tui.tui.screens.booking_modals import PatternModal

    app = make_app("2020-08-20T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        grid = grid_of(app)
        await pilot.press("p")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PatternModal)
        modal.query_one("#weekday-0", Checkbox).value = True
        modal.query_one("#parity-odd", RadioButton).value = True
        end = modal.query_one("#end", Input)
        end.focus()
        end.value = "31/13/2020"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PatternModal)
        assert "date invalide" in str(modal.query_one("#pattern-error").render()).lower()
        end.value = "30/11/2020"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BookingScreen)
        days = sorted(day for day, _unit in grid.draft.changes)
        # Mondays of odd ISO weeks, 01/09-30/11/2020, minus the Toussaint holidays.
        assert days == [
            date(2020, 9, 7),
            date(2020, 9, 21),
            date(2020, 10, 5),
            date(2020, 11, 2),
            date(2020, 11, 16),
            date(2020, 11, 30),
        ]
        assert "1 ignoré (vacances : 1)" in screen_text(app)


@run_async
async def test_escape_with_unsaved_changes_asks_first(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        grid = grid_of(app)
        await pilot.press("down", "space", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Abandonner 1 modification" in str(
            app.screen.query_one("#confirm-question").render()
        )
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BookingScreen) and grid.draft.dirty
        # The palette's "Foyer : rechercher…" asks too before dropping the draft.
        app.go_to_search()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BookingScreen) and grid.draft.dirty
        await pilot.press("escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, EnrolmentsScreen)
        # Nothing to lose: escape leaves at once.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookingScreen)
        assert not grid_of(app).draft.dirty
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EnrolmentsScreen)


@run_async
async def test_validation_conflict_returns_to_step1_with_the_draft(
    make_app: AppFactory, demo_url: str
) -> None:
    from mairie_tui.clock import FrozenClock, parse_now
    from mairie_tui.services.agents import authenticate
    from mairie_tui.services.bookings import open_booking, validate_booking

    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await seed_ticks(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)

        # Another desk validates a change for the same enrolment meanwhile.
        clock = FrozenClock(parse_now("2020-09-15T10:00"))
        engine = make_engine(demo_url)
        try:
            other = authenticate(engine, "superviseur", "superviseur", clock, sleep=lambda _s: None)
            with read_session(engine) as session:
                enrolment_id = seed_ids(session).enrolment_id
            booking = open_booking(engine, enrolment_id, clock, actor=DESK)
            booking.draft.toggle(date(2020, 10, 1), booking.units[0].id)
            validate_booking(engine, booking, actor=other, clock=clock)
        finally:
            engine.dispose()

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookingScreen)
        grid = grid_of(app)
        assert [line.text() for line in grid.draft.recap()] == [
            "vendredi | 25/09/2020 | Repas | Ajout",
            "lundi | 28/09/2020 | Repas | Ajout",
            "mardi | 29/09/2020 | Repas | Ajout",
        ]
        assert "Un autre poste a modifié" in screen_text(app)

        # Reloading keeps the edits and shows the other desk's booking.
        await pilot.press("ctrl+r")
        await settle(pilot)
        grid = grid_of(app)
        assert len(grid.draft.changes) == 3
        assert grid.draft.cell(date(2020, 10, 1), grid.units[0].id).ticked
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmationScreen)


@run_async
async def test_search_login_error_and_staff(make_app: AppFactory) -> None:
    from mairie_tui.tui.screens.lists import ListsScreen

    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        assert "MODE FORMATION" not in screen_text(app)
        await pilot.press(*"guichet", "tab", *"faux", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Identifiant ou mot de passe" in screen_text(app) or "incorrect" in screen_text(app)
        await pilot.press(*"guichet", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"mons")
        await pilot.pause(0.2)
        await settle(pilot)
        table = app.screen.query_one("#results")
        assert table.row_count >= 1  # type: ignore[attr-defined]
        await pilot.press("down")
        assert app.focused is table
        await pilot.press("up")  # from the first row, back to the field
        assert app.focused is app.screen.query_one("#query")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        # MA FAMILLE › Signaler une absence opens its démarche.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DemarcheScreen)
        await pilot.press("escape")  # nothing typed: back to the Foyer at once
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        # Letters always go into the field.
        await pilot.press("ctrl+l", *"zzzzqx")
        await pilot.pause(0.2)
        await settle(pilot)
        assert "Aucun foyer" in screen_text(app)

    staff = make_app("2020-09-15T10:00")
    async with staff.run_test(size=SIZE) as pilot:
        await pilot.press(*"cantine", "tab", *"cantine", "enter")
        await settle(pilot)
        assert isinstance(staff.screen, ListsScreen)
        assert "Choisissez un site" in screen_text(staff)
        staff.go_to_search()
        await pilot.pause()
        assert isinstance(staff.screen, ListsScreen)


def test_grid_states_of_the_seed_period(make_app: AppFactory) -> None:
    """Sanity of what the grid is fed: the states the tests above rely on."""
    from mairie_tui.clock import FrozenClock, parse_now
    from mairie_tui.services.bookings import open_booking

    app = make_app("2020-09-15T10:00")
    engine = app.engine
    with read_session(engine) as session:
        enrolment_id = seed_ids(session).enrolment_id
    booking = open_booking(
        engine, enrolment_id, FrozenClock(parse_now("2020-09-15T10:00")), actor=DESK
    )
    unit = booking.units[0].id
    assert booking.draft.status(date(2020, 10, 19), unit).state is DayState.HOLIDAY
    assert booking.draft.status(date(2020, 11, 2), unit).state is DayState.OPEN
    engine.dispose()


@run_async
async def test_key_bar_shows_the_keys_and_runs_them_on_click(make_app: AppFactory) -> None:
    from mairie_tui.tui.widgets.keybar import KeyBar

    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        bar = app.screen.query_one(KeyBar)
        footer = "\n".join(screen_text(app).splitlines()[-bar.size.height :])
        for label in (
            "space Cocher",
            "c Tout cocher",
            "p Périodicité",
            "Étape 2",
            "esc Annuler la démarche",
        ):
            assert label in footer
        spans = {key: (line, start) for line, start, _end, key in bar._spans}
        await pilot.click(KeyBar, offset=(spans["c"][1] + 1, spans["c"][0]))
        await pilot.pause()
        grid = grid_of(app)
        # Septembre 2020 at 15/09 10:00: weeks 36-38 are past the deadline; 01/10 and 02/10
        # are shown in week 40 and ticked too (« les jours affichés et ouverts »).
        assert sorted(day for day, _unit in grid.draft.changes) == [
            date(2020, 9, 21),
            date(2020, 9, 22),
            date(2020, 9, 24),
            date(2020, 9, 25),
            date(2020, 9, 28),
            date(2020, 9, 29),
            date(2020, 10, 1),
            date(2020, 10, 2),
        ]
        assert "Tout cocher : 8 jours modifiés" in screen_text(app)
        await pilot.click(KeyBar, offset=(spans["enter"][1] + 1, spans["enter"][0]))
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
