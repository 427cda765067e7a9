"""An independent oracle of the booking rules (DESIGN.md "Rules"), for the property test.

Written from the rules, not from mairie_tui.domain: day states in their order of
precedence (outside > closed > holiday > closure > locked > full > open), the
deadlines ("avant le <jour> 23h59 pour la semaine suivante", or N working days
before), the draft's edits and what validation must answer. The holidays of zone C
over the window the scenarios use are a table here (reference/calendar-facts.md),
checked against the `holidays` library itself by a test, never read from the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

WINDOW_START = date(2020, 8, 24)
WINDOW_END = date(2021, 1, 31)
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Zone C, school year 2020-2021: school holidays (first and last day) and public holidays.
SCHOOL_HOLIDAYS = (
    (date(2020, 8, 1), date(2020, 8, 31), "Vacances d'été"),
    (date(2020, 10, 17), date(2020, 11, 1), "Vacances de la Toussaint"),
    (date(2020, 12, 19), date(2021, 1, 3), "Vacances de Noël"),
)
PUBLIC_HOLIDAYS = {
    date(2020, 8, 15): "Assomption",
    date(2020, 11, 1): "Toussaint",
    date(2020, 11, 11): "Armistice",
    date(2020, 12, 25): "Noël",
    date(2021, 1, 1): "Jour de l'an",
}

OUTSIDE, CLOSED, HOLIDAY, CLOSURE, LOCKED, FULL, OPEN = (
    "outside",
    "closed",
    "holiday",
    "closure",
    "locked",
    "full",
    "open",
)


def long_date(day: date) -> str:
    """`vendredi 25/09/2020`."""
    return f"{JOURS[day.weekday()]} {day.day:02d}/{day.month:02d}/{day.year}"


def holiday_name(day: date, *, school: bool) -> str | None:
    """The public holiday's name first, then the school holiday's, joined by " · "."""
    names = []
    if day in PUBLIC_HOLIDAYS:
        names.append(PUBLIC_HOLIDAYS[day])
    if school:
        names += [name for first, last, name in SCHOOL_HOLIDAYS if first <= day <= last]
    return " · ".join(names) or None


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in PUBLIC_HOLIDAYS


@dataclass(frozen=True)
class UnitSpec:
    name: str
    weekdays: frozenset[int]
    capacity: int | None


@dataclass
class World:
    """What the database holds for one child's enrolment, as the oracle sees it.

    `closures`: day → (scope, reason) with scope "own" (this activity), "all" (every
    activity, activity_id NULL) or "other" (another activity: must not count).
    `mine`: (day, unit index) → status of this enrolment's rows (cancelled ones too).
    `others`: (other child, day, unit index) → status of the other children's rows.
    """

    start: date
    end: date
    kind: str
    deadline_kind: str
    deadline_weekday: int
    deadline_days: int
    units: tuple[UnitSpec, ...]
    closures: dict[date, tuple[str, str]] = field(default_factory=dict)
    mine: dict[tuple[date, int], str] = field(default_factory=dict)
    others: dict[tuple[int, date, int], str] = field(default_factory=dict)

    def live(self) -> set[tuple[date, int]]:
        return {key for key, status in self.mine.items() if status in ("booked", "pending")}

    def taken(self, day: date, unit: int) -> int:
        return sum(
            1
            for (_, other_day, other_unit), status in self.others.items()
            if (other_day, other_unit) == (day, unit) and status in ("booked", "pending")
        )

    def last_changeable_day(self, day: date) -> date:
        """Changes to `day` are allowed until 23:59:59 (Paris) of the returned day."""
        if self.deadline_kind == "weekly":
            monday = day - timedelta(days=day.weekday())
            return monday - timedelta(weeks=1) + timedelta(days=self.deadline_weekday)
        if self.deadline_days == 0:
            return day - timedelta(days=1)
        earlier = (day - timedelta(days=back) for back in range(1, 60))
        working = [candidate for candidate in earlier if is_working_day(candidate)]
        return working[self.deadline_days - 1]

    def state(self, day: date, unit: int, now: datetime, *, has_booking: bool) -> tuple[str, str]:
        """(state, the reason the screen and the refusals show)."""
        spec = self.units[unit]
        if not self.start <= day <= self.end:
            return OUTSIDE, "Hors de la période d'inscription"
        if day.weekday() not in spec.weekdays:
            return CLOSED, f"Fermé le {JOURS[day.weekday()]}"
        holiday = holiday_name(day, school=self.kind != "creche")
        if holiday:
            return HOLIDAY, holiday
        scope, reason = self.closures.get(day, ("none", ""))
        if scope in ("own", "all"):
            return CLOSURE, f"Fermeture : {reason.strip()}" if reason.strip() else "Fermeture"
        limit = self.last_changeable_day(day)
        if now.date() > limit:
            return LOCKED, f"Délai dépassé (modifiable jusqu'au {long_date(limit)} à 23h59)"
        if spec.capacity is not None and not has_booking and self.taken(day, unit) >= spec.capacity:
            places = "places" if spec.capacity > 1 else "place"
            return FULL, f"Complet ({spec.capacity} {places})"
        return OPEN, ""


@dataclass(frozen=True)
class Edit:
    day: date
    unit: int
    ticked: bool | None  # None: toggle
    reason: str | None  # a force reason ("  " is a blank one)


@dataclass(frozen=True)
class EditOutcome:
    """What one edit of the draft must do: raise, change its key, or skip it and why."""

    raises: bool = False
    changed: bool = False
    skipped: tuple[str, str] | None = None


@dataclass
class DraftOracle:
    """The draft's ticks over the live bookings at the time it was opened."""

    world: World
    now: datetime
    live: set[tuple[date, int]]
    changes: dict[tuple[date, int], bool] = field(default_factory=dict)  # key → ticked
    forced: dict[tuple[date, int], str] = field(default_factory=dict)

    def ticked(self, key: tuple[date, int]) -> bool:
        return self.changes.get(key, key in self.live)

    def apply(self, edit: Edit) -> EditOutcome:
        key = (edit.day, edit.unit)
        ticked = not self.ticked(key) if edit.ticked is None else edit.ticked
        if self.ticked(key) == ticked:
            return EditOutcome()
        if key in self.changes:  # back to what the database holds: always allowed
            del self.changes[key]
            self.forced.pop(key, None)
            return EditOutcome(changed=True)
        state, reason = self.world.state(*key, self.now, has_booking=key in self.live)
        if state != OPEN:
            if state != LOCKED or edit.reason is None:
                return EditOutcome(skipped=(state, reason))
            if not edit.reason.strip():
                return EditOutcome(raises=True)
            self.forced[key] = edit.reason.strip()
        self.changes[key] = ticked
        return EditOutcome(changed=True)

    def recap(self) -> list[tuple[date, int, bool, str | None]]:
        """(day, unit, added?, forced reason) in date order, then unit order."""
        return [
            (day, unit, added, self.forced.get((day, unit)))
            for (day, unit), added in sorted(self.changes.items())
        ]


def expected_problems(
    world: World,
    recap: list[tuple[date, int, bool, str | None]],
    now: datetime,
    *,
    supervisor: bool,
) -> list[str]:
    """The refusals of validation at `now`, one per line that may not be written (in any
    order: the rules say which lines are refused and why, not in which order)."""
    problems = []
    live = world.live()
    for day, unit, added, reason in recap:
        held = (day, unit) in live
        where = f"{long_date(day)} ({world.units[unit].name})"
        if added and held:
            problems.append(f"{where} : déjà réservé")
            continue
        if not added and not held:
            problems.append(f"{where} : aucune réservation à annuler")
            continue
        state, why = world.state(day, unit, now, has_booking=held)
        if not (state == OPEN or (state == LOCKED and reason and supervisor)):
            problems.append(f"{where} : {why}")
            continue
        # Forcing lifts the deadline, never the capacity: a forced addition to a locked
        # day that is also full is refused (its state says "locked", so the draft let it).
        capacity = world.units[unit].capacity
        if added and capacity is not None and world.taken(day, unit) + 1 > capacity:
            problems.append(f"{where} : complet ({capacity} place{'s' if capacity > 1 else ''})")
    return problems
