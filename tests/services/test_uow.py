"""The guarded unit of work and get_or_404, on both databases: an offline copy refuses
every write but the pointage with a French message, a missing row is a French NotFoundError."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Booking, Closure, Household, OfflineCopy, Request, Unit
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.errors import NotFoundError, PermissionDenied, ReadOnlyCopy
from mairie_tui.services.uow import get_or_404, is_copy, writing
from tests.helpers import DESK

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")


def make_copy(engine, clock) -> None:
    """Turn the database into an offline copy the way export_offline marks one."""
    with unit_of_work(engine) as session:
        session.add(
            OfflineCopy(
                id="copie-1",
                site="Restaurant scolaire Mons Elementaire",
                start_date=clock.today(),
                end_date=clock.today(),
                created_at=clock.now(),
                created_by="test",
                source_fingerprint="0" * 64,
                read_only_except_pointage=True,
            )
        )


def closures(engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(Closure)).one()


def add_closure(session, day: date) -> None:
    session.add(Closure(day=day, activity_id=None, reason="Pont"))


def test_writing_commits_on_the_main_database(engine, seed_clock):
    with read_session(engine) as session:
        assert not is_copy(session)
    with writing(engine, "fermeture") as session:
        add_closure(session, date(2020, 11, 2))
    assert closures(engine) == 1


def test_writing_rolls_back_when_the_block_fails(engine):
    with pytest.raises(RuntimeError), writing(engine, "fermeture") as session:
        add_closure(session, date(2020, 11, 2))
        session.flush()
        raise RuntimeError("panne injectée")
    assert closures(engine) == 0


def test_writing_refuses_on_an_offline_copy_with_a_french_message(engine, seed_clock):
    make_copy(engine, seed_clock)
    ran = []
    with pytest.raises(ReadOnlyCopy) as refused, writing(engine, "création de foyer") as session:
        ran.append(session)
    assert str(refused.value) == (
        "Copie hors ligne : seul le pointage est possible (création de foyer refusé)."
    )
    assert isinstance(refused.value, PermissionDenied)
    assert ran == []  # the block never ran


def test_the_pointage_may_write_on_an_offline_copy(engine, seed_clock):
    make_copy(engine, seed_clock)
    with writing(engine, "pointage", allowed_on_copy=True) as session:
        assert is_copy(session)
        add_closure(session, date(2020, 11, 2))
    assert closures(engine) == 1


def test_validating_a_booking_in_an_offline_copy_writes_nothing(engine, seed_clock):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        seed = seed_ids(session)
    booking = open_booking(engine, seed.enrolment_id, seed_clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), booking.units[0].id)
    make_copy(engine, seed_clock)
    with pytest.raises(ReadOnlyCopy, match=r"\(validation de réservations refusé\)"):
        validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Booking)).one() == 0
        assert session.exec(select(func.count()).select_from(Request)).one() == 0


def test_get_or_404_returns_the_row(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        seed = seed_ids(session)
        household = get_or_404(session, Household, seed.household_id)
        assert household.id == seed.household_id


def test_get_or_404_says_what_is_missing_in_french(engine):
    with read_session(engine) as session:
        with pytest.raises(NotFoundError) as missing:
            get_or_404(session, Household, 999)
        assert str(missing.value) == "Foyer introuvable (n° 999)."
        with pytest.raises(NotFoundError, match=r"^Demande introuvable \(n° 7\)\.$"):
            get_or_404(session, Request, 7)
        with pytest.raises(NotFoundError) as custom:
            get_or_404(session, Unit, 5, "Unité inconnue ici.", field="unit")
        assert (str(custom.value), custom.value.field) == ("Unité inconnue ici.", "unit")


def test_get_or_404_refuses_a_row_that_fails_the_where_check(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        seed = seed_ids(session)
        with pytest.raises(NotFoundError, match="Enfant introuvable dans ce foyer"):
            get_or_404(
                session,
                Household,
                seed.household_id,
                "Enfant introuvable dans ce foyer.",
                where=lambda found: found.id != seed.household_id,
            )
