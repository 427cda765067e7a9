"""Listes: the children of a site, unit and day, and the pointage (see view.py, pointage.py)."""

from __future__ import annotations

from mairie_tui.tui.screens.lists.cells import OFFLINE_TITLE, is_offline, slug
from mairie_tui.tui.screens.lists.contacts import ContactsModal
from mairie_tui.tui.screens.lists.pointage import ListsScreen

__all__ = ["OFFLINE_TITLE", "ContactsModal", "ListsScreen", "is_offline", "slug"]
