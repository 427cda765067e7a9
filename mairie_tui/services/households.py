"""A household as the Foyer screen shows it: members, enrolments, requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from mairie_tui.db import read_session
from mairie_tui.models import Household, Person, Request
from mairie_tui.services.bookings import EnrolmentSummary, enrolments_of
from mairie_tui.services.common import Actor, require_counter_agent
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests import status_label, type_label
from mairie_tui.services.uow import get_or_404


@dataclass(frozen=True)
class PersonView:
    id: int
    role: str
    civility: str | None
    first_name: str
    last_name: str
    birth_date: date | None
    phone: str | None
    email: str | None
    school: str | None
    school_class: str | None

    @property
    def full_name(self) -> str:
        """`Test 1 FAMILLE TEST`, as the portal writes it."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class RequestSummary:
    id: int
    number: str
    type: str
    status: str
    created_at: datetime

    @property
    def type_label(self) -> str:
        return type_label(self.type)

    @property
    def status_label(self) -> str:
        return status_label(self.status, self.type)


@dataclass(frozen=True)
class HouseholdView:
    id: int
    dossier: str
    address: str
    postcode: str
    commune_name: str
    phone: str | None
    email: str | None
    quotient_familial: int | None
    qf_valid_until: date | None
    version: int
    representative: PersonView | None
    co_representatives: list[PersonView]
    children: list[PersonView]
    authorised: list[PersonView]
    enrolments: list[EnrolmentSummary]
    requests: list[RequestSummary]


def _person(person: Person) -> PersonView:
    assert person.id is not None
    return PersonView(
        id=person.id,
        role=person.role,
        civility=person.civility,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        phone=person.phone,
        email=person.email,
        school=person.school,
        school_class=person.school_class,
    )


@requires("foyers.lire")
def get_household(
    engine: Engine, household_id: int, *, actor: Actor, recent_requests: int = 20
) -> HouseholdView:
    """Everything the Foyer screen shows, loaded in a handful of queries (not for school staff)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        household = get_or_404(session, Household, household_id)
        assert household.id is not None
        members = [
            _person(person)
            for person in session.exec(
                select(Person)
                .where(Person.household_id == household_id)
                .order_by(col(Person.position), col(Person.id))
            )
        ]
        requests = [
            RequestSummary(
                id=request.id,
                number=request.number,
                type=request.type,
                status=request.status,
                created_at=request.created_at,
            )
            for request in session.exec(
                select(Request)
                .where(Request.household_id == household_id)
                .order_by(col(Request.created_at).desc(), col(Request.id).desc())
                .limit(recent_requests)
            )
            if request.id is not None
        ]
        representatives = [m for m in members if m.role == "representative"]
        return HouseholdView(
            id=household.id,
            dossier=household.dossier,
            address=household.address,
            postcode=household.postcode,
            commune_name=household.commune_name,
            phone=household.phone,
            email=household.email,
            quotient_familial=household.quotient_familial,
            qf_valid_until=household.qf_valid_until,
            version=household.version,
            representative=representatives[0] if representatives else None,
            co_representatives=[m for m in members if m.role == "co_representative"],
            children=[m for m in members if m.role == "child"],
            authorised=[m for m in members if m.role == "authorised"],
            enrolments=enrolments_of(session, household_id),
            requests=requests,
        )
