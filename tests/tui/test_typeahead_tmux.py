"""Keys typed ahead, in a real terminal: the seed scenario typed faster than the screens open.

The Pilot waits for the app to be idle after every key, so it cannot show a key
going to the wrong widget; these tests run the real `mairie-tui` in tmux on a copy of
the demo database and write the keys to its terminal as an agent (or a password
manager) does, then read the bookings back from the database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from mairie_tui.db import make_engine, read_session
from mairie_tui.models import Booking
from mairie_tui.services.demo import seed_ids

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

DOWN, RIGHT = "\x1b[B", "\x1b[C"
LOGIN = "guichet\tguichet\r"
# One string per screen: search, Foyer, inscriptions, month grid (the portal tutorial:
# 25/09, 28/09 and 29/09), recap, confirmation.
SCREENS = [
    "famille test\r",
    "r",
    "\r",
    DOWN + RIGHT * 3 + " " + RIGHT * 3 + " " + RIGHT + " " + "\r",
    "\r",
]
SEED_DAYS = [date(2020, 9, 25), date(2020, 9, 28), date(2020, 9, 29)]


class Terminal:
    """`mairie-tui` in a tmux session of its own, 120×40."""

    def __init__(self, db_url: str, data_dir: Path) -> None:
        self.name = f"mairie-typeahead-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        script = Path(sys.executable).with_name("mairie-tui")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "mairie_tui"]
        env = {
            "MAIRIE_DB_URL": db_url,
            "MAIRIE_NOW": "2020-09-15T10:00",
            "MAIRIE_DATA_DIR": str(data_dir),
        }
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            "120",
            "-y",
            "40",
            f"env {exports} {' '.join(command)}; sleep 60",
        )

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", *args], check=True, capture_output=True, text=True, timeout=10
        ).stdout

    def text(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.text():
                return
            time.sleep(0.1)
        raise AssertionError(f"« {text} » never appeared:\n{self.text()}")

    def write(self, keys: str) -> None:
        """`keys` reach the application in one write, as from a password manager."""
        buffer = f"{self.name}-buffer"
        self._tmux("set-buffer", "-b", buffer, keys)
        # No -p: no bracketed paste, the bytes arrive as typed keys.
        self._tmux("paste-buffer", "-d", "-r", "-b", buffer, "-t", self.name)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)


@pytest.fixture
def terminal(demo_url: str, tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(demo_url, tmp_path / "data")
    try:
        term.wait_for("MON ESPACE AGENT")
        yield term
    finally:
        term.close()


def seed_bookings(db_url: str, timeout: float = 30) -> list[tuple[date, str]]:
    """The seed child's bookings, once the scenario has written them (or after `timeout`)."""
    engine = make_engine(db_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with read_session(engine) as session:
                enrolment_id = seed_ids(session).enrolment_id
                rows = session.exec(
                    select(Booking).where(Booking.enrolment_id == enrolment_id)
                ).all()
                found = sorted((booking.day, booking.status) for booking in rows)
            if len(found) >= len(SEED_DAYS) or time.monotonic() > deadline:
                return found
            time.sleep(0.2)
    finally:
        engine.dispose()


def test_seed_scenario_typed_as_one_burst_per_screen(terminal: Terminal, demo_url: str) -> None:
    """Login and password in one write (tab inside it), then each screen's keys at once."""
    terminal.write(LOGIN)
    for keys in SCREENS:
        time.sleep(0.05)  # the next write, not the next screen: nothing waits for it
        terminal.write(keys)
    assert seed_bookings(demo_url) == [(day, "booked") for day in SEED_DAYS], terminal.text()
    terminal.wait_for("3 ajouts, 0 annulation")  # the confirmation


def test_seed_scenario_typed_at_80_ms_a_key_right_after_the_login(
    terminal: Terminal, demo_url: str
) -> None:
    """The sign-in runs (Argon2) while the agent goes on typing the search."""
    for key in LOGIN + "".join(SCREENS).replace(DOWN, "\0").replace(RIGHT, "\1"):
        key = {"\0": DOWN, "\1": RIGHT}.get(key, key)
        terminal.write(key)
        time.sleep(0.08)
    assert seed_bookings(demo_url) == [(day, "booked") for day in SEED_DAYS], terminal.text()
    assert "Aucun foyer ne correspond" not in terminal.text()
