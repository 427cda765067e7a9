"""Démarches at the counter on both databases: filing every démarche of the catalogue,
the workflow to traitée and refusée, the civil-status and electoral rules, the
inbox and a request's page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.clock import PARIS
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Agent, AuditEvent, OutboxEmail, Request, RequestEvent
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import DEMO_AGENTS, SeedIds, create_seed
from mairie_tui.services.errors import ConflictError, PermissionDenied, RuleViolation
from mairie_tui.services.requests import (
    InvalidAnswers,
    catalogue,
    change_status,
    check_answers,
    file_request,
    form_context,
    get_request,
    inbox,
    prefill,
    set_tariff_grid,
    simulate_tariffs,
)
from tests.helpers import clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
STAFF = Actor(id=3, login="cantine", name="Sandrine Vidal", role="staff")
FAMILY_MAIL = "mairiedemons0517@orange.fr"
SEED_CLOCK = clock_at("2020-09-15T10:00")
SLOT = datetime(2020, 9, 17, 9, 10, tzinfo=PARIS)  # 08:30 + 2 slots of 20 min

SAMPLES: dict[str, dict[str, str]] = {
    "acte_naissance": {
        "lien": "interesse",
        "format": "copie_integrale",
        "nom_concerne": "FAMILLE TEST",
        "prenoms_concerne": "Test 1",
        "date_acte": "14/05/1985",
        "nom_pere": "FAMILLE TEST Jean",
        "nom_mere": "DURAND Anne",
        "exemplaires": "2",
    },
    "acte_mariage": {
        "lien": "interesse",
        "format": "extrait_filiation",
        "epoux1": "FAMILLE TEST Test 1",
        "epoux2": "FAMILLE TEST Test 2",
        "date_acte": "12/06/2010",
    },
    "acte_deces": {
        "lien": "tiers",
        "format": "copie_integrale",
        "nom_concerne": "MARTIN",
        "prenoms_concerne": "Louis",
        "date_acte": "03/03/2019",
    },
    "inscription_listes": {
        "nom_naissance": "FAMILLE TEST",
        "prenoms": "Test 1",
        "date_naissance": "14/05/1985",
        "lieu_naissance": "Alès (France)",
        "scrutin": "2021-06-20",
    },
    "rdv_titres": {"titre": "passeport", "motif": "premiere_demande", "pre_demande": "ABCDE12345"},
    "demande_informations": {
        "objet": "Horaires de la mairie",
        "message": "Quels sont les horaires d'ouverture pendant les vacances ?",
    },
    "carte_perdue": {"enfant": "Jeannot", "circonstance": "perdue"},
    "absence": {"enfant": "Jeannot", "du": "21/09/2020", "au": "22/09/2020", "motif": "maladie"},
    "simulation_tarifs": {
        "situation": "couple",
        "enfants": "2",
        "revenu_annuel": "30000",
        "prestations_mensuelles": "140",
    },
}


@dataclass(frozen=True)
class World:
    engine: object
    ids: SeedIds


def fast_seed(engine) -> SeedIds:
    """The demo's FAMILLE TEST and its three agents (ids 1-3), without the Argon2 hashing
    of build_demo (0.7 s a test): the acceptance test of absences uses build_demo itself."""
    with unit_of_work(engine) as session:
        for login, name, role in DEMO_AGENTS:
            session.add(Agent(login=login, name=name, role=role, password_hash="!"))
        session.flush()
        return create_seed(session)


@pytest.fixture
def world(engine) -> World:
    return World(engine, fast_seed(engine))


def answers_for(engine, code: str, household_id: int | None, **extra: str) -> dict[str, str]:
    """The wizard's prefilled values, then the sample answers of « Ma demande »."""
    return {**prefill(engine, code, household_id, actor=AGENT), **SAMPLES[code], **extra}


def file(world: World, code: str, clock=SEED_CLOCK, slot=SLOT, **extra: str):
    return file_request(
        world.engine,
        code=code,
        answers=answers_for(world.engine, code, world.ids.household_id, **extra),
        actor=AGENT,
        clock=clock,
        household_id=world.ids.household_id,
        appointment_at=slot if code == "rdv_titres" else None,
    )


def mails(engine, request_id: int) -> list[OutboxEmail]:
    with read_session(engine) as session:
        return list(
            session.exec(
                select(OutboxEmail)
                .where(OutboxEmail.request_id == request_id)
                .order_by(OutboxEmail.id)
            )
        )


def test_samples_cover_the_whole_catalogue():
    assert set(SAMPLES) == {d.code for d in catalogue().demarches}


FILED = sorted(code for code in SAMPLES if catalogue().get(code).handler != "simulation")


def test_every_demarche_of_the_catalogue_is_filed(world):
    for position, code in enumerate(FILED, 1):
        filed = file(world, code)
        demarche = catalogue().get(code)
        assert filed.number == f"2020-{position:06d}", code
        assert filed.status == demarche.workflow.initial
        assert filed.recipient == FAMILY_MAIL and filed.mail_queued
        with read_session(world.engine) as session:
            request = session.get(Request, filed.id)
            assert request.type == code and request.household_id == world.ids.household_id
            stored = json.loads(request.answers)
            events = session.exec(
                select(RequestEvent).where(RequestEvent.request_id == filed.id)
            ).all()
            audits = session.exec(
                select(AuditEvent.action).where(
                    AuditEvent.entity == "request", AuditEvent.entity_id == filed.id
                )
            ).all()
        assert [(e.status, e.agent_id) for e in events] == [(demarche.workflow.initial, AGENT.id)]
        assert audits == ["request.file"]
        assert set(SAMPLES[code]) <= set(stored), code
        [mail] = mails(world.engine, filed.id)
        assert mail.recipient == FAMILY_MAIL
        assert filed.number in mail.subject and demarche.title in mail.body
        page = get_request(world.engine, filed.number, actor=AGENT)
        assert page.type_label == demarche.title and page.status == demarche.workflow.initial
        labels = {item.label for item in page.answers}
        assert {demarche.field(key).label for key in SAMPLES[code]} <= labels, code


STANDARD = sorted(code for code in SAMPLES if catalogue().get(code).workflow.initial == "deposee")


def test_every_standard_demarche_goes_through_its_workflow_to_traitee_and_to_refusee(world):
    assert len(STANDARD) == 7
    clock = clock_at("2020-09-16T09:00")
    for code in STANDARD:
        done = file(world, code)
        refused = file(world, code, slot=SLOT.replace(hour=10, minute=30))
        page = change_status(world.engine, done.id, "en_cours", actor=AGENT, clock=clock)
        assert page.status == "en_cours" and page.version == 2
        page = change_status(world.engine, done.id, "traitee", actor=AGENT, clock=clock, version=2)
        assert page.status == "traitee" and page.final and page.transitions == ()
        assert [e.status for e in page.events] == ["deposee", "en_cours", "traitee"]
        assert [m.subject for m in mails(world.engine, done.id)][1:] == [
            f"Votre demande n° {done.number} : en cours d'instruction",
            f"Votre demande n° {done.number} : traitée",
        ]
        with pytest.raises(RuleViolation, match="ne peut plus changer de statut"):
            change_status(world.engine, done.id, "refusee", actor=AGENT, clock=clock, comment="x")

        with pytest.raises(RuleViolation, match="commentaire est obligatoire"):
            change_status(
                world.engine, refused.id, "refusee", actor=AGENT, clock=clock, comment=" "
            )
        assert get_request(world.engine, refused.id, actor=AGENT).status == "deposee"
        page = change_status(
            world.engine, refused.id, "refusee", actor=AGENT, clock=clock, comment="Introuvable."
        )
        assert page.status == "refusee" and page.events[-1].comment == "Introuvable."
        assert page.events[-1].agent == "Camille Martin"
        assert "Message de la mairie : Introuvable." in mails(world.engine, refused.id)[-1].body
        if code == "rdv_titres":
            # Done keeps its slot; refused frees it.
            with pytest.raises(ConflictError):
                file(world, code)
            assert file(world, code, slot=SLOT.replace(hour=10, minute=30)).appointment_at


def test_a_stale_page_gets_a_conflict(world):
    filed = file(world, "carte_perdue")
    change_status(world.engine, filed.id, "en_cours", actor=AGENT, clock=SEED_CLOCK, version=1)
    with pytest.raises(ConflictError, match="Un autre poste"):
        change_status(world.engine, filed.id, "traitee", actor=AGENT, clock=SEED_CLOCK, version=1)


def test_moves_the_workflow_does_not_have_are_refused(world):
    filed = file(world, "demande_informations")
    with pytest.raises(RuleViolation, match="Impossible de passer de « Déposée » à « Déposée »"):
        change_status(world.engine, filed.id, "deposee", actor=AGENT, clock=SEED_CLOCK)
    absence = file(world, "absence")
    with pytest.raises(RuleViolation):
        change_status(
            world.engine, absence.id, "refusee", actor=AGENT, clock=SEED_CLOCK, comment="x"
        )


def test_school_staff_cannot_file_or_read_requests(world):
    with pytest.raises(PermissionDenied):
        file_request(
            world.engine,
            code="demande_informations",
            answers=answers_for(world.engine, "demande_informations", world.ids.household_id),
            actor=STAFF,
            clock=SEED_CLOCK,
            household_id=world.ids.household_id,
        )
    filed = file(world, "demande_informations")
    household = world.ids.household_id
    for call in (
        lambda: inbox(world.engine, actor=STAFF, clock=SEED_CLOCK),
        lambda: inbox(
            world.engine, actor=STAFF, clock=SEED_CLOCK, statuses=None, household_id=household
        ),
        lambda: prefill(world.engine, "acte_deces", household, actor=STAFF),
        lambda: form_context(world.engine, household, actor=STAFF, clock=SEED_CLOCK),
        lambda: get_request(world.engine, filed.id, actor=STAFF),
        lambda: change_status(world.engine, filed.id, "en_cours", actor=STAFF, clock=SEED_CLOCK),
    ):
        with pytest.raises(PermissionDenied, match="personnel des écoles"):
            call()


def test_wrong_answers_are_all_reported_and_nothing_is_written(world):
    raw = answers_for(world.engine, "acte_naissance", world.ids.household_id)
    raw.update(date_acte="31/02/1985", exemplaires="9", nom="")
    with pytest.raises(InvalidAnswers) as caught:
        file_request(
            world.engine,
            code="acte_naissance",
            answers=raw,
            actor=AGENT,
            clock=SEED_CLOCK,
            household_id=world.ids.household_id,
        )
    assert set(caught.value.errors) == {"date_acte", "exemplaires", "nom"}
    with read_session(world.engine) as session:
        assert session.exec(select(func.count()).select_from(Request)).one() == 0


def test_a_cousin_is_refused_the_full_birth_act_but_gets_the_extract(world):
    with pytest.raises(InvalidAnswers) as caught:
        file(world, "acte_naissance", lien="autre_famille")
    assert "seul l'extrait sans filiation" in caught.value.errors["format"]
    filed = file(world, "acte_naissance", lien="autre_famille", format="extrait_sans_filiation")
    assert filed.status == "deposee"
    assert "nom_pere" not in {item.code for item in filed.recap}


def test_a_grandchild_gets_the_full_birth_act_of_a_grandparent(world):
    filed = file(world, "acte_naissance", lien="petit_enfant", date_acte="02/02/1930")
    assert ("format", "Copie intégrale") in {(i.code, i.value) for i in filed.recap}


def test_electoral_registration_after_the_deadline_is_refused_with_the_reason(world):
    with pytest.raises(InvalidAnswers) as caught:
        file(world, "inscription_listes", clock=clock_at("2026-02-07T09:00"), scrutin="2026-03-15")
    assert caught.value.errors == {
        "scrutin": "Inscription close pour le scrutin du 15/03/2026 : la date limite en mairie "
        "était le vendredi 06/02/2026."
    }
    filed = file(
        world, "inscription_listes", clock=clock_at("2026-02-06T16:00"), scrutin="2026-03-15"
    )
    assert filed.status == "deposee"


def test_electoral_registration_of_a_17_year_old_who_is_18_after_the_first_round(world):
    with pytest.raises(InvalidAnswers) as caught:
        file(
            world,
            "inscription_listes",
            clock=clock_at("2026-01-10T09:00"),
            date_naissance="20/03/2008",
            scrutin="2026-03-15",
        )
    assert set(caught.value.errors) == {"date_naissance"}
    assert "majorité le 20/03/2026" in caught.value.errors["date_naissance"]


def test_the_follow_up_address_of_mes_informations_gets_the_mail(world):
    filed = file(world, "demande_informations", email="autre.adresse@example.fr")
    assert filed.recipient == "autre.adresse@example.fr"
    assert mails(world.engine, filed.id)[0].recipient == "autre.adresse@example.fr"


def test_a_passer_by_without_household_files_a_death_act(world):
    raw = {**SAMPLES["acte_deces"], "nom": "PASSANT", "prenom": "Paul", "email": "paul@example.fr"}
    filed = file_request(
        world.engine, code="acte_deces", answers=raw, actor=AGENT, clock=SEED_CLOCK
    )
    assert filed.recipient == "paul@example.fr"
    row = inbox(world.engine, actor=AGENT, clock=SEED_CLOCK)[0]
    assert row.household_id is None and row.requester == "Paul PASSANT"


def test_prefill_and_recap(world):
    values = prefill(world.engine, "acte_naissance", world.ids.household_id, actor=AGENT)
    assert values["nom"] == "FAMILLE TEST" and values["prenom"] == "Test 1"
    assert values["email"] == FAMILY_MAIL and values["exemplaires"] == "1"
    recap = check_answers(
        world.engine,
        "simulation_tarifs",
        SAMPLES["simulation_tarifs"],
        household_id=world.ids.household_id,
        actor=AGENT,
        clock=SEED_CLOCK,
    )
    assert ("Revenu annuel imposable du foyer", "30 000,00 €") in {
        (i.label, i.value) for i in recap
    }


def test_inbox_filters_by_status_type_and_age(world):
    old = file(world, "carte_perdue", clock=clock_at("2020-09-01T10:00"))
    info = file(world, "demande_informations", clock=clock_at("2020-09-14T10:00"))
    file(world, "absence")  # validated at once: not in the open inbox
    today = clock_at("2020-09-15T18:00")
    rows = inbox(world.engine, actor=AGENT, clock=today)
    assert [(r.number, r.age_days) for r in rows] == [(old.number, 14), (info.number, 1)]
    assert rows[0].dossier == "F-000001" and rows[0].requester == "Test 1 FAMILLE TEST"
    assert rows[0].type_label == "J'ai perdu ma carte" and rows[0].status_label == "Déposée"
    assert [
        r.id for r in inbox(world.engine, actor=AGENT, clock=today, types=["demande_informations"])
    ] == [info.id]
    assert [r.id for r in inbox(world.engine, actor=AGENT, clock=today, min_age_days=7)] == [old.id]
    assert [r.id for r in inbox(world.engine, actor=AGENT, clock=today, min_age_days=1)] == [
        old.id,
        info.id,
    ]
    assert [
        r.type for r in inbox(world.engine, actor=AGENT, clock=today, statuses=["traitee"])
    ] == ["absence"]
    change_status(world.engine, old.id, "en_cours", actor=AGENT, clock=today)
    assert [r.id for r in inbox(world.engine, actor=AGENT, clock=today, statuses=["en_cours"])] == [
        old.id
    ]
    # A household's requests (every status), newest first.
    history = inbox(
        world.engine,
        actor=AGENT,
        clock=today,
        statuses=None,
        household_id=world.ids.household_id,
    )
    assert [r.type for r in history] == ["absence", "demande_informations", "carte_perdue"]


def test_tariff_simulation_matches_the_worked_example(world):
    simulation = simulate_tariffs(
        world.engine,
        SAMPLES["simulation_tarifs"],
        household_id=world.ids.household_id,
        actor=AGENT,
        clock=SEED_CLOCK,
    )
    assert (simulation.parts, simulation.quotient, simulation.current_quotient) == (
        Decimal(3),
        880,
        880,
    )
    [line] = simulation.lines
    assert line.activity == "Restauration scolaire Mons" and line.default_grid
    assert (line.current_price, line.new_price) == (Decimal("3.30"), Decimal("3.30"))
    # The activity's own grid wins over the catalogue's default one.
    set_tariff_grid(
        world.engine,
        world.ids.activity_id,
        [(0, 900, Decimal("0.90")), (901, None, Decimal("4.00"))],
        actor=SUPERVISOR,
        clock=SEED_CLOCK,
    )
    simulated = simulate_tariffs(
        world.engine,
        {**SAMPLES["simulation_tarifs"], "revenu_annuel": "40000"},
        household_id=world.ids.household_id,
        actor=AGENT,
        clock=SEED_CLOCK,
    ).summary()
    assert simulated[0] == "Quotient familial simulé : 1157 (3 parts) ; actuel : 880"
    assert simulated[1] == "Restauration scolaire Mons : 0,90 € actuellement → 4,00 € (QF ≥ 901)"
    with pytest.raises(PermissionDenied):
        set_tariff_grid(
            world.engine,
            world.ids.activity_id,
            [(0, None, Decimal(1))],
            actor=AGENT,
            clock=SEED_CLOCK,
        )
    with pytest.raises(RuleViolation, match="trou"):
        set_tariff_grid(
            world.engine,
            world.ids.activity_id,
            [(0, 500, Decimal(1)), (600, None, Decimal(2))],
            actor=SUPERVISOR,
            clock=SEED_CLOCK,
        )


def test_the_page_says_which_required_pieces_are_missing(world, tmp_path):
    from mairie_tui.services.documents import attach_document

    filed = file(world, "inscription_listes")
    page = get_request(world.engine, filed.id, actor=AGENT)
    assert [p.piece.code for p in page.missing_pieces] == [
        "piece_identite",
        "justificatif_domicile",
    ]
    source = tmp_path / "facture.pdf"
    source.write_bytes(b"%PDF-1.4\n%%EOF\n")
    attach_document(
        world.engine,
        household_id=world.ids.household_id,
        request_id=filed.id,
        source=source,
        kind="justificatif_domicile",
        issued_on=SEED_CLOCK.today(),
        documents_dir=tmp_path / "documents",
        actor=AGENT,
        clock=SEED_CLOCK,
    )
    page = get_request(world.engine, filed.number, actor=AGENT)
    assert [p.piece.code for p in page.missing_pieces] == ["piece_identite"]
    assert [(d.kind_label, d.original_name) for d in page.documents] == [
        ("Justificatif de domicile de moins de 3 mois", "facture.pdf")
    ]


def test_an_offline_copy_of_a_school_refuses_demarches(world):
    from mairie_tui.models.attendance import OfflineCopy
    from mairie_tui.services.errors import ReadOnlyCopy

    with unit_of_work(world.engine) as session:
        session.add(
            OfflineCopy(
                id="copie-1",
                site="Restaurant scolaire Mons Elementaire",
                start_date=SEED_CLOCK.today(),
                end_date=SEED_CLOCK.today(),
                created_at=SEED_CLOCK.now(),
                created_by="test",
                source_fingerprint="0" * 64,
                read_only_except_pointage=True,
            )
        )
    with pytest.raises(ReadOnlyCopy, match="dépôt de démarche refusé"):
        file(world, "demande_informations")
