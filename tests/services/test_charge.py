"""The load harness: a short real run, the invariant checker, the refusal of a foreign base."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from rich.console import Console
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.loadtest import invariants
from mairie_tui.loadtest.desk import VALIDATIONS
from mairie_tui.loadtest.report import print_report
from mairie_tui.loadtest.runner import run_charge
from mairie_tui.loadtest.scenario import PreparationRefused, prepare
from mairie_tui.models import AuditEvent, Booking, Enrolment, Household, Unit
from mairie_tui.services.common import SYSTEM_ACTOR
from mairie_tui.services.demo import DEMO_TIME
from tests.helpers import clock_at

HOUSEHOLDS = 60


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_short_run_has_no_unexpected_error_and_keeps_every_invariant(db_url: str) -> None:
    results = run_charge(
        db_url,
        desks=3,
        seconds=4,
        households=HOUSEHOLDS,
        seed=7,
        console=quiet(),
        show_progress=False,
    )

    report = results.as_dict()
    assert report["unexpected_errors"] == 0, "\n".join(results.tracebacks)
    assert [c["name"] for c in report["invariants"] if not c["ok"]] == []
    assert len(report["invariants"]) == 16
    assert sum(results.ok[op] for op in VALIDATIONS) > 0
    assert results.ok["connexion"] >= 3  # every desk signed in
    json.dumps(report)  # what --json prints

    # The text report as the CLI prints it: styles, never markup shown as text.
    out = Console(file=io.StringIO(), width=200, markup=False)
    print_report(results, out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "Invariants (lus dans les tables)" in text and "tenu" in text
    assert "[/]" not in text and "[green]" not in text and "[dim]" not in text


def _overbook(session: Session, hot_unit: int) -> None:
    """Capacity + 1 live bookings on one day of the hot unit."""
    unit = session.get(Unit, hot_unit)
    assert unit is not None and unit.capacity is not None
    model = session.exec(select(Enrolment).where(Enrolment.activity_id == unit.activity_id)).first()
    assert model is not None
    for _ in range(unit.capacity + 1):
        enrolment = Enrolment(
            person_id=model.person_id,
            activity_id=model.activity_id,
            start_date=model.start_date,
            end_date=model.end_date,
            status="ended",  # so that only the overbooking is planted here
        )
        session.add(enrolment)
        session.flush()
        assert enrolment.id is not None
        session.add(
            Booking(
                enrolment_id=enrolment.id,
                day=date(2020, 9, 21),
                unit_id=hot_unit,
                updated_at=DEMO_TIME,
            )
        )


def _drop_enrolment_guard(session: Session) -> None:
    """The database refuses a duplicate enrolment (migration 0006): take that guard
    away, as on a base that predates it, to show the checker finds one on its own."""
    if session.get_bind().dialect.name == "sqlite":
        session.exec(text("DROP TRIGGER enrolment_no_overlap_insert"))  # type: ignore[call-overload]
    else:
        session.exec(text("ALTER TABLE enrolment DROP CONSTRAINT ex_enrolment_overlap"))  # type: ignore[call-overload]


def test_invariant_checker_reports_planted_violations(db_url: str, engine) -> None:
    scenario = prepare(engine, db_url, desks=2, households=HOUSEHOLDS, seed=1)
    base = invariants.baseline(engine)
    assert all(check.ok for check in invariants.check_all(engine, base, {}, {}))

    with Session(engine) as session:
        _overbook(session, scenario.hot_unit)
        _drop_enrolment_guard(session)
        twin = session.get(Enrolment, scenario.desks[0].hot_enrolment)
        assert twin is not None
        session.add(  # the same child twice in the same activity over the same period
            Enrolment(
                person_id=twin.person_id,
                activity_id=twin.activity_id,
                start_date=twin.start_date,
                end_date=twin.end_date,
                status="pending",
            )
        )
        session.add(  # mardi 20/10/2020: the autumn school holidays
            Booking(
                enrolment_id=twin.id,
                day=date(2020, 10, 20),
                unit_id=scenario.hot_unit,
                updated_at=DEMO_TIME,
            )
        )
        session.add(  # an audit row no desk accounts for
            AuditEvent(
                at=DEMO_TIME, action="booking.validate", entity="enrolment", entity_id=twin.id
            )
        )
        session.commit()

    found = {check.name: check for check in invariants.check_all(engine, base, {}, {})}
    assert found["jours-unités au-delà de la capacité"].found == 1
    assert "Atelier le 21/09/2020" in found["jours-unités au-delà de la capacité"].examples[0]
    assert found["inscriptions en double (même enfant, même activité)"].found == 1
    closed = found["réservations un jour fermé, férié ou de vacances"]
    assert closed.found == 1 and "20/10/2020" in closed.examples[0]
    assert found["créneaux de rendez-vous pris deux fois"].ok
    audit = found["journal booking.validate = validations réussies"]
    assert (audit.expected, audit.found) == (0, 1)

    # The marker agent makes it a base `charge` prepared: it is rebuilt, not added to.
    again = prepare(engine, db_url, desks=2, households=HOUSEHOLDS, seed=1)
    assert again.desks[0].own_households == scenario.desks[0].own_households
    assert all(check.ok for check in invariants.check_all(engine))
    with Session(engine) as session:
        assert len(session.exec(select(Household.id)).all()) == HOUSEHOLDS + 2  # FAMILLE TEST, FAMILLE AGENDA


def test_a_foreign_database_is_refused_and_left_alone(db_url: str, engine) -> None:
    from mairie_tui.services.agents import add_agent

    add_agent(
        engine,
        login="accueil",
        name="Accueil",
        role="agent",
        password="motdepasse",
        clock=clock_at("2020-09-15T10:00"),
        actor=SYSTEM_ACTOR,
    )
    with pytest.raises(PreparationRefused, match="contient déjà des données"):
        prepare(engine, db_url, desks=1, households=HOUSEHOLDS, seed=1)

    result = CliRunner().invoke(app, ["charge", "--desks", "1", "--seconds", "1", "--db", db_url])

    assert result.exit_code == 2
    assert "contient déjà des données" in result.output
    assert "jamais celle de la mairie" in result.output
    with Session(engine) as session:
        assert session.exec(select(Household)).first() is None  # nothing written
