"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from mairie_tui.models.activity import (
    ACTIVITY_KINDS,
    BOOKING_STATUSES,
    ENROLMENT_STATUSES,
    Absence,
    Activity,
    Booking,
    Closure,
    Enrolment,
    Unit,
)
from mairie_tui.models.admin import (
    AGENT_ROLES,
    Agent,
    AgentSite,
    AuditEvent,
    Counter,
    OutboxEmail,
)
from mairie_tui.models.attendance import AppSecret, Attendance, DayClosing, OfflineCopy
from mairie_tui.models.custody import CUSTODY_MODES, Custody
from mairie_tui.models.demarches import Agenda, Appointment, TariffBracket
from mairie_tui.models.household import PERSON_ROLES, Household, Person
from mairie_tui.models.menus import Menu
from mairie_tui.models.news import News
from mairie_tui.models.regie import (
    INVOICE_KINDS,
    PAYMENT_MODES,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentTender,
    Tariff,
    TariffPrice,
    TillClosing,
)
from mairie_tui.models.request import Document, Request, RequestEvent
from mairie_tui.models.types import UTCDateTime

__all__ = [
    "INVOICE_KINDS",
    "PAYMENT_MODES",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "PaymentAllocation",
    "PaymentTender",
    "Tariff",
    "TariffPrice",
    "TillClosing",
    "Agenda",
    "CUSTODY_MODES",
    "Custody",
    "Appointment",
    "TariffBracket",
    "ACTIVITY_KINDS",
    "AGENT_ROLES",
    "BOOKING_STATUSES",
    "ENROLMENT_STATUSES",
    "PERSON_ROLES",
    "Absence",
    "AppSecret",
    "Activity",
    "Agent",
    "AgentSite",
    "Attendance",
    "AuditEvent",
    "Booking",
    "Closure",
    "Counter",
    "DayClosing",
    "Document",
    "Enrolment",
    "Household",
    "Menu",
    "News",
    "OfflineCopy",
    "OutboxEmail",
    "Person",
    "Request",
    "RequestEvent",
    "Unit",
    "UTCDateTime",
]
