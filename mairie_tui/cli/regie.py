"""`mairie-tui factures …` and `mairie-tui tarifs …`: the régie's invoices and tariffs."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from mairie_tui.cli.common import (
    JsonOption,
    add_group,
    command,
    console,
    fail,
    parse_day,
    print_json,
    signed_in_actor,
    state,
)
from mairie_tui.domain import fr
from mairie_tui.domain.billing import scope_label
from mairie_tui.domain.money import format_euros
from mairie_tui.services.common import Actor

factures_app = typer.Typer(
    help="Régie : facturation mensuelle, liste et détail des factures.", no_args_is_help=True
)
regie_app = typer.Typer(
    help="Régie : journal de caisse, clôture du jour, export comptable.", no_args_is_help=True
)
tarifs_app = typer.Typer(
    help="Régie : tarifs par tranche de quotient familial.", no_args_is_help=True
)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def register(app: typer.Typer) -> None:
    """`factures generer|liste|voir` and `tarifs importer|liste`."""
    command(factures_app, "generer", "generate")(invoices_generate)
    command(factures_app, "liste", "list")(invoices_list)
    command(factures_app, "voir", "show")(invoices_show)
    command(factures_app, "pdf")(invoices_pdf)
    command(regie_app, "recu", "receipt")(receipt_print)
    command(regie_app, "attestation")(childcare_certificate)
    command(tarifs_app, "importer", "import")(tariffs_import)
    command(tarifs_app, "liste", "list")(tariffs_list)
    command(regie_app, "journal")(till_journal)
    command(regie_app, "cloturer", "close")(till_close)
    command(regie_app, "export")(till_export)
    command(regie_app, "annuler", "cancel")(payment_cancel)
    add_group(app, factures_app, "factures", "invoices")
    add_group(app, regie_app, "regie", "till")
    add_group(app, tarifs_app, "tarifs", "tariffs")


def _month(text: str) -> tuple[int, int]:
    match = MONTH.match(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        fail(f"--mois : « {text.strip()[:20]} » n'est pas un mois AAAA-MM (exemple : 2020-09).")
    return int(match[1]), int(match[2])


def invoices_generate(
    ctx: typer.Context,
    mois: Annotated[str, typer.Option("--mois", help="Mois à facturer, AAAA-MM (2020-09).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Montre les totaux sans rien écrire.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Factures du mois : une par foyer (superviseur) ; relancer un mois ne change rien."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import generate_month, prepare_month

    year, month = _month(mois)
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        if dry_run:
            run = prepare_month(st.engine(), year, month, actor=actor)
        else:
            run = generate_month(st.engine(), year, month, actor=actor, clock=st.settings.clock)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    totals = run.totals_by_activity()
    if as_json:
        print_json(
            {
                "period": run.period,
                "dry_run": dry_run,
                "invoices": len(run.invoices),
                "numbers": list(run.numbers),
                "already_invoiced": run.already_invoiced,
                "total_cents": run.total,
                "by_activity_cents": totals,
                "problems": list(run.problems),
            }
        )
        return
    table = Table("Activité", "Montant", title=f"Facturation {run.period}")
    for name, cents in totals.items():
        table.add_row(Text(name), format_euros(cents))
    table.add_row(Text("Total", style="bold"), Text(format_euros(run.total), style="bold"))
    console.print(table)
    for problem in run.problems:
        console.print(Text(f"À corriger : {problem}"))
    done = "à écrire" if dry_run else "écrites"
    console.print(
        Text(
            f"{len(run.invoices)} facture(s) {done} ; {run.already_invoiced} foyer(s) déjà facturé(s)."
        )
    )
    if run.numbers:
        console.print(Text(f"Numéros {run.numbers[0]} à {run.numbers[-1]}."))
    if dry_run and run.invoices:
        console.print(Text("Relancez sans --dry-run pour écrire les factures."))


def invoices_list(
    ctx: typer.Context,
    mois: Annotated[str | None, typer.Option("--mois", help="Seulement ce mois, AAAA-MM.")] = None,
    foyer: Annotated[
        str | None, typer.Option("--foyer", help="Seulement ce foyer (F-000001).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Factures et avoirs, les plus récents d'abord, avec ce qui reste à payer."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import list_invoices

    if mois is not None:
        _month(mois)
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        rows = list_invoices(st.engine(), actor=actor, period=mois, dossier=foyer)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    if as_json:
        print_json(
            [
                {
                    "number": r.number,
                    "kind": r.kind,
                    "dossier": r.dossier,
                    "period": r.period,
                    "issued_at": r.issued_at,
                    "due_date": r.due_date,
                    "total_cents": r.total_cents,
                    "paid_cents": r.paid_cents,
                    "remaining_cents": r.remaining_cents,
                }
                for r in rows
            ]
        )
        return
    table = Table("N°", "Foyer", "Mois", "Échéance", "Montant", "Reste dû")
    for r in rows:
        table.add_row(
            r.number,
            r.dossier,
            r.period,
            fr.short_date(r.due_date),
            format_euros(r.total_cents),
            format_euros(r.remaining_cents),
        )
    console.print(table)
    console.print(Text(f"{len(rows)} facture(s)."))


def invoices_show(
    ctx: typer.Context,
    numero: Annotated[str, typer.Argument(help="N° de la facture (2020-F-000001).")],
    as_json: JsonOption = False,
) -> None:
    """Une facture, ligne par ligne, avec la règle appliquée à chaque jour."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import invoice_detail

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        detail = invoice_detail(st.engine(), numero, actor=actor)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    s = detail.summary
    if as_json:
        print_json(
            {
                "number": s.number,
                "kind": s.kind,
                "dossier": s.dossier,
                "period": s.period,
                "issued_at": s.issued_at,
                "due_date": s.due_date,
                "total_cents": s.total_cents,
                "paid_cents": s.paid_cents,
                "remaining_cents": s.remaining_cents,
                "qf_basis": detail.qf_basis,
                "lines": [line.__dict__ for line in detail.lines],
            }
        )
        return
    console.print(Text(f"Facture {s.number} — foyer {s.dossier} — {s.period}"))
    console.print(Text(detail.qf_basis))
    table = Table("Enfant", "Activité", "Jour", "Unité", "Règle", "Qté", "Prix", "Montant")
    for line in detail.lines:
        table.add_row(
            Text(line.child_name),
            Text(line.activity_name),
            fr.long_date(line.day),
            Text(line.unit_name),
            Text(line.rule_label),
            str(line.quantity),
            format_euros(line.unit_price_cents),
            format_euros(line.amount_cents),
        )
    console.print(table)
    console.print(
        Text(
            f"Total {format_euros(s.total_cents)} — payé {format_euros(s.paid_cents)} — "
            f"reste dû {format_euros(s.remaining_cents)} — échéance {fr.long_date(s.due_date)}"
        )
    )


def tariffs_import(
    ctx: typer.Context,
    fichier: Annotated[Path, typer.Argument(help="Fichier de tarifs TOML (voir data/tarifs/).")],
) -> None:
    """Ajoute les tarifs d'un fichier (superviseur) ; une période déjà tarifée est refusée."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import import_tariffs

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        added = import_tariffs(st.engine(), fichier, actor=actor, now=st.settings.clock.now())
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    console.print(Text(f"{added} tarif(s) ajouté(s)."))


def tariffs_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Les tarifs en base, par activité et période."""
    from mairie_tui.services.regie import list_tariffs

    st = state(ctx)
    signed_in_actor(ctx, permission="guichet")
    try:
        rules = list_tariffs(st.engine())
    finally:
        st.dispose()
    if as_json:
        print_json(
            [
                {
                    "activity": r.activity,
                    "unit": r.unit,
                    "valid_from": r.valid_from,
                    "valid_to": r.valid_to,
                    "outside_commune_cents": r.outside_commune,
                    "surcharge_cents": r.surcharge,
                    "late_cancellation_cents": r.late_cancellation,
                    "brackets": [
                        {"min_qf": b.min_qf, "max_qf": b.max_qf, "price_cents": b.price}
                        for b in r.brackets
                    ],
                }
                for r in rules
            ]
        )
        return
    table = Table("Activité", "Du", "Au", "Tranches", "Hors commune", "Majoration")
    for r in rules:
        scope = scope_label(r)
        brackets = " · ".join(f"{b.label()} {format_euros(b.price)}" for b in r.brackets)
        table.add_row(
            Text(scope),
            r.valid_from.strftime("%d/%m/%Y"),
            r.valid_to.strftime("%d/%m/%Y") if r.valid_to else "—",
            Text(brackets),
            format_euros(r.outside_commune),
            format_euros(r.surcharge),
        )
    console.print(table)


def till_journal(
    ctx: typer.Context,
    jour: Annotated[
        str | None, typer.Option("--jour", help="Jour, JJ/MM/AAAA (sinon aujourd'hui).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Journal de caisse d'un jour : encaissements par agent et par mode, chèques, clôture."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import till_day

    st = state(ctx)
    day = parse_day(jour, "--jour") if jour else st.settings.clock.today()
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        result = till_day(st.engine(), day, actor=actor)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    if as_json:
        closing = result.closing
        print_json(
            {
                "day": result.day,
                "payments": [p.__dict__ for p in result.payments],
                "totals_by_mode_cents": result.totals_by_mode,
                "totals_by_agent_cents": result.totals_by_agent,
                "cheques": [c.__dict__ for c in result.cheques],
                "closed": closing is not None,
                "expected_cash_cents": result.expected_cash_cents,
                "counted_cash_cents": closing.counted_cash_cents if closing else None,
                "difference_cents": closing.difference_cents if closing else None,
            }
        )
        return
    console.print(Text(result.text()), soft_wrap=True)


def till_close(
    ctx: typer.Context,
    especes: Annotated[
        str, typer.Option("--especes", help="Espèces comptées dans la caisse (12,50).")
    ],
    jour: Annotated[
        str | None, typer.Option("--jour", help="Jour, JJ/MM/AAAA (sinon aujourd'hui).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Note de clôture (écart…).")] = "",
) -> None:
    """Clôture de caisse par le régisseur (superviseur) : ensuite, le jour ne change plus."""
    from mairie_tui.domain.money import AmountError, parse_euros
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import close_till

    try:
        counted = parse_euros(especes)
    except AmountError as exc:
        fail(f"--especes : {exc}")
    st = state(ctx)
    day = parse_day(jour, "--jour") if jour else st.settings.clock.today()
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        result = close_till(
            st.engine(), day, counted, actor=actor, clock=st.settings.clock, note=note
        )
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    console.print(Text(result.text()), soft_wrap=True)


def payment_cancel(
    ctx: typer.Context,
    recu: Annotated[str, typer.Argument(help="N° du reçu à annuler (2020-R-000001).")],
    motif: Annotated[
        str, typer.Option("--motif", help="Motif de l'annulation (chèque sans provision…).")
    ],
) -> None:
    """Annuler un encaissement (superviseur), avec son motif : le paiement reste au journal,
    marqué annulé, et ne compte plus dans le solde du foyer."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import cancel_payment

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        balance = cancel_payment(st.engine(), recu, motif, actor=actor, clock=st.settings.clock)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    console.print(Text(f"Reçu {recu.strip()} annulé. {balance.label()}"))


def till_export(
    ctx: typer.Context,
    du: Annotated[str, typer.Option("--du", help="Premier jour, JJ/MM/AAAA.")],
    au: Annotated[str, typer.Option("--au", help="Dernier jour, JJ/MM/AAAA.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Fichier CSV à écrire (sinon la sortie).")
    ] = None,
) -> None:
    """Export comptable (CSV ;) : une ligne par facture et par mode de chaque encaissement."""
    from mairie_tui.files import write_private
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.regie import accounting_export

    start, end = parse_day(du, "--du"), parse_day(au, "--au")
    if end < start:
        fail("--au est avant --du.")
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        text = accounting_export(st.engine(), start, end, actor=actor)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    if out is None:
        sys.stdout.write(text)
        return
    write_private(out, text)
    console.print(
        Text(f"Export comptable écrit dans {out} ({len(text.splitlines()) - 1} ligne(s)).")
    )


OutOption = Annotated[Path, typer.Option("--out", help="Fichier PDF à écrire.")]


def _write_pdf(ctx: typer.Context, make: Callable[[Engine, Actor], Path]) -> None:
    from mairie_tui.services.errors import ServiceError

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        path = make(st.engine(), actor)
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    console.print(Text(f"PDF écrit : {path}"))


def invoices_pdf(
    ctx: typer.Context,
    numero: Annotated[str, typer.Argument(help="N° de la facture ou de l'avoir.")],
    out: OutOption,
) -> None:
    """La facture (ou l'avoir) en PDF, telle que la famille la reçoit."""
    from mairie_tui.services.regie.documents import invoice_pdf

    _write_pdf(ctx, lambda engine, actor: invoice_pdf(engine, numero, out, actor=actor))


def receipt_print(
    ctx: typer.Context,
    numero: Annotated[str, typer.Argument(help="N° du reçu (2020-R-000001).")],
    out: OutOption,
) -> None:
    """Un reçu d'encaissement en PDF (réimpression)."""
    from mairie_tui.services.regie.documents import receipt_pdf

    _write_pdf(ctx, lambda engine, actor: receipt_pdf(engine, numero, out, actor=actor))


def childcare_certificate(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="N° de dossier du foyer (F-000001).")],
    annee: Annotated[int, typer.Option("--annee", help="Année civile (2020).")],
    out: OutOption,
) -> None:
    """Attestation de frais de garde (enfants de moins de 6 ans) pour la déclaration d'impôts."""
    from mairie_tui.services.regie.documents import childcare_certificate_pdf

    _write_pdf(
        ctx,
        lambda engine, actor: childcare_certificate_pdf(engine, dossier, annee, out, actor=actor),
    )
