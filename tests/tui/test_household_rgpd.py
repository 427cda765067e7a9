"""Foyer: « Export RGPD » (x) for supervisors only, writing into <data dir>/rgpd/ (Pilot)."""

from __future__ import annotations

import json
from pathlib import Path

from mairie_tui.tui.screens.household import HouseholdScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import open_household, screen_text, settle, sign_in

SIZE = (140, 40)


@run_async
async def test_supervisor_exports_the_household_from_the_foyer(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "superviseur")
        await open_household(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Export RGPD" in screen_text(app)
        await pilot.press("x")
        await settle(pilot)
        folders = list((tmp_path / "data" / "rgpd").iterdir())
        assert len(folders) == 1
        data = json.loads((folders[0] / "foyer-F-000001.json").read_text(encoding="utf-8"))
        assert data["membres"][0]["last_name"] == "FAMILLE TEST"
        assert (folders[0] / "foyer-F-000001.pdf").is_file()
        messages = [str(n.message) for n in app._notifications]
        assert any(str(folders[0]) in message for message in messages), messages


@run_async
async def test_an_agent_has_no_export_key(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "guichet")
        await open_household(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Export RGPD" not in screen_text(app)
        await pilot.press("x")
        await settle(pilot)
        assert not (tmp_path / "data" / "rgpd").exists()
