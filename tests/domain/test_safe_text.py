"""The rule for text from people: every control character but newline and tab made visible."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from mairie_tui.domain.safe_text import REPLACEMENT, clean_control, clean_value, has_control

HOSTILE = [
    "[/]",
    "[b]gras[/b]",
    "[link=https://evil.example]Cliquez[/link]",
    "[@click=app.quit]x[/]",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\u202eecnarF",
    "a\x00b",
    "\x9b31m",
    "é" * 300,
]


def test_examples():
    assert clean_control("Dupont [/]") == "Dupont [/]"
    assert clean_control("\x1b]0;titre\x07fin") == "\ufffd]0;titre\ufffdfin"
    assert clean_control("a\tb\nc\rd\x7f\x85\u2066") == "a\tb\nc\ufffdd\ufffd\ufffd\ufffd"
    assert clean_value(None) == "" and clean_value(42) == "42"


@given(st.lists(st.sampled_from(HOSTILE) | st.text(), max_size=6).map("".join))
def test_no_control_left_and_nothing_else_changed(value: str) -> None:
    cleaned = clean_control(value)
    assert len(cleaned) == len(value)
    assert not has_control(cleaned)
    assert clean_control(cleaned) == cleaned
    for before, after in zip(value, cleaned, strict=True):
        if before != after:
            assert after == REPLACEMENT
            assert before not in "\n\t"
            assert unicodedata.category(before) in ("Cc", "Cf")
        else:
            assert before in "\n\t" or unicodedata.category(before) != "Cc"
