"""Property test of opening, editing and validating a booking, against an independent oracle.

Each example builds a fresh database (SQLite, then PostgreSQL) with a random activity
(any deadline weekday or a working-days rule, canteen or crèche, one or two units with
random weekdays and capacities), closures (this activity, every activity, another
activity; on the period's edges too), the child's earlier rows (booked, pending,
cancelled) and other children's. A desk opens the calendar at t0 and edits it (some
edits forced, some with a blank reason); another desk may add a closure or a booking;
the clock moves on to t1 >= t0 and the agent or a supervisor validates. The oracle in
booking_oracle.py says what every edit must do, which lines validation must refuse and
why, and the test checks the answer and every row written (or that nothing was).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.clock import PARIS, FrozenClock
from mairie_tui.db import make_engine, read_session, unit_of_work
from mairie_tui.domain.draft import ChangeKind, DraftError
from mairie_tui.models import (
    Activity,
    Agent,
    AuditEvent,
    Booking,
    Closure,
    Enrolment,
    Household,
    OutboxEmail,
    Person,
    Request,
    Unit,
)
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import PermissionDenied, RuleViolation, ServiceError
from tests.helpers import DESK
from tests.services.booking_oracle import (
    WINDOW_END,
    WINDOW_START,
    DraftOracle,
    Edit,
    UnitSpec,
    World,
    expected_problems,
    holiday_name,
)

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
EXAMPLES = {"sqlite": 80, "postgresql": 20}  # a fresh PostgreSQL database costs ~0.3 s
REASONS = ("Oubli signalé par l'école", None, " Sortie scolaire ", None, "  ")
STAMP = datetime(2020, 8, 1, 9, 0, tzinfo=PARIS)
# The canteen's days and a school week first (Hypothesis draws the first branch most).
WEEKDAYS = st.sampled_from([frozenset({0, 1, 3, 4}), frozenset(range(5))]) | st.frozensets(
    st.integers(0, 6), min_size=1
)


# ---------------------------------------------------------------- scenarios


@st.composite
def worlds(draw: st.DrawFn) -> World:
    # Hypothesis favours small integers: offsets start past the summer holidays and periods
    # last a week at least, or most examples would have no day to book.
    start = WINDOW_START + timedelta(days=draw(st.integers(8, 110)))
    end = min(start + timedelta(days=draw(st.integers(6, 60))), WINDOW_END)
    units = tuple(
        UnitSpec(name, draw(WEEKDAYS), capacity)
        for name, capacity in zip(
            ("Repas", "Soir"),
            draw(st.lists(st.none() | st.integers(1, 2), min_size=1, max_size=2)),
            strict=False,
        )
    )
    world = World(
        start=start,
        end=end,
        kind=draw(st.sampled_from(["canteen", "creche"])),
        deadline_kind=draw(st.sampled_from(["weekly", "weekly", "working_days"])),
        deadline_weekday=draw(st.integers(0, 6)),
        deadline_days=draw(st.integers(0, 4)),
        units=units,
    )
    days = days_of(world)
    unit = st.integers(0, len(units) - 1)
    world.closures = draw(
        st.dictionaries(
            days,
            st.tuples(
                st.sampled_from(["own", "all", "other"]),
                st.sampled_from(["grève", "", " travaux "]),
            ),
            max_size=4,
        )
    )
    status = st.sampled_from(["booked", "pending", "cancelled"])
    # Rows of the child's own enrolment lie inside its period.
    inside = st.integers(0, (end - start).days).map(lambda offset: start + timedelta(days=offset))
    world.mine = draw(st.dictionaries(st.tuples(inside, unit), status, max_size=5))
    world.others = draw(
        st.dictionaries(st.tuples(st.integers(0, 1), days, unit), status, max_size=6)
    )
    return world


def days_of(world: World) -> st.SearchStrategy:
    """Days of the period and a few around it, its first and last days more often, and
    school days on which some unit runs (else most edits would hit a closed day)."""
    # Hypothesis draws the first branch and the first element most: school days first.
    span = (world.end - world.start).days
    period = [world.start + timedelta(days=offset) for offset in range(span + 1)]
    weekdays = set().union(*(unit.weekdays for unit in world.units))
    school_days = [
        day
        for day in period
        if day.weekday() in weekdays and holiday_name(day, school=True) is None
    ]
    around = period + [world.start - timedelta(days=back) for back in (1, 2, 3)]
    around += [world.end + timedelta(days=ahead) for ahead in (1, 2, 3)]
    edges = st.sampled_from([world.end, world.start])
    return st.one_of(st.sampled_from(school_days or period), edges, st.sampled_from(around))


def moments(draw: st.DrawFn, day) -> datetime:
    """A Paris wall time on `day`: midnight and 23:59 (the deadlines' edges) often."""
    minute = draw(st.sampled_from([0, 1, 1438, 1439]) | st.integers(0, 1439))
    return datetime.combine(day, time(0, 0), tzinfo=PARIS) + timedelta(minutes=minute)


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    world = draw(worlds())
    days = days_of(world)
    unit = st.integers(0, len(world.units) - 1)
    opened = moments(draw, world.start + timedelta(days=draw(st.integers(-12, 12))))
    validated = max(opened, moments(draw, opened.date() + timedelta(days=draw(st.integers(0, 9)))))
    edit = st.builds(
        Edit, days, unit, st.sampled_from([None, None, True, False]), st.sampled_from(REASONS)
    )
    meanwhile = st.one_of(
        st.tuples(st.just("closure"), days, st.sampled_from(["own", "all"]), st.just("grève")),
        st.tuples(st.just("other"), st.integers(0, 1), days, unit),
    )
    edits = draw(st.lists(edit, min_size=2, max_size=10, unique_by=lambda e: (e.day, e.unit)))
    # A few keys touched again (toggled, no reason): undoing a change is always allowed.
    again = [
        Edit(previous.day, previous.unit, None, None)
        for previous in draw(st.lists(st.sampled_from(edits), max_size=2))
    ]
    return {
        "world": world,
        "opened": opened,
        "validated": validated,
        "edits": edits + again,
        "meanwhile": draw(st.lists(meanwhile, max_size=2)),
        "actor": draw(st.sampled_from([SUPERVISOR, AGENT])),
        "email": draw(st.sampled_from([None, "famille@example.org"])),
    }


# ---------------------------------------------------------------- databases


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], scope="module")
def backend(request, sqlite_template, pg_databases, tmp_path_factory):
    """(name, factory of fresh migrated databases): one database per Hypothesis example."""
    if request.param == "postgresql" and pg_databases is None:
        pytest.skip("MAIRIE_TEST_PG_URL non défini : tests PostgreSQL ignorés")
    folder = tmp_path_factory.mktemp("oracle")

    @contextmanager
    def fresh() -> Iterator:
        if request.param == "sqlite":
            path = folder / f"{uuid.uuid4().hex}.db"
            shutil.copyfile(sqlite_template, path)
            url = f"sqlite:///{path}"
        else:
            url = pg_databases.new()
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
            if request.param == "sqlite":
                path.unlink()
            else:
                pg_databases.drop(url)

    return request.param, fresh


class Ids:
    def __init__(self) -> None:
        self.enrolment = 0
        self.others: list[int] = []
        self.units: list[int] = []
        self.activity = 0
        self.other_activity = 0


def build(engine, world: World, email: str | None) -> Ids:
    ids = Ids()
    with unit_of_work(engine) as session:
        session.add(
            Agent(id=1, login="guichet", name="Camille Martin", role="agent", password_hash="-")
        )
        session.add(
            Agent(
                id=2,
                login="superviseur",
                name="Dominique Roux",
                role="supervisor",
                password_hash="-",
            )
        )
        activities = [
            Activity(
                code=code,
                name=f"Activité {code}",
                kind=world.kind,
                site="Site",
                commune_insee="30007",
                deadline_kind=world.deadline_kind,
                deadline_weekday=world.deadline_weekday,
                deadline_days=world.deadline_days,
            )
            for code in ("A", "B")
        ]
        household = Household(
            dossier="F-1",
            commune_insee="30007",
            commune_name="Alès",
            email=email,
            created_at=STAMP,
            updated_at=STAMP,
        )
        session.add_all([*activities, household])
        session.flush()
        ids.activity, ids.other_activity = (activity.id for activity in activities)
        units = [
            Unit(
                activity_id=ids.activity,
                name=spec.name,
                weekdays=",".join(str(day) for day in sorted(spec.weekdays)),
                capacity=spec.capacity,
                position=position,
            )
            for position, spec in enumerate(world.units)
        ]
        children = [
            Person(household_id=household.id, role="child", first_name=name, last_name="ORACLE")
            for name in ("Léa", "Noé", "Zoé")
        ]
        session.add_all([*units, *children])
        session.flush()
        ids.units = [unit.id for unit in units]
        enrolments = [
            Enrolment(
                person_id=child.id,
                activity_id=ids.activity,
                start_date=world.start,
                end_date=world.end,
                status="active",
            )
            for child in children
        ]
        session.add_all(enrolments)
        for day, (scope, reason) in world.closures.items():
            session.add(Closure(activity_id=scope_id(ids, scope), day=day, reason=reason))
        session.flush()
        ids.enrolment, *ids.others = (enrolment.id for enrolment in enrolments)
        for (day, unit), status in world.mine.items():
            session.add(booking_row(ids.enrolment, day, ids.units[unit], status))
        for (other, day, unit), status in world.others.items():
            session.add(booking_row(ids.others[other], day, ids.units[unit], status))
    return ids


def scope_id(ids: Ids, scope: str) -> int | None:
    return {"own": ids.activity, "all": None, "other": ids.other_activity}[scope]


def booking_row(enrolment_id: int, day, unit_id: int, status: str) -> Booking:
    return Booking(
        enrolment_id=enrolment_id, day=day, unit_id=unit_id, status=status, updated_at=STAMP
    )


def another_desk(engine, world: World, ids: Ids, change: tuple) -> None:
    """A change made elsewhere between opening and validating (the world follows)."""
    if change[0] == "closure":
        _, day, scope, reason = change
        if day in world.closures:
            return
        world.closures[day] = (scope, reason)
        with unit_of_work(engine) as session:
            session.add(Closure(activity_id=scope_id(ids, scope), day=day, reason=reason))
        return
    _, other, day, unit = change
    if (other, day, unit) in world.others:
        return
    world.others[(other, day, unit)] = "booked"
    with unit_of_work(engine) as session:
        session.add(booking_row(ids.others[other], day, ids.units[unit], "booked"))


def snapshot(engine, ids: Ids) -> dict:
    with read_session(engine) as session:
        rows = session.exec(select(Booking).where(Booking.enrolment_id == ids.enrolment)).all()
        return {
            "mine": {
                (row.day, ids.units.index(row.unit_id)): (
                    row.status,
                    row.forced_reason,
                    row.request_id,
                    row.agent_id,
                )
                for row in rows
            },
            "audit": [
                (row.action, json.loads(row.details))
                for row in session.exec(select(AuditEvent).order_by(AuditEvent.id))
            ],
            "requests": session.exec(select(func.count()).select_from(Request)).one(),
            "mails": session.exec(select(OutboxEmail.recipient)).all(),
            "version": session.get(Enrolment, ids.enrolment).version,
        }


# ---------------------------------------------------------------- the property


def test_the_zone_c_table_of_the_oracle_is_the_holidays_library():
    """The oracle's holiday table agrees with `holidays` itself over the scenarios' window."""
    from holidays.countries.france import France

    for school in (True, False):
        library = France(
            subdiv="Zone C",
            years=[2020, 2021],
            categories=("public", "school") if school else ("public",),
            language="fr",
        )
        day = date(2020, 8, 1)  # the working-days rule looks a few days back
        while day <= WINDOW_END:
            names = [part.strip() for part in (library.get(day) or "").split(";") if part.strip()]
            assert holiday_name(day, school=school) == (" · ".join(names) or None), day
            day += timedelta(days=1)


def test_validation_answers_what_the_rules_say(backend):
    name, fresh = backend

    # The database is made inside each example (not by a fixture), so no health check
    # needs silencing; `deadline=None`: an example's time is mostly the database's.
    @settings(max_examples=EXAMPLES[name], deadline=None)
    @given(scenarios())
    def check(scenario: dict) -> None:
        with fresh() as engine:
            run_scenario(engine, **scenario)

    check()


def run_scenario(engine, *, world, opened, validated, edits, meanwhile, actor, email) -> None:
    ids = build(engine, world, email)
    booking = open_booking(engine, ids.enrolment, FrozenClock(opened), actor=DESK)
    live = world.live()
    every_day = [
        world.start + timedelta(days=offset)
        for offset in range(-2, (world.end - world.start).days + 3)
    ]
    for day in sorted({*every_day, *(edit.day for edit in edits)}):
        for unit, unit_id in enumerate(ids.units):
            state, reason = world.state(day, unit, opened, has_booking=(day, unit) in live)
            status = booking.draft.status(day, unit_id)
            assert (status.state.value, status.reason) == (state, reason), (day, unit)
    oracle = DraftOracle(world, opened, live)
    for edit in edits:
        expected = oracle.apply(edit)
        event(f"edit: {expected.skipped[0] if expected.skipped else expected}")
        edit_draft(booking, ids, edit, expected)
    recap = oracle.recap()
    lines = booking.draft.recap()
    assert [
        (line.day, ids.units.index(line.unit_id), line.kind is ChangeKind.ADD, line.forced_reason)
        for line in lines
    ] == recap
    for change in meanwhile:
        another_desk(engine, world, ids, change)
    before = snapshot(engine, ids)
    problems = expected_problems(world, recap, validated, supervisor=actor.is_supervisor)
    clock = FrozenClock(validated)
    event(f"lines: {min(len(recap), 3)}, refused: {min(len(problems), 2)}")
    event("forced" if any(reason for *_, reason in recap) else "not forced")
    for problem in problems:
        event("refused: " + problem.split(" : ", 1)[1].split(" (")[0][:14])
    if not recap:
        with pytest.raises(ServiceError, match="^Aucune modification à valider.$") as refused:
            validate_booking(engine, booking, actor=actor, clock=clock)
        assert type(refused.value) is ServiceError
    elif any(reason for *_, reason in recap) and not actor.is_supervisor:
        with pytest.raises(PermissionDenied, match="Seul un superviseur"):
            validate_booking(engine, booking, actor=actor, clock=clock)
    elif problems:
        with pytest.raises(RuleViolation) as refused:
            validate_booking(engine, booking, actor=actor, clock=clock)
        assert sorted(refused.value.problems) == sorted(problems)
        assert str(refused.value) == (
            "Certains jours ne peuvent pas être modifiés : " + " ; ".join(refused.value.problems)
        )
    else:
        result = validate_booking(engine, booking, actor=actor, clock=clock)
        assert result.lines == lines
        check_written(engine, world, ids, recap, before, result, email, validated, actor)
        return
    assert snapshot(engine, ids) == before


def edit_draft(booking, ids, edit: Edit, expected) -> None:
    unit_id = ids.units[edit.unit]

    def apply():
        if edit.ticked is None:
            return booking.draft.toggle(edit.day, unit_id, force_reason=edit.reason)
        return booking.draft.set(edit.day, unit_id, edit.ticked, force_reason=edit.reason)

    if expected.raises:
        with pytest.raises(DraftError, match="Motif obligatoire"):
            apply()
        return
    result = apply()
    assert result.changed == ([(edit.day, unit_id)] if expected.changed else []), edit
    skipped = [(skip.day, skip.unit_id, skip.state.value, skip.reason) for skip in result.skipped]
    assert skipped == ([(edit.day, unit_id, *expected.skipped)] if expected.skipped else []), edit


def check_written(engine, world, ids, recap, before, result, email, validated, actor) -> None:
    forced = [line for line in recap if line[3]]
    added = sum(1 for line in recap if line[2])
    number = f"{validated.year}-000001"
    assert (result.request_number, result.forced) == (number, len(forced))
    assert (result.recipient, result.mail_queued) == (email, email is not None)
    mine = dict(before["mine"])
    for day, unit, is_add, reason in recap:
        status = "booked" if is_add else "cancelled"
        mine[(day, unit)] = (status, reason, result.request_id, actor.id)
    audit = [
        ("booking.validate", {"request": number, "added": added, "removed": len(recap) - added})
    ]
    audit += [
        (
            "booking.force",
            {
                "day": day.isoformat(),
                "unit": world.units[unit].name,
                "change": "add" if is_add else "remove",
                "reason": reason,
            },
        )
        for day, unit, is_add, reason in forced
    ]
    after = snapshot(engine, ids)
    assert after == {
        "mine": mine,
        "audit": audit,
        "requests": before["requests"] + 1,
        "mails": [email] if email else [],
        "version": before["version"] + 1,
    }
    for key, (status, *_) in mine.items():
        world.mine[key] = status
    reopened = open_booking(engine, ids.enrolment, FrozenClock(validated), actor=DESK)
    assert {(day, ids.units.index(unit_id)) for day, unit_id in reopened.draft.existing} == {
        (day, unit) for day, unit in world.live() if world.start <= day <= world.end
    }
