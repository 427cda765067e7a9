"""The styling rule (docs/architecture.md, « Styles »): widgets carry DEFAULT_CSS, screens
don't; screen styles live in the app's stylesheets, tui/app.tcss and tui/styles/*.tcss."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.screen import Screen

import mairie_tui.tui.screens as screens_package
from mairie_tui.tui.app import MairieApp


def screen_classes() -> list[type[Screen[object]]]:
    found: list[type[Screen[object]]] = []
    for info in pkgutil.walk_packages(screens_package.__path__, f"{screens_package.__name__}."):
        module = importlib.import_module(info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Screen) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_screens_carry_no_default_css() -> None:
    classes = screen_classes()
    assert len(classes) > 20  # every screen and modal of the application was found
    with_css = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in classes
        if "DEFAULT_CSS" in vars(cls) and vars(cls)["DEFAULT_CSS"].strip()
    ]
    assert with_css == [], "screen styles belong in tui/app.tcss or tui/styles/*.tcss"


def test_every_stylesheet_of_tui_styles_is_loaded() -> None:
    root = Path(inspect.getfile(MairieApp)).parent
    loaded = MairieApp.CSS_PATH
    assert isinstance(loaded, list)
    on_disk = {f"styles/{path.name}" for path in (root / "styles").glob("*.tcss")}
    assert on_disk and on_disk <= set(loaded)
    assert "app.tcss" in loaded
