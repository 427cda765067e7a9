"""Merge the day closings made in a copy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from mairie_tui.models.attendance import DayClosing
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.offline.copy_read import CopyData
from mairie_tui.services.offline.merge_state import MainState
from mairie_tui.services.offline.report import Tally
from mairie_tui.services.offline.vetting import out_of_reach


def merge_closings(
    session: Session,
    data: CopyData,
    main: MainState,
    tally: Tally,
    *,
    now: datetime,
    actor: Actor,
    dry_run: bool,
) -> None:
    for row in sorted(data.closings, key=lambda r: (r["day"], r["unit_id"])):
        unit_id, day = row["unit_id"], row["day"]
        unit_name = main.unit_name(unit_id)
        refused = out_of_reach(data, main, unit_id, day)
        if refused is not None:
            tally.refuse(refused[0], day, unit_name, "", f"{refused[1]} : clôture ignorée.")
            continue
        current = main.closings.get((unit_id, day))
        if current is not None:
            if current.origin != data.meta.id:
                tally.refuse(
                    "day_closed",
                    day,
                    unit_name,
                    "",
                    "Journée déjà clôturée à la mairie : la clôture de la copie est ignorée.",
                )
            continue
        tally.closings_added += 1
        if not dry_run:
            _write(session, data, main, row, now, actor)


def _write(
    session: Session,
    data: CopyData,
    main: MainState,
    row: dict[str, Any],
    now: datetime,
    actor: Actor,
) -> None:
    closing = DayClosing(
        unit_id=row["unit_id"],
        day=row["day"],
        agent_id=main.agent_of(data, row["agent_id"]),
        closed_at=row["closed_at"],
        origin=data.meta.id,
    )
    session.add(closing)
    session.flush()
    audit(
        session,
        at=now,
        actor=actor,
        action="day.close.import",
        entity="day_closing",
        entity_id=closing.id,
        details={"copy_id": data.meta.id, "unit_id": row["unit_id"], "day": row["day"].isoformat()},
    )
