"""Command line of the démarches: `demandes liste`, `demandes voir N`, `demandes catalogue`.

Registered on the main application by :func:`register` (see mairie_tui/cli/__init__.py).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mairie_tui.cli.common import (
    JsonOption,
    add_group,
    command,
    console,
    fail,
    print_json,
    signed_in_actor,
    state,
)
from mairie_tui.cli.console import styled
from mairie_tui.domain import fr

demandes_app = typer.Typer(
    help="Démarches : boîte des demandes, détail d'une demande, catalogue.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add `demandes …` to the main command."""
    add_group(app, demandes_app, "demandes")


@command(demandes_app, "liste", "list")
def list_requests(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            help="Statut (deposee, en_cours, en_attente, traitee, refusee, annulee) ; "
            "répétable ; « tous » pour tous. Par défaut : les demandes à traiter.",
        ),
    ] = None,
    type_: Annotated[
        list[str] | None,
        typer.Option(
            "--type", help="Code de la démarche (voir « demandes catalogue ») ; répétable."
        ),
    ] = None,
    age: Annotated[
        int | None, typer.Option("--age", min=0, help="Seulement les demandes d'au moins N jours.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Nombre de lignes au plus.")] = 200,
    as_json: JsonOption = False,
) -> None:
    """Boîte des demandes de tous les foyers, les plus anciennes d'abord."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.requests import OPEN_STATUSES, catalogue, inbox

    statuses: list[str] | None = list(status) if status else list(OPEN_STATUSES)
    if status and "tous" in status:
        statuses = None
    known_statuses = set(catalogue().status_labels())
    for code in statuses or []:
        if code not in known_statuses:
            fail(f"statut inconnu : « {code} » (connus : {', '.join(sorted(known_statuses))}).")
    known_types = set(catalogue().type_labels()) | {"reservation"}
    for code in type_ or []:
        if code not in known_types:
            fail(f"démarche inconnue : « {code} » (voir « mairie-tui demandes catalogue »).")
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        rows = inbox(
            st.engine(),
            actor=actor,
            clock=st.settings.clock,
            statuses=statuses,
            types=list(type_) if type_ else None,
            min_age_days=age,
            limit=limit,
        )
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(rows)
        return
    table = Table("N°", "Démarche", "Statut", "Foyer", "Demandeur", "Déposée le", "Âge (j)")
    for row in rows:
        table.add_row(
            row.number,
            row.type_label,
            row.status_label,
            row.dossier or "",
            row.requester,
            fr.date_time(row.created_at),
            str(row.age_days),
        )
    console.print(table)
    console.print(f"{len(rows)} demande(s).", highlight=False)


@command(demandes_app, "voir", "show")
def show_request(
    ctx: typer.Context,
    number: Annotated[
        str, typer.Argument(help="Numéro (2026-000042) ou identifiant de la demande.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Détail d'une demande : réponses, pièces, historique, suites possibles."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.requests import get_request

    actor = signed_in_actor(ctx, permission="guichet")
    try:
        page = get_request(state(ctx).engine(), number, actor=actor)
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(page)
        return
    console.print(
        styled((f"Demande n° {page.number}", "bold"), f" — {page.type_label} — {page.status_label}")
    )
    console.print(
        f"Foyer {page.dossier or '(aucun)'} · {page.requester} · déposée le "
        f"{fr.date_time(page.created_at)}",
        highlight=False,
    )
    if page.appointment_at is not None:
        console.print(f"Rendez-vous : {fr.date_time(page.appointment_at)}", highlight=False)
    answers = Table("Question", "Réponse", title="Réponses")
    for item in page.answers:
        answers.add_row(item.label, item.value)
    console.print(answers)
    for line in page.result:
        console.print(line, highlight=False)
    if page.pieces or page.documents:
        pieces = Table("Pièce", "Obligatoire", title="Pièces")
        for required in page.pieces:
            pieces.add_row(required.piece.label, "oui" if required.required else "non")
        for document in page.documents:
            pieces.add_row(f"{document.kind_label} : {document.original_name}", "jointe")
        console.print(pieces)
    history = Table("Date", "Statut", "Agent", "Commentaire", title="Historique")
    for event in page.events:
        history.add_row(fr.date_time(event.at), event.status_label, event.agent, event.comment)
    console.print(history)
    if page.transitions:
        moves = ", ".join(f"{t.label} → {t.target}" for t in page.transitions)
        console.print(f"Suites possibles : {moves}", highlight=False)


@command(demandes_app, "catalogue")
def show_catalogue(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Les démarches du catalogue, par catégorie."""
    from mairie_tui.domain.catalogue import CatalogueError
    from mairie_tui.services.requests import catalogue

    try:
        groups = catalogue().categories()
    except CatalogueError as exc:
        fail(f"catalogue des démarches invalide : {exc}")
    if as_json:
        print_json(
            [
                {
                    "code": d.code,
                    "title": d.title,
                    "category": category,
                    "steps": [title for _, title in d.steps],
                    "fields": [f.code for f in d.fields],
                    "pieces": [p.piece.code for p in d.pieces],
                    "statuses": [s.code for s in d.workflow.statuses],
                }
                for category, items in groups.items()
                for d in items
            ]
        )
        return
    table = Table("Catégorie", "Code", "Démarche", "Étapes")
    for category, items in groups.items():
        for demarche in items:
            table.add_row(
                category, demarche.code, demarche.title, " · ".join(t for _, t in demarche.steps)
            )
    console.print(table)
