"""What the staff lists return: plain, minimal data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from mairie_tui.domain import fr, menus
from mairie_tui.domain.menus import MenuDay

CONTACT_ROLES = ("representative", "co_representative", "authorised")
CONTACT_LABELS = {
    "representative": "Représentant légal",
    "co_representative": "Co-représentant",
    "authorised": "Personne autorisée",
    "household": "Téléphone du foyer",
}
BOOKING_LABELS = {"booked": "Réservé", "pending": "En attente", "none": "Non réservé"}
KNOWN_ROLES = ("agent", "supervisor", "staff")


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str
    activity_id: int
    activity_code: str
    activity_name: str
    kind: str
    weekdays: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.activity_name} — {self.name}"


@dataclass(frozen=True)
class SiteSummary:
    site: str
    units: tuple[UnitChoice, ...]

    @property
    def activity_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(unit.activity_name for unit in self.units))


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str | None

    @property
    def role_label(self) -> str:
        return CONTACT_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class AbsenceInfo:
    reason: str
    justified: bool
    start_date: date
    end_date: date

    @property
    def label(self) -> str:
        status = "justifiée" if self.justified else "non justifiée"
        return f"{self.reason} ({status}, {fr.period(self.start_date, self.end_date)})"


@dataclass(frozen=True)
class Mark:
    enrolment_id: int
    day: date
    unit_id: int
    present: bool
    unexpected: bool
    agent_name: str | None
    marked_at: datetime
    origin: str

    @property
    def label(self) -> str:
        if not self.present:
            return "Absent"
        return "Présent (inattendu)" if self.unexpected else "Présent"


@dataclass(frozen=True)
class ChildLine:
    enrolment_id: int
    person_id: int
    first_name: str
    last_name: str
    birth_date: date | None
    school_class: str | None
    booking: str  # "booked", "pending" or "none"
    absence: AbsenceInfo | None
    mark: Mark | None
    contacts: tuple[Contact, ...]
    # Allergies, diet and PAI (staff of the site and agents only see lists at all).
    allergens: tuple[str, ...] = ()
    diet: str | None = None
    pai_until: date | None = None
    # The child's allergens that the day's menu contains: to flag.
    menu_allergens: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def diet_label(self) -> str:
        """`allergies : arachide · sans porc · PAI` (empty without any)."""
        parts = []
        if self.allergens:
            parts.append(f"allergies : {menus.allergen_names(self.allergens)}")
        if self.diet:
            parts.append(menus.diet_name(self.diet))
        if self.pai_until is not None:
            parts.append(f"PAI jusqu'au {fr.short_date(self.pai_until)}")
        return " · ".join(parts)

    @property
    def menu_alert(self) -> str:
        """`ALLERGIE AU MENU : arachide` when the day's menu holds one of its allergens."""
        if not self.menu_allergens:
            return ""
        return f"ALLERGIE AU MENU : {menus.allergen_names(self.menu_allergens)}"

    @property
    def booking_label(self) -> str:
        return BOOKING_LABELS[self.booking]


@dataclass(frozen=True)
class DayCounts:
    enrolled: int
    booked: int
    pending: int
    not_booked: int
    absences: int
    present: int
    absent: int
    unexpected: int
    unmarked: int  # booked children not ticked yet


@dataclass(frozen=True)
class DayList:
    site: str
    activity_name: str
    unit_id: int
    unit_name: str
    day: date
    # Why the unit does not run that day (holiday, closure, weekday), if so.
    note: str | None
    closed: bool
    closed_by: str | None
    closed_at: datetime | None
    can_mark: bool
    copy_id: str | None
    counts: DayCounts
    children: tuple[ChildLine, ...]
    # The kitchen's menu of the site that day, if imported.
    menu: MenuDay | None = None

    @property
    def flagged(self) -> tuple[ChildLine, ...]:
        """The children whose allergens are in the day's menu."""
        return tuple(c for c in self.children if c.menu_allergens)

    @property
    def day_label(self) -> str:
        return fr.long_date(self.day)

    @property
    def booked(self) -> tuple[ChildLine, ...]:
        return tuple(c for c in self.children if c.booking == "booked")

    @property
    def pending(self) -> tuple[ChildLine, ...]:
        return tuple(c for c in self.children if c.booking == "pending")

    @property
    def not_booked(self) -> tuple[ChildLine, ...]:
        return tuple(c for c in self.children if c.booking == "none")


@dataclass(frozen=True)
class ClosingInfo:
    unit_id: int
    day: date
    closed_by: str | None
    closed_at: datetime
    present: int
    absent: int
    unmarked: int


@dataclass(frozen=True)
class HeadcountRow:
    site: str
    activity_name: str
    unit_id: int
    unit_name: str
    day: date
    booked: int
    pending: int
    # From pointage, for today and past days only (None for days to come).
    present: int | None
    absent: int | None
    unexpected: int | None
    closed: bool
    # Special diets of the booked children, by French name: {« arachide »: 1, « sans porc »: 2}.
    diets: dict[str, int] = field(default_factory=dict)

    @property
    def day_label(self) -> str:
        return fr.long_date(self.day)
