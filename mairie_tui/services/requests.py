"""Démarches filed at the counter: filing, the agents' inbox, a request's page, its workflow.

The wizard (Mon rendez-vous · Mes informations · Ma demande · Le récapitulatif)
is generated from the catalogue (`domain.catalogue`); these functions give it
its context and prefilled values, re-check every answer, and file the request
in one transaction: the numbered Request, its first RequestEvent, audit rows,
the démarche's own effects (appointment, cancelled bookings, simulation) and
the confirmation mail. Each status change allowed by the workflow writes an
event, an audit row and a mail to the family.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

import mairie_tui.models.demarches  # noqa: F401  (registers the démarches tables)
from mairie_tui.clock import PARIS, Clock
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import (
    Catalogue,
    Choice,
    Demarche,
    FieldContext,
    FieldType,
    FieldValue,
    RequiredPiece,
    Step,
    default_catalogue,
    display_value,
    is_shown,
    to_json,
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
from mairie_tui.domain.workflow import STATUS_LABELS_DEFAULT, Transition, WorkflowError
from mairie_tui.models import (
    Activity,
    Agent,
    Document,
    Enrolment,
    Household,
    Person,
    Request,
    RequestEvent,
)
from mairie_tui.models.demarches import TariffBracket
from mairie_tui.services.common import (
    Actor,
    audit,
    queue_email,
    request_number,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.offline import ensure_writable
from mairie_tui.services.transactions import lock_rows, write_use_case

OPEN_STATUSES = ("deposee", "en_cours", "en_attente")
RESULT_KEY = "_resultat"
NON_CATALOGUE_LABELS = {"reservation": "Réservation"}
SIGNATURE = "Mairie Prim' — Alès Agglomération"


class InvalidAnswers(ServiceError):
    """Some answers are wrong: `errors` maps each field code to its French message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors.items()))
        super().__init__(
            first[1] if len(errors) == 1 else f"{len(errors)} réponses à corriger : {first[1]}",
            field=first[0],
        )
        self.errors = dict(errors)


# ---------------------------------------------------------------- plain data for screens


@dataclass(frozen=True)
class RecapItem:
    """One line of « Le récapitulatif » and of the request page."""

    code: str
    label: str
    value: str
    step: str


@dataclass(frozen=True)
class FiledRequest:
    id: int
    number: str
    type: str
    title: str
    status: str
    status_label: str
    recipient: str | None
    mail_queued: bool
    recap: tuple[RecapItem, ...]
    result: tuple[str, ...]
    appointment_at: datetime | None
    pieces: tuple[RequiredPiece, ...]


@dataclass(frozen=True)
class InboxRow:
    id: int
    number: str
    type: str
    type_label: str
    status: str
    status_label: str
    household_id: int | None
    dossier: str | None
    requester: str
    created_at: datetime
    age_days: int
    appointment_at: datetime | None


@dataclass(frozen=True)
class EventLine:
    at: datetime
    status: str
    status_label: str
    agent: str
    comment: str


@dataclass(frozen=True)
class DocumentLine:
    id: int
    kind: str
    kind_label: str
    original_name: str
    media_type: str
    size: int
    valid_until: date | None


@dataclass(frozen=True)
class RequestPage:
    id: int
    number: str
    type: str
    type_label: str
    status: str
    status_label: str
    final: bool
    household_id: int | None
    dossier: str | None
    requester: str
    created_at: datetime
    updated_at: datetime
    version: int
    appointment_at: datetime | None
    answers: tuple[RecapItem, ...]
    result: tuple[str, ...]
    pieces: tuple[RequiredPiece, ...]
    documents: tuple[DocumentLine, ...]
    events: tuple[EventLine, ...]
    transitions: tuple[Transition, ...]

    @property
    def missing_pieces(self) -> tuple[RequiredPiece, ...]:
        """Required pièces with no document of their kind attached to the request."""
        attached = {document.kind for document in self.documents}
        return tuple(p for p in self.pieces if p.required and p.piece.code not in attached)


# ---------------------------------------------------------------- catalogue helpers


def catalogue() -> Catalogue:
    """The shipped catalogue (loaded and checked once; CatalogueError if a file is wrong)."""
    return default_catalogue()


def demarche_of(code: str) -> Demarche:
    found = catalogue().get(code)
    if found is None:
        raise NotFoundError(f"Démarche inconnue : « {code} ».")
    return found


def type_label(code: str) -> str:
    if code in NON_CATALOGUE_LABELS:
        return NON_CATALOGUE_LABELS[code]
    found = catalogue().get(code)
    return found.title if found else code


def status_label(code: str, type_code: str | None = None) -> str:
    found = catalogue().get(type_code) if type_code else None
    if found is not None:
        return found.workflow.label(code)
    return catalogue().status_labels().get(code, STATUS_LABELS_DEFAULT.get(code, code))


# ---------------------------------------------------------------- wizard support


def _children(session: Session, household_id: int | None) -> tuple[Choice, ...]:
    if household_id is None:
        return ()
    return tuple(
        Choice(str(person.id), person.first_name)
        for person in session.exec(
            select(Person)
            .where(Person.household_id == household_id, Person.role == "child")
            .order_by(col(Person.position), col(Person.id))
        )
    )


def _household(session: Session, household_id: int | None) -> Household | None:
    if household_id is None:
        return None
    household = session.get(Household, household_id)
    if household is None:
        raise NotFoundError(f"Foyer introuvable (n° {household_id}).")
    return household


def _representative(session: Session, household_id: int | None) -> Person | None:
    if household_id is None:
        return None
    return session.exec(
        select(Person).where(Person.household_id == household_id, Person.role == "representative")
    ).first()


def form_context(
    engine: Engine, household_id: int | None, *, actor: Actor, clock: Clock
) -> FieldContext:
    """What `validate_field` needs while the agent types (today, the household's children)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        _household(session, household_id)
        return FieldContext(today=clock.today(), children=_children(session, household_id))


def prefill(engine: Engine, code: str, household_id: int | None, *, actor: Actor) -> dict[str, str]:
    """Raw text to put in the wizard's inputs: the catalogue's defaults, then the household's data."""
    require_counter_agent(actor)
    demarche = demarche_of(code)
    with read_session(engine) as session:
        household = _household(session, household_id)
        representative = _representative(session, household_id)
    sources: dict[str, str | None] = {}
    if representative is not None:
        sources.update(
            {
                "representative.civility": representative.civility,
                "representative.first_name": representative.first_name,
                "representative.last_name": representative.last_name,
                "representative.email": representative.email,
                "representative.phone": representative.phone,
            }
        )
    if household is not None:
        sources.update(
            {
                "household.address": household.address,
                "household.postcode": household.postcode,
                "household.commune": household.commune_name,
            }
        )
        # The household's address when the representative has none of their own.
        sources["representative.email"] = sources.get("representative.email") or household.email
        sources["representative.phone"] = sources.get("representative.phone") or household.phone
    values: dict[str, str] = {}
    for spec in demarche.fields:
        text = sources.get(spec.prefill or "") if spec.prefill else None
        if text:
            values[spec.code] = text
        elif spec.default is not None:
            values[spec.code] = spec.default
    return values


def recap_of(
    demarche: Demarche, values: Mapping[str, Any], context: FieldContext | None = None
) -> tuple[RecapItem, ...]:
    """« Le récapitulatif »: each shown and filled field, in form order, as French text."""
    items = []
    for spec in demarche.fields:
        if not is_shown(spec, values) or values.get(spec.code) in (None, ""):
            continue
        items.append(
            RecapItem(
                spec.code,
                spec.label,
                display_value(spec, values[spec.code], context),
                spec.step.value,
            )
        )
    return tuple(items)


def check_answers(
    engine: Engine,
    code: str,
    answers: Mapping[str, str | None],
    *,
    household_id: int | None,
    actor: Actor,
    clock: Clock,
) -> tuple[RecapItem, ...]:
    """Check a whole form (end of « Ma demande »): the recap, or InvalidAnswers."""
    demarche = demarche_of(code)
    context = form_context(engine, household_id, actor=actor, clock=clock)
    checked = validate_answers(demarche, answers, context)
    if not checked.ok:
        raise InvalidAnswers(checked.errors)
    return recap_of(demarche, checked.values, context)


# ---------------------------------------------------------------- filing


def _recipient(session: Session, household_id: int | None, values: Mapping[str, Any]) -> str | None:
    given = values.get("email")
    if isinstance(given, str) and given:
        return given
    representative = _representative(session, household_id)
    if representative is not None and representative.email:
        return representative.email
    household = session.get(Household, household_id) if household_id is not None else None
    return household.email if household is not None else None


def _requester(values: Mapping[str, Any], representative: Person | None) -> str:
    name = " ".join(str(values[k]) for k in ("prenom", "nom") if values.get(k))
    if name:
        return name
    if representative is not None:
        return f"{representative.first_name} {representative.last_name}".strip()
    return ""


def _attach(
    session: Session, document_ids: Sequence[int], household_id: int | None, request_id: int
) -> list[Document]:
    documents = []
    for document_id in document_ids:
        document = session.get(Document, document_id)
        if document is None or document.household_id != household_id:
            raise NotFoundError(f"Pièce introuvable pour ce foyer (n° {document_id}).")
        if document.request_id is not None:
            raise RuleViolation(
                f"La pièce « {document.original_name} » est déjà jointe à une autre demande."
            )
        document.request_id = request_id
        session.add(document)
        documents.append(document)
    return documents


@write_use_case()
def file_request(
    engine: Engine,
    *,
    code: str,
    answers: Mapping[str, str | None],
    actor: Actor,
    clock: Clock,
    household_id: int | None = None,
    appointment_at: datetime | None = None,
    document_ids: Sequence[int] = (),
) -> FiledRequest:
    """File a démarche for a household (or a passer-by with no household) in one transaction.

    `answers` are the raw texts of the form, by field code. Raises InvalidAnswers
    (every wrong field), RuleViolation, ConflictError (appointment slot just taken).
    """
    require_counter_agent(actor)
    demarche = demarche_of(code)
    now = clock.now()
    if any(spec.type is FieldType.CHILD for spec in demarche.fields) and household_id is None:
        raise ServiceError(f"« {demarche.title} » se dépose pour un foyer.", field="household")
    if demarche.appointment is not None and appointment_at is None:
        raise InvalidAnswers({"rendez_vous": "Choisissez un créneau de rendez-vous."})
    if demarche.appointment is None and appointment_at is not None:
        raise ServiceError(f"« {demarche.title} » ne comporte pas de rendez-vous.")
    if demarche.appointment is not None:
        from mairie_tui.services.appointments import ensure_agenda

        ensure_agenda(engine, demarche.appointment)
    with unit_of_work(engine) as session:
        ensure_writable(session, "dépôt de démarche")
        household = _household(session, household_id)
        context = FieldContext(today=clock.today(), children=_children(session, household_id))
        checked = validate_answers(demarche, answers, context)
        if not checked.ok:
            raise InvalidAnswers(checked.errors)
        values = checked.values
        stored: dict[str, Any] = {key: to_json(value) for key, value in values.items()}
        number = request_number(session, now)
        status = demarche.workflow.initial
        request = Request(
            number=number,
            household_id=household_id,
            type=demarche.code,
            status=status,
            answers="{}",
            agent_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        documents = _attach(session, document_ids, household_id, request.id)
        result: list[str] = []
        if demarche.handler == "absence":
            from mairie_tui.services.absences import apply_absence

            assert household_id is not None
            result = apply_absence(
                session,
                request=request,
                household_id=household_id,
                values=values,
                documents=documents,
                actor=actor,
                now=now,
            )
        elif demarche.handler == "simulation":
            simulation = _simulate(session, household, values)
            result = list(simulation.summary())
        elif demarche.appointment is not None:
            from mairie_tui.services.appointments import book_in_session

            assert appointment_at is not None
            booked = book_in_session(
                session,
                spec=demarche.appointment,
                starts_at=appointment_at,
                household_id=household_id,
                request_id=request.id,
                name=_requester(values, _representative(session, household_id)),
                actor=actor,
                now=now,
            )
            request.appointment_at = booked.starts_at
            result = [f"Rendez-vous le {fr.date_time(booked.starts_at)} ({booked.agenda_name})"]
        if result:
            stored[RESULT_KEY] = result
        request.answers = json.dumps(stored, ensure_ascii=False)
        session.add(request)
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                agent_id=actor.id,
                status=status,
                comment=f"Demande déposée au guichet par {actor.name}",
            )
        )
        audit(
            session,
            at=now,
            actor=actor,
            action="request.file",
            entity="request",
            entity_id=request.id,
            details={"number": number, "type": demarche.code, "status": status},
        )
        recap = recap_of(demarche, values, context)
        recipient = _recipient(session, household_id, values)
        if recipient:
            queue_email(
                session,
                at=now,
                recipient=recipient,
                subject=_filed_subject(demarche, number, status),
                body=_filed_body(demarche, number, status, recap, result),
                request_id=request.id,
            )
        session.flush()
        return FiledRequest(
            id=request.id,
            number=number,
            type=demarche.code,
            title=demarche.title,
            status=status,
            status_label=demarche.workflow.label(status),
            recipient=recipient,
            mail_queued=recipient is not None,
            recap=recap,
            result=tuple(result),
            appointment_at=request.appointment_at,
            pieces=demarche.pieces,
        )


def _filed_subject(demarche: Demarche, number: str, status: str) -> str:
    if demarche.workflow.is_final(status):
        return f"Votre demande n° {number} a été traitée"
    return f"Votre demande n° {number} a bien été enregistrée"


def _filed_body(
    demarche: Demarche,
    number: str,
    status: str,
    recap: Sequence[RecapItem],
    result: Sequence[str],
) -> str:
    lines = ["Bonjour,", ""]
    if demarche.workflow.is_final(status):
        lines.append(
            f"Votre demande n° {number} ({demarche.title}) a été traitée et prise en compte."
        )
    else:
        lines.append(
            f"Votre demande n° {number} ({demarche.title}) a bien été enregistrée : "
            f"statut « {demarche.workflow.label(status)} »."
        )
    request_items = [item for item in recap if item.step == Step.REQUEST.value]
    if request_items:
        lines += ["", "Votre demande :"]
        lines += [f"- {item.label} : {item.value}" for item in request_items]
    if result:
        lines += [""] + list(result)
    required = [piece for piece in demarche.pieces if piece.required]
    if required and not demarche.workflow.is_final(status):
        lines += ["", "Pièces à fournir :"]
        lines += [
            f"- {piece.piece.label}" + (f" ({piece.note})" if piece.note else "")
            for piece in required
        ]
    lines += ["", "Vous serez informé(e) par mail de chaque étape.", "", SIGNATURE]
    return "\n".join(lines)


# ---------------------------------------------------------------- simulation des tarifs


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


def _simulate(
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
        household = _household(session, household_id)
        context = FieldContext(today=clock.today(), children=_children(session, household_id))
        checked = validate_answers(demarche, answers, context)
        if not checked.ok:
            raise InvalidAnswers(checked.errors)
        return _simulate(session, household, checked.values)


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
    with unit_of_work(engine) as session:
        ensure_writable(session, "modification de grille de tarifs")
        # The activity's row lock serialises two desks replacing the same grid.
        if not lock_rows(session, Activity, [activity_id]):
            raise NotFoundError(f"Activité introuvable (n° {activity_id}).")
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


# ---------------------------------------------------------------- inbox and pages


def _age_days(created_at: datetime, today: date) -> int:
    return (today - created_at.astimezone(PARIS).date()).days


def _row(request: Request, dossier: str | None, requester: str, today: date) -> InboxRow:
    assert request.id is not None
    return InboxRow(
        id=request.id,
        number=request.number,
        type=request.type,
        type_label=type_label(request.type),
        status=request.status,
        status_label=status_label(request.status, request.type),
        household_id=request.household_id,
        dossier=dossier,
        requester=requester,
        created_at=request.created_at,
        age_days=_age_days(request.created_at, today),
        appointment_at=request.appointment_at,
    )


def _requester_of(request: Request, representative: str | None) -> str:
    try:
        values = json.loads(request.answers)
    except ValueError:
        values = {}
    if isinstance(values, dict):
        name = " ".join(str(values[k]) for k in ("prenom", "nom") if values.get(k))
        if name:
            return name
    return representative or ""


def inbox(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    statuses: Sequence[str] | None = OPEN_STATUSES,
    types: Sequence[str] | None = None,
    min_age_days: int | None = None,
    household_id: int | None = None,
    limit: int = 200,
) -> list[InboxRow]:
    """Requests across households, oldest first: filtered by status (None: all), type, age in days."""
    require_counter_agent(actor)
    today = clock.today()
    query = (
        select(Request, Household.dossier, Person.first_name, Person.last_name)
        .join(Household, col(Household.id) == Request.household_id, isouter=True)
        .join(
            Person,
            (col(Person.household_id) == Request.household_id)
            & (col(Person.role) == "representative"),
            isouter=True,
        )
    )
    if statuses:
        query = query.where(col(Request.status).in_(list(statuses)))
    if types:
        query = query.where(col(Request.type).in_(list(types)))
    if household_id is not None:
        query = query.where(Request.household_id == household_id)
    if min_age_days is not None:
        # Older than N days in Paris wall time: created before the start of (today - N + 1).
        limit_day = today - timedelta(days=min_age_days - 1)
        cutoff = datetime.combine(limit_day, datetime.min.time(), tzinfo=PARIS)
        query = query.where(col(Request.created_at) < cutoff)
    order = (
        (col(Request.created_at).desc(), col(Request.id).desc())
        if household_id is not None
        else (col(Request.created_at), col(Request.id))
    )
    query = query.order_by(*order).limit(limit)
    with read_session(engine) as session:
        rows = session.exec(query).all()
    seen: set[int] = set()
    result = []
    for request, dossier, first, last in rows:
        if request.id is None or request.id in seen:
            continue
        seen.add(request.id)
        representative = f"{first or ''} {last or ''}".strip() or None
        result.append(_row(request, dossier, _requester_of(request, representative), today))
    return result


def household_requests(
    engine: Engine, household_id: int, *, actor: Actor, clock: Clock, limit: int = 200
) -> list[InboxRow]:
    """Every request of a household, newest first (the Foyer screen's « Demandes »)."""
    return inbox(
        engine, actor=actor, clock=clock, statuses=None, household_id=household_id, limit=limit
    )


def count_open(engine: Engine, *, actor: Actor) -> dict[str, int]:
    """Open requests per status (the inbox's tabs)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        rows = session.exec(
            select(Request.status, func.count())
            .where(col(Request.status).in_(OPEN_STATUSES))
            .group_by(col(Request.status))
        ).all()
    return {status: int(count) for status, count in rows}


def _find(session: Session, ref: int | str) -> Request:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(Request, int(ref))
    else:
        found = session.exec(select(Request).where(Request.number == ref.strip())).first()
    if found is None:
        raise NotFoundError(f"Demande introuvable (n° {ref}).")
    return found


def _piece_label(kind: str) -> str:
    piece = catalogue().pieces.get(kind)
    return piece.label if piece is not None else kind


def get_request(engine: Engine, ref: int | str, *, actor: Actor) -> RequestPage:
    """A request's page: answers in form order, result, pièces, documents, history, next moves."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        request = _find(session, ref)
        assert request.id is not None
        household = session.get(Household, request.household_id) if request.household_id else None
        representative = _representative(session, request.household_id)
        children = _children(session, request.household_id)
        events = session.exec(
            select(RequestEvent, Agent.name)
            .join(Agent, col(Agent.id) == RequestEvent.agent_id, isouter=True)
            .where(RequestEvent.request_id == request.id)
            .order_by(col(RequestEvent.at), col(RequestEvent.id))
        ).all()
        documents = session.exec(
            select(Document).where(Document.request_id == request.id).order_by(col(Document.id))
        ).all()
    try:
        stored = json.loads(request.answers)
    except ValueError:
        stored = {}
    if not isinstance(stored, dict):
        stored = {}
    demarche = catalogue().get(request.type)
    if demarche is not None:
        context = FieldContext(today=fr.local_date(request.created_at), children=children)
        answers = recap_of(demarche, stored, context)
        transitions = demarche.workflow.allowed(request.status)
        final = demarche.workflow.is_final(request.status)
        pieces = demarche.pieces
    else:
        answers = _raw_items(stored)
        transitions, final, pieces = (), True, ()
    result = stored.get(RESULT_KEY) or []
    rep_name = (
        f"{representative.first_name} {representative.last_name}".strip()
        if representative
        else None
    )
    return RequestPage(
        id=request.id,
        number=request.number,
        type=request.type,
        type_label=type_label(request.type),
        status=request.status,
        status_label=status_label(request.status, request.type),
        final=final,
        household_id=request.household_id,
        dossier=household.dossier if household else None,
        requester=_requester_of(request, rep_name),
        created_at=request.created_at,
        updated_at=request.updated_at,
        version=request.version,
        appointment_at=request.appointment_at,
        answers=answers,
        result=tuple(str(line) for line in result),
        pieces=pieces,
        documents=tuple(
            DocumentLine(
                id=doc.id,
                kind=doc.kind,
                kind_label=_piece_label(doc.kind),
                original_name=doc.original_name,
                media_type=doc.media_type,
                size=doc.size,
                valid_until=doc.valid_until,
            )
            for doc in documents
            if doc.id is not None
        ),
        events=tuple(
            EventLine(
                at=event.at,
                status=event.status,
                status_label=status_label(event.status, request.type),
                agent=agent_name or "",
                comment=event.comment,
            )
            for event, agent_name in events
        ),
        transitions=transitions,
    )


def _raw_items(stored: Mapping[str, Any]) -> tuple[RecapItem, ...]:
    """Answers of a request outside the catalogue (a reservation's recap lines)."""
    items = []
    if isinstance(stored.get("title"), str):
        items.append(RecapItem("title", "Inscription", stored["title"], Step.REQUEST.value))
    for line in stored.get("lines") or []:
        if isinstance(line, dict) and "day" in line:
            day = date.fromisoformat(str(line["day"]))
            change = "ajouté" if line.get("change") == "add" else "annulé"
            items.append(
                RecapItem(
                    "line", fr.long_date(day), f"{line.get('unit', '')} ({change})", "demande"
                )
            )
    return tuple(items)


def change_status(
    engine: Engine,
    request_id: int,
    target: str,
    *,
    actor: Actor,
    clock: Clock,
    comment: str = "",
    version: int | None = None,
) -> RequestPage:
    """Move a request along its workflow; mails the family. A refusal needs a comment.

    `version` is the one the page was loaded at: another desk's change in
    between gives ConflictError.
    """
    require_counter_agent(actor)
    now = clock.now()
    comment = comment.strip()
    with unit_of_work(engine) as session:
        ensure_writable(session, "changement de statut")
        request = session.get(Request, request_id)
        if request is None:
            raise NotFoundError(f"Demande introuvable (n° {request_id}).")
        demarche = catalogue().get(request.type)
        if demarche is None:
            raise RuleViolation(
                f"Une demande « {type_label(request.type)} » n'a pas de circuit d'instruction."
            )
        expected = request.version if version is None else version
        source = request.status
        try:
            transition = demarche.workflow.check(source, target, comment)
        except WorkflowError as exc:
            raise RuleViolation(exc.message) from None
        bumped = session.execute(
            update(Request)
            .where(col(Request.id) == request_id, col(Request.version) == expected)
            .values(
                version=col(Request.version) + 1, status=target, updated_at=now, agent_id=actor.id
            )
        )
        if bumped.rowcount == 0:  # type: ignore[attr-defined]
            raise ConflictError(
                f"Un autre poste a modifié la demande n° {request.number} entre-temps : "
                "rechargez-la."
            )
        session.add(
            RequestEvent(
                request_id=request_id, at=now, agent_id=actor.id, status=target, comment=comment
            )
        )
        audit(
            session,
            at=now,
            actor=actor,
            action="request.status",
            entity="request",
            entity_id=request_id,
            details={"number": request.number, "from": source, "to": target, "comment": comment},
        )
        if demarche.workflow.is_final(target) and target != "traitee":
            from mairie_tui.services.appointments import release_for_request

            release_for_request(session, request_id, now=now, reason=transition.label)
        try:
            values = json.loads(request.answers)
        except ValueError:
            values = {}
        recipient = _recipient(
            session, request.household_id, values if isinstance(values, dict) else {}
        )
        if recipient:
            label = demarche.workflow.label(target)
            body = [
                "Bonjour,",
                "",
                f"Votre demande n° {request.number} ({demarche.title}) est maintenant : {label}.",
            ]
            if comment:
                body += ["", f"Message de la mairie : {comment}"]
            body += ["", SIGNATURE]
            queue_email(
                session,
                at=now,
                recipient=recipient,
                subject=f"Votre demande n° {request.number} : {label.lower()}",
                body="\n".join(body),
                request_id=request_id,
            )
    return get_request(engine, request_id, actor=actor)
