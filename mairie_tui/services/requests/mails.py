"""The mails sent to the family when a request is filed and when its status changes,
rendered from the templates ``demande_deposee`` and ``demande_statut``
(services/mail_templates.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from mairie_tui.domain.catalogue import (
    Demarche,
    RequiredPiece,
    Step,
)
from mairie_tui.services.mail_templates import RenderedMail, render_mail
from mairie_tui.services.requests.views import RecapItem


def filed_subject(demarche: Demarche, number: str, status: str) -> str:
    if demarche.workflow.is_final(status):
        return f"Votre demande n° {number} a été traitée"
    return f"Votre demande n° {number} a bien été enregistrée"


def filed_mail(
    demarche: Demarche,
    number: str,
    status: str,
    recap: Sequence[RecapItem],
    result: Sequence[str],
    attached: Collection[str] = (),
) -> RenderedMail:
    """The confirmation: the request, its answers, the pièces attached at the counter
    (« jointe ») and only those still to provide; `attached` holds the documents' kinds."""
    final = demarche.workflow.is_final(status)
    missing = [
        piece for piece in demarche.pieces if piece.required and piece.piece.code not in attached
    ]
    return render_mail(
        "demande_deposee",
        subject=filed_subject(demarche, number, status),
        number=number,
        title=demarche.title,
        final=final,
        status=demarche.workflow.label(status),
        answers=[item for item in recap if item.step == Step.REQUEST.value],
        result=list(result),
        joined=[
            _piece_text(piece) for piece in demarche.pieces if piece.piece.code in attached
        ],
        missing=[] if final else [_piece_text(piece) for piece in missing],
    )


def _piece_text(piece: RequiredPiece) -> str:
    return piece.piece.label + (f" ({piece.note})" if piece.note else "")


def status_mail(
    demarche: Demarche, number: str, label: str, comment: str, *, subject: str
) -> RenderedMail:
    return render_mail(
        "demande_statut",
        subject=subject,
        number=number,
        title=demarche.title,
        label=label,
        comment=comment,
    )
