"""What the merge reads from the main database, in the import's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col
from sqlmodel import select as sm_select

from mairie_tui.domain import fr
from mairie_tui.models import Activity, Agent, Booking, Enrolment, Person, Unit
from mairie_tui.models.attendance import Attendance, DayClosing

# The same rule as the day lists: weekday served, no closure, no holiday.
from mairie_tui.services.lists.lookup import day_note
from mairie_tui.services.offline.copy_read import CopyData


@dataclass
class MainState:
    units: dict[int, Unit]
    activities: dict[int, Activity]
    # enrolment id -> (« NOM Prénom », activity id)
    enrolments: dict[int, tuple[str, int]]
    agents: dict[int, tuple[str, str]]  # id -> (login, name)
    marks: dict[tuple[int, date, int], Attendance]
    closings: dict[tuple[int, date], DayClosing]
    bookings: dict[tuple[int, date, int], str]
    exported_at: datetime
    notes: dict[tuple[int, date], str | None]

    def unit_name(self, unit_id: int) -> str:
        unit = self.units.get(unit_id)
        return unit.name if unit is not None else f"unité n° {unit_id}"

    def child(self, enrolment_id: int) -> str:
        known = self.enrolments.get(enrolment_id)
        return known[0] if known is not None else f"inscription n° {enrolment_id}"

    def site_of(self, unit_id: int) -> str | None:
        unit = self.units.get(unit_id)
        activity = None if unit is None else self.activities.get(unit.activity_id)
        return None if activity is None else activity.site

    def service_note(self, session: Session, unit_id: int, day: date) -> str | None:
        """Why the unit does not run that day (weekday, closure, holiday), if so."""
        key = (unit_id, day)
        if key not in self.notes:
            unit = self.units[unit_id]
            self.notes[key] = day_note(session, self.activities[unit.activity_id], unit, day)
        return self.notes[key]

    def agent_of(self, data: CopyData, agent_id: int | None) -> int | None:
        """The copy's agent id if it is the same login in the main database."""
        if agent_id is None:
            return None
        login = data.agents.get(agent_id)
        main = self.agents.get(agent_id)
        return agent_id if login is not None and main is not None and main[0] == login else None


def load_main(session: Session, data: CopyData) -> MainState:
    marks, closings = data.marks, data.closings
    unit_ids = sorted({row["unit_id"] for row in marks + closings})
    enrolment_ids = sorted({row["enrolment_id"] for row in marks})
    units = {u.id: u for u in session.exec(sm_select(Unit).where(col(Unit.id).in_(unit_ids)))}
    activity_ids = sorted({u.activity_id for u in units.values()})
    activities = {
        a.id: a for a in session.exec(sm_select(Activity).where(col(Activity.id).in_(activity_ids)))
    }
    enrolments = {
        enrolment_id: (f"{last} {first}", activity_id)
        for enrolment_id, activity_id, first, last in session.exec(
            sm_select(
                Enrolment.id,
                col(Enrolment.activity_id),
                col(Person.first_name),
                col(Person.last_name),
            )
            .join(Person, col(Person.id) == col(Enrolment.person_id))
            .where(col(Enrolment.id).in_(enrolment_ids))
        ).all()
        if enrolment_id is not None
    }
    agents = {
        agent_id: (login, name)
        for agent_id, login, name in session.exec(
            sm_select(Agent.id, col(Agent.login), col(Agent.name))
        ).all()
        if agent_id is not None
    }
    days = [row["day"] for row in marks + closings]
    window = (min([data.meta.start_date, *days]), max([data.meta.end_date, *days]))
    return MainState(
        units={k: v for k, v in units.items() if k is not None},
        activities={k: v for k, v in activities.items() if k is not None},
        enrolments=enrolments,
        agents=agents,
        marks=_marks(session, unit_ids, window),
        closings=_closings(session, unit_ids, window),
        bookings=_bookings(session, unit_ids, enrolment_ids, window),
        exported_at=data.meta.created_at.astimezone(UTC),
        notes={},
    )


def _in_range(unit_ids: list[int], window: tuple[date, date], unit: Any, day: Any) -> Any:
    return col(unit).in_(unit_ids) & (col(day) >= window[0]) & (col(day) <= window[1])


def _marks(
    session: Session, unit_ids: list[int], window: tuple[date, date]
) -> dict[tuple[int, date, int], Attendance]:
    where = _in_range(unit_ids, window, Attendance.unit_id, Attendance.day)
    return {
        (row.enrolment_id, row.day, row.unit_id): row
        for row in session.exec(sm_select(Attendance).where(where)).all()
    }


def _closings(
    session: Session, unit_ids: list[int], window: tuple[date, date]
) -> dict[tuple[int, date], DayClosing]:
    where = _in_range(unit_ids, window, DayClosing.unit_id, DayClosing.day)
    return {
        (row.unit_id, row.day): row
        for row in session.exec(sm_select(DayClosing).where(where)).all()
    }


def _bookings(
    session: Session, unit_ids: list[int], enrolment_ids: list[int], window: tuple[date, date]
) -> dict[tuple[int, date, int], str]:
    return {
        (enrolment_id, day, unit_id): status
        for enrolment_id, day, unit_id, status in session.exec(
            sm_select(
                Booking.enrolment_id, col(Booking.day), col(Booking.unit_id), col(Booking.status)
            ).where(
                _in_range(unit_ids, window, Booking.unit_id, Booking.day),
                col(Booking.enrolment_id).in_(enrolment_ids),
            )
        ).all()
    }


def period_text(data: CopyData) -> str:
    return fr.period(data.meta.start_date, data.meta.end_date)
