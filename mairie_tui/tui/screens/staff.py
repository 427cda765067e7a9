"""Listes (school staff): the screen lives in screens/lists.py; kept for older imports."""

from __future__ import annotations

from mairie_tui.tui.screens.lists import ListsScreen

__all__ = ["ListsScreen"]
