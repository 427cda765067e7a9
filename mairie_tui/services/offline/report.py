"""What an import reports: each mark or closing of the copy not taken as is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from mairie_tui.domain import fr

# Kinds of issue. Written anyway (adjusted): booking_cancelled. Not written: the others —
# day_closed, mark_differs, unknown (not in the main database), and what a copy could not
# have made (a hand-edited file): other_site, not_in_copy, out_of_period, day_not_served.
ISSUE_KINDS = (
    "booking_cancelled",
    "day_closed",
    "mark_differs",
    "unknown",
    "other_site",
    "not_in_copy",
    "out_of_period",
    "day_not_served",
)


@dataclass(frozen=True)
class ImportIssue:
    kind: str  # one of ISSUE_KINDS
    day: date
    unit_name: str
    child: str
    message: str
    # True when the copy's mark was written anyway (adjusted), False when it was not.
    written: bool

    @property
    def day_label(self) -> str:
        return fr.long_date(self.day)


@dataclass(frozen=True)
class ImportReport:
    copy_id: str
    site: str
    start: date
    end: date
    exported_at: datetime
    dry_run: bool
    marks_in_copy: int
    added: int
    updated: int
    unchanged: int
    closings_added: int
    issues: tuple[ImportIssue, ...] = field(default_factory=tuple)

    @property
    def changes(self) -> int:
        return self.added + self.updated + self.closings_added

    @property
    def conflicts(self) -> tuple[ImportIssue, ...]:
        """Marks of the copy not written because the main database disagrees."""
        return tuple(issue for issue in self.issues if not issue.written)


@dataclass
class Tally:
    """Counts and issues while merging."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    closings_added: int = 0
    issues: list[ImportIssue] = field(default_factory=list)

    def refuse(self, kind: str, day: date, unit: str, child: str, message: str) -> None:
        self.issues.append(ImportIssue(kind, day, unit, child, message, False))


class DryRun(Exception):
    """Raised inside the unit of work of a dry run: everything is rolled back."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def mark_text(present: bool | None, unexpected: bool = False) -> str:
    if present is None:
        return "non pointé"
    if not present:
        return "absent"
    return "présent (inattendu)" if unexpected else "présent"
