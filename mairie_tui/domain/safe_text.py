"""The one rule for text that came from a person or a file: show it, never obey it.

Names, addresses, e-mails, remarks… may hold anything a keyboard, a CSV file or an older
version of the software let through: markup brackets (`Dupont [/]`), terminal escape
sequences (ESC]0;…), NUL bytes, bidirectional overrides (U+202E) that reorder what the agent
reads. The screens and the command line show such text *as text*: the Rich/Textual side of
the rule (never markup) lives in `mairie_tui.tui.text`; this module is the half that needs no
library, `clean_control`, which every output path applies.

What is replaced, each by the visible U+FFFD REPLACEMENT CHARACTER « � » (one cell wide in
every terminal, printable in the PDF as « ? »):

* C0 controls U+0000–U+001F except TAB and LINE FEED (so ESC, NUL, BEL, CR, BS…);
* DEL U+007F and the C1 controls U+0080–U+009F (0x9B is a one-byte CSI for some terminals);
* the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
  which make « ecnarF » read as « France ».

The stored data is never changed: cleaning happens on the way out only, so an export gives
back exactly what was imported.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def has_control(text: str) -> bool:
    """True when `clean_control` would change the text."""
    return _UNSAFE.search(text) is not None


def clean_control(text: str) -> str:
    """The text with every control character but newline and tab replaced by « � »."""
    return _UNSAFE.sub(REPLACEMENT, text)


def clean_value(value: object) -> str:
    """`str(value)` cleaned; `None` is the empty string."""
    return "" if value is None else clean_control(str(value))
