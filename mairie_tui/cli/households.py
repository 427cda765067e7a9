"""`mairie-tui recherche`, `importer foyers`, `exporter foyers`, `foyers garde`: households
(counter agents)."""

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
foyers_app = typer.Typer(help="Un foyer et ses membres.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`recherche`, `importer foyers` and `exporter foyers` (formerly search, import, export)."""
    command(app, "recherche", "search")(search)
    command(import_app, "foyers", "households")(import_households_command)
    command(export_app, "foyers", "households")(export_households_command)
    add_group(app, import_app, "importer", "import")
    add_group(app, export_app, "exporter", "export")
    command(foyers_app, "garde", "custody")(custody_command)
    add_group(app, foyers_app, "foyers", "households")


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


# ---------------------------------------------------------------- custody

PARITIES = {"impaires": True, "paires": False}


def custody_command(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="N° de dossier du foyer (F-000000).")],
    enfant: Annotated[str, typer.Argument(help="Prénom de l'enfant.")],
    alternee: Annotated[
        str | None,
        typer.Option(
            "--alternee",
            metavar="impaires|paires",
            help="Semaines ISO du représentant --parent (l'autre a les autres).",
        ),
    ] = None,
    semaines: Annotated[
        str | None,
        typer.Option(
            "--semaines",
            metavar="1,2,5",
            help="Semaines ISO du représentant --parent, séparées par des virgules.",
        ),
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option("--parent", help="Représentant (prénom, nom complet ou e-mail)."),
    ] = None,
    aucune: Annotated[bool, typer.Option("--aucune", help="Retire la garde alternée.")] = False,
) -> None:
    """Garde alternée d'un enfant entre les deux représentants : sans paramètre, l'affiche."""
    from mairie_tui.services.agenda.custody import clear_custody, custody_people, set_custody

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    chosen = sum(1 for given in (alternee, semaines, aucune) if given)
    if chosen > 1:
        fail("choisissez --alternee, --semaines ou --aucune, pas plusieurs.")
    if alternee is not None and alternee not in PARITIES:
        fail(f"valeur invalide pour --alternee : « {alternee[:40]} » (impaires ou paires).")
    if (alternee or semaines) and not parent:
        fail("précisez le représentant avec --parent.")
    try:
        people = custody_people(st.engine(), dossier, enfant, actor=actor)
        if aucune:
            removed = clear_custody(
                st.engine(), people.child_id, actor=actor, clock=st.settings.clock
            )
            console.print(
                f"Garde alternée de {people.child_name} retirée."
                if removed
                else f"{people.child_name} n'avait pas de garde alternée."
            )
            return
        if not (alternee or semaines):
            shown = people.custody.describe() if people.custody else "pas de garde alternée"
            console.print(f"{people.child_name} : {shown}.")
            return
        named = people.representative(parent or "")
        other = people.other(named)
        first, second = (named, other) if semaines or PARITIES[alternee or ""] else (other, named)
        view = set_custody(
            st.engine(),
            people.child_id,
            mode="custom" if semaines else "odd_even",
            first_representative_id=first.id,
            second_representative_id=second.id,
            weeks=_weeks(semaines) if semaines else None,
            actor=actor,
            clock=st.settings.clock,
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"{people.child_name} : {view.describe()}.")


def _weeks(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        fail(f"valeur invalide pour --semaines : « {text[:40]} » (ex. 36,37,40).")
