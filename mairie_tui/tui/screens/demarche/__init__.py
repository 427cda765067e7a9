"""Une démarche au guichet: the wizard (form.py, screen.py), its confirmation, the catalogue."""

from __future__ import annotations

from mairie_tui.tui.screens.demarche.catalogue import CatalogueScreen
from mairie_tui.tui.screens.demarche.common import recap_table, wizard_steps_text
from mairie_tui.tui.screens.demarche.filed import DemarcheFiledScreen
from mairie_tui.tui.screens.demarche.screen import DemarcheScreen

__all__ = [
    "CatalogueScreen",
    "DemarcheFiledScreen",
    "DemarcheScreen",
    "recap_table",
    "wizard_steps_text",
]
