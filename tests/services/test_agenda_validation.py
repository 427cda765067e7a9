"""validate_agenda on SQLite and PostgreSQL: the school year of three children in one
transaction checked day by day, all or nothing, a conflict naming the child, capacity
races between families, the family mail and its recipients (custody)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Activity, Booking, Closure, Enrolment, OutboxEmail, Person, Request
from mairie_tui.models import Unit as UnitRow
from mairie_tui.services.agenda import open_agenda, validate_agenda
from mairie_tui.services.agenda import validation as agenda_validation
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import (
    ConflictError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from tests.helpers import DESK, clock_at
from tests.services.family_agenda_helpers import (
    AGENT,
    CLAIRE,
    MARC,
    MON_TUE_THU_FRI,
    STAFF,
    SUPERVISOR,
    YEAR,
    agenda_household,
    open_days,
    pattern,
    table_counts,
    versions,
)

BEFORE_YEAR = clock_at("2020-08-25T10:00")
ODD_WEEK = (date(2020, 9, 24), date(2020, 9, 25))  # ISO week 39
EVEN_WEEK = (date(2020, 9, 28), date(2020, 9, 29))  # ISO week 40


@pytest.fixture
def household(engine) -> int:
    build_demo(engine, households=0, agenda_family=True)
    return agenda_household(engine)


def test_the_school_year_of_three_children_in_one_validation(engine, household):
    agenda = open_agenda(engine, household, BEFORE_YEAR, actor=DESK)
    pattern(agenda)
    result = validate_agenda(engine, agenda, actor=AGENT, clock=BEFORE_YEAR)
    expected = open_days(*YEAR, MON_TUE_THU_FRI)
    assert len(expected) == 141
    assert len(result.request_numbers) == 6 and len(set(result.request_numbers)) == 6
    with read_session(engine) as session:
        rows = session.exec(
            select(Booking, Enrolment, Person, Activity, UnitRow)
            .join(Enrolment, Booking.enrolment_id == Enrolment.id)
            .join(Person, Enrolment.person_id == Person.id)
            .join(Activity, Enrolment.activity_id == Activity.id)
            .join(UnitRow, Booking.unit_id == UnitRow.id)
            .where(Person.household_id == household)
        ).all()
        booked: dict[tuple[str, str, str], list[date]] = {}
        for booking, _enrolment, child, activity, unit in rows:
            assert booking.status == "booked"
            booked.setdefault((child.first_name, activity.code, unit.name), []).append(booking.day)
        assert set(booked) == {
            (child, code, unit)
            for child in ("Paul", "Léa", "Hugo")
            for code, unit in (("RS-MONS", "Repas"), ("PERI-MONS", "Matin"), ("PERI-MONS", "Soir"))
        }
        for days in booked.values():
            assert sorted(days) == expected
        requests = session.exec(select(Request).where(Request.household_id == household)).all()
        assert sorted(r.number for r in requests) == sorted(result.request_numbers)
        assert {r.status for r in requests} == {"traitee"}
        mails = session.exec(select(OutboxEmail)).all()
    # Léa's weeks are shared: both parents; Paul and Hugo: the household's usual address.
    assert result.recipients == [CLAIRE, MARC]
    assert sorted(m.recipient for m in mails) == [CLAIRE, MARC]
    assert {m.body for m in mails} == {mails[0].body}
    assert all(
        v == 2 for k, v in versions(engine).items() if k in {r.enrolment_id for r in agenda.rows}
    )


def test_the_family_mail_lists_every_child_and_activity(engine, household, seed_clock):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, start=EVEN_WEEK[0], end=EVEN_WEEK[1], children=("Paul", "Hugo"))
    canteen = agenda.rows[1].booking
    canteen.draft.toggle(date(2020, 9, 18), canteen.units[0].id, force_reason="Motif interne [/]")
    result = validate_agenda(engine, agenda, actor=SUPERVISOR, clock=seed_clock)
    assert result.recipients == [CLAIRE]
    with read_session(engine) as session:
        (mail,) = session.exec(select(OutboxEmail)).all()
    numbers = result.request_numbers
    assert mail.subject == f"Vos demandes n° {', '.join(numbers)} ont été traitées"
    assert "Motif interne" not in mail.body and "Motif interne" not in (mail.body_html or "")
    assert mail.body.startswith("Bonjour,\n\nVos demandes n° ")
    assert (
        f"Réservation : Paul - Restauration scolaire Mons - du 01/09/2020 au 06/07/2021 - "
        f"Restaurant scolaire Mons Elementaire (demande n° {numbers[1]})\n\n"
        "- vendredi 18/09/2020 : Repas, ajout (hors délai, à l'initiative de la mairie)\n"
        "- lundi 28/09/2020 : Repas, ajout\n"
        "- mardi 29/09/2020 : Repas, ajout\n"
    ) in mail.body
    assert "Réservation : Hugo - Périscolaire Mons" in mail.body
    assert "Léa" not in mail.body
    assert (
        mail.body.count("Toute réservation ou annulation doit être effectuée avant le mardi") == 1
    )
    assert mail.body.endswith("Mairie Prim' — Alès Agglomération")


@pytest.mark.parametrize(
    ("days", "children", "expected"),
    [
        (ODD_WEEK, ("Léa",), [CLAIRE]),
        (EVEN_WEEK, ("Léa",), [MARC]),
        ((ODD_WEEK[0], EVEN_WEEK[1]), ("Léa",), [CLAIRE, MARC]),
        (EVEN_WEEK, ("Paul",), [CLAIRE]),
    ],
)
def test_the_mail_goes_to_who_has_the_changed_weeks(
    engine, household, seed_clock, days, children, expected
):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, start=days[0], end=days[1], children=children)
    result = validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    assert result.recipients == expected and result.mail_queued
    with read_session(engine) as session:
        assert sorted(m.recipient for m in session.exec(select(OutboxEmail))) == sorted(expected)


def test_without_custody_the_household_address(engine, household, seed_clock):
    with unit_of_work(engine) as session:
        for person in session.exec(select(Person).where(Person.household_id == household)):
            person.email = None
            session.add(person)
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, start=EVEN_WEEK[0], end=EVEN_WEEK[1])
    result = validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    assert result.recipients == ["famille.agenda@example.fr"]


def test_a_conflict_on_one_child_refuses_everything(engine, household, seed_clock):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, start=EVEN_WEEK[0], end=date(2020, 10, 16))
    lea = agenda.rows[3]
    other_desk = open_booking(engine, lea.enrolment_id, seed_clock, actor=DESK)
    other_desk.draft.toggle(ODD_WEEK[1], other_desk.units[0].id)
    validate_booking(engine, other_desk, actor=AGENT, clock=seed_clock)
    before, before_versions = table_counts(engine), versions(engine)
    with pytest.raises(ConflictError) as refused:
        validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    assert refused.value.message.startswith(
        "Un autre poste a modifié les réservations de Léa (Restauration scolaire Mons)"
    )
    assert table_counts(engine) == before
    assert versions(engine) == before_versions


def test_a_broken_rule_names_the_child_and_writes_nothing(engine, household, seed_clock):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, start=EVEN_WEEK[0], end=EVEN_WEEK[1])
    with unit_of_work(engine) as session:
        peri = session.exec(select(Activity).where(Activity.code == "PERI-MONS")).one()
        session.add(Closure(activity_id=peri.id, day=EVEN_WEEK[1], reason="grève"))
    before, before_versions = table_counts(engine), versions(engine)
    with pytest.raises(RuleViolation) as refused:
        validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    assert refused.value.message.startswith("Paul - Périscolaire Mons : Certains jours")
    assert refused.value.problems == [
        "mardi 29/09/2020 (Matin) : Fermeture : grève",
        "mardi 29/09/2020 (Soir) : Fermeture : grève",
    ]
    assert table_counts(engine) == before and versions(engine) == before_versions


def test_a_crash_in_the_middle_leaves_nothing(engine, household, seed_clock, monkeypatch):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    pattern(agenda, start=EVEN_WEEK[0], end=EVEN_WEEK[1])
    before, before_versions = table_counts(engine), versions(engine)
    calls = []
    real = agenda_validation.write_bookings

    def fails_on_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("panne injectée")
        return real(*args, **kwargs)

    monkeypatch.setattr(agenda_validation, "write_bookings", fails_on_the_fourth)
    with pytest.raises(RuntimeError):
        validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    assert table_counts(engine) == before and versions(engine) == before_versions
    monkeypatch.undo()
    assert len(validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock).request_numbers) == 6


def test_refusals_before_anything_is_read(engine, household, seed_clock):
    agenda = open_agenda(engine, household, seed_clock, actor=DESK)
    with pytest.raises(ServiceError, match="Aucune modification"):
        validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    pattern(agenda, start=EVEN_WEEK[0], end=EVEN_WEEK[1])
    with pytest.raises(PermissionDenied):
        validate_agenda(engine, agenda, actor=STAFF, clock=seed_clock)
    canteen = agenda.rows[1].booking
    canteen.draft.toggle(date(2020, 9, 18), canteen.units[0].id, force_reason="oubli")
    with pytest.raises(PermissionDenied, match="superviseur"):
        validate_agenda(engine, agenda, actor=AGENT, clock=seed_clock)
    assert table_counts(engine)["Booking"] == 0


def _creche(engine, households: list[int], capacity: int) -> list[int]:
    """A baby in each household, enrolled in a crèche of `capacity` places; enrolment ids."""
    ids = []
    with unit_of_work(engine) as session:
        creche = session.exec(select(Activity).where(Activity.code == "CRECHE-ALES-PLOUPS")).one()
        unit = session.exec(select(UnitRow).where(UnitRow.activity_id == creche.id)).one()
        unit.capacity = capacity
        session.add(unit)
        for index, household_id in enumerate(households):
            baby = Person(
                household_id=household_id,
                role="child",
                first_name=f"Bébé{index}",
                last_name="CRECHE",
                birth_date=date(2019, 5, 1),
                position=20 + index,
            )
            session.add(baby)
            session.flush()
            enrolment = Enrolment(
                person_id=baby.id,
                activity_id=creche.id,
                start_date=date(2020, 9, 1),
                end_date=date(2021, 7, 30),
            )
            session.add(enrolment)
            session.flush()
            ids.append(enrolment.id)
    return ids


CRECHE_DAYS = (date(2020, 10, 20), date(2020, 10, 21), date(2020, 10, 22))


def _tick_creche(agenda, enrolment_id: int) -> None:
    row = agenda.row(enrolment_id)
    for day in CRECHE_DAYS:
        assert row.booking.draft.toggle(day, row.booking.units[0].id).changed


def test_siblings_count_against_one_capacity(engine, household):
    clock = clock_at("2020-10-01T10:00")
    first, second = _creche(engine, [household, household], capacity=1)
    agenda = open_agenda(engine, household, clock, actor=DESK)
    _tick_creche(agenda, first)
    _tick_creche(agenda, second)
    before = table_counts(engine)
    with pytest.raises(RuleViolation, match="(?i)complet"):
        validate_agenda(engine, agenda, actor=AGENT, clock=clock)
    assert table_counts(engine) == before


def test_two_families_racing_for_the_last_places_never_overbook(engine, household):
    """Two desks validate overlapping capped days at once: one wins, the other is refused
    (full), and no day is ever booked past its capacity."""
    clock = clock_at("2020-10-01T10:00")
    with read_session(engine) as session:
        seed = seed_ids(session)
    babies = _creche(engine, [household, seed.household_id], capacity=1)
    agendas = [
        open_agenda(engine, household, clock, actor=DESK),
        open_agenda(engine, seed.household_id, clock, actor=DESK),
    ]
    for agenda, enrolment_id in zip(agendas, babies, strict=True):
        _tick_creche(agenda, enrolment_id)
        # Each family also books its school children, so both validations are large.
        pattern(
            agenda, start=date(2020, 10, 5), end=date(2020, 10, 16), children=("Paul", "Jeannot")
        )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(agenda):
        barrier.wait()
        try:
            validate_agenda(engine, agenda, actor=AGENT, clock=clock)
            outcomes.append("ok")
        except RuleViolation as refused:
            assert "complet" in refused.french_message().lower()
            outcomes.append("full")

    threads = [threading.Thread(target=run, args=(agenda,)) for agenda in agendas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full", "ok"]
    with read_session(engine) as session:
        creche = session.exec(
            select(Booking.day).where(Booking.enrolment_id.in_(babies), Booking.status == "booked")
        ).all()
        assert sorted(creche) == list(CRECHE_DAYS)
        assert len(session.exec(select(Request)).all()) in (2, 3)
