"""Nouveau foyer / Modifier le foyer (see screen.py): checks, widgets, reading, duplicates."""

from __future__ import annotations

from mairie_tui.tui.screens.household_form.duplicates import DuplicatesModal
from mairie_tui.tui.screens.household_form.screen import HouseholdFormScreen

__all__ = ["DuplicatesModal", "HouseholdFormScreen"]
