"""`mairie-tui hors-ligne …`: the offline copy of a site for the school staff."""

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

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

offline_app = typer.Typer(
    help="Copie hors ligne d'un site pour le personnel des écoles (export, import du pointage).",
    no_args_is_help=True,
)

SiteOption = Annotated[
    str,
    typer.Option("--site", help="Site (nom complet ou mots du nom : « mons elementaire »)."),
]
UnitOption = Annotated[str, typer.Option("--unit", help="Unité (« Repas », « Matin »…) ou son n°.")]


def register(app: typer.Typer) -> None:
    """Add `hors-ligne …` (formerly `offline …`) to the main command."""
    add_group(app, offline_app, "hors-ligne", "offline")


# ---------------------------------------------------------------- offline


@command(offline_app, "exporter", "export")
def offline_export(
    ctx: typer.Context,
    site: SiteOption,
    start: Annotated[str, typer.Option("--from", help="Premier jour, JJ/MM/AAAA.")],
    end: Annotated[str, typer.Option("--to", help="Dernier jour, JJ/MM/AAAA.")],
    out: Annotated[Path, typer.Option("--out", help="Fichier SQLite à créer (FICHIER.db).")],
    force: Annotated[
        bool, typer.Option("--force", help="Remplacer le fichier s'il existe.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Écrit la copie hors ligne d'un site : seulement ce qu'il faut au personnel, pour ces jours."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.offline import export_offline

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        summary = export_offline(
            st.engine(),
            site=site,
            start=first,
            end=last,
            out=out,
            clock=st.settings.clock,
            actor=actor,
            overwrite=force,
        )
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json({**dataclasses.asdict(summary), "path": str(summary.path)})
        return
    console.print(
        f"Copie hors ligne {summary.copy_id} : {summary.site}, {summary.period_label}.\n"
        f"{summary.children} enfant(s), {summary.bookings} réservation(s), "
        f"{summary.absences} absence(s), {summary.agents} compte(s) du personnel.\n"
        f"Fichier : {summary.path} ({summary.size_bytes // 1024} Kio). "
        f"À ouvrir avec : mairie-tui --db sqlite:///{summary.path}\n"
        f"Code d'accès de la copie : {summary.access_code}\n"
        "Le personnel se connecte avec son identifiant et ce code (pas son mot de passe). "
        "Notez-le : il n'est affiché qu'une fois et n'est enregistré nulle part.",
        highlight=False,
        soft_wrap=True,
    )


@command(offline_app, "importer", "import")
def offline_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="La copie hors ligne (FICHIER.db).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Montrer ce qui serait fait, sans rien écrire.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rapporte le pointage d'une copie hors ligne dans la base ; chaque conflit est signalé."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.offline import import_offline

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        report = import_offline(
            st.engine(), path, clock=st.settings.clock, actor=actor, dry_run=dry_run
        )
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json({**dataclasses.asdict(report), "changes": report.changes})
        return
    prefix = "Simulation (rien n'est écrit) — " if report.dry_run else ""
    console.print(
        f"{prefix}Copie {report.copy_id} ({report.site}, {fr.period(report.start, report.end)}) : "
        f"{report.marks_in_copy} pointage(s) dans la copie ; {report.added} ajouté(s), "
        f"{report.updated} modifié(s), {report.unchanged} déjà à jour, "
        f"{report.closings_added} clôture(s) ajoutée(s).",
        highlight=False,
        soft_wrap=True,
    )
    if not report.issues:
        console.print("Aucun conflit.")
        return
    table = Table(
        "Jour", "Unité", "Enfant", "Décision", "Détail", title=f"{len(report.issues)} conflit(s)"
    )
    for issue in report.issues:
        table.add_row(
            fr.long_date(issue.day),
            issue.unit_name,
            issue.child,
            "importé" if issue.written else "non importé",
            issue.message,
        )
    console.print(table)
