"""Pilot tests of the Listes screens (issue 5): pointage, rights, closed days, offline copy.

The 50-household demo of the other TUI tests has no booked child at
« Restaurant scolaire Mons Elementaire » (only Jeannot, enrolled, never
booked): the acceptance test of the pointage runs on a 500-household demo
(three élémentaire children booked at Mons on lundi 21/09/2020, built once per
module; the maternelle's children eat at « Restaurant scolaire Mons Maternelle »);
the other tests use « Restaurant scolaire Alès Jean Macé » (four booked that
day) and Mons for the unexpected presence.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select

from mairie_tui.clock import FrozenClock, parse_now
from mairie_tui.db import make_engine, read_session
from mairie_tui.models import AuditEvent
from mairie_tui.models.attendance import Attendance
from mairie_tui.services.common import Actor
from mairie_tui.tui.app import MairieApp
from mairie_tui.tui.screens.headcounts import HeadcountsScreen
from mairie_tui.tui.screens.lists import ContactsModal, ListsScreen
from mairie_tui.tui.screens.search import SearchScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import (
    SIZE,
    build_demo_database,
    copy_database,
    screen_text,
    settle,
)

DAY = "2020-09-21T09:00"
JEAN_MACE = "Restaurant scolaire Alès Jean Macé"
MONS = "Restaurant scolaire Mons Elementaire"
STAFF = Actor(id=3, login="cantine", name="Sandrine Vidal", role="staff", sites=(JEAN_MACE, MONS))
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")


async def type_sign_in(pilot, login: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*login, "tab", *login, "enter")
    await settle(pilot)


async def pick_site(pilot, words: str) -> None:  # type: ignore[no-untyped-def]
    """`s`, type a few letters of the site in the menu, enter: as an agent does."""
    await pilot.press("s")
    await pilot.pause()
    await pilot.press(*words)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


async def wait_writes(pilot) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    for _ in range(50):
        await settle(pilot)
        if not screen._pending and not screen._writing:
            return
        await pilot.pause(0.02)
    raise AssertionError("pointage still being written")


def engine_of(app: MairieApp):  # type: ignore[no-untyped-def]
    return make_engine(app.settings.db_url)


def messages(app: MairieApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture(scope="module")
def demo500(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_database(tmp_path_factory.mktemp("demo500") / "demo.db", households=500)


@run_async
async def test_staff_ticks_two_present_and_one_absent_at_mons(
    demo500: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = copy_database(demo500, tmp_path / "mairie.db")
    monkeypatch.setenv("MAIRIE_DB_URL", url)
    monkeypatch.setenv("MAIRIE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAIRIE_NOW", DAY)
    app = MairieApp()
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        screen = app.screen
        assert isinstance(screen, ListsScreen)
        await pick_site(pilot, "mons elem")
        assert screen.site == MONS
        text = screen_text(app)
        # FAMILLE AGENDA's three children are enrolled at Mons, not booked.
        assert "Inscrits 7 · Réservés 3 · En attente 0 · Non réservés 4" in text
        table = screen.query_one("#lists-table")
        assert app.focused is table
        # Booked children first (alphabetical), then those enrolled but not booked.
        booked = [int(key.value) for key in table.rows][:3]  # type: ignore[attr-defined]
        await pilot.press("p", "p", "a")
        await wait_writes(pilot)
        text = screen_text(app)
        assert "présents 2 · absents 1 · imprévus 0 · réservés restant à pointer 0" in text
    engine = engine_of(app)
    try:
        with read_session(engine) as session:
            rows = session.exec(select(Attendance)).all()
            marks = {row.enrolment_id: (row.present, row.unexpected, row.agent_id) for row in rows}
            audited = session.exec(
                select(AuditEvent.agent_id).where(AuditEvent.action == "attendance.mark")
            ).all()
    finally:
        engine.dispose()
    assert marks == {
        booked[0]: (True, False, 3),
        booked[1]: (True, False, 3),
        booked[2]: (False, False, 3),
    }
    assert audited == [3, 3, 3]


@run_async
async def test_staff_ticks_three_present_and_one_absent(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        screen = app.screen
        assert isinstance(screen, ListsScreen)
        assert "lundi 21/09/2020 (aujourd'hui)" in screen_text(app)
        await pick_site(pilot, "jean mac")
        assert screen.site == JEAN_MACE
        text = screen_text(app)
        assert "Inscrits 4 · Réservés 4" in text
        assert "réservés restant à pointer 4" in text
        table = screen.query_one("#lists-table")
        assert app.focused is table
        order = [int(key.value) for key in table.rows]  # type: ignore[attr-defined]
        # Each key ticks the highlighted child and moves to the next one.
        await pilot.press("p", "p", "p", "a")
        await wait_writes(pilot)
        text = screen_text(app)
        assert "présents 3 · absents 1" in text
        assert "réservés restant à pointer 0" in text
        assert text.count("✔ Présent") == 3 and text.count("✘ Absent") == 1
    engine = engine_of(app)
    try:
        with read_session(engine) as session:
            rows = session.exec(select(Attendance).order_by(col(Attendance.id))).all()
            marks = {row.enrolment_id: (row.present, row.agent_id, row.day) for row in rows}
            audits = session.exec(
                select(AuditEvent).where(AuditEvent.action == "attendance.mark")
            ).all()
    finally:
        engine.dispose()
    day = date(2020, 9, 21)
    assert marks == {
        order[0]: (True, 3, day),
        order[1]: (True, 3, day),
        order[2]: (True, 3, day),
        order[3]: (False, 3, day),
    }
    assert len(audits) == 4


@run_async
async def test_staff_cannot_reach_households(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        assert isinstance(app.screen, ListsScreen)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Listes : effectifs du jour" in titles
        assert not [t for t in titles if t.startswith(("Foyer", "Demandes"))]
        # The palette, searched for the household commands, offers none.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"foyer")
        await pilot.pause(0.3)
        assert "Foyer : rechercher" not in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        if not isinstance(app.screen, ListsScreen):
            await pilot.press("escape")
            await settle(pilot)
        # Keys that open households elsewhere do nothing here.
        for key in ("f6", "ctrl+n", "escape", "r", "enter", "k"):
            await pilot.press(key)
            await settle(pilot)
            if not isinstance(app.screen, ListsScreen):
                await pilot.press("escape")  # a dialog of the lists (contacts), not a household
                await settle(pilot)
        app.go_to_search()
        await pilot.pause()
        assert messages(app)[-1] == "La recherche de foyer est réservée aux agents d'accueil."
        names = [type(screen).__name__ for screen in app.screen_stack]
        assert not {"SearchScreen", "HouseholdScreen"} & set(names)
        assert isinstance(app.screen, ListsScreen)


@run_async
async def test_agent_opens_lists_with_f6_and_the_palette(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "guichet")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ListsScreen)
        assert "Choisissez un site" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        # The search field kept its letters: f6 does not type.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"listes")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ListsScreen)
        # An agent cannot close a day (k is a supervisor's key).
        await pick_site(pilot, "jean mac")
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, ListsScreen)


@run_async
async def test_closed_day_refuses_pointage(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "superviseur")
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ListsScreen)
        await pick_site(pilot, "jean mac")
        await pilot.press("p")
        await wait_writes(pilot)
        # Another desk closes the day while this list is open: the service refuses.
        from mairie_tui.services.lists import close_day

        engine = engine_of(app)
        try:
            assert screen.unit_id is not None
            close_day(
                engine,
                unit_id=screen.unit_id,
                day=date(2020, 9, 21),
                actor=SUPERVISOR,
                clock=FrozenClock(parse_now(DAY)),
            )
        finally:
            engine.dispose()
        await pilot.press("a")
        await wait_writes(pilot)
        expected = (
            "La journée du lundi 21/09/2020 (Repas) est clôturée : le pointage est verrouillé."
        )
        assert any(expected in message for message in messages(app))
        text = screen_text(app)
        assert "Journée clôturée par Dominique Roux" in text  # the list was reloaded
        assert "✘ Absent" not in text
        # Now the screen knows: the same message, without a round trip.
        count = len(messages(app))
        await pilot.press("up", "p")
        await pilot.pause()
        assert messages(app)[count:] == [expected]
    engine = engine_of(app)
    try:
        with read_session(engine) as session:
            rows = session.exec(select(Attendance)).all()
    finally:
        engine.dispose()
    assert [(row.present, row.agent_id) for row in rows] == [(True, 2)]


@run_async
async def test_supervisor_closes_the_day_after_confirming(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "superviseur")
        await pilot.press("f6")
        await settle(pilot)
        await pick_site(pilot, "jean mac")
        await pilot.press("p", "a")
        await wait_writes(pilot)
        await pilot.press("k")
        await pilot.pause()
        text = screen_text(app)
        assert "CLÔTURER LA JOURNÉE" in text
        assert "1 présent(s), 1 absent(s), 2 enfant(s) réservé(s) non pointé(s)" in text
        await pilot.press("n")  # no: nothing closed
        await pilot.pause()
        assert "Pointage ouvert" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("o")
        await settle(pilot)
        assert "Journée clôturée par Dominique Roux" in screen_text(app)
        assert (
            "Journée du lundi 21/09/2020 clôturée : 1 présent(s), 1 absent(s), 2 non pointé(s)."
            in messages(app)
        )
        # The key bar no longer offers p / a / i; the keys still say why.
        footer = screen_text(app).splitlines()[-1]
        assert "Présent" not in footer and "Absent" not in footer and "Imprévu" not in footer
        await pilot.press("p")
        await pilot.pause()
        assert messages(app)[-1].endswith("est clôturée : le pointage est verrouillé.")


@run_async
async def test_a_day_without_service_is_not_open_for_pointage(make_app: AppFactory) -> None:
    app = make_app("2020-09-16T09:00")  # a Wednesday: no canteen
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        await pick_site(pilot, "jean mac")
        text = screen_text(app)
        assert "Repas : pas de service le mercredi." in text
        assert "Pointage ouvert" not in text and "Pas de pointage ce jour." in text
        footer = text.splitlines()[-1]
        assert "Présent" not in footer and "Imprévu" not in footer
        await pilot.press("i")
        await pilot.pause()
        assert messages(app)[-1] == (
            "Pas de pointage le mercredi 16/09/2020 : Repas : pas de service le mercredi."
        )
        await pilot.press("left")  # mardi 15/09: served, open
        await settle(pilot)
        text = screen_text(app)
        assert "Pointage ouvert." in text and "p Présent" in text.splitlines()[-1]


@run_async
async def test_an_error_of_the_lists_stays_on_the_lists(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "guichet")
        await pilot.press("f6")
        await settle(pilot)
        await pick_site(pilot, "jean mac")
        await pilot.press("right")
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        refused = "Impossible de pointer un jour à venir (mardi 22/09/2020)."
        assert refused in messages(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert refused not in messages(app)
        assert refused not in screen_text(app)


@run_async
async def test_unexpected_presence_contacts_and_print(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        await pick_site(pilot, "mons elem")
        screen = app.screen
        assert isinstance(screen, ListsScreen) and screen.site == MONS
        text = screen_text(app)
        assert "FAMILLE TEST Jeannot" in text and "Non réservé" in text
        # Jeannot comes after the three FAMILLE AGENDA children (none booked either).
        await pilot.press("down", "down", "down")
        # Present without a booking: the screen says to note an unexpected presence.
        await pilot.press("p")
        await pilot.pause()
        assert messages(app)[-1] == (
            "Jeannot FAMILLE TEST n'a pas de réservation le lundi 21/09/2020 : "
            "notez une présence imprévue (i)."
        )
        await pilot.press("i")
        await wait_writes(pilot)
        assert "✔ Présent (imprévu)" in screen_text(app)
        assert "imprévus 1" in screen_text(app)
        # Contacts, one key away; no address, no e-mail.
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ContactsModal)
        text = screen_text(app)
        assert "Test 1 FAMILLE TEST — Représentant légal" in text
        assert "☎ 04 66 83 10 74" in text
        assert "@" not in text
        await pilot.press("escape")
        await pilot.pause()
        # The printable list, in the data folder, and where it went.
        await pilot.press("l")
        await settle(pilot)
        out = (
            app.settings.data_dir
            / "listes"
            / "liste-restaurant-scolaire-mons-elementaire-repas-2020-09-21.pdf"
        )
        assert out.read_bytes().startswith(b"%PDF")
        assert any(str(out) in message for message in messages(app))
        # Tomorrow: a day to come cannot be ticked.
        await pilot.press("right")
        await settle(pilot)
        assert "mardi 22/09/2020" in screen_text(app)
        await pilot.press("i")
        await pilot.pause()
        assert messages(app)[-1] == "Impossible de pointer un jour à venir (mardi 22/09/2020)."
    engine = engine_of(app)
    try:
        with read_session(engine) as session:
            rows = session.exec(select(Attendance)).all()
    finally:
        engine.dispose()
    assert [(row.present, row.unexpected, row.agent_id) for row in rows] == [(True, True, 3)]


@run_async
async def test_headcounts_day_week_month(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        await pick_site(pilot, "jean mac")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, HeadcountsScreen)
        text = screen_text(app)
        assert "EFFECTIFS — JOUR · lundi 21/09/2020" in text
        assert "Total : 4 réservés" in text
        await pilot.press("s")
        await settle(pilot)
        text = screen_text(app)
        assert "Semaine 39 — du 21/09/2020 au 27/09/2020" in text
        assert "lun 21" in text and "ven 25" in text
        await pilot.press("m")
        await settle(pilot)
        text = screen_text(app)
        assert "MOIS · Septembre 2020" in text
        assert "S39 21-27" in text
        await pilot.press("left")
        await settle(pilot)
        assert "Août 2020" in screen_text(app)
        await pilot.press("t")
        await settle(pilot)
        assert "tous les sites" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListsScreen)


@run_async
async def test_offline_copy_every_role_sees_lists_only(
    make_app: AppFactory, tmp_path: Path
) -> None:
    from mairie_tui.services.offline import export_offline
    from tests.tui.scenes.base import make_app as make_snapshot_app

    main = make_app(DAY)
    engine = engine_of(main)
    copy = tmp_path / "copie.db"
    try:
        summary = export_offline(
            engine,
            site=JEAN_MACE,
            start=date(2020, 9, 21),
            end=date(2020, 9, 25),
            out=copy,
            clock=FrozenClock(parse_now(DAY)),
            actor=SUPERVISOR,
        )
    finally:
        engine.dispose()
    app = make_snapshot_app(f"sqlite:///{copy}", now=DAY, data_dir=tmp_path / "data")
    async with app.run_test(size=SIZE) as pilot:
        # On the copy: the login and the copy's code (no password hash is copied).
        code = summary.access_code.lower().replace("-", "")
        await pilot.press(*"superviseur", "tab", *code, "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ListsScreen)
        assert app.offline_copy
        text = screen_text(app)
        assert "Listes — COPIE HORS LIGNE" in text
        # The copy holds one site: it is chosen already.
        assert screen.site == JEAN_MACE
        assert "Inscrits 4 · Réservés 4" in text
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert not [t for t in titles if t.startswith(("Foyer", "Demandes"))]
        await pilot.press("f6")
        await pilot.pause()
        app.go_to_search()
        await pilot.pause()
        assert isinstance(app.screen, ListsScreen)
        assert len(app.screen_stack) == 2
        # Pointage works in the copy.
        await pilot.press("p")
        await wait_writes(pilot)
        assert "présents 1" in screen_text(app)


@run_async
async def test_unit_and_day_navigation(make_app: AppFactory) -> None:
    app = make_app(DAY)
    async with app.run_test(size=SIZE) as pilot:
        await type_sign_in(pilot, "cantine")
        await pick_site(pilot, "accueil periscolaire ales flo")
        assert "Périscolaire Alès Florian — Matin" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Unité Soir" in text and "Périscolaire Alès Florian — Soir" in text
        await pilot.press("left")
        await settle(pilot)
        text = screen_text(app)
        assert "‹ dimanche 20/09/2020 ›" in text
        assert "Soir : pas de service le dimanche." in text
        await pilot.press("t")
        await settle(pilot)
        assert "‹ lundi 21/09/2020 (aujourd'hui) ›" in screen_text(app)
        assert "Périscolaire Alès Florian — Soir" in screen_text(app)
