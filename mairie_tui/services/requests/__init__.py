"""Démarches filed at the counter: filing, the agents' inbox, a request's page, its workflow.

The wizard (Mon rendez-vous · Mes informations · Ma demande · Le récapitulatif)
is generated from the catalogue (`domain.catalogue`); these functions give it
its context and prefilled values, re-check every answer, and file the request
in one transaction: the numbered Request, its first RequestEvent, audit rows,
the démarche's own effects (appointment, cancelled bookings) and
the confirmation mail. Each status change allowed by the workflow writes an
event, an audit row and a mail to the family.

The package re-exports every public name, so callers import from
`mairie_tui.services.requests`:

- `demarches`: the catalogue, labels and shared constants;
- `views`: plain data for the screens;
- `lookups`, `wizard`: reads for the wizard and the recap;
- `filing`, `mails`: filing a démarche and its confirmation mail;
- `tariffs`: the tariff simulation and the tariff grids;
- `listing`, `page`, `status`: the inbox, a request's page, its workflow.
"""

from __future__ import annotations

from mairie_tui.services.requests.demarches import (
    NON_CATALOGUE_LABELS,
    OPEN_STATUSES,
    RESULT_KEY,
    SIGNATURE,
    InvalidAnswers,
    catalogue,
    demarche_of,
    status_label,
    type_label,
)
from mairie_tui.services.requests.filing import file_request
from mairie_tui.services.requests.listing import inbox
from mairie_tui.services.requests.page import get_request
from mairie_tui.services.requests.status import change_status
from mairie_tui.services.requests.tariffs import (
    Simulation,
    SimulationLine,
    set_tariff_grid,
    simulate_tariffs,
)
from mairie_tui.services.requests.views import (
    DocumentLine,
    EventLine,
    FiledRequest,
    InboxRow,
    RecapItem,
    RequestPage,
)
from mairie_tui.services.requests.wizard import check_answers, form_context, prefill, recap_of

__all__ = [
    "NON_CATALOGUE_LABELS",
    "OPEN_STATUSES",
    "RESULT_KEY",
    "SIGNATURE",
    "DocumentLine",
    "EventLine",
    "FiledRequest",
    "InboxRow",
    "InvalidAnswers",
    "RecapItem",
    "RequestPage",
    "Simulation",
    "SimulationLine",
    "catalogue",
    "change_status",
    "check_answers",
    "demarche_of",
    "file_request",
    "form_context",
    "get_request",
    "inbox",
    "prefill",
    "recap_of",
    "set_tariff_grid",
    "simulate_tariffs",
    "status_label",
    "type_label",
]
