"""Application-wide messages (screen-specific ones live in their widget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from mairie_tui.services.common import Actor
    from mairie_tui.services.news import NewsView


@dataclass
class SignedIn(Message):
    """An agent signed in: the app shows the screen their role allows."""

    actor: Actor
    # The database is an offline copy of a school (only pointage is possible).
    offline_copy: bool = False
    # The day's news for the search screen, read by the sign-in's worker (None: not read),
    # or the French reason they could not be read.
    news: tuple[NewsView, ...] | None = None
    news_error: str | None = None
