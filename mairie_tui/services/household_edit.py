"""Create and edit households at the counter: validation, duplicates, optimistic locking.

A household is saved whole (its members with it) in one transaction, audited,
and its search document refreshed in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import menus
from mairie_tui.domain.household_rules import (
    CleanHousehold,
    HouseholdInput,
    PersonInput,
    validate_household,
)
from mairie_tui.models import Enrolment, Household, Person
from mairie_tui.services.common import (
    Actor,
    audit,
    changes,
    fields_of,
    next_numbers,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    ConflictError,
    DuplicateCandidate,
    InvalidHousehold,
    PossibleDuplicates,
    ServiceError,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.schema_limits import schema_limits
from mairie_tui.services.search import normalise, reindex_household, search_households
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import get_or_404, writing


@dataclass(frozen=True)
class SavedHousehold:
    id: int
    dossier: str
    version: int


def _clean(data: HouseholdInput, clock: Clock) -> CleanHousehold:
    clean, report = validate_household(data, clock.today(), schema_limits())
    if clean is None:
        raise InvalidHousehold(report.errors)
    return clean


def _same_contact(session: Session, clean: CleanHousehold, found: dict[int, str]) -> None:
    """Households sharing the e-mail or the phone of the new one (reasons added to `found`)."""
    data = clean.data
    rep = data.representative
    emails = {e for e in (data.email, rep.email) if e}
    phones = {p for p in (data.phone, rep.phone) if p}
    if emails:
        lowered = [e.lower() for e in emails]
        for (household_id,) in session.execute(
            select(Household.id)
            .where(func.lower(Household.email).in_(lowered))
            .union(
                select(Person.household_id).where(
                    func.lower(Person.email).in_(lowered),
                    col(Person.role).in_(("representative", "co_representative")),
                )
            )
        ):
            found.setdefault(household_id, "même e-mail")
    if phones:
        for (household_id,) in session.execute(
            select(Household.id)
            .where(col(Household.phone).in_(phones))
            .union(
                select(Person.household_id).where(
                    col(Person.phone).in_(phones),
                    col(Person.role).in_(("representative", "co_representative")),
                )
            )
        ):
            found.setdefault(household_id, "même téléphone")


def _duplicates(
    session: Session, clean: CleanHousehold, exclude_id: int | None
) -> list[DuplicateCandidate]:
    data = clean.data
    rep = data.representative
    found: dict[int, str] = {}
    words = f"{rep.first_name} {rep.last_name}"
    hit_ids = [hit.id for hit in search_households(session, words, limit=50)]
    # One query for every hit's (co-)representatives, one for their households' addresses.
    same_name = [
        (household_id, born)
        for household_id, first, last, born in session.exec(
            select(
                col(Person.household_id),
                col(Person.first_name),
                col(Person.last_name),
                col(Person.birth_date),
            ).where(
                col(Person.household_id).in_(hit_ids),
                col(Person.role).in_(("representative", "co_representative")),
            )
        ).all()
        if normalise(first) == normalise(rep.first_name)
        and normalise(last) == normalise(rep.last_name)
    ]
    address = normalise(data.address or "")
    addresses = dict(
        (household_id, (normalise(their_address or ""), insee))
        for household_id, their_address, insee in session.exec(
            select(col(Household.id), col(Household.address), col(Household.commune_insee)).where(
                col(Household.id).in_({household_id for household_id, _ in same_name})
            )
        ).all()
    )
    for household_id, born in same_name:
        if rep.birth_date is not None and born == rep.birth_date:
            found[household_id] = "même nom et date de naissance"
        elif address and addresses.get(household_id) == (address, clean.commune_insee):
            found.setdefault(household_id, "même nom et même adresse")
    _same_contact(session, clean, found)
    found.pop(exclude_id or -1, None)
    candidates = []
    for household_id, reason in sorted(found.items()):
        household = session.get(Household, household_id)
        if household is None:
            continue
        representative = session.exec(
            select(Person).where(
                Person.household_id == household_id, Person.role == "representative"
            )
        ).first()
        candidates.append(
            DuplicateCandidate(
                household_id=household_id,
                dossier=household.dossier,
                representative=f"{representative.first_name} {representative.last_name}"
                if representative
                else "",
                commune=household.commune_name,
                reason=reason,
            )
        )
    return candidates


@requires("foyers.lire")
def find_duplicates(
    engine: Engine,
    data: HouseholdInput,
    clock: Clock,
    *,
    exclude_id: int | None = None,
    actor: Actor,
) -> list[DuplicateCandidate]:
    """Households that look like `data` (validated first)."""
    clean = _clean(data, clock)
    with read_session(engine) as session:
        return _duplicates(session, clean, exclude_id)


def next_dossiers(session: Session, count: int) -> list[str]:
    """Reserve `count` dossier numbers (F-000123) in the caller's transaction.

    The counter starts after the highest dossier already there (demo, imports);
    next_numbers creates it race-free and its UPDATE takes the row lock, so two
    desks never get the same number.
    """

    def highest() -> int:
        found = session.exec(
            select(func.max(Household.dossier)).where(col(Household.dossier).like("F-%"))
        ).one()
        return int(found[2:]) if found and found[2:].isdigit() else 0

    return [f"F-{n:06d}" for n in next_numbers(session, "dossier", count, start=highest)]


def next_dossier(session: Session) -> str:
    """One new dossier number."""
    return next_dossiers(session, 1)[0]


def _member_rows(household_id: int, clean: CleanHousehold) -> list[tuple[PersonInput, str]]:
    data = clean.data
    rows = [(data.representative, "representative")]
    rows += [(p, "co_representative") for p in data.co_representatives]
    rows += [(p, "child") for p in data.children]
    rows += [(p, "authorised") for p in data.authorised]
    return rows


def _apply_person(person: Person, source: PersonInput, role: str, position: int) -> None:
    person.role = role
    person.civility = source.civility
    person.first_name = source.first_name
    person.last_name = source.last_name
    person.birth_date = source.birth_date
    person.phone = source.phone
    person.email = source.email
    person.school = source.school if role == "child" else None
    person.school_class = source.school_class if role == "child" else None
    child = role == "child"
    person.allergens = menus.join_codes(source.allergens) if child else ""
    person.diet = source.diet if child else None
    person.pai_until = source.pai_until if child else None
    person.pai_document = source.pai_document if child else None
    person.position = position


def _apply_household(household: Household, clean: CleanHousehold, now: datetime) -> None:
    data = clean.data
    household.address = data.address
    household.postcode = clean.postcode
    household.commune_insee = clean.commune_insee
    household.commune_name = clean.commune_name
    household.phone = data.phone
    household.email = data.email
    household.quotient_familial = data.quotient_familial
    household.qf_valid_until = data.qf_valid_until
    household.external_id = data.external_id
    household.updated_at = now


# What the audit trail diffs: every field an agent can edit.
HOUSEHOLD_FIELDS = (
    "address", "postcode", "commune_insee", "commune_name", "phone", "email",
    "quotient_familial", "qf_valid_until", "external_id"
)  # fmt: skip
PERSON_FIELDS = (
    "role", "civility", "first_name", "last_name", "birth_date", "phone", "email",
    "school", "school_class", "allergens", "diet", "pai_until", "pai_document"
)  # fmt: skip


def _person_change(kind: str, person: Person, diff: dict[str, Any]) -> dict[str, Any]:
    """One member in a household's audit row: ajout, retrait or modification."""
    entry: dict[str, Any] = {
        "change": kind,
        "person_id": person.id,
        "role": person.role,
        "name": f"{person.first_name} {person.last_name}",
    }
    if diff:
        entry["changes"] = diff
    return entry


def _check_external_id(session: Session, external_id: str | None, exclude_id: int | None) -> None:
    """Refuse an external id another household holds. The unique constraint backs this
    check up: a desk that loses the race is retried and then stops here."""
    if not external_id:
        return
    query = select(Household.id).where(Household.external_id == external_id)
    if exclude_id is not None:
        query = query.where(col(Household.id) != exclude_id)
    if session.exec(query).first() is not None:
        raise ServiceError(
            f"Identifiant externe déjà utilisé : {external_id}.", field="external_id"
        )


@requires("foyers.modifier")
@write_use_case(retry_on_duplicate=True)
def create_household(
    engine: Engine,
    data: HouseholdInput,
    *,
    actor: Actor,
    clock: Clock,
    allow_duplicates: bool = False,
) -> SavedHousehold:
    """Create a household and its members; PossibleDuplicates unless allowed."""
    require_counter_agent(actor)
    clean = _clean(data, clock)
    now = clock.now()
    with writing(engine, "création de foyer") as session:
        if not allow_duplicates:
            candidates = _duplicates(session, clean, None)
            if candidates:
                raise PossibleDuplicates(candidates)
        _check_external_id(session, clean.data.external_id, None)
        household = Household(
            dossier=next_dossier(session),
            commune_insee="",
            commune_name="",
            created_at=now,
            updated_at=now,
        )
        _apply_household(household, clean, now)
        session.add(household)
        session.flush()
        assert household.id is not None
        added: list[Person] = []
        for position, (source, role) in enumerate(_member_rows(household.id, clean)):
            person = Person(household_id=household.id, role=role, first_name="", last_name="")
            _apply_person(person, source, role, position)
            session.add(person)
            added.append(person)
        session.flush()
        reindex_household(session, household.id)
        audit(
            session,
            at=now,
            actor=actor,
            action="household.create",
            entity="household",
            entity_id=household.id,
            details={
                "dossier": household.dossier,
                "household_id": household.id,
                "changes": changes({}, fields_of(household, HOUSEHOLD_FIELDS)),
                "persons": [
                    _person_change("ajout", p, changes({}, fields_of(p, PERSON_FIELDS)))
                    for p in added
                ],
            },
        )
        return SavedHousehold(household.id, household.dossier, household.version)


@requires("foyers.modifier")
@write_use_case(retry_on_duplicate=True)
def update_household(
    engine: Engine,
    household_id: int,
    data: HouseholdInput,
    *,
    expected_version: int,
    actor: Actor,
    clock: Clock,
    allow_duplicates: bool = False,
) -> SavedHousehold:
    """Save an edited household; ConflictError if another desk saved it in between."""
    require_counter_agent(actor)
    clean = _clean(data, clock)
    now = clock.now()
    with writing(engine, "modification de foyer") as session:
        bumped = session.execute(
            update(Household)
            .where(col(Household.id) == household_id, col(Household.version) == expected_version)
            .values(version=col(Household.version) + 1)
        )
        if bumped.rowcount == 0:  # type: ignore[attr-defined]
            get_or_404(session, Household, household_id)
            raise ConflictError(
                "Un autre poste a modifié ce foyer entre-temps : rechargez la fiche avant d'enregistrer "
                "(rien n'a été écrasé)."
            )
        if not allow_duplicates:
            candidates = _duplicates(session, clean, household_id)
            if candidates:
                raise PossibleDuplicates(candidates)
        _check_external_id(session, clean.data.external_id, household_id)
        household = session.get(Household, household_id)
        assert household is not None
        session.refresh(household)
        before = fields_of(household, HOUSEHOLD_FIELDS)
        _apply_household(household, clean, now)
        session.add(household)
        persons = _save_members(session, household_id, clean)
        reindex_household(session, household_id)
        audit(
            session,
            at=now,
            actor=actor,
            action="household.update",
            entity="household",
            entity_id=household_id,
            details={
                "dossier": household.dossier,
                "household_id": household_id,
                "version": expected_version + 1,
                "changes": changes(before, fields_of(household, HOUSEHOLD_FIELDS)),
                "persons": persons,
            },
        )
        return SavedHousehold(household_id, household.dossier, expected_version + 1)


def _save_members(
    session: Session, household_id: int, clean: CleanHousehold
) -> list[dict[str, Any]]:
    """Add, change and remove the members as the form says; what changed, for the audit."""
    existing = {
        person.id: person
        for person in session.exec(select(Person).where(Person.household_id == household_id))
    }
    before = {pid: fields_of(person, PERSON_FIELDS) for pid, person in existing.items()}
    kept: set[int] = set()
    saved: list[tuple[Person, dict[str, Any] | None]] = []
    for position, (source, role) in enumerate(_member_rows(household_id, clean)):
        if source.id is not None:
            person = existing.get(source.id)
            if person is None:
                raise ServiceError(f"{source.full_name} n'appartient pas à ce foyer.")
            kept.add(source.id)
        else:
            person = Person(household_id=household_id, role=role, first_name="", last_name="")
        _apply_person(person, source, role, position)
        session.add(person)
        saved.append((person, before.get(source.id) if source.id is not None else None))
    removed: list[dict[str, Any]] = []
    for person_id, person in existing.items():
        if person_id in kept:
            continue
        if session.exec(select(Enrolment.id).where(Enrolment.person_id == person_id)).first():
            raise ServiceError(
                f"{person.first_name} {person.last_name} a des inscriptions : "
                "impossible de le retirer du foyer."
            )
        removed.append(_person_change("retrait", person, changes(before[person_id], {})))
        session.delete(person)
    session.flush()
    entries: list[dict[str, Any]] = []
    for person, old in saved:
        diff = changes(old or {}, fields_of(person, PERSON_FIELDS))
        if old is None:
            entries.append(_person_change("ajout", person, diff))
        elif diff:
            entries.append(_person_change("modification", person, diff))
    return entries + removed


@requires("foyers.lire")
def household_input(
    engine: Engine, household_id: int, *, actor: Actor
) -> tuple[HouseholdInput, int]:
    """The form's starting values for an existing household, with its version."""
    with read_session(engine) as session:
        household = get_or_404(session, Household, household_id)
        people = session.exec(
            select(Person)
            .where(Person.household_id == household_id)
            .order_by(col(Person.position), col(Person.id))
        ).all()

        def as_input(person: Person) -> PersonInput:
            return PersonInput(
                role=person.role,
                first_name=person.first_name,
                last_name=person.last_name,
                civility=person.civility,
                birth_date=person.birth_date,
                phone=person.phone,
                email=person.email,
                school=person.school,
                school_class=person.school_class,
                id=person.id,
                allergens=menus.split_codes(person.allergens),
                diet=person.diet,
                pai_until=person.pai_until,
                pai_document=person.pai_document,
            )

        by_role = {
            role: [as_input(p) for p in people if p.role == role]
            for role in ("representative", "co_representative", "child", "authorised")
        }
        representative = (
            by_role["representative"][0]
            if by_role["representative"]
            else PersonInput("representative")
        )
        return (
            HouseholdInput(
                representative=representative,
                address=household.address,
                commune=household.commune_name,
                postcode=household.postcode,
                phone=household.phone,
                email=household.email,
                quotient_familial=household.quotient_familial,
                qf_valid_until=household.qf_valid_until,
                external_id=household.external_id,
                co_representatives=tuple(by_role["co_representative"]),
                children=tuple(by_role["child"]),
                authorised=tuple(by_role["authorised"]),
            ),
            household.version,
        )


__all__ = [
    "SavedHousehold",
    "create_household",
    "find_duplicates",
    "household_input",
    "next_dossier",
    "next_dossiers",
    "require_counter_agent",
    "update_household",
]
