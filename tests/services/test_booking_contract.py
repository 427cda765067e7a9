"""Exact answers of the booking use cases that the rules' tests do not pin (found by
`make mutation`, docs/mutation.md): the confirmation mail, a reload keeping a forced
line, the order of a household's enrolments, the warm-up, the month view's counts."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import event, func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.calendar import DayState, HolidayCalendar, _holidays_of_year
from mairie_tui.models import (
    Activity,
    AuditEvent,
    Booking,
    Closure,
    Enrolment,
    OutboxEmail,
    Person,
    Request,
    RequestEvent,
    Unit,
)
from mairie_tui.services.bookings import (
    list_enrolments,
    load_calendar,
    month_view,
    open_booking,
    reload_booking,
    validate_booking,
    warm_up,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")


def seeded(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session)


def test_the_confirmation_mail_says_exactly_this(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-16T00:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), seed.unit_id, force_reason="Oubli de l'école")
    booking.draft.toggle(date(2020, 9, 28), seed.unit_id)
    validate_booking(engine, booking, actor=SUPERVISOR, clock=clock)
    with read_session(engine) as session:
        (mail,) = session.exec(select(OutboxEmail)).all()
    assert mail.body == "\n".join(
        [
            "Bonjour,",
            "",
            "Votre demande n° 2020-000001 a été traitée et prise en compte.",
            "",
            "Réservation : Jeannot - Restauration scolaire Mons - du 01/09/2020 au 06/07/2021"
            " - Restaurant scolaire Mons Elementaire",
            "",
            "- vendredi 25/09/2020 : Repas, ajout (hors délai, à l'initiative de la mairie)",
            "- lundi 28/09/2020 : Repas, ajout",
            "",
            "Toute réservation ou annulation doit être effectuée avant le mardi 23h59 pour la "
            "semaine suivante.",
            "",
            "Mairie Prim' — Alès Agglomération",
        ]
    )


def test_the_request_and_its_event_record_who_validated_what(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-16T00:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), seed.unit_id, force_reason="Oubli de l'école")
    booking.draft.toggle(date(2020, 9, 28), seed.unit_id)
    validate_booking(engine, booking, actor=SUPERVISOR, clock=clock)
    with read_session(engine) as session:
        (request,) = session.exec(select(Request)).all()
        (event_row,) = session.exec(select(RequestEvent)).all()
    assert json.loads(request.answers) == {
        "enrolment_id": seed.enrolment_id,
        "title": "Jeannot - Restauration scolaire Mons",
        "lines": [
            {
                "day": "2020-09-25",
                "unit": "Repas",
                "change": "add",
                "forced_reason": "Oubli de l'école",
            },
            {"day": "2020-09-28", "unit": "Repas", "change": "add", "forced_reason": None},
        ],
    }
    assert (request.number, request.agent_id) == ("2020-000001", SUPERVISOR.id)
    assert (event_row.request_id, event_row.agent_id, event_row.status) == (
        request.id,
        SUPERVISOR.id,
        "traitee",
    )
    assert event_row.comment == "Réservation validée au guichet par Dominique Roux"


def test_a_reload_after_a_conflict_keeps_the_forced_reason(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-16T10:00")
    desk_a = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    desk_b = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    desk_a.draft.toggle(date(2020, 10, 1), seed.unit_id)
    desk_b.draft.toggle(date(2020, 9, 25), seed.unit_id, force_reason="Sortie scolaire")
    validate_booking(engine, desk_a, actor=AGENT, clock=clock)
    fresh, result = reload_booking(engine, desk_b, clock, actor=DESK)
    assert result.changed == [(date(2020, 9, 25), seed.unit_id)]
    (line,) = fresh.draft.recap()
    assert (line.day, line.forced_reason) == (date(2020, 9, 25), "Sortie scolaire")
    assert validate_booking(engine, fresh, actor=SUPERVISOR, clock=clock).forced == 1
    with read_session(engine) as session:
        rows = {row.day: (row.forced_reason, row.agent_id) for row in session.exec(select(Booking))}
    assert rows == {date(2020, 10, 1): (None, AGENT.id), date(2020, 9, 25): ("Sortie scolaire", 2)}


def test_enrolments_are_listed_in_the_household_order_of_the_children(engine):
    seed = seeded(engine)
    with unit_of_work(engine) as session:
        elder = Person(
            household_id=seed.household_id,
            role="child",
            first_name="Aïcha",
            last_name="FAMILLE TEST",
            position=0,  # listed first, though added last
        )
        session.add(elder)
        session.flush()
        # Two periods that do not overlap (the database refuses overlapping ones).
        for start, end in (
            (date(2021, 1, 4), date(2021, 7, 6)),
            (date(2020, 9, 1), date(2020, 12, 18)),
        ):
            session.add(
                Enrolment(
                    person_id=elder.id,
                    activity_id=seed.activity_id,
                    start_date=start,
                    end_date=end,
                )
            )
    rows = list_enrolments(engine, seed.household_id, actor=DESK)
    assert [(row.child_name, row.start) for row in rows] == [
        ("Aïcha", date(2020, 9, 1)),
        ("Aïcha", date(2021, 1, 4)),
        ("Jeannot", date(2020, 9, 1)),
    ]
    assert rows[0].status_label == "Inscrit" and rows[0].kind == "canteen"


def test_enrolments_of_children_at_the_same_position_or_starting_the_same_day(engine):
    seed = seeded(engine)
    with unit_of_work(engine) as session:
        evening = Activity(
            code="TEST-SOIR",
            name="Accueil du soir Mons",
            kind="periscolaire",
            site="École de Mons",
            commune_insee="30173",
        )
        twin = Person(
            household_id=seed.household_id,
            role="child",
            first_name="Zoé",
            last_name="FAMILLE TEST",
            position=0,  # Jeannot's position too: the one added first comes first
        )
        session.add_all([evening, twin])
        session.flush()
        jeannot = session.get(Person, seed.child_id)
        assert jeannot is not None
        jeannot.position = 0
        session.add(jeannot)
        for child_id, activity_id in ((twin.id, evening.id), (seed.child_id, evening.id)):
            session.add(
                Enrolment(
                    person_id=child_id,
                    activity_id=activity_id,
                    start_date=date(2020, 9, 1),
                    end_date=date(2021, 7, 6),
                )
            )
    rows = list_enrolments(engine, seed.household_id, actor=DESK)
    # Jeannot's two activities start the same day: by the activity's name; then Zoé's.
    assert [(row.child_name, row.activity_name) for row in rows] == [
        ("Jeannot", "Accueil du soir Mons"),
        ("Jeannot", "Restauration scolaire Mons"),
        ("Zoé", "Accueil du soir Mons"),
    ]


def test_warm_up_compiles_the_calendar_queries_before_the_first_booking(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-15T10:00")
    warm_up(engine, clock)
    compiled_now: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if context.cache_hit.name == "CACHE_MISS":
            compiled_now.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with read_session(engine) as session:
            load_calendar(session, seed.enrolment_id, clock.now())
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert compiled_now == []


def test_warm_up_reads_and_writes_nothing(engine):
    warm_up(engine, clock_at("2020-09-15T10:00"))  # an empty database too
    seeded(engine)

    def counts():
        with read_session(engine) as session:
            return [
                session.exec(select(func.count()).select_from(model)).one()
                for model in (Booking, AuditEvent, OutboxEmail)
            ]

    before = counts()
    warm_up(engine, clock_at("2020-09-15T10:00"))
    assert counts() == before


def test_warm_up_builds_the_holiday_tables_of_last_this_and_next_year(engine):
    seeded(engine)
    _holidays_of_year.cache_clear()
    try:
        warm_up(engine, clock_at("2020-09-15T10:00"))
        built = _holidays_of_year.cache_info()
        assert built.currsize == 3
        for year in (2019, 2020, 2021):
            assert HolidayCalendar().name(date(year, 12, 25)) == "Noël · Vacances de Noël"
        assert _holidays_of_year.cache_info().misses == built.misses  # all three were ready
    finally:
        _holidays_of_year.cache_clear()


def test_the_month_view_counts_every_state_of_the_month(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-15T10:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), seed.unit_id)
    validate_booking(engine, booking, actor=AGENT, clock=clock)
    view = month_view(engine, seed.enrolment_id, 2020, 9, clock, actor=DESK)
    # September 2020 for "Repas" (Mon, Tue, Thu, Fri) at 15/09 10:00: weeks 36-38 locked.
    assert view.counts == {"closed": 13, "locked": 11, "booked": 1, "open": 5}
    assert view.enrolment.title == "Jeannot - Restauration scolaire Mons"
    assert view.weeks[0][1][0].day == date(2020, 8, 31)
    assert [shown.in_month for shown in view.weeks[0][1]] == [False] + [True] * 6
    assert [number for number, _ in view.weeks] == [36, 37, 38, 39, 40]


def test_the_month_view_reads_the_first_and_last_days_it_shows(engine):
    seed = seeded(engine)
    with unit_of_work(engine) as session:
        session.add(Unit(activity_id=seed.activity_id, name="Étude", weekdays="0,1,2,3,4,5,6"))
        # The first day of the October grid (in September) and the last of January's.
        for day in (date(2020, 9, 28), date(2021, 1, 31)):
            session.add(Closure(activity_id=seed.activity_id, day=day, reason="Travaux"))
    clock = clock_at("2020-09-15T10:00")

    def states(year, month):
        view = month_view(engine, seed.enrolment_id, year, month, clock, actor=DESK)
        return {
            shown.day: {name: cell.status.state for name, cell in shown.cells}
            for _, week in view.weeks
            for shown in week
        }

    october, january = states(2020, 10), states(2021, 1)
    assert october[date(2020, 9, 28)] == {"Repas": DayState.CLOSURE, "Étude": DayState.CLOSURE}
    assert january[date(2021, 1, 31)] == {"Repas": DayState.CLOSED, "Étude": DayState.CLOSURE}
    assert january[date(2021, 1, 30)] == {"Repas": DayState.CLOSED, "Étude": DayState.OPEN}


def test_the_calendar_opens_on_today_inside_the_period_else_on_its_first_day(engine):
    seed = seeded(engine)
    booking = open_booking(engine, seed.enrolment_id, clock_at("2020-09-15T10:00"), actor=DESK)
    # The seed's period: mardi 01/09/2020 - mardi 06/07/2021.
    for today, shown in (
        (date(2020, 8, 31), date(2020, 9, 1)),
        (date(2020, 9, 1), date(2020, 9, 1)),
        (date(2021, 7, 6), date(2021, 7, 6)),
        (date(2021, 7, 7), date(2020, 9, 1)),
    ):
        assert booking.initial_day(today) == shown, today


def test_every_written_row_names_its_request_and_agent(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-16T10:00")
    thursday, friday, monday = date(2020, 10, 1), date(2020, 10, 2), date(2020, 10, 5)

    def validate(actor, *days):
        booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
        for day in days:
            booking.draft.toggle(day, seed.unit_id)
        return validate_booking(engine, booking, actor=actor, clock=clock)

    first = validate(AGENT, thursday, friday)  # two new rows
    second = validate(SUPERVISOR, thursday, monday)  # one row cancelled, one new
    third = validate(AGENT, thursday)  # the cancelled row booked again
    with read_session(engine) as session:
        rows = {
            row.day: (row.status, row.request_id, row.agent_id)
            for row in session.exec(select(Booking))
        }
        events = [
            (event.entity, event.entity_id, json.loads(event.details))
            for event in session.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "booking.validate")
                .order_by(AuditEvent.id)
            )
        ]
    assert rows == {
        thursday: ("booked", third.request_id, AGENT.id),
        friday: ("booked", first.request_id, AGENT.id),
        monday: ("booked", second.request_id, SUPERVISOR.id),
    }
    assert events == [
        ("enrolment", seed.enrolment_id, {"request": "2020-000001", "added": 2, "removed": 0}),
        ("enrolment", seed.enrolment_id, {"request": "2020-000002", "added": 1, "removed": 1}),
        ("enrolment", seed.enrolment_id, {"request": "2020-000003", "added": 1, "removed": 0}),
    ]


def test_the_request_json_keeps_accents_as_written(engine):
    seed = seeded(engine)
    clock = clock_at("2020-09-16T00:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), seed.unit_id, force_reason="Oubli de l'école")
    validate_booking(engine, booking, actor=SUPERVISOR, clock=clock)
    with read_session(engine) as session:
        (answers,) = session.exec(select(Request.answers)).all()
    assert '"forced_reason": "Oubli de l\'école"' in answers
