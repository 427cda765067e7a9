"""Snapshots of the régie (issue 14): the Foyer with its balance, Régler, the receipt, the
till closing.

120×40 and 80×24, lundi 05/10/2020 09:00 on the 50-household demo with September invoiced.
After an intended change, review and refresh with
`pytest tests/tui/test_snapshots_regie.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.scenes.base import SIZE, SMALL, make_app
from tests.tui.scenes.regie import NOW, SCENES


@pytest.mark.parametrize("scene", list(SCENES))
def test_regie_screen(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, now=NOW[scene], data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[scene])


@pytest.mark.parametrize("scene", list(SCENES))
def test_regie_screen_80x24(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    """The same screen in an 80×24 terminal: nothing essential cut or hidden."""
    app = make_app(demo_url, now=NOW[scene], data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SMALL, run_before=SCENES[scene])
