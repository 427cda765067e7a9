"""`mairie-tui courriels …`: the mails to families (outbox), sent by SMTP."""

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
from mairie_tui.domain import fr

outbox_app = typer.Typer(help="Courriels aux familles (boîte d'envoi).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`courriels …` (formerly `outbox …`)."""
    command(outbox_app, "liste", "list")(outbox_list)
    command(outbox_app, "envoyer", "send")(outbox_send)
    add_group(app, outbox_app, "courriels", "outbox")


# ---------------------------------------------------------------- outbox


def outbox_list(
    ctx: typer.Context,
    pending: Annotated[
        bool, typer.Option("--pending", help="Seulement les mails non envoyés.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Liste les mails aux familles (envoyés, en attente, en erreur)."""
    from mairie_tui.services.outbox import list_outbox

    actor = signed_in_actor(ctx, permission="guichet")
    items = list_outbox(state(ctx).engine(), pending_only=pending, actor=actor)
    if as_json:
        print_json(items)
        return
    table = Table("N°", "Destinataire", "Objet", "Créé le", "État")
    for item in items:
        table.add_row(
            str(item.id),
            item.recipient,
            item.subject,
            fr.date_time(item.created_at),
            item.status_label,
        )
    console.print(table)


def outbox_send(ctx: typer.Context) -> None:
    """Envoie les mails en attente par SMTP (MAIRIE_SMTP_HOST…)."""
    from mairie_tui.services.journal import record
    from mairie_tui.services.outbox import send_pending

    st = state(ctx)
    if st.settings.smtp is None:
        fail(
            "aucun serveur SMTP configuré (MAIRIE_SMTP_HOST) : les mails restent dans la boîte d'envoi."
        )
    actor = signed_in_actor(ctx, permission="guichet")
    sent, failed = send_pending(st.engine(), st.settings.smtp, st.settings.clock, actor=actor)
    record(
        st.engine(),
        actor=actor,
        clock=st.settings.clock,
        action="courriels.envoi",
        entity="outbox",
        details={"envoyes": sent, "en_erreur": failed},
    )
    console.print(f"{sent} mail(s) envoyé(s), {failed} en erreur.")
    if failed:
        raise typer.Exit(1)
