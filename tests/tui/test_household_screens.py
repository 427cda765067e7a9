"""Household forms and enrolments at the counter (issue 6), driven through Pilot."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlmodel import func, select

from mairie_tui.clock import FrozenClock, parse_now
from mairie_tui.db import make_engine, read_session
from mairie_tui.models import AuditEvent, Booking, Enrolment, Household, Person
from mairie_tui.services.common import Actor
from mairie_tui.tui.screens.booking import BookingScreen
from mairie_tui.tui.screens.confirmation import ConfirmationScreen
from mairie_tui.tui.screens.enrol import EnrolScreen, PendingModal
from mairie_tui.tui.screens.enrolments import EnrolmentsScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.household_form import DuplicatesModal, HouseholdFormScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.screens.recap import RecapScreen
from mairie_tui.tui.screens.search import SearchScreen
from tests.helpers import DESK
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SEED_KEYS, open_household, screen_text, settle, sign_in
from tests.tui.scenes.households import fill_form, open_new_form

SIZE = (120, 40)
VALID = {
    "representative.civility": "Mme",
    "representative.first_name": "Claire",
    "representative.last_name": "Dupont",
    "representative.birth_date": "12/03/1985",
    "representative.phone": "04 66 12 34 56",
    "representative.email": "claire.dupont@exemple.fr",
    "address": "12 rue des Lilas",
    "commune": "Mons",
}


def count_households(demo_url: str) -> int:
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            return session.exec(select(func.count()).select_from(Household)).one()
    finally:
        engine.dispose()


def form_of(app: object) -> HouseholdFormScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, HouseholdFormScreen), type(screen).__name__
    return screen


@run_async
async def test_create_household_enrol_validate_and_book_with_keys(
    make_app: AppFactory, demo_url: str
) -> None:
    before = count_households(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = form_of(app)
        assert "NOUVEAU FOYER" in screen_text(app)
        # Representative, address (commune completed, postcode filled), quotient familial.
        await pilot.press(*"mme", "tab", *"Claire", "tab", *"Dupont", "tab", *"12031985", "tab")
        await pilot.press(*"0466123456", "tab")
        assert form.field_at("representative.phone").value == "04 66 12 34 56"  # type: ignore[union-attr]
        assert form.field_at("representative.civility").value == "Mme"  # type: ignore[union-attr]
        assert form.field_at("representative.birth_date").value == "12/03/1985"  # type: ignore[union-attr]
        await pilot.press(*"claire.dupont@exemple.fr", "tab", *"12 rue des Lilas", "tab")
        await pilot.press(*"mons", "tab")
        assert form.field_at("commune").value == "Mons"  # type: ignore[union-attr]
        assert form.field_at("postcode").value == "30340"  # type: ignore[union-attr]
        # Postcode, household phone and e-mail (left empty: the representative's), QF.
        await pilot.press("tab", "tab", "tab", *"650", "tab", *"31/08/2021", "tab")
        # Two children, added with f2.
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*"Léa", "tab", "tab", *"03042014", "tab")
        await pilot.press(*"École élémentaire de Mons", "tab", *"CM1")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(
            *"Hugo", "tab", "tab", *"10102016", "tab", *"École maternelle", "tab", *"MS"
        )
        # An authorised person (f3) with their phone.
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"Josette", "tab", *"Dupont", "tab", *"06 12 34 56 78")
        assert "Enfant 2" in screen_text(app) or len(form.blocks("child")) == 2
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, HouseholdScreen), screen_text(app)
        household_id = app.screen.household_id
        text = screen_text(app)
        assert "Bonjour Madame Dupont." in text and "Léa" in text and "Hugo" in text

        # Inscrire un enfant: Léa, Restauration scolaire Mons, the school year.
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, EnrolScreen)
        await pilot.press("enter")  # Léa (first child)
        await pilot.press(*"restauration mons", "enter")
        assert "Restauration scolaire Mons" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Pré-inscription" in screen_text(app)

        # Modifier les réservations says the status; the agent validates it (v).
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, EnrolmentsScreen)
        assert "Pré-inscription : à valider depuis le foyer (v) avant de réserver." in screen_text(
            app
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EnrolmentsScreen), "a pré-inscription cannot be booked"
        assert "n'est pas active" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, PendingModal)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Pré-inscription" not in screen_text(app)
        assert "Inscrit" in screen_text(app)

        # The existing booking flow: r, enter, ticks, enter, enter.
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, EnrolmentsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookingScreen)
        assert "Léa - Restauration scolaire Mons" in screen_text(app)
        await pilot.press(*SEED_KEYS)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmationScreen)

    assert count_households(demo_url) == before + 1
    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            household = session.get(Household, household_id)
            assert household is not None
            assert (household.commune_name, household.postcode) == ("Mons", "30340")
            assert household.quotient_familial == 650
            assert household.qf_valid_until == date(2021, 8, 31)
            assert household.phone == "04 66 12 34 56"
            people = session.exec(
                select(Person).where(Person.household_id == household_id).order_by(Person.position)
            ).all()
            assert [(p.role, p.first_name, p.last_name) for p in people] == [
                ("representative", "Claire", "Dupont"),
                ("child", "Léa", "Dupont"),
                ("child", "Hugo", "Dupont"),
                ("authorised", "Josette", "Dupont"),
            ]
            assert people[1].birth_date == date(2014, 4, 3)
            assert people[1].school_class == "CM1"
            assert people[3].phone == "06 12 34 56 78"
            enrolment = session.exec(
                select(Enrolment).where(Enrolment.person_id == people[1].id)
            ).one()
            assert enrolment.status == "active"
            assert (enrolment.start_date, enrolment.end_date) == (
                date(2020, 9, 1),
                date(2021, 7, 6),
            )
            days = sorted(
                b.day
                for b in session.exec(select(Booking).where(Booking.enrolment_id == enrolment.id))
            )
            assert days == [date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29)]
            actions = set(
                session.exec(
                    select(AuditEvent.action).where(
                        AuditEvent.action.in_(
                            ("household.create", "enrolment.create", "enrolment.activate")
                        )
                    )
                ).all()
            )
            assert actions == {"household.create", "enrolment.create", "enrolment.activate"}
    finally:
        engine.dispose()


async def _save_invalid(
    pilot: object, changes: dict[str, str], *, open_form: bool = True
) -> HouseholdFormScreen:
    if open_form:
        await open_new_form(pilot)  # type: ignore[arg-type]
    await fill_form(pilot, {**VALID, **changes})  # type: ignore[arg-type]
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    forms = [s for s in pilot.app.screen_stack if isinstance(s, HouseholdFormScreen)]  # type: ignore[attr-defined]
    assert forms, "the form stays open"
    return forms[-1]


def _check_error(form: HouseholdFormScreen, path: str, words: str) -> None:
    field = form.field_at(path)
    assert field is not None
    assert field.message is not None and words in field.message, field.message
    assert field.input.has_focus, "the first error takes the focus"
    assert words in screen_text(form.mairie)  # shown under the field's row
    assert field.input.has_class("-has-error")


@run_async
async def test_bad_email_is_said_at_the_field_and_nothing_saved(
    make_app: AppFactory, demo_url: str
) -> None:
    before = count_households(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await _save_invalid(pilot, {"representative.email": "claire@exemple"})
        _check_error(form, "representative.email", "Adresse e-mail invalide")
    assert count_households(demo_url) == before


@run_async
async def test_bad_phone_is_said_at_the_field_and_on_leaving_it(
    make_app: AppFactory, demo_url: str
) -> None:
    before = count_households(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new_form(pilot)
        form = form_of(app)
        await pilot.press("tab", "tab", "tab", "tab", *"12345", "tab")
        phone = form.field_at("representative.phone")
        assert phone is not None and phone.message is not None
        assert phone.message == "Téléphone invalide : « 12345 » (ex. 04 66 83 10 74)."
        form = await _save_invalid(pilot, {"representative.phone": "12345"}, open_form=False)
        _check_error(form, "representative.phone", "Téléphone invalide")
    assert count_households(demo_url) == before


@run_async
async def test_child_born_before_parent_and_missing_commune(
    make_app: AppFactory, demo_url: str
) -> None:
    before = count_households(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new_form(pilot)
        await pilot.press("f2")
        await settle(pilot)
        form = form_of(app)
        await fill_form(pilot, {**VALID, "commune": "", "children.0.first_name": "Léa"})
        birth = form.field_at("children.0.birth_date")
        assert birth is not None
        birth.input.focus()
        await pilot.press(*"01011980", "tab")  # checked when it loses the focus
        assert birth.input.value == "01/01/1980"
        assert birth.message is not None
        assert "Léa ne peut pas être né(e) avant son parent Claire Dupont" in birth.message
        await pilot.press("ctrl+s")
        await settle(pilot)
        _check_error(form, "commune", "Commune obligatoire.")  # first error: higher in the form
        assert (
            birth.message is not None and "ne peut pas être né(e) avant son parent" in birth.message
        )
        assert "2 erreurs" in screen_text(app)
    assert count_households(demo_url) == before


@run_async
async def test_duplicate_warning_then_save_anyway(make_app: AppFactory, demo_url: str) -> None:
    before = count_households(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await _save_invalid(
            pilot,
            {
                "representative.first_name": "Hélène",
                "representative.last_name": "Guérin",
                "representative.birth_date": "30/07/1966",
            },
        )
        assert isinstance(app.screen, DuplicatesModal), type(app.screen).__name__
        text = screen_text(app)
        assert "DOUBLON POSSIBLE" in text and "F-000002" in text
        assert "même nom et date de naissance" in text
        assert count_households(demo_url) == before  # nothing saved before the choice
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household_id != 2
        assert form.saved is not None
    assert count_households(demo_url) == before + 1


@run_async
async def test_duplicate_warning_then_open_the_existing_household(
    make_app: AppFactory, demo_url: str
) -> None:
    before = count_households(demo_url)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _save_invalid(
            pilot,
            {
                "representative.first_name": "Hélène",
                "representative.last_name": "Guérin",
                "representative.birth_date": "30/07/1966",
            },
        )
        assert isinstance(app.screen, DuplicatesModal)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household_id == 2
        assert "F-000002" in screen_text(app)
        assert not any(isinstance(s, HouseholdFormScreen) for s in app.screen_stack)
    assert count_households(demo_url) == before


@run_async
async def test_concurrent_edit_is_refused_and_nothing_overwritten(
    make_app: AppFactory, demo_url: str
) -> None:
    from mairie_tui.services.household_edit import household_input, update_household

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        await pilot.press("e")
        await settle(pilot)
        form = form_of(app)
        assert form.household_id == 1 and "Dossier F-000001" in screen_text(app)
        assert form.field_at("address").value == "2 place de la Mairie"  # type: ignore[union-attr]
        assert form.field_at("children.0.first_name").value == "Jeannot"  # type: ignore[union-attr]

        # Another desk saves the same household meanwhile.
        other = make_engine(demo_url)
        try:
            data, version = household_input(other, 1, actor=DESK)
            update_household(
                other,
                1,
                replace(data, address="5 rue de l'Autre Poste"),
                expected_version=version,
                actor=Actor(id=None, login="autre", name="Autre poste", role="agent"),
                clock=FrozenClock(parse_now("2020-09-15T10:05")),
            )
        finally:
            other.dispose()

        await fill_form(pilot, {"address": "9 avenue du Guichet"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdFormScreen), "the form stays open"
        assert "Un autre poste a modifié ce foyer entre-temps" in screen_text(app)
        # ctrl+r reloads what the other desk saved (after asking: the typing is lost).
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        reloaded = form_of(app)
        assert reloaded is not form
        assert reloaded.field_at("address").value == "5 rue de l'Autre Poste"

    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            household = session.get(Household, 1)
            assert household is not None and household.address == "5 rue de l'Autre Poste"
    finally:
        engine.dispose()


@run_async
async def test_edit_saves_and_escape_asks_before_dropping(
    make_app: AppFactory, demo_url: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = form_of(app)
        assert not form.unsaved_changes()
        assert form.field_at("phone").value == "04 66 83 10 74"  # type: ignore[union-attr]
        await fill_form(pilot, {"phone": "0466999999", "representative.phone": "06 11 22 33 44"})
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # Continuer la saisie
        await pilot.pause()
        assert form.is_current
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "04 66 99 99 99" in screen_text(app)
        # Unchanged form: escape leaves at once.
        await pilot.press("e")
        await settle(pilot)
        form_of(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen)

    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            household = session.get(Household, 1)
            assert household is not None and household.version == 2
            assert household.phone == "04 66 99 99 99"
            rep = session.exec(
                select(Person).where(Person.household_id == 1, Person.role == "representative")
            ).one()
            assert rep.phone == "06 11 22 33 44"
            assert session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "household.update", AuditEvent.entity_id == 1
                )
            ).first()
    finally:
        engine.dispose()


@run_async
async def test_a_childs_allergies_diet_and_pai_are_edited_in_the_form(
    make_app: AppFactory, demo_url: str
) -> None:
    """Issue 15: the demo's Jeannot has a peanut PAI; a typo is said at the field."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = form_of(app)
        assert form.field_at("children.0.allergens").value == "arachide"  # type: ignore[union-attr]
        assert form.field_at("children.0.pai_until").value == "06/07/2021"  # type: ignore[union-attr]
        await fill_form(pilot, {"children.0.allergens": "cacahuètes, kiwi"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdFormScreen), "nothing saved with a typo"
        assert "Allergène inconnu « kiwi »" in screen_text(app)
        await fill_form(
            pilot, {"children.0.allergens": "cacahuètes, lait", "children.0.diet": "sans porc"}
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)

    engine = make_engine(demo_url)
    try:
        with read_session(engine) as session:
            jeannot = session.exec(select(Person).where(Person.first_name == "Jeannot")).one()
            assert (jeannot.allergens, jeannot.diet) == ("arachide,lait", "sans_porc")
            assert jeannot.pai_until == date(2021, 7, 6)
    finally:
        engine.dispose()
