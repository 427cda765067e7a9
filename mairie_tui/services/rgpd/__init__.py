"""RGPD at the counter: the right of access (export) and the retention rule (purge).

- `export_household`: everything held about a household, as JSON, a French PDF
  summary and copies of its pièces, in a private folder (collect.py, summary.py,
  export.py);
- `purge_households`: anonymise the households with no activity since a date,
  dry run first (selection.py, purge.py).

Both are for supervisors only.
"""

from mairie_tui.services.rgpd.collect import HouseholdRecord, collect_household
from mairie_tui.services.rgpd.export import (
    AccessExport,
    default_export_folder,
    export_household,
    export_to_data_dir,
    require_rgpd_supervisor,
)
from mairie_tui.services.rgpd.purge import (
    KeptHousehold,
    PurgedHousehold,
    PurgeReport,
    anonymise_household,
    purge_households,
)
from mairie_tui.services.rgpd.selection import BLOCKING_CHECKS, active_since, blocking_reasons

__all__ = [
    "BLOCKING_CHECKS",
    "AccessExport",
    "HouseholdRecord",
    "KeptHousehold",
    "PurgeReport",
    "PurgedHousehold",
    "active_since",
    "anonymise_household",
    "blocking_reasons",
    "collect_household",
    "default_export_folder",
    "export_household",
    "export_to_data_dir",
    "purge_households",
    "require_rgpd_supervisor",
]
