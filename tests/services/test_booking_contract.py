"""Exact answers of the booking use cases that the rules' tests do not pin (found by
`make mutation`, docs/mutation.md): the confirmation mail, a reload keeping a forced
line, the order of a household's enrolments, the warm-up, the month view's counts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import AuditEvent, Booking, Enrolment, OutboxEmail, Person
from mairie_tui.services.bookings import (
    list_enrolments,
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
    assert view.weeks[0][1][0].day == date(2020, 8, 31) and not view.weeks[0][1][0].in_month
