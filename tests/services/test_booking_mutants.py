"""Tests named after the mutations of services/bookings.py that used to survive the suite
(issue 10, item 7). Each docstring says which mutant it kills; each runs on SQLite and
PostgreSQL. They assert outcomes (refusals, rows, audit), not how bookings.py gets there."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.calendar import DayState
from mairie_tui.models import Activity, AuditEvent, Booking, Closure, Enrolment, OutboxEmail
from mairie_tui.services.bookings import month_view, open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import ConflictError, RuleViolation
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
FRIDAY_25_09 = date(2020, 9, 25)  # ISO week 39: locked from Wednesday 16/09 00:00 (Tuesday rule)
MONDAY_28_09 = date(2020, 9, 28)
FIRST_DAY = date(2020, 9, 1)  # the seed's period: mardi 01/09/2020 - mardi 06/07/2021
LAST_DAY = date(2021, 7, 6)


@pytest.fixture
def seed(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session)


def bookings_of(engine, enrolment_id):
    with read_session(engine) as session:
        return {
            (row.day, row.unit_id): (row.status, row.forced_reason)
            for row in session.exec(select(Booking).where(Booking.enrolment_id == enrolment_id))
        }


def audit_actions(engine):
    with read_session(engine) as session:
        return [
            (event.action, json.loads(event.details))
            for event in session.exec(select(AuditEvent).order_by(AuditEvent.id))
        ]


def booking_count(engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(Booking)).one()


def book(engine, seed, day, now, *, actor=AGENT, reason=None):
    clock = clock_at(now)
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    result = booking.draft.toggle(day, seed.unit_id, force_reason=reason)
    assert result.changed == [(day, seed.unit_id)], result.skipped
    return validate_booking(engine, booking, actor=actor, clock=clock)


def add_closure(engine, activity_id, day, reason):
    with unit_of_work(engine) as session:
        session.add(Closure(activity_id=activity_id, day=day, reason=reason))


def test_check_drop_forced_reason_supervisor_unforced_change_to_a_newly_locked_day_is_refused(
    engine, seed
):
    """Kills `_check`: `... is LOCKED and line.forced_reason and actor.is_supervisor`
    → `... is LOCKED and actor.is_supervisor`.

    A supervisor ticked 25/09 while it was open; the deadline passed before VALIDER. The
    line carries no reason, so it must be refused like anyone's: no booking, no audit."""
    booking = open_booking(engine, seed.enrolment_id, clock_at("2020-09-15T23:59"), actor=DESK)
    booking.draft.toggle(FRIDAY_25_09, seed.unit_id)
    booking.draft.toggle(MONDAY_28_09, seed.unit_id)
    (first, _second) = booking.draft.recap()
    assert first.forced_reason is None
    with pytest.raises(RuleViolation) as refused:
        validate_booking(engine, booking, actor=SUPERVISOR, clock=clock_at("2020-09-16T00:00"))
    assert refused.value.problems == [
        "vendredi 25/09/2020 (Repas) : Délai dépassé (modifiable jusqu'au mardi 15/09/2020 à 23h59)"
    ]
    assert bookings_of(engine, seed.enrolment_id) == {}
    assert audit_actions(engine) == []
    with read_session(engine) as session:
        assert session.get(Enrolment, seed.enrolment_id).version == 1


def test_write_bookings_reused_cancelled_row_keeps_the_forced_reason(engine, seed):
    """Kills `_write_bookings`: dropping `row.forced_reason = line.forced_reason` for a row
    that already exists (a cancelled booking booked again).

    25/09 is booked, then cancelled while open (the row stays, cancelled, no reason); after
    the deadline a supervisor books it again with a reason: the reused row must carry it,
    and a later forced cancellation must carry its own reason."""
    book(engine, seed, FRIDAY_25_09, "2020-09-15T10:00")
    book(engine, seed, FRIDAY_25_09, "2020-09-15T11:00")
    key = (FRIDAY_25_09, seed.unit_id)
    assert bookings_of(engine, seed.enrolment_id) == {key: ("cancelled", None)}
    result = book(
        engine,
        seed,
        FRIDAY_25_09,
        "2020-09-17T09:00",
        actor=SUPERVISOR,
        reason="Oubli signalé par l'école",
    )
    assert result.forced == 1
    assert bookings_of(engine, seed.enrolment_id) == {key: ("booked", "Oubli signalé par l'école")}
    book(engine, seed, FRIDAY_25_09, "2020-09-18T09:00", actor=SUPERVISOR, reason="Enfant malade")
    assert bookings_of(engine, seed.enrolment_id) == {key: ("cancelled", "Enfant malade")}
    forced = [
        details["reason"] for action, details in audit_actions(engine) if action == "booking.force"
    ]
    assert forced == ["Oubli signalé par l'école", "Enfant malade"]


def test_load_calendar_closure_on_the_last_day_of_the_period_is_loaded(engine, seed):
    """Kills `load_calendar`: `Closure.day <= last` → `Closure.day < last` (and
    `Closure.day >= first` → `>` for the first day).

    Closures on the period's first and last days close them, in the draft, in the month
    view and at validation (a closure entered by another desk after the day was ticked)."""
    add_closure(engine, seed.activity_id, FIRST_DAY, "pré-rentrée")
    clock = clock_at("2020-08-20T10:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    first = booking.draft.status(FIRST_DAY, seed.unit_id)
    assert (first.state, first.reason) == (DayState.CLOSURE, "Fermeture : pré-rentrée")
    assert booking.draft.status(LAST_DAY, seed.unit_id).state is DayState.OPEN
    booking.draft.toggle(LAST_DAY, seed.unit_id)
    add_closure(engine, seed.activity_id, LAST_DAY, "fin d'année")
    with pytest.raises(RuleViolation) as refused:
        validate_booking(engine, booking, actor=SUPERVISOR, clock=clock)
    assert refused.value.problems == ["mardi 06/07/2021 (Repas) : Fermeture : fin d'année"]
    assert booking_count(engine) == 0
    view = month_view(engine, seed.enrolment_id, 2021, 7, clock, actor=DESK)
    cells = {day.day: day.cells[0][1] for _, days in view.weeks for day in days}
    assert cells[LAST_DAY].status.state is DayState.CLOSURE
    reopened = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    skipped = reopened.draft.toggle(LAST_DAY, seed.unit_id).skipped
    assert [(skip.state, skip.reason) for skip in skipped] == [
        (DayState.CLOSURE, "Fermeture : fin d'année")
    ]


def set_deadline_weekday(engine, activity_id, weekday):
    with unit_of_work(engine) as session:
        activity = session.get(Activity, activity_id)
        activity.deadline_weekday = weekday
        session.add(activity)


def test_load_calendar_deadline_weekday_of_the_activity_is_used(engine, seed):
    """Kills `load_calendar`: `DeadlineRule(weekday=activity.deadline_weekday)` → always
    Tuesday (weekday 1, the default).

    With "avant le vendredi", 25/09 (week 39) stays open on Wednesday 16/09 and Friday
    18/09 23:59 and locks on Saturday 19/09; with "avant le lundi" it is already locked
    on Tuesday 15/09."""
    set_deadline_weekday(engine, seed.activity_id, 4)
    booking = open_booking(engine, seed.enrolment_id, clock_at("2020-09-16T10:00"), actor=DESK)
    assert booking.rule_text == "avant le vendredi 23h59 pour la semaine suivante"
    assert booking.draft.toggle(FRIDAY_25_09, seed.unit_id).changed == [
        (FRIDAY_25_09, seed.unit_id)
    ]
    validate_booking(engine, booking, actor=AGENT, clock=clock_at("2020-09-18T23:59"))
    assert bookings_of(engine, seed.enrolment_id) == {
        (FRIDAY_25_09, seed.unit_id): ("booked", None)
    }
    late = open_booking(engine, seed.enrolment_id, clock_at("2020-09-19T00:00"), actor=DESK)
    status = late.draft.status(FRIDAY_25_09, seed.unit_id)
    assert (status.state, status.reason) == (
        DayState.LOCKED,
        "Délai dépassé (modifiable jusqu'au vendredi 18/09/2020 à 23h59)",
    )
    set_deadline_weekday(engine, seed.activity_id, 0)
    early = open_booking(engine, seed.enrolment_id, clock_at("2020-09-15T10:00"), actor=DESK)
    assert early.draft.status(date(2020, 9, 24), seed.unit_id).state is DayState.LOCKED
    assert early.draft.status(MONDAY_28_09, seed.unit_id).state is DayState.OPEN


def test_load_calendar_closure_for_every_activity_is_loaded(engine, seed):
    """Kills `load_calendar`: dropping `Closure.activity_id IS NULL` from the closures
    query (a closure for every activity, e.g. a strike, would not close the day).

    Also checks the other side: another activity's closure does not close this one."""
    with read_session(engine) as session:
        other = session.exec(select(Activity.id).where(Activity.id != seed.activity_id)).first()
    assert other is not None
    add_closure(engine, other, FRIDAY_25_09, "travaux")
    clock = clock_at("2020-09-15T10:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    assert booking.draft.status(FRIDAY_25_09, seed.unit_id).state is DayState.OPEN
    booking.draft.toggle(FRIDAY_25_09, seed.unit_id)
    booking.draft.toggle(MONDAY_28_09, seed.unit_id)
    add_closure(engine, None, MONDAY_28_09, "grève")
    with pytest.raises(RuleViolation) as refused:
        validate_booking(engine, booking, actor=AGENT, clock=clock)
    assert refused.value.problems == ["lundi 28/09/2020 (Repas) : Fermeture : grève"]
    assert booking_count(engine) == 0
    reopened = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    closed = reopened.draft.status(MONDAY_28_09, seed.unit_id)
    assert (closed.state, closed.reason) == (DayState.CLOSURE, "Fermeture : grève")
    assert reopened.draft.toggle(MONDAY_28_09, seed.unit_id).changed == []


def test_take_enrolment_conflict_message_says_the_draft_is_kept(engine, seed):
    """Kills `take_enrolment`'s message mutations: the desk that lost the race reads the
    whole French sentence, which tells it that its changes will be taken up again."""
    clock = clock_at("2020-09-15T10:00")
    first = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    second = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    first.draft.toggle(FRIDAY_25_09, seed.unit_id)
    second.draft.toggle(MONDAY_28_09, seed.unit_id)
    validate_booking(engine, first, actor=AGENT, clock=clock)
    with pytest.raises(ConflictError) as lost:
        validate_booking(engine, second, actor=AGENT, clock=clock)
    assert str(lost.value) == (
        "Un autre poste a modifié les réservations de Jeannot (Restauration scolaire Mons) "
        "entre-temps : rechargez le calendrier, vos modifications seront reprises."
    )
    assert set(bookings_of(engine, seed.enrolment_id)) == {(FRIDAY_25_09, seed.unit_id)}


@pytest.mark.parametrize("capacity", [None, 30])
def test_load_checked_locks_exactly_the_capped_units_being_added_to(
    engine, seed, monkeypatch, capacity
):
    """Kills `load_checked`: locking the units of the removed lines instead of the added
    ones, and dropping the `capacity IS NOT NULL` filter. Only a capped unit that gets a
    new booking is locked (what stops two desks from taking the same last place on
    PostgreSQL); a cancellation or an uncapped unit locks nothing."""
    from mairie_tui.models import Unit
    from mairie_tui.services.bookings import validation

    with unit_of_work(engine) as session:
        unit = session.get(Unit, seed.unit_id)
        unit.capacity = capacity
        session.add(unit)
    locked: list[list[int]] = []
    real = validation.lock_rows

    def spy(*args, **kwargs):
        ids = real(*args, **kwargs)
        locked.append(ids)
        return ids

    monkeypatch.setattr(validation, "lock_rows", spy)
    book(engine, seed, FRIDAY_25_09, "2020-09-15T10:00")  # an addition
    book(engine, seed, FRIDAY_25_09, "2020-09-15T11:00")  # its cancellation
    expected_for_the_addition = [seed.unit_id] if capacity is not None else []
    assert locked == [expected_for_the_addition, []]


def test_audit_of_a_forced_day_names_the_enrolment(engine, seed):
    """Kills `audit_validation`'s mutations of the forced day's row (entity, entity_id):
    the audit of a forced day must point at the enrolment it changed, like the
    validation's own row."""
    book(
        engine,
        seed,
        FRIDAY_25_09,
        "2020-09-17T09:00",
        actor=SUPERVISOR,
        reason="Oubli signalé par l'école",
    )
    with read_session(engine) as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        found = [(row.action, row.entity, row.entity_id) for row in rows]
    assert found == [
        ("booking.validate", "enrolment", seed.enrolment_id),
        ("booking.force", "enrolment", seed.enrolment_id),
    ]


def test_confirmation_mail_html_carries_its_subject_as_title(engine, seed):
    """Kills `_mail`: `subject=None` in the template's context. The HTML part of the
    family's mail has the subject as its title (what a mail client shows for the
    HTML part and in a browser tab)."""
    result = book(engine, seed, FRIDAY_25_09, "2020-09-15T10:00")
    with read_session(engine) as session:
        (mail,) = session.exec(select(OutboxEmail)).all()
    title = f"<title>Votre demande n° {result.request_number} a été traitée</title>"
    assert mail.subject == f"Votre demande n° {result.request_number} a été traitée"
    assert mail.body_html is not None and title in mail.body_html


# ------------------------------------------------------------------ validation's steps
# The steps of a validation are public (the family agenda runs them for several
# enrolments): each refusal they can give is checked here with its whole French text,
# and with a second problem after it (every line is checked, not only the first).

TUESDAY_22_09 = date(2020, 9, 22)
WEDNESDAY_23_09 = date(2020, 9, 23)  # no canteen on Wednesdays at Mons


def loaded_calendar(engine, seed, now="2020-09-15T10:00"):
    from mairie_tui.services.bookings import load_calendar

    with read_session(engine) as session:
        return load_calendar(session, seed.enrolment_id, clock_at(now).now())


def line(seed, day, kind, *, unit_id=None, reason=None):
    from mairie_tui.domain.draft import ChangeKind, RecapLine

    return RecapLine(
        day=day,
        unit_id=seed.unit_id if unit_id is None else unit_id,
        unit_name="Repas",
        kind=ChangeKind.ADD if kind == "add" else ChangeKind.REMOVE,
        forced_reason=reason,
    )


def test_check_lines_names_every_refused_line_in_order(engine, seed):
    """Kills `check_lines`: a problem replaced by None, `continue` → `break` after an
    unknown unit, a day already booked, nothing to cancel or a closed day."""
    from mairie_tui.services.bookings.validation import check_lines

    book(engine, seed, FRIDAY_25_09, "2020-09-15T10:00")
    loaded = loaded_calendar(engine, seed)
    lines = [
        line(seed, MONDAY_28_09, "add", unit_id=999_999),
        line(seed, FRIDAY_25_09, "add"),
        line(seed, MONDAY_28_09, "remove"),
        line(seed, WEDNESDAY_23_09, "add"),
        line(seed, TUESDAY_22_09, "remove"),
    ]
    problems = check_lines(loaded, lines, AGENT)
    assert problems[:4] == [
        "lundi 28/09/2020 (Repas) : prestation inconnue pour cette activité",
        "vendredi 25/09/2020 (Repas) : déjà réservé",
        "lundi 28/09/2020 (Repas) : aucune réservation à annuler",
        "mercredi 23/09/2020 (Repas) : " + loaded.ctx.status(
            WEDNESDAY_23_09, loaded.ctx.unit(seed.unit_id), has_booking=False
        ).reason,
    ]
    assert problems[4] == "mardi 22/09/2020 (Repas) : aucune réservation à annuler"
    assert len(problems) == 5


@pytest.mark.parametrize(("capacity", "word"), [(1, "place"), (2, "places")])
def test_over_capacity_says_place_or_places(engine, seed, capacity, word):
    """Kills `_over_capacity`'s mutations of « place » / « places » and of the message, and
    `check_lines` counting a unit-day's additions as 1 instead of adding them up."""
    import dataclasses

    from mairie_tui.services.bookings.validation import check_lines

    loaded = loaded_calendar(engine, seed)
    units = tuple(
        dataclasses.replace(unit, capacity=capacity) if unit.id == seed.unit_id else unit
        for unit in loaded.ctx.units
    )
    # One place left, asked twice (two lines for the same unit-day, as two enrolments'
    # drafts can add up): each line alone is open, their sum is over capacity.
    ctx = dataclasses.replace(
        loaded.ctx, units=units, taken={(MONDAY_28_09, seed.unit_id): capacity - 1}
    )
    loaded = dataclasses.replace(loaded, ctx=ctx)
    twice = [line(seed, MONDAY_28_09, "add"), line(seed, MONDAY_28_09, "add")]
    assert check_lines(loaded, twice[:1], AGENT) == []
    problems = check_lines(loaded, twice, AGENT)
    assert problems == [f"lundi 28/09/2020 (Repas) : complet ({capacity} {word})"]


def test_refuse_unless_allowed_says_who_may_force_and_that_a_reason_is_needed():
    """Kills `refuse_unless_allowed`'s message mutations: an agent forcing a day is told
    only a supervisor may; a supervisor's empty or blank reason is refused on the
    `reason` field, with the day named."""
    from mairie_tui.services.bookings.validation import refuse_unless_allowed
    from mairie_tui.services.demo import SeedIds
    from mairie_tui.services.errors import PermissionDenied, ServiceError

    seed = SeedIds(household_id=1, child_id=1, activity_id=1, unit_id=1, enrolment_id=1)
    with pytest.raises(PermissionDenied) as refused:
        refuse_unless_allowed([line(seed, FRIDAY_25_09, "add", reason="Oubli")], AGENT)
    assert str(refused.value) == (
        "Seul un superviseur peut modifier un jour dont le délai est dépassé."
    )
    for blank in ("", "   "):
        with pytest.raises(ServiceError) as missing:
            refuse_unless_allowed([line(seed, FRIDAY_25_09, "add", reason=blank)], SUPERVISOR)
        assert str(missing.value) == "Motif obligatoire pour forcer le vendredi 25/09/2020."
        assert missing.value.field == "reason"


def test_load_checked_refuses_an_enrolment_ended_meanwhile_and_joins_its_problems(
    engine, seed
):
    """Kills `load_checked`'s mutations of the inactive enrolment's message and of the
    « ; » that joins several problems."""
    clock = clock_at("2020-09-15T10:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(FRIDAY_25_09, seed.unit_id)
    booking.draft.toggle(MONDAY_28_09, seed.unit_id)
    add_closure(engine, seed.activity_id, FRIDAY_25_09, "grève")
    add_closure(engine, seed.activity_id, MONDAY_28_09, "travaux")
    with pytest.raises(RuleViolation) as refused:
        validate_booking(engine, booking, actor=AGENT, clock=clock)
    assert str(refused.value) == (
        "Certains jours ne peuvent pas être modifiés : "
        "vendredi 25/09/2020 (Repas) : Fermeture : grève ; "
        "lundi 28/09/2020 (Repas) : Fermeture : travaux"
    )
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(TUESDAY_22_09, seed.unit_id)
    with unit_of_work(engine) as session:
        enrolment = session.get(Enrolment, seed.enrolment_id)
        enrolment.status = "ended"
        session.add(enrolment)
    with pytest.raises(RuleViolation) as ended:
        validate_booking(engine, booking, actor=AGENT, clock=clock)
    assert str(ended.value) == (
        "L'inscription de Jeannot n'est pas active : aucune réservation possible."
    )


def test_recipient_is_this_households_representative_else_the_household(engine, seed):
    """Kills `recipient_of`'s mutations: the representative's address of THIS household
    (not another's), else the household's own address."""
    from mairie_tui.models import Household, Person
    from mairie_tui.services.bookings.loading import recipient_of

    with unit_of_work(engine) as session:
        other = Household(
            dossier="F-777777",
            commune_insee="30007",
            commune_name="Alès",
            email="autre-foyer@example.org",
            created_at=clock_at("2020-09-01T10:00").now(),
            updated_at=clock_at("2020-09-01T10:00").now(),
        )
        session.add(other)
        session.flush()
        session.add(
            Person(
                household_id=other.id,
                role="representative",
                first_name="Autre",
                last_name="Parent",
                email="autre-parent@example.org",
            )
        )
        session.flush()
        other_id = other.id
    with read_session(engine) as session:
        mine = recipient_of(session, seed.household_id)
        representative = session.exec(
            select(Person).where(
                Person.household_id == seed.household_id, Person.role == "representative"
            )
        ).first()
        household = session.get(Household, seed.household_id)
        assert recipient_of(session, other_id) == "autre-parent@example.org"
    assert mine == (representative.email or household.email)
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.household_id == other_id)).one()
        person.email = None
        session.add(person)
    with read_session(engine) as session:
        assert recipient_of(session, other_id) == "autre-foyer@example.org"


def test_a_canteen_booking_opens_with_the_sites_menus(engine, seed):
    """Kills `_menus`: `kind not in MENU_KINDS` → `in` (the canteen would get no menus)."""
    booking = open_booking(engine, seed.enrolment_id, clock_at("2020-09-15T10:00"), actor=DESK)
    assert booking.enrolment.kind == "canteen"
    assert date(2020, 9, 15) in booking.menus
