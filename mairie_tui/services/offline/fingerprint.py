"""The fingerprint of a site's activities and units (kept in a copy, for the record)."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import Session, col
from sqlmodel import select as sm_select

from mairie_tui.models import Activity, Unit


def site_fingerprint(session: Session, site: str) -> str:
    """Hash of the site's activities and units at export time."""
    activities = session.exec(
        sm_select(Activity.id, Activity.code)
        .where(Activity.site == site)
        .order_by(col(Activity.id))
    ).all()
    ids = [activity_id for activity_id, _ in activities]
    units = session.exec(
        sm_select(Unit.id, Unit.activity_id, Unit.name)
        .where(col(Unit.activity_id).in_(ids))
        .order_by(col(Unit.id))
    ).all()
    text = json.dumps([site, [list(a) for a in activities], [list(u) for u in units]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
