"""Merge the pointage marks made in a copy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from mairie_tui.models.attendance import Attendance
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.offline.copy_read import CopyData
from mairie_tui.services.offline.merge_state import MainState
from mairie_tui.services.offline.report import ImportIssue, Tally, mark_text
from mairie_tui.services.offline.vetting import out_of_reach


def merge_marks(
    session: Session,
    data: CopyData,
    main: MainState,
    tally: Tally,
    *,
    now: datetime,
    actor: Actor,
    dry_run: bool,
) -> None:
    for row in sorted(data.marks, key=lambda r: (r["day"], r["unit_id"], r["enrolment_id"])):
        if not _acceptable(session, data, main, tally, row):
            continue
        key = (row["enrolment_id"], row["day"], row["unit_id"])
        existing = main.marks.get(key)
        before = None if existing is None else mark_text(existing.present, existing.unexpected)
        if existing is None:
            tally.added += 1
        else:
            tally.updated += 1
        if not dry_run:
            _write(session, data, main, row, existing, before, now, actor)


def _unexpected(main: MainState, row: dict[str, Any]) -> bool:
    key = (row["enrolment_id"], row["day"], row["unit_id"])
    booked_main = main.bookings.get(key) == "booked"
    return bool(row["present"]) and (bool(row["unexpected"]) or not booked_main)


def _acceptable(
    session: Session, data: CopyData, main: MainState, tally: Tally, row: dict[str, Any]
) -> bool:
    """False when the mark is not written (counted unchanged, or reported)."""
    day, unit_id, enrolment_id = row["day"], row["unit_id"], row["enrolment_id"]
    unit_name, child = main.unit_name(unit_id), main.child(enrolment_id)
    refused = out_of_reach(data, main, unit_id, day, enrolment_id)
    note = None if refused else main.service_note(session, unit_id, day)
    if note is not None:
        refused = ("day_not_served", note.rstrip("."))
    if refused is not None:
        tally.refuse(refused[0], day, unit_name, child, f"{refused[1]} : pointage non importé.")
        return False
    present, unexpected = bool(row["present"]), _unexpected(main, row)
    key = (enrolment_id, day, unit_id)
    existing = main.marks.get(key)
    if existing is not None and (existing.present, existing.unexpected) == (present, unexpected):
        tally.unchanged += 1
        return False
    closing = main.closings.get((unit_id, day))
    if closing is not None and closing.origin != data.meta.id:
        who = main.agents.get(closing.agent_id or -1, ("", "un superviseur"))[1]
        kept = mark_text(existing.present, existing.unexpected) if existing else mark_text(None)
        tally.refuse(
            "day_closed",
            day,
            unit_name,
            child,
            f"Journée clôturée à la mairie par {who} : pointage de la copie "
            f"({mark_text(present, unexpected)}) non importé, la mairie garde « {kept} ».",
        )
        return False
    if (
        existing is not None
        and existing.origin != data.meta.id
        and existing.marked_at.astimezone(UTC) > main.exported_at
    ):
        tally.refuse(
            "mark_differs",
            day,
            unit_name,
            child,
            f"Pointé « {mark_text(existing.present, existing.unexpected)} » à la mairie "
            f"après l'export, « {mark_text(present, unexpected)} » dans la copie : "
            "la mairie l'emporte.",
        )
        return False
    if data.bookings.get(key) == "booked" and main.bookings.get(key) != "booked":
        outcome = (
            "présence enregistrée comme inattendue."
            if present
            else "absence importée telle quelle."
        )
        tally.issues.append(_cancelled(day, unit_name, child, outcome))
    return True


def _cancelled(day: date, unit_name: str, child: str, outcome: str) -> ImportIssue:
    return ImportIssue(
        "booking_cancelled",
        day,
        unit_name,
        child,
        f"Réservation annulée à la mairie entre-temps : {outcome}",
        True,
    )


def _write(
    session: Session,
    data: CopyData,
    main: MainState,
    row: dict[str, Any],
    existing: Attendance | None,
    before: str | None,
    now: datetime,
    actor: Actor,
) -> None:
    present, unexpected = bool(row["present"]), _unexpected(main, row)
    target = existing or Attendance(
        enrolment_id=row["enrolment_id"],
        day=row["day"],
        unit_id=row["unit_id"],
        present=present,
        marked_at=row["marked_at"],
    )
    target.present = present
    target.unexpected = unexpected
    target.agent_id = main.agent_of(data, row["agent_id"])
    target.marked_at = row["marked_at"]
    target.origin = data.meta.id
    session.add(target)
    session.flush()
    audit(
        session,
        at=now,
        actor=actor,
        action="attendance.import",
        entity="attendance",
        entity_id=target.id,
        details={
            "copy_id": data.meta.id,
            "enrolment_id": row["enrolment_id"],
            "day": row["day"].isoformat(),
            "unit_id": row["unit_id"],
            "present": present,
            "unexpected": unexpected,
            "before": before,
            "marked_by": data.agents.get(row["agent_id"]) if row["agent_id"] else None,
        },
    )
