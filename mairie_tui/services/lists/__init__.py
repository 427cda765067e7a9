"""Listes for the school staff: sites, the list of a day, pointage, day closing, headcounts.

Staff (role ``staff``) may use everything here and nothing else: services that
show or change households and bookings call :func:`require_counter_agent`.
What a list returns is minimal: names, birth date, class, booking status,
absence reason, and the phones of the people to call. No address, no
quotient familial, no e-mail.
"""

from mairie_tui.services.lists.counts import headcounts
from mairie_tui.services.lists.day import day_list, list_sites
from mairie_tui.services.lists.lookup import (
    copy_origin,
    require_supervisor,
    resolve_site,
    resolve_unit,
)
from mairie_tui.services.lists.pointage import close_day, mark_attendance
from mairie_tui.services.lists.views import (
    BOOKING_LABELS,
    CONTACT_LABELS,
    CONTACT_ROLES,
    KNOWN_ROLES,
    AbsenceInfo,
    ChildLine,
    ClosingInfo,
    Contact,
    DayCounts,
    DayList,
    HeadcountRow,
    Mark,
    SiteSummary,
    UnitChoice,
)

__all__ = [
    "BOOKING_LABELS",
    "CONTACT_LABELS",
    "CONTACT_ROLES",
    "KNOWN_ROLES",
    "AbsenceInfo",
    "ChildLine",
    "ClosingInfo",
    "Contact",
    "DayCounts",
    "DayList",
    "HeadcountRow",
    "Mark",
    "SiteSummary",
    "UnitChoice",
    "close_day",
    "copy_origin",
    "day_list",
    "headcounts",
    "list_sites",
    "mark_attendance",
    "require_supervisor",
    "resolve_site",
    "resolve_unit",
]
