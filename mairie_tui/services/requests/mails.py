"""The mails sent to the family when a request is filed and when its status changes."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from mairie_tui.domain.catalogue import (
    Demarche,
    RequiredPiece,
    Step,
)
from mairie_tui.services.requests.demarches import SIGNATURE
from mairie_tui.services.requests.views import RecapItem


def filed_subject(demarche: Demarche, number: str, status: str) -> str:
    if demarche.workflow.is_final(status):
        return f"Votre demande n° {number} a été traitée"
    return f"Votre demande n° {number} a bien été enregistrée"


def filed_body(
    demarche: Demarche,
    number: str,
    status: str,
    recap: Sequence[RecapItem],
    result: Sequence[str],
    attached: Collection[str] = (),
) -> str:
    """The confirmation: the request, its answers, the pièces attached at the counter
    (« jointe ») and only those still to provide; `attached` holds the documents' kinds."""
    lines = ["Bonjour,", ""]
    if demarche.workflow.is_final(status):
        lines.append(
            f"Votre demande n° {number} ({demarche.title}) a été traitée et prise en compte."
        )
    else:
        lines.append(
            f"Votre demande n° {number} ({demarche.title}) a bien été enregistrée : "
            f"statut « {demarche.workflow.label(status)} »."
        )
    request_items = [item for item in recap if item.step == Step.REQUEST.value]
    if request_items:
        lines += ["", "Votre demande :"]
        lines += [f"- {item.label} : {item.value}" for item in request_items]
    if result:
        lines += [""] + list(result)
    joined = [piece for piece in demarche.pieces if piece.piece.code in attached]
    if joined:
        lines += ["", "Pièces jointes à votre demande :"]
        lines += [f"{_piece_line(piece)} : jointe" for piece in joined]
    missing = [
        piece for piece in demarche.pieces if piece.required and piece.piece.code not in attached
    ]
    if missing and not demarche.workflow.is_final(status):
        lines += ["", "Pièces à fournir :"]
        lines += [_piece_line(piece) for piece in missing]
    lines += ["", "Vous serez informé(e) par mail de chaque étape.", "", SIGNATURE]
    return "\n".join(lines)


def _piece_line(piece: RequiredPiece) -> str:
    return f"- {piece.piece.label}" + (f" ({piece.note})" if piece.note else "")


def status_body(demarche: Demarche, number: str, label: str, comment: str) -> str:
    body = [
        "Bonjour,",
        "",
        f"Votre demande n° {number} ({demarche.title}) est maintenant : {label}.",
    ]
    if comment:
        body += ["", f"Message de la mairie : {comment}"]
    body += ["", SIGNATURE]
    return "\n".join(body)
