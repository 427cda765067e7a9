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
from mairie_tui.services.common import Actor

outbox_app = typer.Typer(help="Courriels aux familles (boîte d'envoi).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`courriels …` (formerly `outbox …`)."""
    command(outbox_app, "liste", "list")(outbox_list)
    command(outbox_app, "envoyer", "send")(outbox_send)
    command(outbox_app, "renvoyer")(outbox_resend)
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
    table = Table("N°", "Destinataire", "Objet", "Créé le", "État", "Motif")
    for item in items:
        table.add_row(
            str(item.id),
            item.recipient,
            item.subject,
            fr.date_time(item.created_at),
            item.status_label,
            item.last_error or "",
        )
    console.print(table)


def outbox_send(
    ctx: typer.Context,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Tourne sans fin (service) : envoie chaque mail dès qu'il est en attente, "
            "réessaie les échecs temporaires ; arrêt par Ctrl+C ou SIGTERM.",
        ),
    ] = False,
) -> None:
    """Envoie les mails en attente par SMTP (MAIRIE_SMTP_HOST…)."""
    from mairie_tui.clock import SystemClock
    from mairie_tui.services.journal import record
    from mairie_tui.services.outbox import send_pending

    st = state(ctx)
    if st.settings.smtp is None:
        fail(
            "aucun serveur SMTP configuré (MAIRIE_SMTP_HOST) : les mails restent dans la boîte d'envoi."
        )
    actor = signed_in_actor(ctx, permission="guichet")
    if watch:
        _watch(ctx, actor)
        return
    # Sending happens in real time, even when MAIRIE_NOW freezes the clock (training).
    report = send_pending(st.engine(), st.settings.smtp, SystemClock(), actor=actor)
    record(
        st.engine(),
        actor=actor,
        clock=st.settings.clock,
        action="courriels.envoi",
        entity="outbox",
        details={"envoyes": report.sent, "a_reessayer": report.retried, "en_echec": report.failed},
    )
    console.print(
        f"{report.sent} mail(s) envoyé(s), {report.retried} à réessayer, "
        f"{report.failed} en échec."
    )
    if report.retried or report.failed:
        raise typer.Exit(1)


def _watch(ctx: typer.Context, actor: Actor) -> None:
    """The sender as a service (systemd): until SIGTERM or Ctrl+C."""
    import signal
    import threading

    from mairie_tui.clock import SystemClock
    from mairie_tui.services.outbox import SendReport, run_sender

    st = state(ctx)
    assert st.settings.smtp is not None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def said(report: SendReport) -> None:
        if report.claimed:
            console.print(
                f"{SystemClock().now():%d/%m/%Y %H:%M:%S} : {report.sent} envoyé(s), "
                f"{report.retried} à réessayer, {report.failed} en échec."
            )

    smtp = st.settings.smtp
    console.print(
        f"Envoi des courriels par {smtp.host}:{smtp.port} ; arrêt par Ctrl+C ou SIGTERM."
    )
    run_sender(st.engine(), smtp, SystemClock(), stop, on_pass=said, actor=actor)
    console.print("Envoi des courriels arrêté.")


def outbox_resend(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="N° du mail (courriels liste).")],
    address: Annotated[
        str | None, typer.Option("--adresse", help="Adresse corrigée du destinataire.")
    ] = None,
) -> None:
    """Remet un mail dans la boîte d'envoi (après un échec), à une adresse corrigée si donnée."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.outbox import resend_mail

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        item = resend_mail(
            st.engine(), number, recipient=address, actor=actor, clock=st.settings.clock
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Mail n° {item.id} remis en attente, pour {item.recipient}.")
