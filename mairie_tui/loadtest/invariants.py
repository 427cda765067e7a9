"""What must hold after the desks stop, read straight from the tables with SQL.

Two kinds of checks: rules no concurrency may break (no unit-day over
capacity, no duplicate enrolment, no booking on a closed day, no two
appointments in one slot), and bookkeeping (requests, audit rows, new rows and
version increments equal the operations the desks saw succeed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar, UnitInfo
from mairie_tui.loadtest import desk as ops

LIVE = "('booked', 'pending')"
SAMPLES = 3


@dataclass(frozen=True)
class Check:
    name: str
    expected: int
    found: int
    examples: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.expected == self.found


def _scalar(conn: Any, sql: str, **params: Any) -> int:
    return int(conn.execute(text(sql), params).scalar() or 0)


def baseline(engine: Engine) -> dict[str, int]:
    """Counters before the desks start (compared with the state after)."""
    with engine.connect() as conn:
        found = {
            f"max_{table}": _scalar(conn, f"SELECT max(id) FROM {table}")
            for table in ("request", "auditevent", "enrolment", "appointment")
        }
        found["enrolment_versions"] = _scalar(conn, "SELECT sum(version) FROM enrolment")
        found["household_versions"] = _scalar(conn, "SELECT sum(version) FROM household")
    return found


def over_capacity(conn: Any) -> Check:
    rows = conn.execute(
        text(
            "SELECT u.name, b.day, count(*), u.capacity FROM booking b "
            "JOIN unit u ON u.id = b.unit_id "
            f"WHERE u.capacity IS NOT NULL AND b.status IN {LIVE} "
            "GROUP BY u.id, u.name, b.day, u.capacity HAVING count(*) > u.capacity "
            "ORDER BY b.day"
        )
    ).all()
    examples = tuple(
        f"{name} le {fr.short_date(_day(day))} : {n} pour {cap}" for name, day, n, cap in rows
    )
    return Check("jours-unités au-delà de la capacité", 0, len(rows), examples[:SAMPLES])


def duplicate_enrolments(conn: Any) -> Check:
    rows = conn.execute(
        text(
            "SELECT a.person_id, a.activity_id, a.id, b.id FROM enrolment a "
            "JOIN enrolment b ON a.person_id = b.person_id AND a.activity_id = b.activity_id "
            "AND a.id < b.id WHERE a.status <> 'ended' AND b.status <> 'ended' "
            "AND a.start_date <= b.end_date AND b.start_date <= a.end_date"
        )
    ).all()
    examples = tuple(
        f"enfant n° {p}, activité n° {a} : inscriptions n° {x} et n° {y}" for p, a, x, y in rows
    )
    return Check(
        "inscriptions en double (même enfant, même activité)", 0, len(rows), examples[:SAMPLES]
    )


def closed_day_bookings(conn: Any) -> Check:
    """Live bookings on a day their unit does not run, a holiday or a closure."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT b.unit_id, b.day, u.weekdays, a.kind, a.holiday_zone, a.id "
            "FROM booking b JOIN unit u ON u.id = b.unit_id "
            "JOIN activity a ON a.id = u.activity_id "
            f"WHERE b.status IN {LIVE}"
        )
    ).all()
    closures: set[tuple[int | None, Any]] = {
        (activity_id, _day(day))
        for activity_id, day in conn.execute(text("SELECT activity_id, day FROM closure"))
    }
    bad: list[str] = []
    for unit_id, raw_day, weekdays, kind, zone, activity_id in rows:
        day = _day(raw_day)
        holidays = HolidayCalendar(zone=zone, school=kind != "creche")
        if day.weekday() not in UnitInfo.parse_weekdays(weekdays):
            why = "jour sans service"
        elif holidays.is_holiday(day):
            why = holidays.name(day) or "jour férié ou vacances"
        elif (activity_id, day) in closures or (None, day) in closures:
            why = "fermeture"
        else:
            continue
        bad.append(f"unité n° {unit_id} le {fr.short_date(day)} : {why}")
    return Check(
        "réservations un jour fermé, férié ou de vacances", 0, len(bad), tuple(bad[:SAMPLES])
    )


def double_appointments(conn: Any) -> Check:
    rows = conn.execute(
        text(
            "SELECT agenda_id, starts_at, count(*) FROM appointment WHERE held "
            "GROUP BY agenda_id, starts_at HAVING count(*) > 1"
        )
    ).all()
    examples = tuple(f"agenda n° {a}, {s} : {n} rendez-vous" for a, s, n in rows)
    return Check("créneaux de rendez-vous pris deux fois", 0, len(rows), examples[:SAMPLES])


def _day(value: Any) -> Any:
    """SQLite returns dates as text through text() queries."""
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def bookkeeping(
    conn: Any, base: Mapping[str, int], ok: Mapping[str, int], extra: Mapping[str, int]
) -> list[Check]:
    """Rows created and versions bumped during the run == operations that succeeded."""
    validations = sum(ok.get(op, 0) for op in ops.VALIDATIONS)

    def new(table: str, where: str = "") -> int:
        clause = f" AND {where}" if where else ""
        return _scalar(
            conn,
            f"SELECT count(*) FROM {table} WHERE id > :base{clause}",
            base=base[f"max_{table}"],
        )

    def audits(action: str) -> int:
        return new("auditevent", f"action = '{action}'")

    new_enrolments = new("enrolment")
    enrolment_bumps = (
        _scalar(conn, "SELECT sum(version) FROM enrolment")
        - base["enrolment_versions"]
        - new_enrolments
    )
    household_bumps = (
        _scalar(conn, "SELECT sum(version) FROM household") - base["household_versions"]
    )
    enrol, absence, edit, booked = (
        ok.get(op, 0) for op in (ops.ENROL, ops.ABSENCE, ops.EDIT, ops.APPOINTMENT)
    )
    absence_bumps = extra.get("versions d'inscription (absences)", 0)
    rows = [
        (
            "demandes de réservation = validations réussies",
            validations,
            new("request", "type = 'reservation'"),
        ),
        ("demandes d'absence = absences réussies", absence, new("request", "type = 'absence'")),
        (
            "journal booking.validate = validations réussies",
            validations,
            audits("booking.validate"),
        ),
        (
            "journal agent.login = connexions réussies",
            ok.get(ops.SIGN_IN, 0),
            audits("agent.login"),
        ),
        ("journal enrolment.create = inscriptions réussies", enrol, audits("enrolment.create")),
        ("nouvelles inscriptions = inscriptions réussies", enrol, new_enrolments),
        ("journal absence.declare = absences réussies", absence, audits("absence.declare")),
        ("journal household.update = modifications réussies", edit, audits("household.update")),
        ("versions de foyer ajoutées = modifications réussies", edit, household_bumps),
        (
            "versions d'inscription ajoutées = validations + inscriptions touchées par les absences",
            validations + absence_bumps,
            enrolment_bumps,
        ),
        ("journal appointment.book = rendez-vous réussis", booked, audits("appointment.book")),
        ("nouveaux rendez-vous tenus = rendez-vous réussis", booked, new("appointment", "held")),
    ]
    return [Check(name, expected, found) for name, expected, found in rows]


def check_all(
    engine: Engine,
    base: Mapping[str, int] | None = None,
    ok: Mapping[str, int] | None = None,
    extra: Mapping[str, int] | None = None,
) -> list[Check]:
    """Every invariant; the bookkeeping ones only when a baseline and counters are given."""
    with engine.connect() as conn:
        checks = [
            over_capacity(conn),
            duplicate_enrolments(conn),
            closed_day_bookings(conn),
            double_appointments(conn),
        ]
        if base is not None and ok is not None:
            checks += bookkeeping(conn, base, ok, extra or {})
    return checks
