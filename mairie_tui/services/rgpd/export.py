"""Droit d'accès: write everything held about a household into a private folder.

The folder (created 0700, or an existing EMPTY folder, set to 0700) receives:

- ``foyer-F-000001.json``: every section of `collect.HouseholdRecord`;
- ``foyer-F-000001.pdf``: the readable summary in French (`summary.py`);
- ``pieces/``: a copy of each pièce justificative, named ``<id>-<original name>``
  (the name reduced to safe characters).

Every file is created 0600 (O_EXCL: nothing existing is overwritten). Only a
supervisor may export; the export is audited (``household.rgpd_export``, ids and
counts only). If writing fails half-way, the files written are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from mairie_tui.clock import PARIS, Clock
from mairie_tui.db import read_session
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import PermissionDenied, ServiceError
from mairie_tui.services.permissions import requires
from mairie_tui.services.rgpd.collect import HouseholdRecord, collect_household
from mairie_tui.services.rgpd.summary import render_summary
from mairie_tui.services.transactions import run_write
from mairie_tui.services.uow import writing

FORMAT_VERSION = 1
EXPORTS_FOLDER = "rgpd"


@dataclass(frozen=True)
class AccessExport:
    """What `export_household` wrote."""

    folder: Path
    dossier: str
    household_id: int
    json_path: Path
    pdf_path: Path
    document_files: list[Path] = field(default_factory=list)
    missing_documents: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def require_rgpd_supervisor(actor: Actor) -> None:
    if not actor.is_supervisor:
        raise PermissionDenied(
            "Les demandes RGPD (droit d'accès, effacement) sont réservées aux superviseurs."
        )


def safe_name(name: str, limit: int = 80) -> str:
    """A file name made of letters, digits, dot, dash and underscore (never hidden, never ..)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "piece"
    return cleaned[:limit]


def write_private(path: Path, data: bytes) -> None:
    """Create `path` readable by its owner only (0600); refuse to overwrite or follow a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(path, flags, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def _prepare_folder(folder: Path) -> bool:
    """Make `folder` a private (0700) empty folder; True when it was created here."""
    created = False
    if folder.exists() or folder.is_symlink():
        if folder.is_symlink() or not folder.is_dir():
            raise ServiceError(f"{folder} existe et n'est pas un dossier.", field="out")
        if any(folder.iterdir()):
            raise ServiceError(
                f"Le dossier {folder} n'est pas vide : choisissez un dossier neuf "
                "(un export ne se mélange pas avec d'autres fichiers).",
                field="out",
            )
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        created = True
    os.chmod(folder, 0o700)
    return created


def default_export_folder(data_dir: Path, dossier: str, now: datetime) -> Path:
    """A new folder under <data dir>/rgpd/ (itself 0700) for an export made from the screen."""
    base = data_dir / EXPORTS_FOLDER
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(base, 0o700)
    stem = f"{safe_name(dossier)}-{now.astimezone(PARIS):%Y%m%d-%H%M%S}"
    candidate, number = base / stem, 1
    while candidate.exists():
        number += 1
        candidate = base / f"{stem}-{number}"
    return candidate


def _copy_documents(
    record: HouseholdRecord, folder: Path, data_dir: Path, written: list[Path]
) -> tuple[list[Path], list[int]]:
    copies: list[Path] = []
    missing: list[int] = []
    if not record.documents:
        return copies, missing
    pieces = folder / "pieces"
    pieces.mkdir(mode=0o700)
    written.append(pieces)
    root = data_dir.resolve()
    for row in record.documents:
        source = (data_dir / str(row["path"])).resolve()
        if root not in source.parents or not source.is_file():
            row["export_file"] = None
            missing.append(int(row["id"]))
            continue
        target = pieces / f"{int(row['id']):04d}-{safe_name(str(row['original_name']))}"
        write_private(target, source.read_bytes())
        written.append(target)
        row["export_file"] = f"pieces/{target.name}"
        copies.append(target)
    return copies, missing


def _json_bytes(record: HouseholdRecord, exported_at: datetime) -> bytes:
    payload = {
        "format": FORMAT_VERSION,
        "exporte_le": exported_at.isoformat(),
        "dossier": record.dossier,
        "compteurs": record.counts(),
        "foyer": record.household,
        "membres": record.members,
        "inscriptions": record.enrolments,
        "reservations": record.bookings,
        "pointages": record.attendance,
        "absences": record.absences,
        "demandes": record.requests,
        "rendez_vous": record.appointments,
        "pieces": record.documents,
        "mails": record.mails,
        "journal": record.audit,
    }
    return (json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def _remove(written: list[Path], folder: Path, created: bool) -> None:
    for path in reversed(written):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
    if created:
        with contextlib.suppress(OSError):
            folder.rmdir()


@requires("rgpd")
def export_household(
    engine: Engine,
    dossier_or_id: str | int,
    *,
    out: Path,
    data_dir: Path,
    actor: Actor,
    clock: Clock,
    compress: bool = True,
) -> AccessExport:
    """Droit d'accès of one household (dossier number or id) into the folder `out`."""
    require_rgpd_supervisor(actor)
    with read_session(engine) as session:
        record = collect_household(session, dossier_or_id)
    now = clock.now()
    folder = Path(out)
    try:
        created = _prepare_folder(folder)
    except OSError as exc:
        raise ServiceError(f"Impossible de créer {folder} : {exc.strerror}.", field="out") from None
    written: list[Path] = []
    stem = f"foyer-{safe_name(record.dossier)}"
    try:
        copies, missing = _copy_documents(record, folder, data_dir, written)
        json_path = folder / f"{stem}.json"
        write_private(json_path, _json_bytes(record, now))
        written.append(json_path)
        pdf_path = folder / f"{stem}.pdf"
        pdf = render_summary(record, json_name=json_path.name, printed_at=now, compress=compress)
        write_private(pdf_path, pdf)
        written.append(pdf_path)
    except OSError as exc:
        _remove(written, folder, created)
        raise ServiceError(
            f"Impossible d'écrire l'export dans {folder} : {exc.strerror or exc}.", field="out"
        ) from None
    except BaseException:
        _remove(written, folder, created)
        raise
    _audit_export(engine, record, actor, clock, len(copies))
    return AccessExport(
        folder=folder,
        dossier=record.dossier,
        household_id=record.household_id,
        json_path=json_path,
        pdf_path=pdf_path,
        document_files=copies,
        missing_documents=missing,
        counts=record.counts(),
    )


def _audit_export(
    engine: Engine, record: HouseholdRecord, actor: Actor, clock: Clock, copies: int
) -> None:
    """Trace the export (who, when, which household, how much): ids and counts only."""

    def work() -> None:
        # Only an audit row: an offline copy may write its journal.
        with writing(engine, "export RGPD", allowed_on_copy=True) as session:
            audit(
                session,
                at=clock.now(),
                actor=actor,
                action="household.rgpd_export",
                entity="household",
                entity_id=record.household_id,
                details={"counts": record.counts(), "document_files": copies},
            )

    run_write(work)


@requires("rgpd")
def export_to_data_dir(
    engine: Engine, household_id: int, *, data_dir: Path, actor: Actor, clock: Clock
) -> AccessExport:
    """The screen's action: export into a new folder under <data dir>/rgpd/."""
    require_rgpd_supervisor(actor)
    with read_session(engine) as session:
        from mairie_tui.services.rgpd.collect import find_household

        dossier = find_household(session, household_id).dossier
    folder = default_export_folder(data_dir, dossier, clock.now())
    return export_household(
        engine, household_id, out=folder, data_dir=data_dir, actor=actor, clock=clock
    )
