"""Real SMTP servers for the tests (aiosmtpd, on 127.0.0.1): one that accepts, one that
refuses some recipients for good (550), one that is slow, and one that is down (a free
port nobody listens on, until the test starts the server there)."""

from __future__ import annotations

import asyncio
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """What it received (`messages`), which addresses it refuses, how slow it is.

    Started with `start()` on `port` (a free one by default), stopped with `stop()`;
    the sender's settings point at it with `settings()`."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.refuse: tuple[str, ...] = ()  # substrings of the addresses refused with 550
        self.delay = 0.0  # seconds the server waits before answering RCPT
        self._controller: Controller | None = None

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        if any(part in address for part in self.refuse):
            return f"550 5.1.1 <{address}>: adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> MailServer:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, **overrides):
        from mairie_tui.config import SmtpSettings

        values = {"host": "127.0.0.1", "port": self.port, "timeout": 5.0} | overrides
        return SmtpSettings(**values)
