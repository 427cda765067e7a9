"""What a family receives (issue 13): the mails of the seed scenario, of a forced booking
and of a démarche with a pièce attached at the counter. No internal reason, the right
« pièces à fournir », the activity's own deadline, the request number in every subject;
a tariff simulation files nothing and mails no one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Activity, OutboxEmail, Request
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.documents import attach_document
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.requests import change_status, file_request, prefill
from tests.helpers import clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
SEED_CLOCK = clock_at("2020-09-15T10:00")
FAMILY = "mairiedemons0517@orange.fr"
REASON = "Accord du directeur, oubli de la famille"
ELECTOR = {
    "nom_naissance": "FAMILLE TEST",
    "prenoms": "Test 1",
    "date_naissance": "14/05/1985",
    "lieu_naissance": "Alès (France)",
    "scrutin": "2021-06-20",
}


@pytest.fixture
def seed(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session)


def the_mails(engine) -> list[OutboxEmail]:
    with read_session(engine) as session:
        return list(session.exec(select(OutboxEmail).order_by(col(OutboxEmail.id))))


def book(engine, seed, days, *, clock, actor=AGENT, force_reason=None):
    booking = open_booking(engine, seed.enrolment_id, clock, actor=actor)
    for day in days:
        booking.draft.toggle(day, seed.unit_id, force_reason=force_reason)
    return validate_booking(engine, booking, actor=actor, clock=clock)


def test_the_seed_scenario_mail(engine, seed):
    result = book(
        engine,
        seed,
        [date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29)],
        clock=SEED_CLOCK,
    )
    (mail,) = the_mails(engine)
    assert mail.recipient == FAMILY
    assert mail.subject == f"Votre demande n° {result.request_number} a été traitée"
    assert mail.body == "\n".join(
        [
            "Bonjour,",
            "",
            f"Votre demande n° {result.request_number} a été traitée et prise en compte.",
            "",
            "Réservation : Jeannot - Restauration scolaire Mons - du 01/09/2020 au 06/07/2021"
            " - Restaurant scolaire Mons Elementaire",
            "",
            "- vendredi 25/09/2020 : Repas, ajout",
            "- lundi 28/09/2020 : Repas, ajout",
            "- mardi 29/09/2020 : Repas, ajout",
            "",
            "Toute réservation ou annulation doit être effectuée avant le mardi 23h59 pour la "
            "semaine suivante.",
            "",
            "Mairie Prim' — Alès Agglomération",
        ]
    )


def test_a_forced_day_is_mailed_without_the_supervisors_reason(engine, seed):
    clock = clock_at("2020-09-16T09:00")  # 25/09 is locked since Wednesday 00:00
    result = book(
        engine, seed, [date(2020, 9, 25)], clock=clock, actor=SUPERVISOR, force_reason=REASON
    )
    assert result.forced == 1
    (mail,) = the_mails(engine)
    assert REASON not in mail.body and "forcé" not in mail.body and "Accord" not in mail.body
    assert (
        "- vendredi 25/09/2020 : Repas, ajout (hors délai, à l'initiative de la mairie)"
        in mail.body.splitlines()
    )
    assert result.request_number in mail.subject


def test_the_booking_mail_gives_the_activitys_own_deadline(engine, seed):
    with unit_of_work(engine) as session:
        activity = session.get(Activity, seed.activity_id)
        activity.deadline_weekday = 3  # « avant le jeudi »
        session.add(activity)
    book(engine, seed, [date(2020, 9, 28)], clock=SEED_CLOCK)
    with unit_of_work(engine) as session:
        activity = session.get(Activity, seed.activity_id)
        activity.deadline_kind, activity.deadline_days = "working_days", 2  # a crèche's rule
        session.add(activity)
    book(engine, seed, [date(2020, 9, 29)], clock=SEED_CLOCK)
    thursday, working_days = (mail.body for mail in the_mails(engine))
    assert "mardi 23h59" not in thursday + working_days
    assert (
        "Toute réservation ou annulation doit être effectuée avant le jeudi 23h59 pour la "
        "semaine suivante." in thursday
    )
    assert (
        "Toute réservation ou annulation doit être effectuée au plus tard 2 jours ouvrés "
        "avant le jour concerné." in working_days
    )


def file_elector(engine, seed, tmp_path, *, attach: str | None):
    answers = {**prefill(engine, "inscription_listes", seed.household_id, actor=AGENT), **ELECTOR}
    document_ids = []
    if attach is not None:
        source = tmp_path / "identite.pdf"
        source.write_bytes(b"%PDF-1.4\n%%EOF\n")
        document = attach_document(
            engine,
            household_id=seed.household_id,
            source=source,
            kind=attach,
            issued_on=SEED_CLOCK.today(),
            documents_dir=tmp_path / "documents",
            actor=AGENT,
            clock=SEED_CLOCK,
        )
        document_ids.append(document.id)
    return file_request(
        engine,
        code="inscription_listes",
        answers=answers,
        actor=AGENT,
        clock=SEED_CLOCK,
        household_id=seed.household_id,
        document_ids=document_ids,
    )


def test_a_piece_attached_at_the_counter_is_jointe_not_a_fournir(engine, seed, tmp_path):
    filed = file_elector(engine, seed, tmp_path, attach="piece_identite")
    assert [p.piece.code for p in filed.attached_pieces] == ["piece_identite"]
    assert [p.piece.code for p in filed.missing_pieces] == ["justificatif_domicile"]
    (mail,) = the_mails(engine)
    assert mail.subject == f"Votre demande n° {filed.number} a bien été enregistrée"
    body = mail.body.split("\n\n")
    assert "Pièces jointes à votre demande :\n- Pièce d'identité en cours de validité : jointe" in (
        body
    )
    assert "Pièces à fournir :\n- Justificatif de domicile de moins de 3 mois" in body
    assert mail.body.count("Pièce d'identité") == 1
    assert "Élections départementales et régionales (1er tour le 20/06/2021" in mail.body


def test_without_a_piece_both_are_still_a_fournir(engine, seed, tmp_path):
    filed = file_elector(engine, seed, tmp_path, attach=None)
    assert filed.attached_pieces == ()
    (mail,) = the_mails(engine)
    assert "Pièces jointes" not in mail.body
    assert (
        "Pièces à fournir :\n- Pièce d'identité en cours de validité\n"
        "- Justificatif de domicile de moins de 3 mois" in mail.body
    )


def test_every_mail_subject_carries_the_request_number(engine, seed, tmp_path):
    book(engine, seed, [date(2020, 9, 28)], clock=SEED_CLOCK)
    filed = file_elector(engine, seed, tmp_path, attach=None)
    change_status(engine, filed.id, "en_cours", actor=AGENT, clock=SEED_CLOCK)
    mails = the_mails(engine)
    with read_session(engine) as session:
        numbers = {request.id: request.number for request in session.exec(select(Request))}
    assert len(mails) == 3
    for mail in mails:
        assert f"n° {numbers[mail.request_id]}" in mail.subject, mail.subject


def test_a_tariff_simulation_files_nothing_and_mails_no_one(engine, seed):
    answers = {
        **prefill(engine, "simulation_tarifs", seed.household_id, actor=AGENT),
        "situation": "couple",
        "enfants": "2",
        "revenu_annuel": "30000",
    }
    with pytest.raises(RuleViolation, match="simulation"):
        file_request(
            engine,
            code="simulation_tarifs",
            answers=answers,
            actor=AGENT,
            clock=SEED_CLOCK,
            household_id=seed.household_id,
        )
    with read_session(engine) as session:
        assert session.exec(select(Request)).all() == []
    assert the_mails(engine) == []


def test_the_readme_shows_the_mail_of_the_seed_scenario_with_a_forced_day(engine, seed):
    """The README's example is the real mail: the seed scenario, 25/09 forced by a
    supervisor on Wednesday 16/09."""
    from pathlib import Path

    result = book(
        engine,
        seed,
        [date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29)],
        clock=clock_at("2020-09-16T09:00"),
        actor=SUPERVISOR,
        force_reason=REASON,
    )
    assert result.forced == 1
    (mail,) = the_mails(engine)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Les mails aux familles", 1)[1]
    example = section.split("```text\n", 1)[1].split("```", 1)[0]
    assert example == f"Sujet : {mail.subject}\n\n{mail.body}\n"
