"""Snapshots of the menus and the mails at the counter (issue 15): the day's menu on the
booking grid, the Foyer's week of menus, the Courriels du foyer (« échec » and its reason).

120×40 and 80×24, mardi 15/09/2020 10:00 on the 50-household demo. After an intended
change, review and refresh with `pytest tests/tui/test_snapshots_menus.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.scenes.base import SIZE, SMALL, make_app
from tests.tui.scenes.menus import SCENES


@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[scene])


@pytest.mark.parametrize("scene", list(SCENES))
def test_screen_80x24(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    """The same screens in an 80×24 terminal: the menu line cut with …, nothing essential hidden."""
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SMALL, run_before=SCENES[scene])
