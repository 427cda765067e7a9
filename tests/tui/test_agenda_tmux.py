"""The family agenda in a real terminal: `mairie-tui` in tmux, keys only, as an agent types.

FAMILLE AGENDA (three children, canteen and périscolaire) booked Mon/Tue/Thu/Fri for the
whole 2020–2021 period in one recap, from the search screen, then the database read back
day by day against the independent count of open days (tests/services/family_agenda_helpers.py).
The harness is the one of test_typeahead_tmux.py, with the clock before the school year.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.family_agenda_helpers import MON_TUE_THU_FRI, YEAR, open_days
from tests.tui.scenes.agenda import AGENDA_NOW
from tests.tui.test_agenda_screen import family_bookings

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

LOGIN = "guichet\tguichet\r"
# (what the agent waits for, the keys then typed): search, Foyer, agenda, dialog, recap.
STEPS = [
    ("Ouvrir le foyer", "famille agenda"),
    ("F-000000", "\r"),
    ("MON ESPACE", "g"),
    ("Vue : mois", "p"),
    ("APPLIQUER UNE PÉRIODICITÉ À LA FAMILLE", " \t \t \t \r"),
    ("Périodicité appliquée", "v"),
    ("LE RÉCAPITULATIF", "\r"),
]


class Terminal:
    """`mairie-tui` in a tmux session of its own."""

    def __init__(self, db_url: str, data_dir: Path, size: tuple[int, int] = (80, 24)) -> None:
        self.name = f"mairie-agenda-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        script = Path(sys.executable).with_name("mairie-tui")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "mairie_tui"]
        env = {"MAIRIE_DB_URL": db_url, "MAIRIE_NOW": AGENDA_NOW, "MAIRIE_DATA_DIR": str(data_dir)}
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        width, height = size
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
            f"env {exports} {' '.join(command)}; sleep 60",
        )  # fmt: skip

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
        """`keys` reach the application in one write (no bracketed paste: typed keys)."""
        buffer = f"{self.name}-buffer"
        self._tmux("set-buffer", "-b", buffer, keys)
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


def test_a_family_booked_for_the_year_in_a_real_terminal(terminal: Terminal, demo_url: str) -> None:
    """80×24, the keys an agent types; 12 keys from the Foyer (`g` to VALIDER)."""
    terminal.write(LOGIN)
    typed_from_foyer = 0
    for marker, keys in STEPS:
        terminal.wait_for(marker)
        terminal.write(keys)
        if marker not in ("Ouvrir le foyer", "F-000000"):
            typed_from_foyer += len(keys)
    terminal.wait_for("DEMANDES ENREGISTRÉES")
    assert typed_from_foyer == 12
    text = terminal.text()
    assert "n° 2020-" in text, text

    expected = open_days(*YEAR, MON_TUE_THU_FRI)
    assert len(expected) == 141
    assert family_bookings(demo_url) == {
        (child, kind): dict.fromkeys(units, expected)
        for child in ("Paul", "Léa", "Hugo")
        for kind, units in (("canteen", ("Repas",)), ("periscolaire", ("Matin", "Soir")))
    }
