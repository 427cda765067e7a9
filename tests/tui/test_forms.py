"""Forms that do not mislead (issue 13): check boxes readable without colour, a visible
focus, whole dates, limits said where typed, placeholders that are not data, one
form-field widget for every form."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.color import Color
from textual.widgets import Checkbox, Input, RadioButton, Select

from mairie_tui.tui.screens.booking_modals import PatternModal
from mairie_tui.tui.screens.demarche import DemarcheScreen
from mairie_tui.tui.screens.enrol import EnrolScreen
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.widgets.checks import RadioChoice, TickBox
from mairie_tui.tui.widgets.form_fields import LabelledField
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import open_household, open_step1, screen_text, settle, sign_in
from tests.tui.scenes.households import open_new_form

SIZE = (120, 40)
TUI = Path(__file__).resolve().parents[2] / "mairie_tui" / "tui"


def _lines_with(app: object, word: str) -> list[str]:
    return [line for line in screen_text(app).splitlines() if word in line]  # type: ignore[arg-type]


@run_async
async def test_periodicite_boxes_read_right_without_colour(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PatternModal)
        (weekdays,) = _lines_with(app, "vendredi")
        assert "▐X▌" not in screen_text(app) and "▐●▌" not in screen_text(app)
        assert weekdays.count("[ ]") == 7 and "[x]" not in weekdays
        await pilot.press("space")  # lundi
        await pilot.pause()
        (weekdays,) = _lines_with(app, "vendredi")
        assert "[x] lundi" in weekdays and weekdays.count("[ ]") == 6
        (parity,) = _lines_with(app, "semaines paires")
        assert "(•) toutes les semaines" in parity and "( ) semaines paires" in parity
        assert all(isinstance(box, TickBox) for box in app.screen.query(Checkbox))
        assert all(isinstance(radio, RadioChoice) for radio in app.screen.query(RadioButton))


@run_async
async def test_periodicite_dates_keep_their_first_digit(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_step1(pilot)
        await pilot.press("p")
        await settle(pilot)
        start = app.screen.query_one("#start", Input)
        start.focus()
        await pilot.pause()
        (line,) = [line for line in _lines_with(app, "du ") if "▎" in line]
        assert "15/09/2020" in line and "06/07/2021" in line  # focused, cursor after the year
        await pilot.press("tab", "tab")
        await pilot.pause()
        (line,) = [line for line in _lines_with(app, "du ") if "▎" in line]
        assert "15/09/2020" in line and "06/07/2021" in line, line
        assert start.scroll_x == 0


@run_async
async def test_enrol_validate_now_reads_unticked(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, EnrolScreen)
        (line,) = _lines_with(app, "Valider tout de suite")
        assert "[ ] Valider tout de suite" in line and "X" not in line.split("Valider")[0]
        box = app.screen.query_one("#enrol-activate", Checkbox)
        box.value = True
        await pilot.pause()
        (line,) = _lines_with(app, "Valider tout de suite")
        assert "[x] Valider tout de suite" in line


def test_every_check_box_of_the_app_is_a_readable_one() -> None:
    """No screen builds Textual's Checkbox or RadioButton (▐X▌ in both states) itself."""
    offenders = []
    for path in TUI.rglob("*.py"):
        if path.name == "checks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("Checkbox", "RadioButton")
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


@run_async
async def test_the_focused_field_stands_out(make_app: AppFactory) -> None:
    """Compact fields have no border: the focused one gets the accent, not a shade of grey."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        household = app.screen
        assert isinstance(household, HouseholdScreen)
        app.push_screen(DemarcheScreen("rdv_titres", household.household_id))
        await settle(pilot)
        await pilot.press("enter")  # a slot
        await settle(pilot)
        await pilot.press("pagedown")
        await settle(pilot)
        screen = app.screen
        select = screen.query_one("#field-titre", Select)
        text = screen.query_one("#field-pre_demande", Input)
        select.focus()
        await pilot.pause()
        focused = select.query_one("SelectCurrent").styles.background
        text.focus()
        await pilot.pause()
        blurred = select.query_one("SelectCurrent").styles.background
        typed_in = text.styles.background
        accent = Color.parse(app.get_css_variables()["accent"])
        for lit in (focused, typed_in):
            assert abs(lit.r - blurred.r) + abs(lit.g - blurred.g) + abs(lit.b - blurred.b) > 60
            assert lit.a > 0 and lit.with_alpha(1.0).rgb != blurred.rgb
        assert focused.rgb == accent.rgb


@run_async
async def test_household_names_are_limited_with_a_message(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new_form(pilot)
        screen = app.screen
        first_name = screen.field_at("representative.first_name")  # type: ignore[attr-defined]
        assert isinstance(first_name, LabelledField)
        assert first_name.input.placeholder == "80 caractères au plus"
        first_name.input.focus()
        await pilot.press(*("a" * 300))
        await pilot.pause()
        assert len(first_name.value) == 80
        message = "« Prénom » : au plus 80 caractères (la suite n'a pas été prise)."
        assert first_name.message == message
        assert message in screen_text(app)


@run_async
async def test_demarche_text_fields_say_their_limit(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await open_household(pilot)
        household = app.screen
        assert isinstance(household, HouseholdScreen)
        app.push_screen(DemarcheScreen("acte_naissance", household.household_id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DemarcheScreen)
        await pilot.press("pagedown")
        await settle(pilot)
        widget = screen.field_widget("nom_concerne")
        assert widget.input.max_length == 80
        assert widget.input.placeholder == "80 caractères au plus"
        widget.input.focus()
        await pilot.press(*("B" * 85))
        await pilot.pause()
        assert widget.raw == "B" * 80
        assert "au plus 80 caractères (la suite n'a pas été prise)." in widget.error
        assert "au plus 80 caractères" in screen_text(app)


@run_async
async def test_the_phone_placeholder_is_a_format_not_a_number(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new_form(pilot)
        screen = app.screen
        phone = screen.field_at("representative.phone")  # type: ignore[attr-defined]
        assert phone is not None and phone.value == ""
        assert phone.input.placeholder == "0X XX XX XX XX"
        assert "04 66 83 10 74" not in screen_text(app)


@run_async
async def test_one_form_field_widget_for_every_form(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new_form(pilot)
        household_fields = list(app.screen.query(LabelledField))
        assert len(household_fields) > 10
        assert all(not f.inline for f in household_fields)
        await pilot.press("escape")
        await settle(pilot)
        await open_household(pilot)
        household = app.screen
        assert isinstance(household, HouseholdScreen)
        app.push_screen(DemarcheScreen("acte_naissance", household.household_id))
        await settle(pilot)
        demarche_fields = list(app.screen.query(LabelledField))
        assert demarche_fields and all(f.inline for f in demarche_fields)
    import mairie_tui.tui.screens.household_form.widgets as household_widgets
    import mairie_tui.tui.widgets.form_fields as form_fields

    assert not hasattr(form_fields, "CatalogueField")
    assert not hasattr(household_widgets, "HouseholdField")
