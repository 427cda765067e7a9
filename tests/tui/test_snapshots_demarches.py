"""Snapshots of the démarches screens (issue 4): each step of « Prise de rendez-vous »,
an elector refused under the field, the confirmation, the inbox, a request's page and
a refusal without comment.

Refresh after an intended change with
`pytest tests/tui/test_snapshots_demarches.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.scenes.base import SIZE, SMALL, make_app
from tests.tui.scenes.demarches import SCENES


@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, run_before=SCENES[scene])


@pytest.mark.parametrize("scene", list(SCENES))
def test_screen_80x24(scene: str, snap_compare: Any, demo_url: str, tmp_path: Path) -> None:
    """The same screen in an 80×24 terminal: nothing essential cut or hidden."""
    app = make_app(demo_url, data_dir=tmp_path / "data")
    assert snap_compare(app, terminal_size=SMALL, run_before=SCENES[scene])
