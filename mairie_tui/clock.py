"""The application's only source of "now".

Services receive a Clock; nothing else reads the wall clock, so that tests and
the training mode ("MODE FORMATION") can freeze time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mairie_tui.domain.fr import PARIS

__all__ = ["PARIS", "Clock", "FrozenClock", "SystemClock", "parse_now"]


class Clock(Protocol):
    """Gives the current time, aware, in Europe/Paris."""

    frozen: bool

    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The real clock."""

    frozen = False

    def now(self) -> datetime:
        return datetime.now(PARIS)

    def today(self) -> date:
        return self.now().date()


@dataclass
class FrozenClock:
    """A clock stopped at one instant (training mode, tests)."""

    at: datetime
    frozen: bool = True

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            self.at = self.at.replace(tzinfo=PARIS)
        else:
            self.at = self.at.astimezone(PARIS)

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


def parse_now(text: str) -> datetime:
    """Parse an ISO date or date-time; naive values are Europe/Paris wall time.

    Raises ValueError with a French message.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"date simulée invalide : « {text} » (attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=PARIS)
    return parsed.astimezone(PARIS)
