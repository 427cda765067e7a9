"""Small helpers for tests (importable as tests.helpers)."""

from __future__ import annotations

from mairie_tui.clock import FrozenClock, parse_now
from mairie_tui.services.common import Actor


def clock_at(text_now: str) -> FrozenClock:
    """A frozen clock at a Europe/Paris wall time such as 2020-09-16T00:00."""
    return FrozenClock(parse_now(text_now))


# A counter agent for the reads that take the acting agent (issue 11) in tests about
# something else; tests/services/test_permissions.py tests the permissions themselves.
DESK = Actor(id=None, login="guichet", name="Camille Martin", role="agent")
