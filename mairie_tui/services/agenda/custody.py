"""A child's alternating custody between the household's two representatives.

`set_custody` records who has the child in which ISO week (odd / even weeks,
or a list of weeks for the first representative); `clear_custody` removes it.
The family agenda shows it and sends each booking confirmation to the
representative whose weeks were changed. `custody_people` finds, by dossier
and first names as the command line gives them, the child and the two
representatives.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.models import CUSTODY_MODES, Custody, Household, Person
from mairie_tui.services.agenda.loading import custody_of, custody_view, representatives_of
from mairie_tui.services.agenda.views import CustodyView, RepresentativeView
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import NotFoundError, RuleViolation
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import get_or_404, writing

ISO_WEEKS = range(1, 54)


@dataclass(frozen=True)
class CustodyPeople:
    """A child, the household's representatives and the child's custody, if any."""

    household_id: int
    child_id: int
    child_name: str
    representatives: list[RepresentativeView]
    custody: CustodyView | None

    def representative(self, text: str) -> RepresentativeView:
        """The representative named `text` (first name, full name or e-mail, any case)."""
        wanted = _plain(text)
        found = [
            person
            for person in self.representatives
            if wanted
            in {
                _plain(person.short_name.split(" ", 1)[-1]),
                _plain(person.short_name),
                _plain(person.name),
                _plain(person.email or ""),
            }
        ]
        if len(found) != 1:
            names = ", ".join(person.name for person in self.representatives) or "aucun"
            raise NotFoundError(
                f"Représentant « {text[:80]} » introuvable dans ce foyer (représentants : {names}).",
                field="parent",
            )
        return found[0]

    def other(self, person: RepresentativeView) -> RepresentativeView:
        others = [r for r in self.representatives if r.id != person.id]
        if not others:
            raise RuleViolation("Le foyer n'a qu'un représentant : pas de garde alternée possible.")
        return others[0]


def _plain(text: str) -> str:
    """Lower case, without accents, spaces collapsed: « Léa » and « lea » match."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@requires("foyers.lire")
def custody_people(engine: Engine, dossier: str, child_name: str, *, actor: Actor) -> CustodyPeople:
    """The child of household `dossier` whose first name is `child_name`, its representatives
    and its custody (any case, accents optional)."""
    with read_session(engine) as session:
        household_id = session.exec(
            select(Household.id).where(Household.dossier == dossier.strip().upper())
        ).first()
        if household_id is None:
            raise NotFoundError(f"Foyer introuvable (dossier {dossier[:20]}).", field="dossier")
        children = session.exec(
            select(Person).where(Person.household_id == household_id, Person.role == "child")
        ).all()
        found = [c for c in children if _plain(c.first_name) == _plain(child_name)]
        if len(found) != 1 or found[0].id is None:
            names = ", ".join(c.first_name for c in children) or "aucun"
            raise NotFoundError(
                f"Enfant « {child_name[:80]} » introuvable dans ce foyer (enfants : {names}).",
                field="child",
            )
        child = found[0]
        assert child.id is not None
        representatives = representatives_of(session, household_id)
        custody = custody_of(session, [child.id], representatives).get(child.id)
        return CustodyPeople(household_id, child.id, child.first_name, representatives, custody)


@requires("foyers.modifier")
@write_use_case(retry_on_duplicate=True)
def set_custody(
    engine: Engine,
    child_id: int,
    *,
    mode: str,
    first_representative_id: int,
    second_representative_id: int,
    weeks: list[int] | None,
    actor: Actor,
    clock: Clock,
) -> CustodyView:
    """Record the child's alternating custody: `odd_even` (the first representative has the
    odd ISO weeks) or `custom` (the first has `weeks`, the second the others)."""
    chosen = _weeks(mode, weeks)
    now = clock.now()
    with writing(engine, "garde alternée") as session:
        child = _child(session, child_id)
        names = _check_representatives(
            session, child, first_representative_id, second_representative_id
        )
        row = session.exec(select(Custody).where(Custody.child_id == child_id)).first()
        before = None if row is None else {"mode": row.mode, "weeks": row.weeks}
        if row is None:
            row = Custody(
                child_id=child_id,
                mode=mode,
                first_representative_id=first_representative_id,
                second_representative_id=second_representative_id,
                updated_at=now,
            )
        row.mode = mode
        row.first_representative_id = first_representative_id
        row.second_representative_id = second_representative_id
        row.weeks = ",".join(str(week) for week in chosen)
        row.updated_at, row.updated_by = now, actor.id
        session.add(row)
        session.flush()
        audit(
            session,
            at=now,
            actor=actor,
            action="custody.set",
            entity="person",
            entity_id=child_id,
            details={
                "mode": mode,
                "first": first_representative_id,
                "second": second_representative_id,
                "weeks": row.weeks,
                "before": before,
            },
        )
        return custody_view(row, names)


@requires("foyers.modifier")
@write_use_case()
def clear_custody(engine: Engine, child_id: int, *, actor: Actor, clock: Clock) -> bool:
    """Remove the child's alternating custody; False when it had none."""
    now = clock.now()
    with writing(engine, "garde alternée") as session:
        _child(session, child_id)
        row = session.exec(select(Custody).where(Custody.child_id == child_id)).first()
        if row is None:
            return False
        session.delete(row)
        audit(
            session,
            at=now,
            actor=actor,
            action="custody.clear",
            entity="person",
            entity_id=child_id,
            details={"mode": row.mode, "weeks": row.weeks},
        )
        return True


def _weeks(mode: str, weeks: list[int] | None) -> list[int]:
    if mode not in CUSTODY_MODES:
        raise RuleViolation(f"Mode de garde inconnu : « {mode[:40]} » (odd_even ou custom).")
    if mode == "odd_even":
        if weeks:
            raise RuleViolation("Semaines paires / impaires : pas de liste de semaines.")
        return []
    chosen = sorted(set(weeks or []))
    if not chosen:
        raise RuleViolation("Garde par semaines choisies : donnez au moins une semaine.")
    wrong = [week for week in chosen if week not in ISO_WEEKS]
    if wrong:
        raise RuleViolation(f"Semaine invalide : {wrong[0]} (de 1 à 53).")
    return chosen


def _child(session: Session, child_id: int) -> Person:
    return get_or_404(
        session,
        Person,
        child_id,
        f"Enfant introuvable (n° {child_id}).",
        where=lambda person: person.role == "child",
    )


def _check_representatives(
    session: Session, child: Person, first: int, second: int
) -> dict[int, str]:
    """Both are representatives of the child's household, and two different people;
    their short names by id."""
    if first == second:
        raise RuleViolation("La garde alternée se partage entre deux représentants différents.")
    representatives = {r.id: r for r in representatives_of(session, child.household_id)}
    for person_id in (first, second):
        if person_id not in representatives:
            raise NotFoundError(
                f"Représentant introuvable dans le foyer de {child.first_name} (n° {person_id})."
            )
    return {person_id: r.short_name for person_id, r in representatives.items()}


__all__ = [
    "CustodyPeople",
    "clear_custody",
    "custody_people",
    "set_custody",
]
