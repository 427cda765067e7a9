"""Snapshots of every screen and of each state of the month grid (120×40 and 80×24, frozen clock).

The stored SVGs live in tests/tui/__snapshots__; after an intended change of
the interface, review and refresh them with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.scenes.base import BOOKING_SCENES, SIZE, SMALL, make_app


@pytest.mark.parametrize("scene", list(BOOKING_SCENES))
def test_screen(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, run_before=BOOKING_SCENES[scene])


@pytest.mark.parametrize("scene", list(BOOKING_SCENES))
def test_screen_80x24(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    """The same screen in an 80×24 terminal: nothing essential cut or hidden."""
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SMALL, run_before=BOOKING_SCENES[scene])
