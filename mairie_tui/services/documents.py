"""Pièces justificatives: a file from disk attached to a household or a request.

The file is checked before anything is written (services/document_checks.py):
no `..` in the path given, the file itself and not a symbolic link, a regular
file (no folder, FIFO or device), at most MAX_BYTES, a PDF, JPEG or PNG by its
content (magic bytes), whatever its name says, and nothing else as well (a
polyglot is refused). It is stored in the data dir under its sha256 followed
by the extension of the detected type (documents/ab/abcdef….pdf), 0600 in
0700 folders, never under the name given.

The name given is kept in the table, with the extension of the detected type:
« evil.exe » holding a PDF is kept as « evil.pdf ». Renaming rather than
refusing: the content is what was checked, so the name must not say anything
else to whoever opens the file later (a double-click on « .exe » runs it),
and refusing would turn away honest files whose names are wrong or have no
extension at all (a phone's « IMG_0042 », a scanner's « scan.PDF.tmp »).

A pièce with a validity (proof of address: 3 months) needs its issue date and
is refused when already too old.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import Piece
from mairie_tui.files import make_private_dir
from mairie_tui.models import Document, Household, Request
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.document_checks import check_content, kept_name, read_source
from mairie_tui.services.errors import DocumentRefused, ServiceError
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests import catalogue
from mairie_tui.services.uow import get_or_404, writing

__all__ = ["DocumentView", "attach_document", "household_documents"]

MAX_BYTES = 10 * 1024 * 1024
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class DocumentView:
    id: int
    household_id: int
    request_id: int | None
    kind: str
    kind_label: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    valid_until: date | None
    state: str  # "valide", "expire_bientot", "expire", "sans_echeance"
    path: str

    @property
    def state_label(self) -> str:
        if self.state == "expire":
            return f"expiré depuis le {fr.short_date(self.valid_until)}" if self.valid_until else ""
        if self.state == "expire_bientot" and self.valid_until:
            return f"expire le {fr.short_date(self.valid_until)}"
        if self.state == "valide" and self.valid_until:
            return f"valable jusqu'au {fr.short_date(self.valid_until)}"
        return "sans échéance"


def _piece(kind: str) -> Piece:
    piece = catalogue().pieces.get(kind)
    if piece is None:
        known = ", ".join(sorted(catalogue().pieces))
        raise ServiceError(f"Type de pièce inconnu : « {kind} » (connus : {known}).", field="kind")
    return piece


def _state(valid_until: date | None, today: date, soon_days: int) -> str:
    if valid_until is None:
        return "sans_echeance"
    if valid_until < today:
        return "expire"
    if valid_until <= today + timedelta(days=soon_days):
        return "expire_bientot"
    return "valide"


def _view(document: Document, today: date, soon_days: int = EXPIRING_DAYS) -> DocumentView:
    assert document.id is not None
    piece = catalogue().pieces.get(document.kind)
    return DocumentView(
        id=document.id,
        household_id=document.household_id,
        request_id=document.request_id,
        kind=document.kind,
        kind_label=piece.label if piece else document.kind,
        original_name=document.original_name,
        media_type=document.media_type,
        size=document.size,
        sha256=document.sha256,
        valid_until=document.valid_until,
        state=_state(document.valid_until, today, soon_days),
        path=document.path,
    )


def _store(documents_dir: Path, name: str, content: bytes) -> tuple[Path, bool]:
    """Write the content as documents/<2 first>/<name>, 0600; (path, created now)."""
    folder = documents_dir / name[:2]
    target = folder / name
    if target.exists():
        return target, False
    make_private_dir(documents_dir)
    make_private_dir(folder)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")  # 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, True


@requires("foyers.modifier")
def attach_document(
    engine: Engine,
    *,
    household_id: int,
    source: Path | str,
    kind: str,
    documents_dir: Path,
    actor: Actor,
    clock: Clock,
    request_id: int | None = None,
    issued_on: date | None = None,
    valid_until: date | None = None,
    max_bytes: int = MAX_BYTES,
) -> DocumentView:
    """Check and store a pièce for a household (and optionally one of its requests).

    `documents_dir` is Settings.documents_dir. A pièce with a validity period
    needs `issued_on`; `valid_until` (an ID card's end date) may be given instead.
    """
    require_counter_agent(actor)
    piece = _piece(kind)
    today = clock.today()
    valid_until = _valid_until(piece, issued_on, valid_until, today)
    path, content = read_source(source, max_bytes)
    file_type = check_content(path, content)
    digest = hashlib.sha256(content).hexdigest()
    stored_name = digest + file_type.extension
    # The file is written before the transaction (no write lock held meanwhile) and
    # removed again if the transaction fails or refuses (no household, no such request).
    stored, created = _store(documents_dir, stored_name, content)
    try:
        with writing(engine, "ajout de pièce") as session:
            get_or_404(session, Household, household_id)
            if request_id is not None:
                get_or_404(
                    session,
                    Request,
                    request_id,
                    f"Demande introuvable pour ce foyer (n° {request_id}).",
                    where=lambda request: request.household_id == household_id,
                )
            document = Document(
                household_id=household_id,
                request_id=request_id,
                kind=kind,
                original_name=kept_name(path.name, file_type),
                sha256=digest,
                size=len(content),
                media_type=file_type.media_type,
                valid_until=valid_until,
                path=f"{documents_dir.name}/{digest[:2]}/{stored_name}",
                created_at=clock.now(),
            )
            _record(session, document, actor, clock)
            return _view(document, today)
    except BaseException:
        if created:
            stored.unlink(missing_ok=True)
        raise


def _valid_until(
    piece: Piece, issued_on: date | None, valid_until: date | None, today: date
) -> date | None:
    """The pièce's end of validity; DocumentRefused when it is missing or already past."""
    if issued_on is not None and issued_on > today:
        raise DocumentRefused("La date d'émission est dans le futur.", field="issued_on")
    if piece.validity_months is not None and valid_until is None:
        if issued_on is None:
            raise DocumentRefused(
                f"« {piece.label} » : indiquez la date d'émission du document.", field="issued_on"
            )
        valid_until = issued_on + relativedelta(months=piece.validity_months)
    if valid_until is not None and valid_until < today:
        raise DocumentRefused(
            f"« {piece.label} » n'est plus valable (fin de validité le "
            f"{fr.short_date(valid_until)}) : demandez un document plus récent.",
            field="issued_on",
        )
    return valid_until


def _record(session: Session, document: Document, actor: Actor, clock: Clock) -> None:
    """Add the document's row and its audit row."""
    session.add(document)
    session.flush()
    audit(
        session,
        at=clock.now(),
        actor=actor,
        action="document.attach",
        entity="document",
        entity_id=document.id,
        details={
            "household": document.household_id,
            "request": document.request_id,
            "kind": document.kind,
            "sha256": document.sha256,
            "size": document.size,
        },
    )


@requires("foyers.lire")
def household_documents(
    engine: Engine,
    household_id: int,
    *,
    actor: Actor,
    clock: Clock,
    soon_days: int = EXPIRING_DAYS,
) -> list[DocumentView]:
    """The household's pièces, newest first, each with its state (expired, expiring soon…)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        rows = session.exec(
            select(Document)
            .where(Document.household_id == household_id)
            .order_by(col(Document.created_at).desc(), col(Document.id).desc())
        ).all()
    today = clock.today()
    return [_view(row, today, soon_days) for row in rows]
