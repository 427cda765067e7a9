"""Plain data the démarche screens show: recap lines, a filed request, inbox rows, a request's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from mairie_tui.domain.catalogue import (
    RequiredPiece,
)
from mairie_tui.domain.workflow import Transition


@dataclass(frozen=True)
class RecapItem:
    """One line of « Le récapitulatif » and of the request page."""

    code: str
    label: str
    value: str
    step: str


@dataclass(frozen=True)
class FiledRequest:
    id: int
    number: str
    type: str
    title: str
    status: str
    status_label: str
    recipient: str | None
    mail_queued: bool
    recap: tuple[RecapItem, ...]
    result: tuple[str, ...]
    appointment_at: datetime | None
    pieces: tuple[RequiredPiece, ...]
    attached: tuple[str, ...] = ()
    """The kinds (piece codes) of the documents attached when the request was filed."""

    @property
    def attached_pieces(self) -> tuple[RequiredPiece, ...]:
        """The démarche's pièces a document was attached for (« jointe »)."""
        return tuple(p for p in self.pieces if p.piece.code in self.attached)

    @property
    def missing_pieces(self) -> tuple[RequiredPiece, ...]:
        """Required pièces with no document of their kind attached: still « à fournir »."""
        return tuple(p for p in self.pieces if p.required and p.piece.code not in self.attached)


@dataclass(frozen=True)
class InboxRow:
    id: int
    number: str
    type: str
    type_label: str
    status: str
    status_label: str
    household_id: int | None
    dossier: str | None
    requester: str
    created_at: datetime
    age_days: int
    appointment_at: datetime | None


@dataclass(frozen=True)
class EventLine:
    at: datetime
    status: str
    status_label: str
    agent: str
    comment: str


@dataclass(frozen=True)
class DocumentLine:
    id: int
    kind: str
    kind_label: str
    original_name: str
    media_type: str
    size: int
    valid_until: date | None


@dataclass(frozen=True)
class RequestPage:
    id: int
    number: str
    type: str
    type_label: str
    status: str
    status_label: str
    final: bool
    household_id: int | None
    dossier: str | None
    requester: str
    created_at: datetime
    updated_at: datetime
    version: int
    appointment_at: datetime | None
    answers: tuple[RecapItem, ...]
    result: tuple[str, ...]
    pieces: tuple[RequiredPiece, ...]
    documents: tuple[DocumentLine, ...]
    events: tuple[EventLine, ...]
    transitions: tuple[Transition, ...]

    @property
    def missing_pieces(self) -> tuple[RequiredPiece, ...]:
        """Required pièces with no document of their kind attached to the request."""
        attached = {document.kind for document in self.documents}
        return tuple(p for p in self.pieces if p.required and p.piece.code not in attached)
