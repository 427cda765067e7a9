"""The mails sent to the family when a request is filed and when its status changes."""

from __future__ import annotations

from collections.abc import Sequence

from mairie_tui.domain.catalogue import (
    Demarche,
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
) -> str:
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
    required = [piece for piece in demarche.pieces if piece.required]
    if required and not demarche.workflow.is_final(status):
        lines += ["", "Pièces à fournir :"]
        lines += [
            f"- {piece.piece.label}" + (f" ({piece.note})" if piece.note else "")
            for piece in required
        ]
    lines += ["", "Vous serez informé(e) par mail de chaque étape.", "", SIGNATURE]
    return "\n".join(lines)


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
