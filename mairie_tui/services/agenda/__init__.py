"""The family agenda: every child × activity of a household in one view, one validation.

Reading (``reading.py``, ``loading.py``) opens one BookingSession per active
enrolment in a fixed number of queries; the pure family periodicity is in
domain/family_draft.py; the recap groups the changes by child and activity
with an estimated cost (``recap.py``); the validation writes every change of
every enrolment in one transaction, or nothing (``validation.py``); a child's
alternating custody is set in ``custody.py``.
"""

from mairie_tui.services.agenda.custody import (
    CustodyPeople,
    clear_custody,
    custody_people,
    set_custody,
)
from mairie_tui.services.agenda.reading import open_agenda, reload_agenda
from mairie_tui.services.agenda.recap import estimated_cost, family_recap
from mairie_tui.services.agenda.validation import validate_agenda
from mairie_tui.services.agenda.views import (
    AgendaRow,
    CustodyView,
    FamilyAgenda,
    FamilyRecapGroup,
    FamilyValidationResult,
    RepresentativeView,
)

__all__ = [
    "CustodyPeople",
    "AgendaRow",
    "CustodyView",
    "FamilyAgenda",
    "FamilyRecapGroup",
    "FamilyValidationResult",
    "RepresentativeView",
    "clear_custody",
    "custody_people",
    "estimated_cost",
    "family_recap",
    "open_agenda",
    "reload_agenda",
    "set_custody",
    "validate_agenda",
]
