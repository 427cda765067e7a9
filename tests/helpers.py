"""Small helpers for tests (importable as tests.helpers)."""

from __future__ import annotations

from mairie_tui.clock import FrozenClock, parse_now


def clock_at(text_now: str) -> FrozenClock:
    """A frozen clock at a Europe/Paris wall time such as 2020-09-16T00:00."""
    return FrozenClock(parse_now(text_now))
