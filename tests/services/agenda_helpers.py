"""Test scaffolding for agendas: set an agenda's hours, list a day's live appointments.

The mairie's agenda settings come from the catalogue (written to the `agenda`
table on first use); no screen edits them, so tests that need other hours
write the row here.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from mairie_tui.clock import PARIS
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.catalogue import default_catalogue
from mairie_tui.models.demarches import Agenda, Appointment
from mairie_tui.services.appointments import ensure_agenda


def set_opening_hours(
    engine: Engine, code: str, *, slot_minutes: int, opening: dict[int, list[tuple[time, time]]]
) -> None:
    """Give agenda `code` these hours (weekday 0 = Monday) and slot length."""
    (spec,) = [
        demarche.appointment
        for demarche in default_catalogue().demarches
        if demarche.appointment is not None and demarche.appointment.code == code
    ][:1]
    ensure_agenda(engine, spec)
    with unit_of_work(engine) as session:
        agenda = session.exec(select(Agenda).where(Agenda.code == code)).one()
        agenda.slot_minutes = slot_minutes
        agenda.opening = json.dumps(
            {
                str(day): [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in ranges]
                for day, ranges in opening.items()
            }
        )
        session.add(agenda)


def live_appointment_ids(engine: Engine, code: str, day: date) -> list[int]:
    """Ids of the day's live appointments of agenda `code`, in time order."""
    first = datetime.combine(day, time.min, tzinfo=PARIS)
    with read_session(engine) as session:
        return [
            appointment.id
            for appointment in session.exec(
                select(Appointment)
                .join(Agenda, col(Agenda.id) == Appointment.agenda_id)
                .where(
                    Agenda.code == code,
                    col(Appointment.held).is_(True),
                    Appointment.starts_at >= first,
                    Appointment.starts_at < first + timedelta(days=1),
                )
                .order_by(col(Appointment.starts_at))
            )
            if appointment.id is not None
        ]
