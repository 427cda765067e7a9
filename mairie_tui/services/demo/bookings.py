"""A school year of bookings for the enrolments of the first synthetic households."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert
from sqlmodel import Session, select

from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import Booking
from mairie_tui.services.demo.network import ActivityRef, Network, UnitRef
from mairie_tui.services.demo.seed import (
    BOOKING_BATCH,
    BOOKING_SEED,
    CRECHE_YEAR,
    DEMO_TIME,
    PENDING_TIME,
    PENDING_WINDOW,
    SCHOOL_YEAR,
    Progress,
)


@dataclass
class BookedEnrolment:
    id: int
    activity_id: int
    kind: str


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """One bulk Core insert (explicit ids)."""
    if rows:
        session.execute(insert(cast(Table, model.__table__)), rows)


def next_id(session: Session, model: type[Any]) -> int:
    current = session.execute(select(func.max(model.id))).scalar()
    return int(current or 0) + 1


class BookingWriter:
    """Writes each booked enrolment's usual weekdays over its year, in batches."""

    def __init__(self, session: Session, network: Network, progress: Progress) -> None:
        self.session = session
        self.network = network
        self.progress = progress
        self.booking_id = next_id(session, Booking)

    def _insert(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        insert_rows(self.session, model, rows)

    def write(self, booked: list[BookedEnrolment]) -> None:
        total = len(booked)
        self.progress("Réservations", 0, total)
        rng = random.Random(BOOKING_SEED)
        open_days = self._open_days()
        taken: dict[tuple[int, date], int] = defaultdict(int)
        rows: list[dict[str, Any]] = []
        for done, enrolment in enumerate(booked, start=1):
            activity = self.network.activities[enrolment.activity_id]
            pending = rng.random() < 0.1
            for unit, weekdays in self._pattern(rng, activity):
                for weekday in weekdays:
                    for day in open_days[activity.id][weekday]:
                        if unit.capacity is not None:
                            if taken[unit.id, day] >= unit.capacity:
                                continue
                            taken[unit.id, day] += 1
                        in_window = PENDING_WINDOW[0] <= day <= PENDING_WINDOW[1]
                        rows.append(
                            {
                                "id": self.booking_id,
                                "enrolment_id": enrolment.id,
                                "day": day,
                                "unit_id": unit.id,
                                "status": "pending" if pending and in_window else "booked",
                                "forced_reason": None,
                                "request_id": None,
                                "agent_id": None,
                                "updated_at": PENDING_TIME if pending and in_window else DEMO_TIME,
                            }
                        )
                        self.booking_id += 1
            if len(rows) >= BOOKING_BATCH:
                self._insert(Booking, rows)
                rows = []
                self.progress("Réservations", done, total)
        self._insert(Booking, rows)
        self.progress("Réservations", total, total)

    def _pattern(
        self, rng: random.Random, activity: ActivityRef
    ) -> list[tuple[UnitRef, tuple[int, ...]]]:
        """The units and usual weekdays a child comes on."""
        if activity.kind == "canteen":
            unit = activity.units[0]
            keep = 4 if rng.random() < 0.65 else 3 if rng.random() < 0.6 else 2
            return [(unit, tuple(sorted(rng.sample(unit.weekdays, keep))))]
        if activity.kind == "periscolaire":
            morning, evening = activity.units
            result = []
            if rng.random() < 0.5:
                result.append(
                    (morning, tuple(sorted(rng.sample(morning.weekdays, rng.randint(2, 4)))))
                )
            if not result or rng.random() < 0.8:
                result.append(
                    (evening, tuple(sorted(rng.sample(evening.weekdays, rng.randint(2, 4)))))
                )
            return result
        if activity.kind == "alsh":
            day, half_day = activity.units
            return [(day if rng.random() < 0.6 else half_day, (2,))]
        unit = activity.units[0]
        return [(unit, tuple(sorted(rng.sample(unit.weekdays, rng.randint(2, 4)))))]

    def _open_days(self) -> dict[int, dict[int, list[date]]]:
        """Per activity and weekday, the days of its year with no holiday nor closure."""
        school_days = _weekdays_without_holidays(SCHOOL_YEAR, HolidayCalendar())
        # A crèche closes on public holidays only.
        creche_days = _weekdays_without_holidays(CRECHE_YEAR, HolidayCalendar(school=False))
        result: dict[int, dict[int, list[date]]] = {}
        for activity in self.network.activities.values():
            closed = self.network.closures.get(activity.id, set())
            by_weekday: dict[int, list[date]] = {weekday: [] for weekday in range(5)}
            for day in creche_days if activity.kind == "creche" else school_days:
                if day not in closed:
                    by_weekday[day.weekday()].append(day)
            result[activity.id] = by_weekday
        return result


def _weekdays_without_holidays(period: tuple[date, date], holidays: HolidayCalendar) -> list[date]:
    days: list[date] = []
    day = period[0]
    while day <= period[1]:
        if day.weekday() < 5 and not holidays.is_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    return days
