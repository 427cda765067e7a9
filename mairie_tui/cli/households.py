"""`mairie-tui recherche`, `importer foyers`, `exporter foyers`: households (counter agents)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mairie_tui.cli.common import (
    JsonOption,
    add_group,
    command,
    console,
    errors,
    fail,
    print_json,
    signed_in_actor,
    state,
)
from mairie_tui.cli.console import export_for_stdout
from mairie_tui.services.errors import ServiceError

import_app = typer.Typer(help="Importer des données d'un autre logiciel.", no_args_is_help=True)
export_app = typer.Typer(help="Exporter des données.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`recherche`, `importer foyers` and `exporter foyers` (formerly search, import, export)."""
    command(app, "recherche", "search")(search)
    command(import_app, "foyers", "households")(import_households_command)
    command(export_app, "foyers", "households")(export_households_command)
    add_group(app, import_app, "importer", "import")
    add_group(app, export_app, "exporter", "export")


# ---------------------------------------------------------------- search


def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Nom, n° de dossier, téléphone, e-mail ou commune.")],
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=500, help="Nombre de foyers au plus.")
    ] = 50,
    as_json: JsonOption = False,
) -> None:
    """Recherche de foyers (accents et majuscules ignorés, débuts de mots)."""
    from mairie_tui.services.search import find_households

    actor = signed_in_actor(ctx, permission="guichet")
    hits = find_households(state(ctx).engine(), text, limit=limit, actor=actor)
    if as_json:
        print_json(hits)
        return
    table = Table(
        "Dossier", "Représentant", "Enfants", "Commune", "Téléphone", title=f"{len(hits)} foyer(s)"
    )
    for hit in hits:
        table.add_row(
            hit.dossier, hit.representative, ", ".join(hit.children), hit.commune, hit.phone or ""
        )
    console.print(table)


# ---------------------------------------------------------------- import / export


def import_households_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="Fichier CSV (séparateur ; , ou tabulation, UTF-8), JSON ou XLSX."),
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Importer pour de bon (sinon essai à blanc).")
    ] = False,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Ne rien importer si une ligne est en erreur.")
    ] = False,
    as_json: JsonOption = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, json ou xlsx (sinon d'après l'extension du fichier)."),
    ] = None,
) -> None:
    """Importe des foyers (essai à blanc par défaut ; chaque ligne en erreur est signalée avec son numéro)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from mairie_tui.services.household_io import import_households

    st = state(ctx)
    engine = st.engine()
    actor = signed_in_actor(ctx, permission="guichet")
    with Progress(
        TextColumn("Lecture"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("lecture", total=None)
        try:
            report = import_households(
                engine,
                file,
                actor=actor,
                clock=st.settings.clock,
                apply=apply,
                all_or_nothing=all_or_nothing,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                fmt=fmt,
            )
        except ServiceError as exc:
            fail(str(exc))
    if as_json:
        print_json(report)
    else:
        for bad in report.bad:
            console.print(bad.text(), highlight=False, soft_wrap=True, markup=False)
        for warning in report.warnings:
            console.print(
                f"attention, {warning.text()}", highlight=False, soft_wrap=True, markup=False
            )
        if all_or_nothing and apply and report.bad:
            console.print(
                "Rien n'a été importé (--all-or-nothing) : corrigez les lignes en erreur."
            )
        console.print(report.summary(), highlight=False)
    if report.bad:
        raise typer.Exit(1)


def export_households_command(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", help="csv, json ou xlsx (xlsx : avec --out).")
    ] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Fichier (sinon la sortie standard).")
    ] = None,
) -> None:
    """Exporte tous les foyers dans le format que l'import relit (aller-retour identique)."""
    from mairie_tui.services.household_io import export_households_bytes

    if fmt == "xlsx" and out is None:
        fail("l'export .xlsx s'écrit dans un fichier : ajoutez --out foyers.xlsx")
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        content = export_households_bytes(
            st.engine(),
            actor=actor,
            clock=st.settings.clock,
            fmt=fmt,
            destination=str(out) if out else None,
        )
    except ServiceError as exc:
        fail(str(exc))
    if out is None:
        sys.stdout.write(export_for_stdout(content.decode("utf-8"), fmt, sys.stdout.isatty()))
        return
    from mairie_tui.files import write_private

    try:
        write_private(out, content)  # 0600: every family's data
    except OSError as exc:
        fail(f"écriture impossible : {out} ({exc.strerror})")
    errors.print(f"Export écrit dans {out}.")
