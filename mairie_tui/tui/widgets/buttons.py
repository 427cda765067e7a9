"""Buttons shared by the screens."""

from __future__ import annotations

from textual.widgets import Button


class KeyOnlyButton(Button, can_focus=False):
    """A button reached by its key (ctrl+x, échap, ctrl+o) or the mouse, never by tab.

    « ANNULER LA DÉMARCHE » used to be the next stop after the last field: one tab,
    then enter (meant for the next step), and the démarche was gone.
    """
