"""`courriels envoyer` / `liste` / `renvoyer` against a real SMTP server (aiosmtpd, issue 15):
a refused mail is listed « échec » with the server's reason, resent to a corrected address;
`envoyer --watch` runs until it is told to stop (SIGTERM in the systemd unit)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import date

from typer.testing import CliRunner

from mairie_tui.cli import app
from mairie_tui.db import make_engine, read_session
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.demo import build_demo, seed_ids
from tests.cli.signin import signed_in
from tests.helpers import DESK, clock_at
from tests.services.smtp_servers import MailServer

runner = CliRunner()
FAMILY = "mairiedemons0517@orange.fr"


def queue_a_booking_mail(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        build_demo(engine, households=0)
        with read_session(engine) as session:
            ids = seed_ids(session)
        clock = clock_at("2020-09-15T10:00")
        booking = open_booking(engine, ids.enrolment_id, clock, actor=DESK)
        booking.draft.toggle(date(2020, 9, 25), ids.unit_id)
        validate_booking(engine, booking, actor=DESK, clock=clock)
    finally:
        engine.dispose()


def environment(tmp_path, db_url, server: MailServer) -> dict[str, str]:
    queue_a_booking_mail(db_url)
    return {
        "MAIRIE_DATA_DIR": str(tmp_path / "data"),
        "MAIRIE_DB_URL": db_url,
        "MAIRIE_NOW": "",
        "MAIRIE_SMTP_HOST": "127.0.0.1",
        "MAIRIE_SMTP_PORT": str(server.port),
        **signed_in(db_url, "cli.guichet", "agent"),
    }


def test_a_refused_mail_is_listed_with_its_reason_and_resent_to_a_corrected_address(
    tmp_path, db_url
):
    server = MailServer().start()
    server.refuse = ("orange.fr",)
    try:
        env = environment(tmp_path, db_url, server)
        sent = runner.invoke(app, ["courriels", "envoyer"], env=env)
        assert sent.exit_code == 1
        assert "0 mail(s) envoyé(s), 0 à réessayer, 1 en échec." in sent.stdout
        (item,) = json.loads(runner.invoke(app, ["courriels", "liste", "--json"], env=env).stdout)
        assert item["state"] == "failed"
        assert item["last_error"] == f"550 5.1.1 <{FAMILY}>: adresse inconnue"
        listed = runner.invoke(app, ["courriels", "liste"], env=env, terminal_width=200).stdout
        assert "échec" in listed and "adresse inconnue" in listed
        wrong = runner.invoke(
            app, ["courriels", "renvoyer", str(item["id"]), "--adresse", "nulle part"], env=env
        )
        assert wrong.exit_code == 2 and "Adresse e-mail invalide : « nulle part »" in wrong.stderr
        again = runner.invoke(
            app,
            ["courriels", "renvoyer", str(item["id"]), "--adresse", "famille@example.org"],
            env=env,
        )
        assert again.exit_code == 0, again.stderr
        assert "remis en attente, pour famille@example.org" in again.stdout
        sent = runner.invoke(app, ["courriels", "envoyer"], env=env)
        assert sent.exit_code == 0 and "1 mail(s) envoyé(s)" in sent.stdout
    finally:
        server.stop()
    assert [message["To"] for message in server.messages] == ["famille@example.org"]


def test_watch_sends_until_sigterm(tmp_path, db_url):
    server = MailServer().start()
    try:
        env = environment(tmp_path, db_url, server) | {"MAIRIE_SMTP_POLL": "0.1"}

        def terminate_once_sent() -> None:
            deadline = time.monotonic() + 20
            while not server.messages and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)

        previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
        threading.Thread(target=terminate_once_sent, daemon=True).start()
        try:
            result = runner.invoke(app, ["courriels", "envoyer", "--watch"], env=env)
        finally:
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])
        assert result.exit_code == 0, result.stderr
        assert "1 envoyé(s), 0 à réessayer, 0 en échec." in result.stdout
        assert "Envoi des courriels arrêté." in result.stdout
    finally:
        server.stop()
    assert len(server.messages) == 1
