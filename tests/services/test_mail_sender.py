"""The sender against real SMTP servers (aiosmtpd, issue 15): a server that accepts, one
that refuses for good, one that is slow, one that is down; retries with exponential
backoff, « échec » with the server's reason, resending to a corrected address, a dead
sender's claim taken over, and two senders at once never sending a mail twice."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from mairie_tui.clock import SystemClock
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import OutboxEmail
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import queue_email
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.outbox import (
    household_mails,
    list_outbox,
    resend_mail,
    run_sender,
    send_pending,
)
from tests.helpers import DESK, clock_at
from tests.services.smtp_servers import MailServer

FAMILY = "mairiedemons0517@orange.fr"
CORRECTED = "famille.test@example.org"


@pytest.fixture
def seed(engine):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        return seed_ids(session)


@pytest.fixture
def server():
    mail_server = MailServer().start()
    yield mail_server
    mail_server.stop()


def book(engine, seed, clock):
    booking = open_booking(engine, seed.enrolment_id, clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), seed.unit_id)
    return validate_booking(engine, booking, actor=DESK, clock=clock)


def the_mail(engine) -> OutboxEmail:
    with read_session(engine) as session:
        (mail,) = session.exec(select(OutboxEmail)).all()
        return mail


def test_an_accepting_server_gets_the_text_and_the_html_once(engine, seed, server, seed_clock):
    result = book(engine, seed, seed_clock)
    report = send_pending(engine, server.settings(), seed_clock, actor=DESK)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    (message,) = server.messages
    stored = the_mail(engine)
    assert message["To"] == FAMILY
    assert message["Subject"] == f"Votre demande n° {result.request_number} a été traitée"
    assert message.is_multipart() and message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.replace("\r\n", "\n").rstrip("\n") == stored.body
    assert "<li>vendredi 25/09/2020 : Repas, ajout</li>" in html
    assert "Mairie Prim&#39; — Alès Agglomération" in html and "mairieprim@ales.fr" in html
    assert stored.state == "sent" and stored.sent_at == seed_clock.now()
    assert stored.claimed_at is None and stored.attempts == 1
    # Nothing is due any more: a second pass sends nothing.
    assert send_pending(engine, server.settings(), seed_clock, actor=DESK).claimed == 0
    assert len(server.messages) == 1
    (item,) = list_outbox(engine, actor=DESK)
    assert item.status_label == "envoyé"


def test_a_permanent_refusal_is_echec_with_the_reason_then_resent_to_a_corrected_address(
    engine, seed, server, seed_clock
):
    server.refuse = ("orange.fr",)
    book(engine, seed, seed_clock)
    report = send_pending(engine, server.settings(), seed_clock, actor=DESK)
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    assert server.messages == []
    (item,) = household_mails(engine, seed.household_id, actor=DESK)
    assert item.status_label == "échec" and item.attempts == 1
    assert item.last_error == f"550 5.1.1 <{FAMILY}>: adresse inconnue"
    # A failed mail is never tried again by itself.
    later = clock_at("2020-09-20T10:00")
    assert send_pending(engine, server.settings(), later, actor=DESK).claimed == 0

    resent = resend_mail(engine, item.id, recipient=f"  {CORRECTED} ", actor=DESK, clock=later)
    assert (resent.status_label, resent.recipient, resent.last_error) == (
        "en attente",
        CORRECTED,
        None,
    )
    assert send_pending(engine, server.settings(), later, actor=DESK).sent == 1
    (message,) = server.messages
    assert message["To"] == CORRECTED
    (item,) = household_mails(engine, seed.household_id, actor=DESK)
    assert (item.status_label, item.recipient) == ("envoyé", CORRECTED)


def test_a_wrong_corrected_address_is_refused_in_french(engine, seed, seed_clock):
    from mairie_tui.services.errors import RuleViolation

    book(engine, seed, seed_clock)
    (item,) = household_mails(engine, seed.household_id, actor=DESK)
    with pytest.raises(RuleViolation, match="Adresse e-mail invalide : « pas une adresse »"):
        resend_mail(engine, item.id, recipient="pas une adresse", actor=DESK, clock=seed_clock)
    assert the_mail(engine).recipient == FAMILY


def test_a_slow_server_times_out_and_the_mail_is_retried_after_the_backoff(
    engine, seed, server, seed_clock
):
    book(engine, seed, seed_clock)
    server.delay = 1.5
    smtp = server.settings(timeout=0.4, retry_base=60)
    report = send_pending(engine, smtp, seed_clock, actor=DESK)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    stored = the_mail(engine)
    assert stored.state == "pending" and stored.attempts == 1
    assert stored.last_error == "délai dépassé : le serveur ne répond pas"
    assert stored.next_attempt_at == seed_clock.now() + timedelta(seconds=60)
    server.delay = 0
    # Not due yet: the backoff is respected.
    assert send_pending(engine, smtp, clock_at("2020-09-15T10:00:59"), actor=DESK).claimed == 0
    assert send_pending(engine, smtp, clock_at("2020-09-15T10:01"), actor=DESK).sent == 1
    assert len(server.messages) == 1
    assert the_mail(engine).last_error is None


def test_the_backoff_doubles_and_the_mail_fails_after_n_tries(engine, seed, seed_clock):
    down = MailServer()  # nobody listens on its port
    smtp = down.settings(max_attempts=4, retry_base=60)
    book(engine, seed, seed_clock)
    clock = clock_at("2020-09-15T10:00")
    waits = []
    for _ in range(4):
        send_pending(engine, smtp, clock, actor=DESK)
        stored = the_mail(engine)
        if stored.next_attempt_at is not None:
            waits.append((stored.next_attempt_at - clock.now()).total_seconds())
            clock.at = stored.next_attempt_at
    assert waits == [60, 120, 240]
    assert stored.state == "failed" and stored.attempts == 4
    assert stored.last_error.startswith("serveur injoignable")
    (item,) = household_mails(engine, seed.household_id, actor=DESK)
    assert item.status_label == "échec"


def test_a_dead_senders_claim_expires_and_another_sender_takes_the_mail(
    engine, seed, server, seed_clock
):
    book(engine, seed, seed_clock)
    with unit_of_work(engine) as session:
        mail = session.exec(select(OutboxEmail)).one()
        mail.claimed_at, mail.claimed_by = seed_clock.now(), "poste-3:4242:mort"
        session.add(mail)
    smtp = server.settings(lease=600)
    assert send_pending(engine, smtp, clock_at("2020-09-15T10:09"), actor=DESK).claimed == 0
    assert server.messages == []
    assert send_pending(engine, smtp, clock_at("2020-09-15T10:11"), actor=DESK).sent == 1
    assert len(server.messages) == 1


def test_with_the_server_down_a_booking_is_validated_and_mailed_once_when_it_comes_back(
    engine, seed, seed_clock
):
    """The acceptance: no command is run; the sender's loop (as the application runs it)
    keeps trying and delivers the mail exactly once when the server is back."""
    server = MailServer()  # down
    smtp = server.settings(poll=0.05, retry_base=0.1, retry_max=0.2, max_attempts=1000)
    result = book(engine, seed, seed_clock)
    assert result.mail_queued
    stop = threading.Event()
    sender = threading.Thread(
        target=run_sender, args=(engine, smtp, SystemClock(), stop), kwargs={"actor": DESK}
    )
    sender.start()
    try:
        wait_for(lambda: the_mail(engine).attempts >= 2)
        assert the_mail(engine).last_error.startswith("serveur injoignable")
        assert the_mail(engine).state == "pending"
        server.start()
        wait_for(lambda: the_mail(engine).state == "sent")
        time.sleep(0.5)  # a few more passes: still one mail
    finally:
        stop.set()
        sender.join(10)
        server.stop()
    assert not sender.is_alive()
    assert len(server.messages) == 1
    assert server.messages[0]["To"] == FAMILY


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition jamais remplie"
        time.sleep(0.05)


def test_two_senders_at_once_never_send_a_mail_twice(engine, server):
    with unit_of_work(engine) as session:
        for number in range(60):
            queue_email(
                session,
                at=SystemClock().now(),
                recipient=f"famille{number}@example.org",
                subject=f"Votre demande n° 2020-{number:06d}",
                body="Bonjour,",
            )
    smtp = server.settings()
    clock = SystemClock()
    errors = []

    def sender():
        try:
            while send_pending(engine, smtp, clock, limit=3, actor=DESK).claimed:
                pass
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    subjects = [message["Subject"] for message in server.messages]
    assert len(subjects) == 60 and len(set(subjects)) == 60
    with read_session(engine) as session:
        states = session.exec(select(col(OutboxEmail.state))).all()
    assert set(states) == {"sent"}


def test_the_smtp_settings_from_the_environment(tmp_path):
    from mairie_tui.config import SettingsError, load_settings

    def smtp(**env):
        base = {"MAIRIE_DATA_DIR": str(tmp_path), "MAIRIE_SMTP_HOST": "smtp.ales.fr"}
        return load_settings(environ=base | env).smtp

    assert (smtp().security, smtp().port, smtp().in_app) == ("", 25, True)
    assert (smtp(MAIRIE_SMTP_SECURITY="STARTTLS").port, smtp(MAIRIE_SMTP_STARTTLS="1").starttls) == (
        587,
        True,
    )
    ssl = smtp(MAIRIE_SMTP_SECURITY="ssl", MAIRIE_SMTP_TRIES="3", MAIRIE_SMTP_RETRY="30")
    assert (ssl.security, ssl.port, ssl.max_attempts, ssl.retry_base) == ("ssl", 465, 3, 30)
    assert smtp(MAIRIE_SMTP_IN_APP="0").in_app is False
    with pytest.raises(SettingsError, match="MAIRIE_SMTP_SECURITY inconnu : « tls1.3 »"):
        smtp(MAIRIE_SMTP_SECURITY="tls1.3")
    with pytest.raises(SettingsError, match="MAIRIE_SMTP_TIMEOUT doit être un nombre"):
        smtp(MAIRIE_SMTP_TIMEOUT="vite")
    assert load_settings(environ={"MAIRIE_DATA_DIR": str(tmp_path)}).smtp is None


def test_the_html_part_escapes_what_a_person_typed_and_the_text_keeps_it():
    from mairie_tui.services.mail_templates import render_mail

    hostile = "<script>alert(1)</script> & [b]Léa[/b]"
    mail = render_mail(
        "demande_statut",
        subject="Votre demande n° 2020-000001 : en cours",
        number="2020-000001",
        title="Demande d'informations",
        label="En cours",
        comment=hostile,
    )
    assert f"Message de la mairie : {hostile}" in mail.text.splitlines()
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; [b]Léa[/b]" in mail.html
    assert mail.html.startswith("<!DOCTYPE html>") and 'lang="fr"' in mail.html
