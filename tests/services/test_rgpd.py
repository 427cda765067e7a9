"""RGPD at the counter (issue 12): the access export of a household and the retention purge,
on SQLite and PostgreSQL, from the demo database and the portal's seed scenario."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import (
    AuditEvent,
    Booking,
    Document,
    Enrolment,
    Household,
    OutboxEmail,
    Person,
    Request,
    RequestEvent,
)
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.documents import attach_document
from mairie_tui.services.errors import PermissionDenied, ServiceError
from mairie_tui.services.lists import headcounts, mark_attendance
from mairie_tui.services.requests import file_request, prefill
from mairie_tui.services.rgpd import (
    anonymise_household,
    blocking_reasons,
    export_household,
    export_to_data_dir,
    purge_households,
)
from mairie_tui.services.search import find_households
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
STAFF = Actor(
    id=3,
    login="cantine",
    name="Sandrine Vidal",
    role="staff",
    sites=("Restaurant scolaire Mons Elementaire",),
)
SEED_DAYS = (date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
LATER = clock_at("2023-09-01T10:00")
BEFORE = date(2022, 9, 1)
PAST_DAYS = (date(2020, 9, 1), date(2021, 7, 30))


def run_seed_scenario(engine, seed) -> int:
    """The portal tutorial: 25/09, 28/09 and 29/09/2020 booked on 15/09/2020; request id."""
    clock = clock_at("2020-09-15T10:00")
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    for day in SEED_DAYS:
        booking.draft.toggle(day, booking.units[0].id)
    return validate_booking(engine, booking, actor=AGENT, clock=clock).request_id


def attach_pdf(engine, household_id: int, data_dir: Path, tmp_path: Path, name="avis.pdf"):
    source = tmp_path / name
    source.write_bytes(PDF)
    return attach_document(
        engine,
        household_id=household_id,
        source=source,
        kind="autre",
        documents_dir=data_dir / "documents",
        actor=AGENT,
        clock=clock_at("2020-09-15T11:00"),
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def famille_test(engine, data_dir, tmp_path):
    """A small demo, the seed scenario, a pièce and a pointage for FAMILLE TEST."""
    build_demo(engine, households=3, agenda_family=False)  # the four households counted below
    with read_session(engine) as session:
        seed = seed_ids(session)
    run_seed_scenario(engine, seed)
    attach_pdf(engine, seed.household_id, data_dir, tmp_path)
    mark_attendance(
        engine,
        enrolment_id=seed.enrolment_id,
        day=date(2020, 9, 25),
        unit_id=seed.unit_id,
        present=True,
        actor=STAFF,
        clock=clock_at("2020-09-25T12:00"),
    )
    return seed


def pdf_text_stream(path: Path) -> bytes:
    return path.read_bytes()


def test_access_export_of_famille_test(engine, famille_test, data_dir, tmp_path):
    out = tmp_path / "export"
    result = export_household(
        engine,
        "f-000001",
        out=out,
        data_dir=data_dir,
        actor=SUPERVISOR,
        clock=clock_at("2020-10-01T09:00"),
        compress=False,
    )
    data = json.loads(result.json_path.read_text(encoding="utf-8"))
    assert data["dossier"] == "F-000001"
    assert data["foyer"]["email"] == "mairiedemons0517@orange.fr"
    assert {m["first_name"] for m in data["membres"]} == {"Test 1", "Test 2", "Jeannot"}
    assert [(b["day"], b["status"], b["unit_name"]) for b in data["reservations"]] == [
        (day.isoformat(), "booked", "Repas") for day in SEED_DAYS
    ]
    (request,) = data["demandes"]
    assert (request["number"], request["type"]) == ("2020-000001", "reservation")
    assert [line["day"] for line in request["answers"]["lines"]] == [
        d.isoformat() for d in SEED_DAYS
    ]
    assert len(request["events"]) == 1
    (mail,) = data["mails"]
    assert mail["request_id"] == request["id"]
    assert mail["recipient"] == "mairiedemons0517@orange.fr"
    assert "- vendredi 25/09/2020 : Repas, ajout" in mail["body"]
    assert [(a["day"], a["present"]) for a in data["pointages"]] == [("2020-09-25", True)]
    # The pièce: its metadata, and the file itself, copied byte for byte.
    (piece,) = data["pieces"]
    assert piece["original_name"] == "avis.pdf"
    assert (out / piece["export_file"]).read_bytes() == PDF
    assert result.document_files == [out / piece["export_file"]]
    actions = sorted(a["action"] for a in data["journal"])
    assert actions == ["attendance.mark", "booking.validate", "document.attach"]
    # The summary in French names the family (core font, text stream uncompressed).
    pdf = pdf_text_stream(result.pdf_path)
    assert pdf.startswith(b"%PDF")
    assert b"FAMILLE TEST" in pdf
    assert "Réservations \\(3\\)".encode("latin-1") in pdf  # accents kept, ( escaped
    # Private: the folder 0700, every file 0600.
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in [result.json_path, result.pdf_path, *result.document_files]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # The export itself is audited, with counts and no personal data.
    with read_session(engine) as session:
        (row,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "household.rgpd_export")
        ).all()
    assert (row.entity, row.entity_id, row.agent_id) == ("household", famille_test.household_id, 2)
    assert "FAMILLE" not in row.details and "orange" not in row.details


def test_export_is_for_supervisors_only(engine, famille_test, data_dir, tmp_path):
    for actor in (AGENT, STAFF):
        with pytest.raises(PermissionDenied):
            export_household(
                engine,
                "F-000001",
                out=tmp_path / "out",
                data_dir=data_dir,
                actor=actor,
                clock=LATER,
            )
    assert not (tmp_path / "out").exists()


def test_export_refuses_a_folder_holding_files(engine, famille_test, data_dir, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "autre.txt").write_text("x")
    with pytest.raises(ServiceError, match="n'est pas vide"):
        export_household(
            engine, "F-000001", out=out, data_dir=data_dir, actor=SUPERVISOR, clock=LATER
        )
    assert sorted(p.name for p in out.iterdir()) == ["autre.txt"]


def test_screen_export_goes_to_a_new_private_folder_under_rgpd(engine, famille_test, data_dir):
    first = export_to_data_dir(
        engine, famille_test.household_id, data_dir=data_dir, actor=SUPERVISOR, clock=LATER
    )
    second = export_to_data_dir(
        engine, famille_test.household_id, data_dir=data_dir, actor=SUPERVISOR, clock=LATER
    )
    assert first.folder.parent == second.folder.parent == data_dir / "rgpd"
    assert first.folder != second.folder  # same frozen minute: never mixed
    assert stat.S_IMODE((data_dir / "rgpd").stat().st_mode) == 0o700


# ---------------------------------------------------------------- purge


def snapshot(engine) -> dict[str, object]:
    """Every row a purge could change, to prove a dry run writes nothing."""
    with read_session(engine) as session:
        return {
            model.__name__: sorted(
                json.dumps(row.model_dump(), default=str, sort_keys=True)
                for row in session.exec(select(model)).all()
            )
            for model in (Household, Person, Request, RequestEvent, OutboxEmail, Document)
        } | {"audit": session.exec(select(func.count()).select_from(AuditEvent)).one()}


def all_headcounts(engine, clock):
    start, end = PAST_DAYS
    return headcounts(engine, start=start, end=end, clock=clock, actor=DESK)


def test_purge_keeps_past_headcounts_and_removes_personal_data(engine, famille_test, data_dir):
    before_counts = all_headcounts(engine, LATER)
    assert sum(row.booked for row in before_counts) > 100  # the demo's bookings are there
    stored = data_dir / "documents"
    assert any(stored.rglob("*"))
    dry = purge_households(
        engine, before=BEFORE, apply=False, actor=SUPERVISOR, clock=LATER, data_dir=data_dir
    )
    assert dry.households == 4 and "F-000001" in dry.dossiers
    assert (dry.documents, dry.mails) == (1, 1)
    report = purge_households(
        engine, before=BEFORE, apply=True, actor=SUPERVISOR, clock=LATER, data_dir=data_dir
    )
    assert (report.households, report.persons, report.documents, report.mails) == (
        dry.households,
        dry.persons,
        dry.documents,
        dry.mails,
    )
    assert all_headcounts(engine, LATER) == before_counts
    with read_session(engine) as session:
        names = {(p.first_name, p.last_name) for p in session.exec(select(Person))}
        assert names == {("Anonyme", "ANONYME")}
        child = session.get(Person, famille_test.child_id)
        assert (child.birth_date, child.school_class) == (date(2013, 1, 1), "CE2")
        household = session.get(Household, famille_test.household_id)
        assert (household.dossier, household.phone, household.email, household.address) == (
            "F-000001",
            None,
            None,
            "",
        )
        assert session.exec(select(func.count()).select_from(Document)).one() == 0
        (mail,) = session.exec(select(OutboxEmail)).all()
        assert "mairiedemons" not in mail.recipient and mail.body == ""
        purges = session.exec(
            select(AuditEvent).where(AuditEvent.action == "household.purge")
        ).all()
        assert len(purges) == 4
        assert all("FAMILLE" not in p.details and "Jeannot" not in p.details for p in purges)
        # Bookings and enrolments, the statistics' source, are all still there.
        assert (
            session.exec(
                select(func.count())
                .select_from(Booking)
                .where(Booking.enrolment_id == famille_test.enrolment_id)
            ).one()
            == 3
        )
    assert not [p for p in stored.rglob("*") if p.is_file()]
    assert find_households(engine, "famille test", actor=DESK) == []
    again = purge_households(
        engine, before=BEFORE, apply=False, actor=SUPERVISOR, clock=LATER, data_dir=data_dir
    )
    assert again.households == 0  # already anonymised households are not counted twice


def test_dry_run_writes_nothing(engine, famille_test, data_dir):
    before = snapshot(engine)
    report = purge_households(
        engine, before=BEFORE, apply=False, actor=SUPERVISOR, clock=LATER, data_dir=data_dir
    )
    assert report.households > 0 and not report.applied
    assert snapshot(engine) == before
    assert any((data_dir / "documents").rglob("*"))


def test_open_request_and_future_booking_keep_a_household(engine, famille_test, data_dir):
    # FAMILLE TEST files a démarche in 2020 that nobody ever closes.
    answers = {
        **prefill(engine, "demande_informations", famille_test.household_id, actor=AGENT),
        "objet": "Horaires",
        "message": "Quels horaires pendant les vacances ?",
    }
    filed = file_request(
        engine,
        code="demande_informations",
        answers=answers,
        actor=AGENT,
        clock=clock_at("2020-10-02T10:00"),
        household_id=famille_test.household_id,
    )
    assert filed.status == "deposee"
    # F-000002's child has a booking to come (entered by another tool: the day is in 2023).
    with unit_of_work(engine) as session:
        other = session.exec(select(Household).where(Household.dossier == "F-000002")).one()
        enrolment = session.exec(
            select(Enrolment)
            .join(Person, Person.id == Enrolment.person_id)
            .where(Person.household_id == other.id)
        ).first()
        assert enrolment is not None
        unit_id = (
            session.exec(
                select(Booking.unit_id).where(Booking.enrolment_id == enrolment.id)
            ).first()
            or famille_test.unit_id
        )
        session.add(
            Booking(
                enrolment_id=enrolment.id,
                day=date(2023, 9, 11),
                unit_id=unit_id,
                updated_at=LATER.now(),
            )
        )
        other_id = other.id
    with read_session(engine) as session:
        reasons = blocking_reasons(session, LATER.today(), LATER.now())
    assert "réservation à venir" in reasons[other_id]
    assert reasons[famille_test.household_id] == ["demande en cours (statut non final)"]
    report = purge_households(
        engine, before=BEFORE, apply=True, actor=SUPERVISOR, clock=LATER, data_dir=data_dir
    )
    assert "F-000001" not in report.dossiers and "F-000002" not in report.dossiers
    assert [k.dossier for k in report.kept] == ["F-000001"]
    with read_session(engine) as session:
        for household_id in (famille_test.household_id, other_id):
            people = session.exec(select(Person).where(Person.household_id == household_id)).all()
            assert all(p.last_name != "ANONYME" for p in people)
        assert session.exec(select(func.count()).select_from(Document)).one() == 1


def test_a_household_active_since_the_selection_is_left(engine, famille_test, data_dir):
    """The re-check under the row lock: another desk acted between the dry run and the apply."""
    later = clock_at("2023-09-01T10:05")
    with unit_of_work(engine) as session:
        household = session.get(Household, famille_test.household_id)
        household.updated_at = later.now()  # e.g. the family updated its address at the counter
        session.add(household)
    assert (
        anonymise_household(
            engine, famille_test.household_id, before=BEFORE, actor=SUPERVISOR, clock=later
        )
        is None
    )
    with read_session(engine) as session:
        assert session.get(Person, famille_test.child_id).first_name == "Jeannot"


def test_purge_refused_to_agents_staff_and_for_a_future_date(engine, famille_test, data_dir):
    for actor in (AGENT, STAFF):
        with pytest.raises(PermissionDenied):
            purge_households(
                engine, before=BEFORE, apply=False, actor=actor, clock=LATER, data_dir=data_dir
            )
        with pytest.raises(PermissionDenied):
            anonymise_household(
                engine, famille_test.household_id, before=BEFORE, actor=actor, clock=LATER
            )
    with pytest.raises(ServiceError, match="futur"):
        purge_households(
            engine,
            before=date(2024, 1, 1),
            apply=True,
            actor=SUPERVISOR,
            clock=LATER,
            data_dir=data_dir,
        )
