"""Snapshots of the family agenda (Foyer key g): the month with a few ticks, the week view,
the family periodicity dialog and its per-child result, the grouped recap.

120×40 and 80×24, mardi 25/08/2020 10:00 on the 50-household demo (FAMILLE AGENDA).
After an intended change, review and refresh with
`pytest tests/tui/test_snapshots_agenda.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.scenes.agenda import NOW, SCENES
from tests.tui.scenes.base import SIZE, SMALL, make_app


@pytest.mark.parametrize("scene", list(SCENES))
def test_agenda_screen(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, now=NOW[scene], data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[scene])


@pytest.mark.parametrize("scene", list(SCENES))
def test_agenda_screen_80x24(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    """The same screens in an 80×24 terminal: every child's lines, the status, the legend."""
    app = make_app(demo_url, now=NOW[scene], data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SMALL, run_before=SCENES[scene])
