"""Import and export of households (CSV as French spreadsheets write it, JSON, XLSX).

- columns.py: the file layouts (one line per person, and the former one line
  per household, still read); cells.py: strict dates/integers, formula escape;
- tables.py (CSV, XLSX) and json_reader.py read files into households with the
  line and column of every value; validation.py checks them (the same check for
  the dry run and --apply, with the schema's limits from limits.py);
- importing.py writes the good households in one transaction; exporting.py
  writes every household with all its members.
"""

from mairie_tui.services.household_io.cells import neutralise, unneutralise
from mairie_tui.services.household_io.columns import (
    COLUMNS,
    LEGACY_COLUMNS,
    MAX_AUTHORISED,
    MAX_CHILDREN,
    PERSON_COLUMNS,
    REQUIRED,
)
from mairie_tui.services.household_io.exporting import (
    EXPORT_FORMATS,
    export_data,
    export_households,
    export_households_bytes,
    export_rows,
)
from mairie_tui.services.household_io.importing import (
    CHUNK,
    FORMATS,
    check_file,
    import_households,
)
from mairie_tui.services.household_io.report import BadLine, ImportReport
from mairie_tui.services.schema_limits import schema_limits

__all__ = [
    "CHUNK",
    "COLUMNS",
    "EXPORT_FORMATS",
    "FORMATS",
    "LEGACY_COLUMNS",
    "MAX_AUTHORISED",
    "MAX_CHILDREN",
    "PERSON_COLUMNS",
    "REQUIRED",
    "BadLine",
    "ImportReport",
    "check_file",
    "export_data",
    "export_households",
    "export_households_bytes",
    "export_rows",
    "import_households",
    "neutralise",
    "schema_limits",
    "unneutralise",
]
