"""Snapshots of the news (issue 15): on the agent's search screen and the supervisors' screen.

120×40 and 80×24, mardi 15/09/2020 10:00 on the 50-household demo. After an intended
change, review and refresh with `pytest tests/tui/test_snapshots_news.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.scenes.base import SIZE, SMALL, make_app
from tests.tui.scenes.news import SCENES


@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[scene])


@pytest.mark.parametrize("scene", list(SCENES))
def test_screen_80x24(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    """The same screens in an 80×24 terminal: one line per news, nothing essential hidden."""
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SMALL, run_before=SCENES[scene])
