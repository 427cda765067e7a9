"""What a copy could not have made: refused whatever the copy says (a hand-edited file)."""

from __future__ import annotations

from datetime import date

from mairie_tui.services.offline.copy_read import CopyData
from mairie_tui.services.offline.merge_state import MainState, period_text


def out_of_reach(
    data: CopyData, main: MainState, unit_id: int, day: date, enrolment_id: int | None = None
) -> tuple[str, str] | None:
    """(kind, reason) when the copy had no business writing this row, else None."""
    site = data.meta.site
    if unit_id not in data.scope.units:
        return "other_site", f"Unité absente de la copie (site {site})"
    if unit_id not in main.units:
        return "unknown", "Unité inconnue de la base"
    if main.site_of(unit_id) != site:
        return "other_site", f"Unité d'un autre site que celui de la copie ({site})"
    if enrolment_id is not None:
        if enrolment_id not in data.scope.enrolment_ids:
            return "not_in_copy", "Enfant absent de la copie"
        known = main.enrolments.get(enrolment_id)
        if known is None:
            return "unknown", "Inscription inconnue de la base"
        if known[1] != main.units[unit_id].activity_id:
            return "unknown", "Unité d'une autre activité que celle de l'inscription"
    if not data.meta.start_date <= day <= data.meta.end_date:
        return "out_of_period", f"Jour hors de la période de la copie ({period_text(data)})"
    return None
