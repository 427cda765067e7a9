"""The booking draft: ticks edited in memory, then a recap, nothing written.

A draft starts from an enrolment's live bookings; every edit reports what it
changed and what it skipped, and why, so that the screen can say
"12 jours modifiés, 4 ignorés (vacances : 3, fermé : 1)".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from dateutil.rrule import WEEKLY, rrule

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import CalendarContext, DayState, DayStatus

Key = tuple[date, int]  # (day, unit id)


class ChangeKind(StrEnum):
    ADD = "add"
    REMOVE = "remove"

    @property
    def label(self) -> str:
        return "Ajout" if self is ChangeKind.ADD else "Annulation"


class BookingMark(StrEnum):
    """A live booking held in the database."""

    BOOKED = "booked"
    PENDING = "pending"


class WeekParity(StrEnum):
    EVERY = "every"
    ODD = "odd"
    EVEN = "even"

    @property
    def label(self) -> str:
        return {
            WeekParity.EVERY: "toutes les semaines",
            WeekParity.ODD: "semaines impaires",
            WeekParity.EVEN: "semaines paires",
        }[self]

    def accepts(self, day: date) -> bool:
        week = day.isocalendar().week
        if self is WeekParity.ODD:
            return week % 2 == 1
        if self is WeekParity.EVEN:
            return week % 2 == 0
        return True


SKIP_LABELS = {
    DayState.OUTSIDE: "hors période",
    DayState.CLOSED: "fermé",
    DayState.HOLIDAY: "vacances",
    DayState.CLOSURE: "fermeture",
    DayState.LOCKED: "délai dépassé",
    DayState.FULL: "complet",
}


class DraftError(ValueError):
    """An edit refused as a whole (a forced day without reason…); French message."""


@dataclass(frozen=True)
class Skip:
    day: date
    unit_id: int
    state: DayState
    reason: str


@dataclass
class EditResult:
    changed: list[Key] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def merge(self, other: EditResult) -> None:
        self.changed.extend(other.changed)
        self.skipped.extend(other.skipped)

    def summary(self) -> str:
        """`N jours modifiés, M ignorés (vacances : 3, fermé : 1)`."""
        changed = len(self.changed)
        text = f"{changed} jour{'s' if changed != 1 else ''} modifié{'s' if changed != 1 else ''}"
        skipped = len(self.skipped)
        if skipped:
            by_kind = Counter(SKIP_LABELS[skip.state] for skip in self.skipped)
            detail = ", ".join(f"{label} : {count}" for label, count in by_kind.most_common())
            text += f", {skipped} ignoré{'s' if skipped != 1 else ''} ({detail})"
        return text


@dataclass(frozen=True)
class WeeklyPattern:
    """ "Appliquer une périodicité": weekdays × units, every / odd / even ISO weeks."""

    weekdays: frozenset[int]
    unit_ids: tuple[int, ...]
    start: date
    end: date
    parity: WeekParity = WeekParity.EVERY
    tick: bool = True

    def dates(self) -> list[date]:
        if not self.weekdays or self.end < self.start:
            return []
        rule = rrule(
            WEEKLY,
            byweekday=sorted(self.weekdays),
            dtstart=datetime.combine(self.start, time()),
            until=datetime.combine(self.end, time()),
        )
        return [moment.date() for moment in rule if self.parity.accepts(moment.date())]


@dataclass(frozen=True)
class RecapLine:
    day: date
    unit_id: int
    unit_name: str
    kind: ChangeKind
    forced_reason: str | None = None
    was_pending: bool = False

    @property
    def cells(self) -> tuple[str, str, str, str]:
        """`("vendredi", "25/09/2020", "Repas", "Ajout")`."""
        return (fr.day_name(self.day), fr.short_date(self.day), self.unit_name, self.kind.label)

    def text(self) -> str:
        line = " | ".join(self.cells)
        if self.forced_reason:
            line += f" | forcé : {self.forced_reason}"
        return line


@dataclass(frozen=True)
class CellView:
    """What the grid shows for one (day, unit)."""

    status: DayStatus
    ticked: bool
    mark: BookingMark | None
    change: ChangeKind | None
    forced_reason: str | None


@dataclass
class BookingDraft:
    """Ticks in memory over an enrolment's live bookings."""

    ctx: CalendarContext
    existing: Mapping[Key, BookingMark]
    changes: dict[Key, ChangeKind] = field(default_factory=dict)
    forced: dict[Key, str] = field(default_factory=dict)

    # ------------------------------------------------------------ reading

    def status(self, day: date, unit_id: int) -> DayStatus:
        return self.ctx.status(
            day, self.ctx.unit(unit_id), has_booking=(day, unit_id) in self.existing
        )

    def is_ticked(self, day: date, unit_id: int) -> bool:
        key = (day, unit_id)
        change = self.changes.get(key)
        if change is ChangeKind.ADD:
            return True
        if change is ChangeKind.REMOVE:
            return False
        return key in self.existing

    def cell(self, day: date, unit_id: int) -> CellView:
        key = (day, unit_id)
        return CellView(
            status=self.status(day, unit_id),
            ticked=self.is_ticked(day, unit_id),
            mark=self.existing.get(key),
            change=self.changes.get(key),
            forced_reason=self.forced.get(key),
        )

    @property
    def dirty(self) -> bool:
        return bool(self.changes)

    # ------------------------------------------------------------ editing

    def set(
        self, day: date, unit_id: int, ticked: bool, *, force_reason: str | None = None
    ) -> EditResult:
        """Tick or untick one (day, unit); a locked day needs `force_reason`."""
        result = EditResult()
        key = (day, unit_id)
        if self.is_ticked(day, unit_id) == ticked:
            return result
        if key in self.changes:
            # A change held here is always against the database, so changing
            # the tick again undoes it. That writes nothing, so no rule stops
            # it: a forced day, or a day locked since it was ticked, can be
            # put back without a reason.
            del self.changes[key]
            self.forced.pop(key, None)
            result.changed.append(key)
            return result
        status = self.status(day, unit_id)
        reason = (force_reason or "").strip()
        if status.state is not DayState.OPEN:
            if not (status.forceable and force_reason is not None):
                result.skipped.append(Skip(day, unit_id, status.state, status.reason))
                return result
            if not reason:
                raise DraftError("Motif obligatoire pour forcer un jour dont le délai est dépassé.")
        # Here the tick differs from the database: a new change (a key without
        # a change has no forced reason either).
        self.changes[key] = ChangeKind.ADD if ticked else ChangeKind.REMOVE
        if status.state is not DayState.OPEN:
            self.forced[key] = reason
        result.changed.append(key)
        return result

    def toggle(self, day: date, unit_id: int, *, force_reason: str | None = None) -> EditResult:
        return self.set(day, unit_id, not self.is_ticked(day, unit_id), force_reason=force_reason)

    def set_days(
        self, days: Iterable[date], ticked: bool, unit_ids: Iterable[int] | None = None
    ) -> EditResult:
        """Tick / untick many days (Tout cocher, Tout décocher); never forces."""
        ids = tuple(unit_ids) if unit_ids is not None else tuple(unit.id for unit in self.ctx.units)
        result = EditResult()
        for day in days:
            for unit_id in ids:
                result.merge(self.set(day, unit_id, ticked))
        return result

    def apply_pattern(self, pattern: WeeklyPattern) -> EditResult:
        return self.set_days(pattern.dates(), pattern.tick, pattern.unit_ids)

    def discard(self) -> None:
        self.changes.clear()
        self.forced.clear()

    # ------------------------------------------------------------ recap

    def recap(self) -> list[RecapLine]:
        """One line per change, in date order then unit order."""
        order = {unit.id: position for position, unit in enumerate(self.ctx.units)}
        lines = [
            RecapLine(
                day=day,
                unit_id=unit_id,
                unit_name=self.ctx.unit(unit_id).name,
                kind=kind,
                forced_reason=self.forced.get((day, unit_id)),
                was_pending=self.existing.get((day, unit_id)) is BookingMark.PENDING,
            )
            for (day, unit_id), kind in self.changes.items()
        ]
        lines.sort(key=lambda line: (line.day, order[line.unit_id]))
        return lines


def recap_totals(lines: Iterable[RecapLine]) -> dict[ChangeKind, int]:
    counts = Counter(line.kind for line in lines)
    return {kind: counts.get(kind, 0) for kind in ChangeKind}
