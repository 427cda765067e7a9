"""News (actualités): which news are current on a day and for whom, and what a news may hold.

A supervisor publishes a short news for a date range (both days included) and an
audience: everyone, one activity (its code) or one site (as `Activity.site` names
it). At the counter the agent reads the current ones after sign-in and tells the
families. Pure rules: no database, no interface.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol, TypeVar

from mairie_tui.domain import fr
from mairie_tui.domain.household_rules import refused_character

AudienceKind = Literal["all", "activity", "site"]
AUDIENCE_KINDS: tuple[AudienceKind, ...] = ("all", "activity", "site")
# What a news may hold: a title read at a glance, a text told at the desk.
TITLE_MAX = 80
TEXT_MAX = 280
# The longest a news may stay up (a school year): older news are forgotten, not current.
LONGEST_DAYS = 366


class NewsError(ValueError):
    """A news that cannot be published; the message is French, `field` names the input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Audience:
    """Who a news is for: everyone, or the families of one activity or of one site."""

    kind: AudienceKind = "all"
    # The activity's code or the site's name; None for everyone.
    value: str | None = None

    def label(self) -> str:
        """`tous`, `activité ALSH-ALES-PSJ`, `site École Jean Macé`."""
        if self.kind == "activity":
            return f"activité {self.value}"
        if self.kind == "site":
            return f"site {self.value}"
        return "tous"

    def concerns(self, *, activity: str | None = None, site: str | None = None) -> bool:
        """Whether the news is for the families of `activity` (a code) or `site`.

        With neither, every news concerns the counter (agents see them all). A news for
        an activity concerns that activity; one for a site concerns that site.
        """
        if self.kind == "all" or (activity is None and site is None):
            return True
        if self.kind == "activity":
            return activity is not None and self.value == activity
        return site is not None and self.value == site


@dataclass(frozen=True)
class NewsPeriod:
    start: date
    end: date

    def is_current(self, day: date) -> bool:
        """Shown from its first day to its last, both included."""
        return self.start <= day <= self.end

    def is_over(self, day: date) -> bool:
        return self.end < day

    def text(self) -> str:
        """`du 01/09/2020 au 30/09/2020`, or `le 23/09/2020` for one day."""
        if self.start == self.end:
            return f"le {fr.short_date(self.start)}"
        return fr.period(self.start, self.end)


def audience_of(activity: str | None, site: str | None) -> Audience:
    """The audience the command line or the form names (at most one of the two)."""
    activity = (activity or "").strip() or None
    site = (site or "").strip() or None
    if activity and site:
        raise NewsError(
            "Choisissez une activité ou un site, pas les deux (sans l'un ni l'autre : "
            "l'actualité est pour tous).",
            "audience",
        )
    if activity:
        return Audience("activity", activity)
    if site:
        return Audience("site", site)
    return Audience()


def _check_text(value: str, label: str, maximum: int, field: str, *, lines: bool) -> str:
    value = value.strip()
    if not value:
        raise NewsError(f"{label} est obligatoire.", field)
    problem = refused_character(value.replace("\n", " ") if lines else value)
    if problem:
        raise NewsError(f"Caractère interdit dans {label.lower()} ({problem}).", field)
    if len(value) > maximum:
        raise NewsError(
            f"{label} est trop long : {len(value)} caractères, {maximum} au plus.", field
        )
    return value


def check_news(title: str, text: str, start: date, end: date) -> tuple[str, str]:
    """The title and text as they will be stored (trimmed), or NewsError in French.

    Refused: an empty title or text, a title over TITLE_MAX or a text over TEXT_MAX
    characters, control characters (NUL, ESC…), bidirectional overrides and invisible
    characters (a line break is allowed in the text), a period that ends before it
    starts or lasts more than a year.
    """
    title = _check_text(title, "Le titre", TITLE_MAX, "title", lines=False)
    text = _check_text(text, "Le texte", TEXT_MAX, "text", lines=True)
    if end < start:
        raise NewsError(
            f"La période se termine le {fr.short_date(end)}, avant son début "
            f"le {fr.short_date(start)}.",
            "end",
        )
    if (end - start).days >= LONGEST_DAYS:
        raise NewsError(
            "Une actualité reste affichée un an au plus : raccourcissez la période.", "end"
        )
    return title, text


class Dated(Protocol):
    """A news as the rules read it (the services' view of a row)."""

    @property
    def id(self) -> int: ...

    @property
    def period(self) -> NewsPeriod: ...

    @property
    def audience(self) -> Audience: ...


N = TypeVar("N", bound=Dated)


def current_news(
    items: Iterable[N], day: date, *, activity: str | None = None, site: str | None = None
) -> list[N]:
    """The news current on `day` that concern `activity` or `site` (all of them with
    neither), the most recent first: latest first day, then latest published."""
    shown = [
        item
        for item in items
        if item.period.is_current(day) and item.audience.concerns(activity=activity, site=site)
    ]
    return sorted(shown, key=lambda item: (item.period.start, item.id), reverse=True)
