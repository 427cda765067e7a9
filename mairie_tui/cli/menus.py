"""`mairie-tui menus importer` and `menus liste`: the canteen's menus."""

from __future__ import annotations

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
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import ServiceError

menus_app = typer.Typer(
    help="Menus de la restauration scolaire : import du fichier de la cuisine, liste.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """`menus importer` and `menus liste` (English aliases: import, list)."""
    command(menus_app, "importer", "import")(import_menus_command)
    command(menus_app, "liste", "list")(list_menus_command)
    add_group(app, menus_app, "menus")


def _reader(ctx: typer.Context) -> Actor:
    """Menus are the kitchen's, not personal: the system without --agent (every site); with
    --agent, staff see their own sites only."""
    from mairie_tui.services.common import SYSTEM_ACTOR

    return signed_in_actor(ctx, permission="connecte") if state(ctx).agent else SYSTEM_ACTOR


def import_menus_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Fichier CSV (UTF-8, séparateur ; ou ,) ou XLSX de la cuisine : "
            "site, date, entree, plat, dessert, gouter, allergenes, labels."
        ),
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Importer pour de bon (sinon essai à blanc).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Importe les menus (essai à blanc par défaut ; chaque ligne en erreur est signalée avec son numéro)."""
    from mairie_tui.services.menus import import_menus

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    try:
        report = import_menus(st.engine(), file, actor=actor, clock=st.settings.clock, apply=apply)
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(report)
    else:
        for bad in report.bad:
            console.print(bad.text(), highlight=False, soft_wrap=True, markup=False)
        for warning in report.warnings():
            console.print(f"attention, {warning}", highlight=False, soft_wrap=True, markup=False)
        console.print(report.summary(), highlight=False)
    if report.bad:
        raise typer.Exit(1)


def list_menus_command(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option("--site", help="Site (sinon tous les sites).")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Premier jour, JJ/MM/AAAA (sinon aujourd'hui).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Dernier jour, JJ/MM/AAAA (sinon le premier).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Liste les menus d'un site (ou de tous) jour par jour, avec allergènes et labels."""
    from mairie_tui.services.menus import list_menus, vegetarian_warnings

    st = state(ctx)
    clock = st.settings.clock
    first = parse_day(start, "--from") if start else clock.today()
    last = parse_day(end, "--to") if end else first
    try:
        days = list_menus(st.engine(), site=site, start=first, end=last, actor=_reader(ctx))
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(days)
        return
    table = Table(
        "Site", "Jour", "Entrée", "Plat", "Dessert", "Goûter", "Allergènes", "Labels",
        title=f"Menus {fr.period(first, last)}",
    )  # fmt: skip
    for menu in days:
        table.add_row(
            menu.site,
            fr.long_date(menu.day),
            menu.starter,
            menu.main_course,
            menu.dessert,
            menu.snack,
            menu.allergen_names,
            menu.label_names,
        )
    console.print(table)
    for site_name, monday in vegetarian_warnings(days):
        console.print(
            f"attention, {site_name} : semaine du {fr.short_date(monday)} sans repas végétarien.",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
