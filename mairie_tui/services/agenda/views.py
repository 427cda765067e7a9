"""What the family agenda shows: one row per child × activity, custody, the recap, a result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mairie_tui.domain.billing import TariffBook
from mairie_tui.domain.draft import RecapLine
from mairie_tui.services.bookings.views import BookingSession

CUSTODY_MODE_LABELS = {"odd_even": "semaines paires / impaires", "custom": "semaines choisies"}


@dataclass(frozen=True)
class RepresentativeView:
    """A representative (or co-representative) of the household, for custody and mail."""

    id: int
    name: str  # « Mme Claire FAMILLE AGENDA »
    short_name: str  # « Mme Claire »
    last_name: str
    email: str | None
    role: str


@dataclass(frozen=True)
class CustodyView:
    """Alternating custody of a child: who has the child in a given ISO week.

    `odd_even`: the first representative has the odd ISO weeks, the second the
    even ones. `custom`: the first has the weeks listed in `weeks`, the second
    the others.
    """

    child_id: int
    mode: str
    first_representative_id: int
    second_representative_id: int
    weeks: frozenset[int] = frozenset()
    first_name: str = ""
    second_name: str = ""

    def first_has(self, day: date) -> bool:
        week = day.isocalendar().week
        if self.mode == "odd_even":
            return week % 2 == 1
        return week in self.weeks

    def representative_for(self, day: date) -> int | None:
        """The person id of the representative who has the child on `day`'s ISO week."""
        return (
            self.first_representative_id if self.first_has(day) else self.second_representative_id
        )

    def label(self, day: date) -> str:
        """« semaine de Mme Claire » for the agenda."""
        name = self.first_name if self.first_has(day) else self.second_name
        return f"semaine de {name}" if name else "garde alternée"

    def describe(self) -> str:
        """« garde alternée : Mme Claire les semaines impaires, M. Marc les semaines paires »."""
        if self.mode == "odd_even":
            first, second = "les semaines impaires", "les semaines paires"
        else:
            listed = ", ".join(str(week) for week in sorted(self.weeks)) or "aucune"
            first, second = f"les semaines {listed}", "les autres semaines"
        return f"garde alternée : {self.first_name} {first}, {self.second_name} {second}"


@dataclass
class AgendaRow:
    """One child × activity of the household (an active enrolment) and its draft."""

    booking: BookingSession
    custody: CustodyView | None = None

    @property
    def enrolment_id(self) -> int:
        return self.booking.enrolment.id

    @property
    def title(self) -> str:
        """`Paul - Restauration scolaire Mons`."""
        return self.booking.enrolment.title


@dataclass(frozen=True)
class AgendaPricing:
    """What the recap needs to estimate a cost: the household's QF and commune (the
    activity's code and commune are in each row's EnrolmentSummary, the tariff book
    in FamilyAgenda.tariffs)."""

    quotient_familial: int | None
    qf_valid_until: date | None
    commune_insee: str


@dataclass
class FamilyAgenda:
    """The whole family's enrolments in one draft each, read in one go."""

    household_id: int
    household_name: str
    rows: list[AgendaRow]
    representatives: list[RepresentativeView]
    dossier: str = ""
    household_email: str | None = None
    # The household's usual address (representative's, else the household's).
    recipient: str | None = None
    pricing: AgendaPricing | None = None
    tariffs: TariffBook | None = None  # None when the régie has no tariff

    def dirty(self) -> bool:
        return any(row.booking.draft.dirty for row in self.rows)

    def row(self, enrolment_id: int) -> AgendaRow:
        for row in self.rows:
            if row.enrolment_id == enrolment_id:
                return row
        raise KeyError(enrolment_id)

    def representative(self, person_id: int) -> RepresentativeView | None:
        return next((r for r in self.representatives if r.id == person_id), None)

    @property
    def children(self) -> list[tuple[int, str]]:
        """(child id, first name) in agenda order, each child once."""
        seen: dict[int, str] = {}
        for row in self.rows:
            seen.setdefault(row.booking.enrolment.child_id, row.booking.enrolment.child_name)
        return list(seen.items())


@dataclass(frozen=True)
class FamilyRecapGroup:
    """The recap of one child × activity: its lines and what they add and remove."""

    child_name: str
    activity_name: str
    enrolment_id: int
    lines: list[RecapLine]
    added: int
    removed: int
    estimated_cost_cents: int | None = None


@dataclass(frozen=True)
class FamilyValidationResult:
    request_numbers: list[str]
    recipients: list[str]
    groups: list[FamilyRecapGroup]
    mail_queued: bool
    request_ids: list[int] = field(default_factory=list)
