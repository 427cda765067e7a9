"""« Simulation des tarifs » and the tariff grids it reads (the supervisor replaces a grid)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain.catalogue import (
    FieldContext,
    FieldValue,
    validate_answers,
)
from mairie_tui.domain.tariffs import (
    GridRow,
    TariffGrid,
    compare,
    euros,
    family_parts,
    quotient_familial,
)
from mairie_tui.models import (
    Activity,
    Enrolment,
    Household,
    Person,
)
from mairie_tui.models.demarches import TariffBracket
from mairie_tui.services.common import (
    Actor,
    audit,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    InvalidAnswers,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests.demarches import catalogue, demarche_of
from mairie_tui.services.requests.lookups import children_of, household_of
from mairie_tui.services.transactions import lock_rows
from mairie_tui.services.uow import writing


@dataclass(frozen=True)
class SimulationLine:
    activity: str
    current_price: Decimal
    new_price: Decimal
    current_bracket: str
    new_bracket: str
    default_grid: bool

    @property
    def difference(self) -> Decimal:
        return self.new_price - self.current_price


@dataclass(frozen=True)
class Simulation:
    parts: Decimal
    quotient: int
    current_quotient: int | None
    lines: tuple[SimulationLine, ...]

    def summary(self) -> tuple[str, ...]:
        """The simulation in French lines (recap, mail, request page)."""
        parts = f"{self.parts.normalize():f}".replace(".", ",")
        current = "inconnu" if self.current_quotient is None else str(self.current_quotient)
        text = [f"Quotient familial simulé : {self.quotient} ({parts} parts) ; actuel : {current}"]
        for line in self.lines:
            text.append(
                f"{line.activity} : {euros(line.current_price)} actuellement → "
                f"{euros(line.new_price)} ({line.new_bracket})"
            )
        return tuple(text)


def _grid(session: Session, activity: Activity | None) -> tuple[TariffGrid, bool]:
    if activity is not None and activity.id is not None:
        rows = session.exec(
            select(TariffBracket).where(TariffBracket.activity_id == activity.id)
        ).all()
        if rows:
            return (
                TariffGrid.of(
                    [GridRow(r.min_qf, r.max_qf, Decimal(r.price_cents) / 100) for r in rows]
                ),
                False,
            )
    kind = activity.kind if activity is not None else "canteen"
    spec = catalogue().tariff_grids.get(kind) or catalogue().tariff_grids.get("canteen")
    if spec is None:
        raise ServiceError("Aucune grille de tarifs n'est définie.")
    return TariffGrid.of(spec), True


def simulate(
    session: Session, household: Household | None, values: Mapping[str, FieldValue]
) -> Simulation:
    def number(key: str) -> Decimal:
        value = values.get(key)
        return Decimal(str(value)) if value is not None else Decimal(0)

    children = int(number("enfants"))
    aeeh = int(number("enfants_aeeh"))
    if aeeh > children:
        raise InvalidAnswers(
            {"enfants_aeeh": "Plus d'enfants bénéficiant de l'AEEH que d'enfants à charge."}
        )
    parts = family_parts(
        couple=values.get("situation") == "couple", children=children, aeeh_children=aeeh
    )
    qf = quotient_familial(
        annual_income=number("revenu_annuel"),
        monthly_benefits=number("prestations_mensuelles"),
        parts=parts,
    )
    current = household.quotient_familial if household is not None else None
    activities: list[Activity | None] = []
    if household is not None and household.id is not None:
        activities = list(
            session.exec(
                select(Activity)
                .join(Enrolment, col(Enrolment.activity_id) == Activity.id)
                .join(Person, col(Person.id) == Enrolment.person_id)
                .where(Person.household_id == household.id, Enrolment.status == "active")
                .distinct()
                .order_by(col(Activity.name))
            ).all()
        )
    if not activities:
        activities = [None]
    lines = []
    for activity in activities:
        grid, default = _grid(session, activity)
        side = compare(grid, current_qf=current, new_qf=qf)
        lines.append(
            SimulationLine(
                activity=activity.name if activity is not None else "Restauration scolaire",
                current_price=side.current_price,
                new_price=side.new_price,
                current_bracket=side.current_bracket,
                new_bracket=side.new_bracket,
                default_grid=default,
            )
        )
    return Simulation(parts=parts, quotient=qf, current_quotient=current, lines=tuple(lines))


@requires("demarches.lire")
def simulate_tariffs(
    engine: Engine,
    answers: Mapping[str, str | None],
    *,
    household_id: int | None,
    actor: Actor,
    clock: Clock,
) -> Simulation:
    """The simulation without filing anything (the screen's live side-by-side)."""
    require_counter_agent(actor)
    demarche = demarche_of("simulation_tarifs")
    with read_session(engine) as session:
        household = household_of(session, household_id)
        context = FieldContext(today=clock.today(), children=children_of(session, household_id))
        checked = validate_answers(demarche, answers, context)
        if not checked.ok:
            raise InvalidAnswers(checked.errors)
        return simulate(session, household, checked.values)


@requires("tarifs.modifier")
def set_tariff_grid(
    engine: Engine,
    activity_id: int,
    rows: Sequence[tuple[int, int | None, Decimal]],
    *,
    actor: Actor,
    clock: Clock,
) -> None:
    """Replace an activity's tariff grid (supervisor): rows (min QF, max QF or None, price)."""
    if not actor.is_supervisor:
        raise PermissionDenied("Seul un superviseur peut modifier une grille de tarifs.")
    grid = TariffGrid.of([GridRow(low, high, price) for low, high, price in rows])
    problems = grid.problems()
    if problems:
        raise RuleViolation(
            "Grille de tarifs invalide : " + " ; ".join(problems), problems=problems
        )
    with writing(engine, "modification de grille de tarifs") as session:
        # The activity's row lock serialises two desks replacing the same grid.
        if not lock_rows(session, Activity, [activity_id]):
            raise NotFoundError.numbered("Activité", activity_id)
        for old in session.exec(
            select(TariffBracket).where(TariffBracket.activity_id == activity_id)
        ):
            session.delete(old)
        session.flush()
        for row in grid.rows:
            session.add(
                TariffBracket(
                    activity_id=activity_id,
                    min_qf=row.min_qf,
                    max_qf=row.max_qf,
                    price_cents=int(row.price * 100),
                )
            )
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="tariff.set",
            entity="activity",
            entity_id=activity_id,
            details={"rows": [[r.min_qf, r.max_qf, str(r.price)] for r in grid.rows]},
        )
