"""Booking use cases: an enrolment's calendar, the draft's validation.

Opening a booking loads everything the pure rules need for the whole period
into a BookingDraft (``loading.py``, ``opening.py``). Validation re-checks
every change against the database inside one transaction, with optimistic
locking on the enrolment's version and row locks on the capped units, and
writes the bookings, the Request, its event, audit rows and the confirmation
mail — all or nothing (``validation.py``). What the screens show is in
``views.py``.
"""

from mairie_tui.services.bookings.loading import LoadedCalendar, enrolments_of, load_calendar
from mairie_tui.services.bookings.opening import (
    list_enrolments,
    month_view,
    open_booking,
    reload_booking,
    warm_up,
)
from mairie_tui.services.bookings.validation import validate_booking
from mairie_tui.services.bookings.views import (
    ENROLMENT_STATUS_LABELS,
    LIVE_STATUSES,
    BookingSession,
    DayView,
    EnrolmentSummary,
    MonthView,
    ValidationResult,
)

__all__ = [
    "ENROLMENT_STATUS_LABELS",
    "LIVE_STATUSES",
    "BookingSession",
    "DayView",
    "EnrolmentSummary",
    "LoadedCalendar",
    "MonthView",
    "ValidationResult",
    "enrolments_of",
    "list_enrolments",
    "load_calendar",
    "month_view",
    "open_booking",
    "reload_booking",
    "validate_booking",
    "warm_up",
]
