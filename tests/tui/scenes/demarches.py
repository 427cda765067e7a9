"""Scenes of the démarches screens (issue 4), merged into tests.tui.scenes.SCENES.

The wizard of « Prise de rendez-vous » at each of its steps, an electoral
registration refused under the field, the confirmation, the inbox and a
request's page (requests filed through the services, at earlier dates, so
that the inbox shows their ages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from tests.tui.scenes.base import Scene, open_household, settle, sign_in

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from mairie_tui.clock import Clock
    from mairie_tui.tui.app import MairieApp


async def _wizard(pilot: Pilot[None], code: str) -> None:
    from mairie_tui.tui.screens.demarche import DemarcheScreen
    from mairie_tui.tui.screens.household import HouseholdScreen

    await sign_in(pilot)
    await open_household(pilot)
    household = pilot.app.screen
    assert isinstance(household, HouseholdScreen)
    pilot.app.push_screen(DemarcheScreen(code, household.household_id))
    await settle(pilot)


def _set(pilot: Pilot[None], code: str, text: str) -> None:
    from mairie_tui.tui.screens.demarche import DemarcheScreen

    screen = pilot.app.screen
    assert isinstance(screen, DemarcheScreen)
    screen.field_widget(code).set_raw(text)


async def scene_rdv_slot(pilot: Pilot[None]) -> None:
    await _wizard(pilot, "rdv_titres")


async def scene_rdv_informations(pilot: Pilot[None]) -> None:
    await scene_rdv_slot(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def scene_rdv_request(pilot: Pilot[None]) -> None:
    await scene_rdv_informations(pilot)
    await pilot.press("pagedown")
    await settle(pilot)
    _set(pilot, "titre", "passeport")
    _set(pilot, "motif", "renouvellement")
    await pilot.pause()
    screen = pilot.app.screen
    field = screen.query_one("#field-pre_demande")
    field.focus()
    await pilot.press(*"AB12", "tab")
    await pilot.pause()


async def scene_rdv_recap(pilot: Pilot[None]) -> None:
    await scene_rdv_request(pilot)
    screen = pilot.app.screen
    screen.query_one("#field-pre_demande").value = "AB12345678"  # type: ignore[attr-defined]
    await pilot.press("pagedown")
    await settle(pilot)


async def scene_rdv_filed(pilot: Pilot[None]) -> None:
    await scene_rdv_recap(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def scene_elector_refused(pilot: Pilot[None]) -> None:
    await _wizard(pilot, "inscription_listes")
    await pilot.press("pagedown")
    await settle(pilot)
    _set(pilot, "nom_naissance", "TEST")
    _set(pilot, "prenoms", "Jeannot")
    _set(pilot, "scrutin", "aucun")
    screen = pilot.app.screen
    screen.query_one("#field-date_naissance").focus()
    await pilot.press(*"01/06/2003", "tab")
    await pilot.pause()


def file_demo_requests(app: MairieApp) -> list[str]:
    """A few requests of the seed household and another one, filed days ago."""
    from mairie_tui.db import read_session
    from mairie_tui.services.common import Actor
    from mairie_tui.services.demo import seed_ids
    from mairie_tui.services.requests import change_status, file_request, prefill

    engine = app.engine
    agent = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
    with read_session(engine) as session:
        ids = seed_ids(session)
    plan = [
        (
            "2020-08-20T09:30",
            "demande_informations",
            {
                "objet": "Cantine et allergies",
                "message": "Mon fils est allergique à l'arachide : que faut-il fournir ?",
            },
        ),
        (
            "2020-09-02T14:10",
            "acte_naissance",
            {
                "lien": "interesse",
                "format": "copie_integrale",
                "nom_concerne": "TEST",
                "prenoms_concerne": "Test 1",
                "date_acte": "12/03/1980",
            },
        ),
        (
            "2020-09-10T11:00",
            "carte_perdue",
            {"enfant": str(ids.child_id), "circonstance": "perdue"},
        ),
        (
            "2020-09-14T16:45",
            "demande_informations",
            {
                "objet": "Horaires du guichet",
                "message": "Le guichet est-il ouvert le samedi matin ?",
            },
        ),
    ]
    numbers = []
    for when, code, answers in plan:
        filed = file_request(
            engine,
            code=code,
            answers={**prefill(engine, code, ids.household_id, actor=agent), **answers},
            actor=agent,
            clock=_clock(when),
            household_id=ids.household_id,
        )
        numbers.append(filed.number)
    change_status(
        engine, _id_of(app, numbers[1]), "en_cours", actor=agent, clock=_clock("2020-09-03T09:00")
    )
    return numbers


def _clock(when: str) -> Clock:
    from mairie_tui.clock import FrozenClock, parse_now

    return FrozenClock(parse_now(when))


def _id_of(app: MairieApp, number: str) -> int:
    from mairie_tui.services.requests import get_request

    assert app.actor is not None
    return get_request(app.engine, number, actor=app.actor).id


async def scene_inbox(pilot: Pilot[None]) -> None:
    await sign_in(pilot)
    file_demo_requests(cast("MairieApp", pilot.app))
    await pilot.press("f5")
    await settle(pilot)


async def scene_request_page(pilot: Pilot[None]) -> None:
    await scene_inbox(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def scene_refusal(pilot: Pilot[None]) -> None:
    await scene_request_page(pilot)
    from mairie_tui.tui.screens.request_page import RequestPageScreen

    screen = pilot.app.screen
    assert isinstance(screen, RequestPageScreen) and screen.page is not None
    labels = [t.label for t in screen.page.transitions]
    await pilot.press(str(labels.index("Refuser") + 1))
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)


SCENES: dict[str, Scene] = {
    "40-demarche-mon-rendez-vous": scene_rdv_slot,
    "41-demarche-mes-informations": scene_rdv_informations,
    "42-demarche-ma-demande": scene_rdv_request,
    "43-demarche-recapitulatif": scene_rdv_recap,
    "44-demarche-confirmation": scene_rdv_filed,
    "45-demarche-electeur-mineur": scene_elector_refused,
    "46-demandes-a-instruire": scene_inbox,
    "47-demande": scene_request_page,
    "48-demande-refus-sans-commentaire": scene_refusal,
}
