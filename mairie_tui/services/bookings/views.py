"""What the booking screens show: an enrolment, the draft being edited, a month, a result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import UnitInfo
from mairie_tui.domain.draft import BookingDraft, CellView, RecapLine
from mairie_tui.domain.menus import MenuDay
from mairie_tui.models import Activity, Enrolment, Person

LIVE_STATUSES = ("booked", "pending")
ENROLMENT_STATUS_LABELS = {"pending": "Pré-inscription", "active": "Inscrit", "ended": "Terminée"}


@dataclass(frozen=True)
class EnrolmentSummary:
    id: int
    child_id: int
    child_name: str
    activity_id: int
    activity_name: str
    site: str
    kind: str
    start: date
    end: date
    status: str
    # For the régie's tariffs (family agenda's estimated cost).
    activity_code: str = ""
    commune_insee: str = ""

    @property
    def period_text(self) -> str:
        """`du 01/09/2020 au 06/07/2021`."""
        return fr.period(self.start, self.end)

    @property
    def title(self) -> str:
        """`Jeannot - Restauration scolaire Mons`."""
        return f"{self.child_name} - {self.activity_name}"

    @property
    def status_label(self) -> str:
        return ENROLMENT_STATUS_LABELS.get(self.status, self.status)


def summary_of(enrolment: Enrolment, child: Person, activity: Activity) -> EnrolmentSummary:
    # For the type checker: rows read from the database always have their ids (`and` →
    # `or` changes nothing observable).
    assert enrolment.id is not None and child.id is not None and activity.id is not None  # pragma: no mutate
    return EnrolmentSummary(
        id=enrolment.id,
        child_id=child.id,
        child_name=child.first_name,
        activity_id=activity.id,
        activity_name=activity.name,
        site=activity.site,
        kind=activity.kind,
        start=enrolment.start_date,
        end=enrolment.end_date,
        status=enrolment.status,
        activity_code=activity.code,
        commune_insee=activity.commune_insee,
    )


@dataclass
class BookingSession:
    """What step 1 edits: the draft over an enrolment, with the version it was loaded at."""

    enrolment: EnrolmentSummary
    household_id: int
    version: int
    draft: BookingDraft
    units: tuple[UnitInfo, ...]
    rule_text: str
    recipient: str | None
    # The site's menus over the period, by day (canteen and périscolaire only): read once
    # when the booking opens, shown on the grid's status line.
    menus: dict[date, MenuDay] = field(default_factory=dict)

    def initial_day(self, today: date) -> date:
        """Today if inside the period, else the first day of the period."""
        if today <= self.enrolment.end:
            return max(today, self.enrolment.start)
        return self.enrolment.start


@dataclass(frozen=True)
class ValidationResult:
    request_id: int
    request_number: str
    recipient: str | None
    mail_queued: bool
    lines: list[RecapLine]
    forced: int = 0


@dataclass(frozen=True)
class DayView:
    day: date
    in_month: bool
    cells: tuple[tuple[str, CellView], ...]


@dataclass(frozen=True)
class MonthView:
    title: str
    enrolment: EnrolmentSummary
    weeks: tuple[tuple[int, tuple[DayView, ...]], ...]
    counts: dict[str, int] = field(default_factory=dict)
