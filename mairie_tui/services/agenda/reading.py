"""Opening the family agenda: every active enrolment of the household in one draft each."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain.draft import BookingDraft, ChangeKind, EditResult
from mairie_tui.domain.menus import MenuDay
from mairie_tui.models import Household
from mairie_tui.services.agenda.loading import custody_of, load_family, representatives_of
from mairie_tui.services.agenda.views import (
    AgendaPricing,
    AgendaRow,
    FamilyAgenda,
    RepresentativeView,
)
from mairie_tui.services.bookings.loading import LoadedCalendar
from mairie_tui.services.bookings.opening import MENU_KINDS
from mairie_tui.services.bookings.views import BookingSession
from mairie_tui.services.common import Actor, require_counter_agent
from mairie_tui.services.lists.menus import menus_of
from mairie_tui.services.permissions import requires
from mairie_tui.services.regie.tariffs import load_book
from mairie_tui.services.uow import get_or_404


@requires("reservations.lire")
def open_agenda(engine: Engine, household_id: int, clock: Clock, *, actor: Actor) -> FamilyAgenda:
    """The household's agenda: one row per active enrolment (child × activity), with its
    draft, custody and menus, read in a fixed number of queries whatever the family's size."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        household = get_or_404(session, Household, household_id)
        calendars = load_family(session, household_id, clock.now())
        representatives = representatives_of(session, household_id)
        custody = custody_of(
            session, sorted({c.summary.child_id for c in calendars}), representatives
        )
        menus = _menus(session, calendars)
        recipient = _recipient(representatives, household.email)
        rows = [
            AgendaRow(
                booking=_session(loaded, recipient, menus),
                custody=custody.get(loaded.summary.child_id),
            )
            for loaded in calendars
        ]
        book = load_book(session)
        return FamilyAgenda(
            household_id=household_id,
            household_name=_name(representatives, household.dossier),
            rows=rows,
            representatives=representatives,
            dossier=household.dossier,
            household_email=household.email,
            recipient=recipient,
            pricing=AgendaPricing(
                quotient_familial=household.quotient_familial,
                qf_valid_until=household.qf_valid_until,
                commune_insee=household.commune_insee,
            ),
            tariffs=book if book.tariffs else None,
        )


def _session(
    loaded: LoadedCalendar, recipient: str | None, menus: dict[tuple[str, date], MenuDay]
) -> BookingSession:
    summary = loaded.summary
    return BookingSession(
        enrolment=summary,
        household_id=loaded.household_id,
        version=loaded.enrolment.version,
        draft=BookingDraft(ctx=loaded.ctx, existing=loaded.existing),
        units=loaded.ctx.units,
        rule_text=loaded.ctx.rule.describe(),
        recipient=recipient,
        menus={
            day: menu
            for (site, day), menu in menus.items()
            if site == summary.site and summary.start <= day <= summary.end
        }
        if summary.kind in MENU_KINDS
        else {},
    )


def _menus(session: Session, calendars: list[LoadedCalendar]) -> dict[tuple[str, date], MenuDay]:
    """The menus of every canteen and périscolaire site of the family, in one query."""
    wanted = [c.summary for c in calendars if c.summary.kind in MENU_KINDS]
    if not wanted:
        return {}
    return menus_of(
        session,
        [s.site for s in wanted],
        min(s.start for s in wanted),
        max(s.end for s in wanted),
    )


def _recipient(
    representatives: list[RepresentativeView], household_email: str | None
) -> str | None:
    """As recipient_of: the representative's address, else the household's."""
    main = next((r for r in representatives if r.role == "representative"), None)
    return (main.email if main is not None else None) or household_email


def _name(representatives: list[RepresentativeView], dossier: str) -> str:
    """« FAMILLE AGENDA » (the representative's last name) or the dossier number."""
    main = next((r for r in representatives if r.role == "representative"), None)
    if main is None:
        return dossier
    return main.last_name or dossier


@requires("reservations.lire")
def reload_agenda(
    engine: Engine, agenda: FamilyAgenda, clock: Clock, *, actor: Actor
) -> tuple[FamilyAgenda, EditResult]:
    """Reload after another desk's change, re-applying every row's edits where still possible."""
    fresh = open_agenda(engine, agenda.household_id, clock, actor=actor)
    result = EditResult()
    for old in agenda.rows:
        try:
            row = fresh.row(old.enrolment_id)
        except KeyError:
            continue
        for line in old.booking.draft.recap():
            result.merge(
                row.booking.draft.set(
                    line.day,
                    line.unit_id,
                    line.kind is ChangeKind.ADD,
                    force_reason=line.forced_reason,
                )
            )
    return fresh, result
