"""The mail outbox: every mail to a family is kept, and a sender delivers it by SMTP.

The sender runs by itself: `run_sender` loops (a thread of the application after
sign-in, or `mairie-tui courriels envoyer --watch` as a service) and each pass
(`send_pending`):

1. claims the due mails in one statement — UPDATE … WHERE state = 'pending' AND
   (unclaimed OR claim older than the lease) … RETURNING, whose candidates are picked
   FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite's writers are serialised) — so two
   senders never send one mail twice; a sender that dies leaves a claim that
   expires after `SmtpSettings.lease`;
2. sends them over one SMTP connection (plain, STARTTLS or SSL);
3. records each outcome: « envoyé »; a transient failure (server down or slow, 4xx)
   waits `retry_base × 2^(attempts-1)` seconds before the next try and becomes
   « échec » after `max_attempts`; a permanent refusal (5xx) is « échec » at once.
   The server's reason stays on the mail (shown on the Foyer).

`resend_mail` puts a mail back in the queue, optionally to a corrected address.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import ColumnElement, Engine, and_, func, or_, update
from sqlmodel import col, select

from mairie_tui.clock import Clock
from mairie_tui.config import SmtpSettings
from mairie_tui.db import read_session
from mairie_tui.domain.household_rules import email_message, normalise_email
from mairie_tui.models import OutboxEmail, Request
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import get_or_404, writing

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATE_LABELS = {PENDING: "en attente", SENT: "envoyé", FAILED: "échec"}
BATCH = 50
# A claim older than this is a dead sender's (SmtpSettings.lease's default).
CLAIM_LEASE = SmtpSettings.lease

Connect = Callable[[SmtpSettings], smtplib.SMTP]


@dataclass(frozen=True)
class OutboxItem:
    id: int
    recipient: str
    subject: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    request_id: int | None
    state: str = PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None

    @property
    def status_label(self) -> str:
        """« en attente », « envoyé » or « échec »."""
        return STATE_LABELS.get(self.state, self.state)


def _item(mail: OutboxEmail) -> OutboxItem:
    assert mail.id is not None
    return OutboxItem(
        id=mail.id,
        recipient=mail.recipient,
        subject=mail.subject,
        created_at=mail.created_at,
        sent_at=mail.sent_at,
        last_error=mail.last_error,
        request_id=mail.request_id,
        state=mail.state,
        attempts=mail.attempts,
        next_attempt_at=mail.next_attempt_at,
    )


@requires("courriels.lire")
def list_outbox(
    engine: Engine, *, pending_only: bool = False, limit: int = 200, actor: Actor
) -> list[OutboxItem]:
    with read_session(engine) as session:
        query = select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).limit(limit)
        if pending_only:
            query = query.where(col(OutboxEmail.state) == PENDING)
        return [_item(mail) for mail in session.exec(query)]


@requires("courriels.lire")
def household_mails(
    engine: Engine, household_id: int, *, limit: int = 100, actor: Actor
) -> list[OutboxItem]:
    """The mails sent to a household about its requests (bookings, démarches), newest first."""
    with read_session(engine) as session:
        query = (
            select(OutboxEmail)
            .join(Request, col(Request.id) == col(OutboxEmail.request_id))
            .where(col(Request.household_id) == household_id)
            .order_by(col(OutboxEmail.id).desc())
            .limit(limit)
        )
        return [_item(mail) for mail in session.exec(query)]


@requires("courriels.envoyer")
def resend_mail(
    engine: Engine,
    mail_id: int,
    *,
    recipient: str | None = None,
    actor: Actor,
    clock: Clock,
) -> OutboxItem:
    """Put a mail back in the queue (sent again by the sender), to `recipient` if given
    (the corrected address, checked). Refused while a sender is sending it."""
    address: str | None = None
    if recipient is not None:
        try:
            address = normalise_email(recipient)
        except ValueError:
            address = None
        if address is None:
            raise RuleViolation(email_message(recipient.strip()))
    now = clock.now()
    with writing(engine, "renvoi de courriel") as session:
        mail = get_or_404(session, OutboxEmail, mail_id)
        if mail.claimed_at is not None and mail.claimed_at > now - timedelta(seconds=CLAIM_LEASE):
            raise RuleViolation("Ce courriel est en cours d'envoi : réessayez dans un instant.")
        previous = mail.recipient
        if address is not None:
            mail.recipient = address
        mail.state, mail.attempts = PENDING, 0
        mail.next_attempt_at = mail.last_error = mail.sent_at = None
        session.add(mail)
        audit(
            session,
            at=now,
            actor=actor,
            action="courriels.renvoi",
            entity="outbox",
            entity_id=mail_id,
            details={"adresse_corrigee": address is not None and address != previous},
        )
        session.flush()
        return _item(mail)


# ---------------------------------------------------------------- the sender


@dataclass(frozen=True)
class SendReport:
    """One pass: how many mails were sent, will be retried, failed for good."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    subject: str
    body: str
    body_html: str | None
    attempts: int


class _Refused(Exception):
    """A failure of one mail: the server's reason, and whether a retry may help."""

    def __init__(self, reason: str, *, permanent: bool, broken: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        # The connection is unusable: the rest of the batch waits for the next pass.
        self.broken = broken


def new_sender_id() -> str:
    """Who claims: host, process and a random part (two senders in one process differ)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def open_connection(smtp: SmtpSettings) -> smtplib.SMTP:
    """Connect as configured: implicit TLS (ssl), or plain then STARTTLS; then log in."""
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if smtp.security == "ssl":
        server = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            server.starttls(context=context)
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
    except BaseException:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.close()
        raise
    return server


def _due(now: datetime, lease: float) -> ColumnElement[bool]:
    stale = now - timedelta(seconds=lease)
    return and_(
        col(OutboxEmail.state) == PENDING,
        or_(col(OutboxEmail.next_attempt_at).is_(None), col(OutboxEmail.next_attempt_at) <= now),
        or_(col(OutboxEmail.claimed_at).is_(None), col(OutboxEmail.claimed_at) < stale),
    )


def _claim(
    engine: Engine, smtp: SmtpSettings, now: datetime, sender_id: str, limit: int
) -> list[_Claimed]:
    """Claim up to `limit` due mails for `sender_id`, in one short transaction."""
    due = _due(now, smtp.lease)
    candidates = select(col(OutboxEmail.id)).where(due).order_by(col(OutboxEmail.id)).limit(limit)
    if engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(OutboxEmail)
        .where(col(OutboxEmail.id).in_(candidates.scalar_subquery()), due)
        .values(claimed_at=now, claimed_by=sender_id)
        .returning(
            col(OutboxEmail.id),
            col(OutboxEmail.recipient),
            col(OutboxEmail.subject),
            col(OutboxEmail.body),
            col(OutboxEmail.body_html),
            col(OutboxEmail.attempts),
        )
    )
    with writing(engine, "envoi de courriel") as session:
        rows = session.execute(statement).all()
    return sorted((_Claimed(*row) for row in rows), key=lambda mail: mail.id)


def _message(mail: _Claimed, smtp: SmtpSettings, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    # One id per mail (not per attempt): a server or a client can tell a resent copy.
    message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain="mairie-tui")
    message.set_content(mail.body)
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    return message


def _reason(error: BaseException) -> _Refused:
    """The server's reason in French, and whether it is final (5xx) or worth a retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (550, b""))
        return _Refused(_coded(code, text), permanent=code >= 500)
    timed_out = isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError)
    if timed_out:  # smtplib reports a read that timed out as a disconnection
        return _Refused("délai dépassé : le serveur ne répond pas", permanent=False, broken=True)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return _Refused(
            f"connexion interrompue par le serveur ({error})", permanent=False, broken=True
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return _Refused(_coded(error.smtp_code, error.smtp_error), permanent=error.smtp_code >= 500)
    if isinstance(error, ssl.SSLError):
        return _Refused(f"échec TLS : {error}", permanent=False, broken=True)
    if isinstance(error, OSError):
        detail = error.strerror or str(error) or type(error).__name__
        return _Refused(f"serveur injoignable : {detail}", permanent=False, broken=True)
    return _Refused(f"erreur SMTP : {error}", permanent=False, broken=True)


def _coded(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}".strip()


def _delay(smtp: SmtpSettings, attempts: int) -> timedelta:
    return timedelta(seconds=min(smtp.retry_max, smtp.retry_base * 2 ** max(attempts - 1, 0)))


def _finish(
    engine: Engine,
    mail: _Claimed,
    sender_id: str,
    smtp: SmtpSettings,
    now: datetime,
    refused: _Refused | None,
) -> str:
    """Record one attempt's outcome on a mail we still hold; returns its new state."""
    attempts = mail.attempts + 1
    values: dict[str, object] = {"attempts": attempts, "claimed_at": None, "claimed_by": None}
    if refused is None:
        values |= {"state": SENT, "sent_at": now, "last_error": None, "next_attempt_at": None}
    elif refused.permanent or attempts >= smtp.max_attempts:
        values |= {"state": FAILED, "last_error": refused.reason[:500], "next_attempt_at": None}
    else:
        values |= {
            "last_error": refused.reason[:500],
            "next_attempt_at": now + _delay(smtp, attempts),
        }
    with writing(engine, "envoi de courriel") as session:
        session.execute(
            update(OutboxEmail)
            .where(col(OutboxEmail.id) == mail.id, col(OutboxEmail.claimed_by) == sender_id)
            .values(**values)
        )
    return str(values.get("state", PENDING))


def _release(engine: Engine, mails: list[_Claimed], sender_id: str) -> None:
    """Give back mails not tried in this pass (the connection broke before them)."""
    if not mails:
        return
    with writing(engine, "envoi de courriel") as session:
        session.execute(
            update(OutboxEmail)
            .where(
                col(OutboxEmail.id).in_([mail.id for mail in mails]),
                col(OutboxEmail.claimed_by) == sender_id,
            )
            .values(claimed_at=None, claimed_by=None)
        )


@requires("courriels.envoyer")
def send_pending(
    engine: Engine,
    smtp: SmtpSettings,
    clock: Clock,
    *,
    connect: Connect = open_connection,
    sender_id: str | None = None,
    limit: int = BATCH,
    actor: Actor,
) -> SendReport:
    """One pass of the sender: claim the due mails, send them, record each outcome."""
    sender = sender_id or new_sender_id()
    claimed = _claim(engine, smtp, clock.now(), sender, limit)
    if not claimed:
        return SendReport()
    counts = {SENT: 0, PENDING: 0, FAILED: 0}
    try:
        server = connect(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        unreachable = _reason(exc)
        for mail in claimed:
            counts[_finish(engine, mail, sender, smtp, clock.now(), unreachable)] += 1
        return SendReport(sent=0, retried=counts[PENDING], failed=counts[FAILED])
    try:
        for index, mail in enumerate(claimed):
            refused: _Refused | None = None
            try:
                server.send_message(_message(mail, smtp, clock.now()))
            except (OSError, smtplib.SMTPException) as exc:
                refused = _reason(exc)
            counts[_finish(engine, mail, sender, smtp, clock.now(), refused)] += 1
            if refused is not None and refused.broken:
                _release(engine, claimed[index + 1 :], sender)
                break
            if refused is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    server.rset()
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.quit()
    return SendReport(sent=counts[SENT], retried=counts[PENDING], failed=counts[FAILED])


def _next_due(engine: Engine, now: datetime) -> float | None:
    """Seconds until the earliest retry is due (None when nothing waits)."""
    with read_session(engine) as session:
        moment = session.exec(
            select(func.min(col(OutboxEmail.next_attempt_at))).where(
                col(OutboxEmail.state) == PENDING
            )
        ).one()
    if moment is None:
        return None
    return max((moment - now).total_seconds(), 0.0)


@requires("courriels.envoyer")
def run_sender(
    engine: Engine,
    smtp: SmtpSettings,
    clock: Clock,
    stop: threading.Event,
    *,
    connect: Connect = open_connection,
    sender_id: str | None = None,
    on_pass: Callable[[SendReport], None] | None = None,
    actor: Actor,
) -> None:
    """Send the outbox until `stop` is set: a pass, then a wait of at most `smtp.poll`
    seconds (shorter when a retry falls due sooner). A pass that fails (database away)
    is logged and tried again after the wait; nothing stops the loop but `stop`."""
    sender = sender_id or new_sender_id()
    while not stop.is_set():
        wait = smtp.poll
        try:
            report = send_pending(
                engine, smtp, clock, connect=connect, sender_id=sender, actor=actor
            )
            if on_pass is not None:
                on_pass(report)
            if report.claimed >= BATCH:
                continue
            due = _next_due(engine, clock.now())
            if due is not None:
                wait = min(wait, due)
        except Exception:  # the loop outlives a database or network hiccup; it is logged
            log.exception("envoi des courriels : passe en échec, nouvel essai")
        stop.wait(wait)
