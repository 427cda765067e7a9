"""Mails to families: kept in the outbox, sent by SMTP when configured, failures recorded."""

from __future__ import annotations

import smtplib
from datetime import date

from mairie_tui.config import SmtpSettings
from mairie_tui.db import read_session
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo, seed_ids
from mairie_tui.services.outbox import list_outbox, resend_mail, send_pending
from tests.helpers import DESK

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")


class FakeSMTP:
    """A mail server for one test: what it received, and which recipients it refuses.

    `connect` is what send_pending calls to open a connection; every connection of one
    FakeSMTP shares its `sent` list, and nothing is shared between tests."""

    def __init__(self) -> None:
        self.sent: list = []
        self.fail_on: str | None = None

    def connect(self, smtp):
        return _Connection(self, smtp.host, smtp.port)


class _Connection:
    def __init__(self, server: FakeSMTP, host, port):
        self.server, self.host, self.port = server, host, port

    def send_message(self, message):
        if self.server.fail_on and self.server.fail_on in message["To"]:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"inconnu")})
        self.server.sent.append(message)

    def rset(self):
        pass

    def quit(self):
        pass


def test_confirmation_mail_is_queued_then_sent(engine, seed_clock):
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    booking = open_booking(engine, ids.enrolment_id, seed_clock, actor=DESK)
    booking.draft.toggle(date(2020, 9, 25), booking.units[0].id)
    validate_booking(engine, booking, actor=AGENT, clock=seed_clock)
    (item,) = list_outbox(engine, pending_only=True, actor=DESK)
    assert item.status_label == "en attente"
    smtp = FakeSMTP()
    smtp.fail_on = "orange.fr"
    report = send_pending(
        engine, SmtpSettings(host="smtp.test"), seed_clock, connect=smtp.connect, actor=DESK
    )
    assert (report.sent, report.failed) == (0, 1)
    assert smtp.sent == []
    assert list_outbox(engine, pending_only=True, actor=DESK) == []
    (item,) = list_outbox(engine, actor=DESK)
    assert item.status_label == "échec" and "inconnu" in (item.last_error or "")
    smtp.fail_on = None
    resend_mail(engine, item.id, actor=DESK, clock=seed_clock)
    report = send_pending(
        engine, SmtpSettings(host="smtp.test"), seed_clock, connect=smtp.connect, actor=DESK
    )
    assert (report.sent, report.failed) == (1, 0)
    assert len(smtp.sent) == 1
    assert smtp.sent[0]["Subject"] == "Votre demande n° 2020-000001 a été traitée"
    assert "- vendredi 25/09/2020 : Repas, ajout" in smtp.sent[0].get_body(("plain",)).get_content()
    assert list_outbox(engine, pending_only=True, actor=DESK) == []
    assert list_outbox(engine, actor=DESK)[0].status_label == "envoyé"
