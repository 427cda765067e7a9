"""Démarches at the counter (issue 4), driven through Pilot on the demo database:
each démarche of the catalogue filed through its generated wizard, the inbox and a
request's workflow, an absence cancelling booked days, a field-level refusal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Input, Select, TextArea

from mairie_tui.db import make_engine, read_session
from mairie_tui.domain.catalogue import Step
from mairie_tui.models import Booking, OutboxEmail, Request
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import seed_ids
from mairie_tui.services.requests import catalogue, file_request, prefill
from mairie_tui.tui.screens.demarche import DemarcheFiledScreen, DemarcheScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.inbox import InboxScreen
from mairie_tui.tui.screens.request_page import RequestPageScreen, TransitionModal
from mairie_tui.tui.widgets.form_fields import LabelledField
from tests.helpers import DESK, clock_at
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import open_household, screen_text, settle, sign_in

SIZE = (120, 40)
AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
NOW = clock_at("2020-09-15T10:00")

# What the agent types in « Ma demande » for each démarche (choices by value).
ANSWERS: dict[str, dict[str, str]] = {
    "absence": {"enfant": "*", "du": "25/09/2020", "au": "29/09/2020", "motif": "maladie"},
    "acte_deces": {
        "lien": "conjoint",
        "format": "copie_integrale",
        "nom_concerne": "DURAND",
        "prenoms_concerne": "Paul",
        "date_acte": "02/01/2019",
    },
    "acte_mariage": {
        "lien": "interesse",
        "format": "copie_integrale",
        "epoux1": "TEST Marie",
        "epoux2": "TEST Louis",
        "date_acte": "14/06/2008",
    },
    "acte_naissance": {
        "lien": "interesse",
        "format": "extrait_sans_filiation",
        "nom_concerne": "TEST",
        "prenoms_concerne": "Marie",
        "date_acte": "12/03/1980",
    },
    "carte_perdue": {"enfant": "*", "circonstance": "perdue", "commentaire": "Perdue au parc"},
    "demande_informations": {
        "objet": "Horaires",
        "message": "Quels sont les horaires du guichet le samedi ?",
    },
    "inscription_listes": {
        "nom_naissance": "TEST",
        "prenoms": "Marie",
        "date_naissance": "12/03/1980",
        "lieu_naissance": "Ales (France)",
        "scrutin": "2021-06-20",
    },
    "rdv_titres": {
        "titre": "carte_identite",
        "motif": "premiere_demande",
        "pre_demande": "AB12345678",
    },
    "simulation_tarifs": {"situation": "couple", "enfants": "2", "revenu_annuel": "30000"},
}


def wizard(app: Any) -> DemarcheScreen:
    screen = app.screen
    assert isinstance(screen, DemarcheScreen), type(screen).__name__
    return screen


async def answer(pilot: Any, screen: DemarcheScreen, code: str, text: str) -> None:
    """Type into a generated field (keys), or choose in its list."""
    widget = screen.field_widget(code)
    assert widget.display, f"{code} is hidden"
    control = widget.control
    if isinstance(control, Select):
        if text == "*":
            options = [value for _label, value in control._options if value is not Select.NULL]
            text = str(options[0])
        control.focus()
        widget.set_raw(text)
        await pilot.pause()
        assert widget.raw == text
        return
    control.focus()
    await pilot.pause()
    if isinstance(control, TextArea):
        control.text = ""
    await pilot.press(*text)
    await pilot.pause()


async def start(pilot: Any, code: str) -> DemarcheScreen:
    await sign_in(pilot)
    await open_household(pilot)
    household = pilot.app.screen
    assert isinstance(household, HouseholdScreen)
    pilot.app.push_screen(DemarcheScreen(code, household.household_id))
    await settle(pilot)
    return wizard(pilot.app)


@pytest.mark.parametrize("code", sorted(ANSWERS))
@run_async
async def test_each_demarche_of_the_catalogue_is_filed_at_the_counter(
    code: str, make_app: AppFactory, demo_url: str
) -> None:
    assert {d.code for d in catalogue().demarches} == set(ANSWERS)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, code)
        demarche = screen.demarche
        assert [title for _step, title in demarche.steps][-1] == "Le récapitulatif"
        text = screen_text(app)
        assert demarche.title in text and "LE RÉCAPITULATIF" in text
        for step, _title in demarche.steps:
            assert screen.step is step
            if step is Step.APPOINTMENT:
                assert "MON RENDEZ-VOUS" in screen_text(app)
                await pilot.press("enter")  # the first free slot
                await settle(pilot)
                continue
            if step is Step.INFORMATIONS:
                # Prefilled from the household.
                assert screen.field_widget("nom").raw == "FAMILLE TEST"
                assert screen.field_widget("email").raw == "mairiedemons0517@orange.fr"
            if step is Step.RECAP:
                break
            for field, text_typed in ANSWERS[code].items():
                if demarche.field(field).step is step:
                    await answer(pilot, screen, field, text_typed)
            await pilot.press("pagedown")
            await settle(pilot)
        assert screen.step is Step.RECAP, screen_text(app)
        last_button = "TERMINER" if code == "simulation_tarifs" else "VALIDER"
        assert "1 - " in screen_text(app) and last_button in screen_text(app)
        if code == "simulation_tarifs":  # the simulation beside the current quotient
            assert "Quotient familial simulé : 833 (3 parts) ; actuel : 880" in screen_text(app)
            assert "TERMINER" in screen_text(app) and "aucun mail" in screen_text(app)
            await pilot.press("enter")  # TERMINER: a simulation files nothing
            await settle(pilot)
            assert isinstance(app.screen, HouseholdScreen), screen_text(app)
            return await_nothing_filed(demo_url)
        await pilot.press("enter")  # VALIDER
        await settle(pilot)
        assert isinstance(app.screen, DemarcheFiledScreen), screen_text(app)
        filed = app.screen.filed
        assert f"Demande n° {filed.number}" in screen_text(app)
        assert "Un mail de confirmation va être envoyé à mairiedemons0517@orange.fr" in (
            screen_text(app)
        )
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            request = session.exec(select(Request).where(Request.number == filed.number)).one()
            assert request.type == code
            assert request.status == demarche.workflow.initial
            if demarche.appointment is not None:
                assert request.appointment_at is not None
            mail = session.exec(
                select(OutboxEmail).where(OutboxEmail.request_id == request.id)
            ).one()
            assert mail.recipient == "mairiedemons0517@orange.fr"
    finally:
        engine.dispose()


def await_nothing_filed(demo_url: str) -> None:
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            types = session.exec(select(Request.type)).all()
            assert "simulation_tarifs" not in types
            subjects = session.exec(select(OutboxEmail.subject)).all()
            assert not any("Simulation" in subject for subject in subjects)
    finally:
        engine.dispose()


@run_async
async def test_an_elector_with_the_id_attached_on_the_recap_has_only_the_rest_to_provide(
    make_app: AppFactory, demo_url: str, tmp_path: Any
) -> None:
    """Issue 13: a PDF attached with ctrl+o on the recap is « jointe » in the confirmation
    and in the mail; only the proof of address is still « à fournir »."""
    pdf = tmp_path / "identite.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "inscription_listes")
        await pilot.press("pagedown")  # Mes informations, prefilled
        await settle(pilot)
        for field, text_typed in ANSWERS["inscription_listes"].items():
            await answer(pilot, screen, field, text_typed)
        await pilot.press("pagedown")
        await settle(pilot)
        assert screen.step is Step.RECAP, screen_text(app)
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#path").value = str(pdf)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and [d.kind for d in screen.documents] == ["piece_identite"]
        assert "Pièce d'identité en cours de validité : jointe" in screen_text(app)
        await pilot.press("enter")  # VALIDER
        await settle(pilot)
        assert isinstance(app.screen, DemarcheFiledScreen), screen_text(app)
        number = app.screen.filed.number
        pieces = str(app.screen.query_one("#filed-pieces").render())
        assert "Pièces jointes :" in pieces
        assert "Pièce d'identité en cours de validité : jointe" in pieces
        to_provide = pieces.split("Pièces à fournir :")[1]
        assert "Justificatif de domicile" in to_provide and "identité" not in to_provide
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            request = session.exec(select(Request).where(Request.number == number)).one()
            mail = session.exec(
                select(OutboxEmail).where(OutboxEmail.request_id == request.id)
            ).one()
    finally:
        engine.dispose()
    assert number in mail.subject
    assert "- Pièce d'identité en cours de validité : jointe" in mail.body
    to_provide = mail.body.split("Pièces à fournir :")[1].strip()
    assert to_provide.startswith("- Justificatif de domicile de moins de 3 mois")
    assert mail.body.count("Pièce d'identité") == 1


@run_async
async def test_a_17_year_old_elector_is_refused_under_the_field(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "inscription_listes")
        await pilot.press("pagedown")  # Mes informations, prefilled
        await settle(pilot)
        assert screen.step is Step.REQUEST
        await answer(pilot, screen, "scrutin", "aucun")
        await answer(pilot, screen, "date_naissance", "01/06/2003")
        await pilot.press("tab")  # leaving the field checks it
        await pilot.pause()
        widget = screen.field_widget("date_naissance")
        assert "Il faut avoir 18 ans pour s'inscrire : majorité le 01/06/2021." in widget.error
        assert "Il faut avoir 18 ans" in screen_text(app)
        # The step does not move on while the answer is refused.
        await pilot.press("pagedown")
        await settle(pilot)
        assert screen.step is Step.REQUEST
        # A wrong date is refused where typed too.
        await answer(pilot, screen, "lieu_naissance", "")
        date_field = screen.field_widget("date_naissance")
        date_field.control.focus()
        date_field.set_raw("")
        await pilot.press(*"31/02/2003", "tab")
        await pilot.pause()
        assert "Date de naissance" in date_field.error and date_field.error


@run_async
async def test_an_absence_over_three_booked_days_cancels_exactly_those(
    make_app: AppFactory, demo_url: str
) -> None:
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
        booking = open_booking(engine, ids.enrolment_id, NOW, actor=DESK)
        booked = (
            date(2020, 9, 24),
            date(2020, 9, 25),
            date(2020, 9, 28),
            date(2020, 9, 29),
            date(2020, 10, 1),
        )
        for day in booked:
            booking.draft.toggle(day, booking.units[0].id)
        validate_booking(engine, booking, actor=AGENT, clock=NOW)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            await open_household(pilot)
            await pilot.press("down", "enter")  # MA FAMILLE › Signaler une absence
            await settle(pilot)
            screen = wizard(app)
            assert screen.demarche.code == "absence"
            await pilot.press("pagedown")  # Mes informations
            await settle(pilot)
            assert screen.field_widget("enfant").raw == str(ids.child_id)  # the only child
            for field in ("du", "au", "motif"):
                await answer(pilot, screen, field, ANSWERS["absence"][field])
            await pilot.press("pagedown")
            await settle(pilot)
            assert screen.step is Step.RECAP
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DemarcheFiledScreen)
            text = screen_text(app)
            assert "3 réservations annulées" in text
        with read_session(engine) as session:
            statuses = {
                b.day: b.status
                for b in session.exec(select(Booking))
                if b.enrolment_id == ids.enrolment_id
            }
        assert {day: statuses[day] for day in booked} == {
            date(2020, 9, 24): "booked",
            date(2020, 9, 25): "cancelled",
            date(2020, 9, 28): "cancelled",
            date(2020, 9, 29): "cancelled",
            date(2020, 10, 1): "booked",
        }
    finally:
        engine.dispose()


def _file(engine: Any, household_id: int, objet: str) -> str:
    answers = {
        **prefill(engine, "demande_informations", household_id, actor=AGENT),
        "objet": objet,
        "message": "Une question pour la mairie, assez longue.",
    }
    return file_request(
        engine,
        code="demande_informations",
        answers=answers,
        actor=AGENT,
        clock=clock_at("2020-09-01T09:00"),
        household_id=household_id,
    ).number


async def _move(pilot: Any, label: str, comment: str = "") -> TransitionModal:
    page = pilot.app.screen
    assert isinstance(page, RequestPageScreen)
    assert page.page is not None
    labels = [t.label for t in page.page.transitions]
    await pilot.press(str(labels.index(label) + 1))
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, TransitionModal)
    if comment:
        await pilot.press(*comment)
    await pilot.press("ctrl+s")
    await settle(pilot)
    return modal


def _status(engine: Any, number: str) -> str:
    with read_session(engine) as session:
        return session.exec(select(Request).where(Request.number == number)).one().status


@run_async
async def test_the_inbox_and_a_request_through_its_workflow(
    make_app: AppFactory, demo_url: str
) -> None:
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
        first = _file(engine, ids.household_id, "Premiere question")
        second = _file(engine, ids.household_id, "Seconde question")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            await pilot.press("f5")  # from the search screen: the inbox
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            text = screen_text(app)
            assert first in text and second in text and "Déposée" in text
            assert "14 j" in text  # filed on 01/09, today 15/09
            # Filters: treated requests only → none yet; back to « à instruire ».
            await pilot.press("s", "s", "s", "s")
            await settle(pilot)
            assert "traitées" in screen_text(app) and first not in screen_text(app)
            await pilot.press("s", "s", "s", "s")
            await settle(pilot)
            assert first in screen_text(app)
            await pilot.press("enter")  # oldest first: the first request
            await settle(pilot)
            assert isinstance(app.screen, RequestPageScreen)
            text = screen_text(app)
            assert f"Demande n° {first}" in text and "Premiere question" in text
            assert "HISTORIQUE" in text and "Demande déposée au guichet" in text

            await _move(pilot, "Prendre en charge")
            assert isinstance(app.screen, RequestPageScreen)
            assert _status(engine, first) == "en_cours"
            await _move(pilot, "Traiter", "Voici la reponse")
            assert _status(engine, first) == "traitee"
            assert "plus d'étape possible" in screen_text(app)
            assert any("mail va être envoyé à la famille" in n.message for n in app._notifications)

            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            assert first not in screen_text(app) and second in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            modal = await _move(pilot, "Refuser")  # no comment
            assert app.screen is modal
            assert "Un commentaire est obligatoire" in screen_text(app)
            assert _status(engine, second) == "deposee"
            await pilot.press(*"Hors competence", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, RequestPageScreen)
            assert _status(engine, second) == "refusee"
        with read_session(engine) as session:
            request = session.exec(select(Request).where(Request.number == second)).one()
            mails = session.exec(
                select(OutboxEmail).where(OutboxEmail.request_id == request.id)
            ).all()
            assert len(mails) == 2  # filed, refused
            assert "Hors competence" in mails[-1].body
    finally:
        engine.dispose()


@run_async
async def test_cancelling_a_demarche_asks_first(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "demande_informations")
        await pilot.press("escape")  # nothing typed: back at once
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        app.push_screen(DemarcheScreen("demande_informations", app.screen.household_id))
        await settle(pilot)
        screen = wizard(app)
        await pilot.press("pagedown")
        await settle(pilot)
        await answer(pilot, screen, "objet", "Question")
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert "ANNULER LA DÉMARCHE" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("ctrl+x")
        await pilot.pause()
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)


@run_async
async def test_a_refused_file_is_said_in_the_attach_dialog(
    make_app: AppFactory, tmp_path: Any
) -> None:
    text_file = tmp_path / "scan.pdf"
    text_file.write_text("pas un PDF")
    pdf = tmp_path / "justificatif.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "acte_naissance")
        await pilot.press("ctrl+o")
        await pilot.pause()
        field = app.screen.query_one("#path")
        field.value = str(text_file)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "n'est ni un PDF" in screen_text(app)
        field.value = ""  # type: ignore[attr-defined]
        await pilot.press(*"../etc/passwd", "ctrl+s")
        await settle(pilot)
        assert "« .. »" in screen_text(app)
        field.value = str(pdf)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert [d.original_name for d in screen.documents] == ["justificatif.pdf"]
        assert isinstance(screen.field_widget("nom"), LabelledField)


@run_async
async def test_the_household_requests_and_documents_expiring_first(
    make_app: AppFactory, demo_url: str, tmp_path: Any
) -> None:
    from mairie_tui.services.documents import attach_document
    from mairie_tui.tui.screens.demarche import CatalogueScreen
    from mairie_tui.tui.screens.request_page import HouseholdDocumentsScreen

    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            ids = seed_ids(session)
        number = _file(engine, ids.household_id, "Question du foyer")
        scan = tmp_path / "facture-edf.pdf"
        scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
        attach_document(
            engine,
            household_id=ids.household_id,
            source=scan,
            kind="justificatif_domicile",
            documents_dir=tmp_path / "docs",
            actor=AGENT,
            clock=NOW,
            issued_on=date(2020, 6, 20),  # valid until 20/09/2020: expires within 30 days
        )
    finally:
        engine.dispose()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        await pilot.press("shift+tab")  # MON TABLEAU DE BORD
        await pilot.pause()
        await pilot.press("enter")  # Demandes
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        text = screen_text(app)
        assert number in text and "Demande d'informations" in text and "Déposée" in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # Mes documents (after Factures et paiements)
        await settle(pilot)
        assert isinstance(app.screen, HouseholdDocumentsScreen)
        text = screen_text(app)
        assert "1 pièce expirée ou bientôt expirée à redemander" in text
        assert "facture-edf.pdf" in text and "expire le 20/09/2020" in text
        await pilot.press("escape")
        await settle(pilot)
        household = app.screen
        assert isinstance(household, HouseholdScreen)
        household.query_one("#demarches").focus()
        await pilot.press("end", "enter")  # TOUTES LES DÉMARCHES
        await settle(pilot)
        assert isinstance(app.screen, CatalogueScreen)
        text = screen_text(app)
        assert "CITOYENNETÉ" in text and "ÉTAT CIVIL" in text and "Simulation des tarifs" in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DemarcheScreen)
        assert app.screen.demarche.category == "Citoyenneté"


@run_async
async def test_the_appointment_step_shows_the_free_slots_of_a_day_typed(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "rdv_titres")
        assert screen.step is Step.APPOINTMENT
        assert "mardi 15/09/2020" in screen_text(app) and "10h10" in screen_text(app)
        await pilot.press("pagedown")  # no slot chosen yet
        await pilot.pause()
        assert "Choisissez un créneau de rendez-vous" in screen_text(app)
        await pilot.press("shift+tab", *"19/09/2020", "enter")
        await settle(pilot)
        assert "Aucun créneau libre le samedi 19/09/2020." in screen_text(app)
        await pilot.press("end", *["backspace"] * 10, *"21/09/2020", "enter")
        await settle(pilot)
        assert "lundi 21/09/2020" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.step is Step.INFORMATIONS
        assert screen.slot is not None
        assert (screen.slot.date(), screen.slot.hour, screen.slot.minute) == (
            date(2020, 9, 21),
            8,
            30,
        )


@run_async
async def test_tab_then_enter_on_the_appointment_step_never_abandons(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "rdv_titres")
        assert screen.step is Step.APPOINTMENT
        await pilot.press("down", "tab")
        await pilot.pause()
        # The next stop after the slots is the next step, never ANNULER LA DÉMARCHE.
        assert app.focused is not None and app.focused.id == "next"
        await pilot.press("enter")  # no slot chosen: said, and the démarche stays
        await settle(pilot)
        assert app.screen is screen
        assert "Choisissez un créneau de rendez-vous" in screen_text(app)
        # Cancel (ctrl+x or a click) asks as soon as a day was typed.
        screen.query_one("#slot-day", Input).value = "21/09/2020"
        await pilot.click("#cancel")
        await pilot.pause()
        assert "ANNULER LA DÉMARCHE" in screen_text(app) and app.screen is not screen
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen


@run_async
async def test_two_answers_to_correct_are_counted(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "inscription_listes")
        await pilot.press("pagedown")  # Mes informations, prefilled
        await settle(pilot)
        await pilot.press("pagedown")  # Ma demande: nothing answered
        await settle(pilot)
        assert screen.step is Step.REQUEST
        wrong = [w for w in screen.field_widgets if w.spec.step is Step.REQUEST and w.error]
        assert len(wrong) >= 2
        notes = [n.message for n in app._notifications]
        assert f"{len(wrong)} réponses sont à corriger (message sous chaque champ)." in notes
        assert "Une réponse est à corriger (message sous le champ)." not in notes


@run_async
async def test_the_appointment_confirmation_says_it_once(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "rdv_titres")
        await pilot.press("enter")  # the first free slot
        await settle(pilot)
        await pilot.press("pagedown")
        await settle(pilot)
        for field, text_typed in ANSWERS["rdv_titres"].items():
            await answer(pilot, screen, field, text_typed)
        await pilot.press("pagedown")
        await settle(pilot)
        await pilot.press("enter")  # VALIDER
        await settle(pilot)
        assert isinstance(app.screen, DemarcheFiledScreen)
        text = screen_text(app)
        assert text.count("Rendez-vous le mardi 15/09/2020 à 10h") == 1, text
        assert "(Guichet des titres d'identité)" in text
