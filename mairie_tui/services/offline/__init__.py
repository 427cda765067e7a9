"""The offline copy of a site for the school staff, and the merge of its pointage.

- ``export.py`` — :func:`export_offline` writes a standalone SQLite file, 0600,
  holding only what a site's staff need for some days (``export_rows.py``),
  read-only except the pointage; no password hash of anyone: staff sign in with
  their login and the copy's access code, shown once at export (``seal.py``).
- ``seal.py`` — the main database's secret (never copied), the seal
  (HMAC-SHA256 of the copy's id, site, period, export time, code hash and
  scope) and the access code.
- ``copy_read.py`` — reads a copy for the import; refuses one whose seal does
  not agree (edited, foreign, or older than the seals).
- ``merge*.py``, ``vetting.py`` — :func:`import_offline` merges marks and
  closings in one transaction; each mark or closing the copy could not have
  made, or that the main database's state refuses, is reported and not written.
- ``guard.py`` — :func:`is_offline_copy`; writes are refused in a copy by
  ``services.uow.writing``.

See docs/architecture.md, « Copies hors ligne ».
"""

from mairie_tui.services.offline.export import MAX_EXPORT_DAYS, ExportSummary, export_offline
from mairie_tui.services.offline.fingerprint import site_fingerprint
from mairie_tui.services.offline.guard import (
    READ_ONLY_MESSAGE,
    WRITABLE_IN_COPY,
    copy_access_hash,
    is_offline_copy,
)
from mairie_tui.services.offline.merge import import_offline
from mairie_tui.services.offline.report import ImportIssue, ImportReport
from mairie_tui.services.offline.seal import verify_access_code

__all__ = [
    "MAX_EXPORT_DAYS",
    "READ_ONLY_MESSAGE",
    "WRITABLE_IN_COPY",
    "ExportSummary",
    "ImportIssue",
    "ImportReport",
    "copy_access_hash",
    "export_offline",
    "import_offline",
    "is_offline_copy",
    "site_fingerprint",
    "verify_access_code",
]
