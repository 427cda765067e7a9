"""Application-wide messages (screen-specific ones live in their widget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from mairie_tui.services.common import Actor


@dataclass
class SignedIn(Message):
    """An agent signed in: the app shows the screen their role allows."""

    actor: Actor
    # The database is an offline copy of a school (only pointage is possible).
    offline_copy: bool = False
