"""Check boxes and radio buttons that read right without colour.

Textual draws `▐X▌` for a Checkbox whether it is ticked or not (only the
colour differs) and `▐●▌` for every RadioButton: an agent reading the form
cannot tell which days are chosen. These draw the month grid's own marks:
`[x]` / `[ ]` for a box, `(•)` / `( )` for a choice. Every check box and radio
button of the application is one of these (tests/tui/test_forms.py checks it).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, RadioButton

BOX_ON = "[x]"
BOX_OFF = "[ ]"
RADIO_ON = "(•)"
RADIO_OFF = "( )"


class TickBox(Checkbox):
    """A Checkbox drawn `[x]` when ticked, `[ ]` when not."""

    @property
    def _button(self) -> Content:
        return Content.styled(
            BOX_ON if self.value else BOX_OFF, self.get_visual_style("toggle--button")
        )


class RadioChoice(RadioButton):
    """A RadioButton drawn `(•)` when chosen, `( )` when not."""

    @property
    def _button(self) -> Content:
        return Content.styled(
            RADIO_ON if self.value else RADIO_OFF, self.get_visual_style("toggle--button")
        )
