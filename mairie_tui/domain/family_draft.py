"""One periodicity for several children and activities at once (the family agenda).

Each child × activity keeps its own BookingDraft and its own rules; a
FamilyPattern is applied to each selected draft in turn, with the units of
that activity it names (every unit when none is named). What each draft
changed and skipped, and why, comes back per enrolment, so the screen can say
« Paul : 141 jours modifiés, 35 ignorés (vacances : 30, …) ».
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from mairie_tui.domain.draft import BookingDraft, EditResult, WeeklyPattern, WeekParity

WEEKDAY_RANGE = range(7)


@dataclass(frozen=True)
class FamilyPattern:
    """Weekdays × units over [start, end], every / odd / even ISO week, for several rows."""

    enrolment_ids: frozenset[int]
    weekdays: frozenset[int]  # 0 = lundi … 4 = vendredi (5, 6 for a crèche)
    unit_names: frozenset[str] | None  # None: every unit of each activity
    parity: WeekParity
    start: date
    end: date
    add: bool = True  # True: réserver, False: annuler

    def problems(self) -> list[str]:
        """What makes the pattern unusable, in French (empty when it is fine)."""
        found: list[str] = []
        if not self.enrolment_ids:
            found.append("Choisissez au moins un enfant et une activité.")
        if not self.weekdays:
            found.append("Choisissez au moins un jour de la semaine.")
        if any(day not in WEEKDAY_RANGE for day in self.weekdays):
            found.append("Jour de la semaine invalide.")
        if self.unit_names is not None and not self.unit_names:
            found.append("Choisissez au moins une prestation.")
        if self.end < self.start:
            found.append("La date de fin précède la date de début.")
        return found

    def for_draft(self, draft: BookingDraft) -> WeeklyPattern:
        """The one-draft pattern: this activity's units among those named."""
        units = tuple(
            unit.id
            for unit in draft.ctx.units
            if self.unit_names is None or unit.name in self.unit_names
        )
        return WeeklyPattern(
            weekdays=self.weekdays,
            unit_ids=units,
            start=self.start,
            end=self.end,
            parity=self.parity,
            tick=self.add,
        )


def apply_family_pattern(
    rows: Mapping[int, BookingDraft], pattern: FamilyPattern
) -> dict[int, EditResult]:
    """Apply `pattern` to each selected draft (by enrolment id); what each changed and skipped.

    A selected enrolment without a draft in `rows` is ignored; an activity with none
    of the named units gets an empty result. Never forces a locked day.
    """
    results: dict[int, EditResult] = {}
    for enrolment_id, draft in rows.items():
        if enrolment_id not in pattern.enrolment_ids:
            continue
        results[enrolment_id] = draft.apply_pattern(pattern.for_draft(draft))
    return results


def family_summary(names: Mapping[int, str], results: Mapping[int, EditResult]) -> list[str]:
    """« Paul - Restauration scolaire Mons : 141 jours modifiés, … », one line per result."""
    return [f"{names.get(key, str(key))} : {result.summary()}" for key, result in results.items()]
