"""The mail outbox: every mail to a family is kept; sent by SMTP when one is configured."""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import Engine
from sqlmodel import col, select

from mairie_tui.clock import Clock
from mairie_tui.config import SmtpSettings
from mairie_tui.db import read_session
from mairie_tui.models import OutboxEmail
from mairie_tui.services.common import Actor
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import writing


@dataclass(frozen=True)
class OutboxItem:
    id: int
    recipient: str
    subject: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    request_id: int | None

    @property
    def status_label(self) -> str:
        if self.sent_at is not None:
            return "envoyé"
        return "erreur" if self.last_error else "en attente"


@requires("courriels.lire")
def list_outbox(
    engine: Engine, *, pending_only: bool = False, limit: int = 200, actor: Actor
) -> list[OutboxItem]:
    with read_session(engine) as session:
        query = select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).limit(limit)
        if pending_only:
            query = query.where(col(OutboxEmail.sent_at).is_(None))
        return [
            OutboxItem(
                id=mail.id,
                recipient=mail.recipient,
                subject=mail.subject,
                created_at=mail.created_at,
                sent_at=mail.sent_at,
                last_error=mail.last_error,
                request_id=mail.request_id,
            )
            for mail in session.exec(query)
            if mail.id is not None
        ]


@requires("courriels.envoyer")
def send_pending(
    engine: Engine,
    smtp: SmtpSettings,
    clock: Clock,
    *,
    connect: Callable[[str, int], smtplib.SMTP] = smtplib.SMTP,
    actor: Actor,
) -> tuple[int, int]:
    """Send every unsent mail; a failure is recorded on the mail, which stays queued.

    Returns (sent, failed).
    """
    with read_session(engine) as session:
        pending = [
            (mail.id, mail.recipient, mail.subject, mail.body)
            for mail in session.exec(
                select(OutboxEmail)
                .where(col(OutboxEmail.sent_at).is_(None))
                .order_by(col(OutboxEmail.id))
            )
        ]
    sent = failed = 0
    if not pending:
        return 0, 0
    try:
        server = connect(smtp.host, smtp.port)
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        _record_failure(
            engine, [mail_id for mail_id, *_ in pending if mail_id is not None], str(exc)
        )
        return 0, len(pending)
    try:
        for mail_id, recipient, subject, body in pending:
            assert mail_id is not None
            message = EmailMessage()
            message["From"] = smtp.sender
            message["To"] = recipient
            message["Subject"] = subject
            message.set_content(body)
            try:
                server.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                _record_failure(engine, [mail_id], str(exc))
                failed += 1
                continue
            with writing(engine, "envoi de courriel") as session:
                mail = session.get(OutboxEmail, mail_id)
                if mail is not None:
                    mail.sent_at = clock.now()
                    mail.last_error = None
                    session.add(mail)
            sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.quit()
    return sent, failed


def _record_failure(engine: Engine, ids: list[int], error: str) -> None:
    with writing(engine, "envoi de courriel") as session:
        for mail_id in ids:
            mail = session.get(OutboxEmail, mail_id)
            if mail is not None:
                mail.last_error = error[:500]
                session.add(mail)
