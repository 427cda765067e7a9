"""`mairie-tui effectifs` and `mairie-tui listes …`: headcounts and the school lists."""

import csv
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from mairie_tui.cli.common import (
    JsonOption,
    add_group,
    console,
    fail,
    parse_day,
    print_json,
    signed_in_actor,
    state,
)
from mairie_tui.domain import fr
from mairie_tui.services.common import Actor

if TYPE_CHECKING:
    from mairie_tui.services.lists import HeadcountRow

listes_app = typer.Typer(
    help="Listes des écoles : sites, liste du jour, impression.", no_args_is_help=True
)
SiteOption = Annotated[
    str,
    typer.Option("--site", help="Site (nom complet ou mots du nom : « mons elementaire »)."),
]
UnitOption = Annotated[str, typer.Option("--unit", help="Unité (« Repas », « Matin »…) ou son n°.")]


def register(app: typer.Typer) -> None:
    """Add `effectifs` and `listes …` to the main command."""
    app.command("effectifs")(effectifs)
    add_group(app, listes_app, "listes")


def _reader(ctx: typer.Context) -> Actor:
    """Counts and site names are not personal: the signed-in agent if one is named (staff then
    see their own sites only), otherwise the system, which sees every site."""
    from mairie_tui.services.common import SYSTEM_ACTOR

    return signed_in_actor(ctx, permission="connecte") if state(ctx).agent else SYSTEM_ACTOR


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------- effectifs


def effectifs(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option("--site", help="Site (sinon tous les sites).")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Premier jour, JJ/MM/AAAA (sinon aujourd'hui).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Dernier jour, JJ/MM/AAAA (sinon le premier).")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Seulement cette unité.")] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Sortie CSV (séparateur ;).")] = False,
) -> None:
    """Effectifs pour la cuisine : réservés par site, unité et jour (et présents pour les jours passés)."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.lists import headcounts

    if as_json and as_csv:
        fail("choisissez --json ou --csv, pas les deux.")
    st = state(ctx)
    clock = st.settings.clock
    first = parse_day(start, "--from") if start else clock.today()
    last = parse_day(end, "--to") if end else first
    actor = _reader(ctx)
    try:
        rows = headcounts(
            st.engine(), site=site, start=first, end=last, unit=unit, clock=clock, actor=actor
        )
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(rows)
        return
    if as_csv:
        _print_headcounts_csv(rows)
        return
    console.print(_headcounts_table(rows, first, last))


def _print_headcounts_csv(rows: "list[HeadcountRow]") -> None:
    """The headcounts as CSV on stdout (; as French spreadsheets expect)."""
    writer = csv.writer(sys.stdout, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "site",
            "activite",
            "unite",
            "jour",
            "reserves",
            "en_attente",
            "presents",
            "absents",
            "inattendus",
            "cloture",
            "regimes",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.site,
                row.activity_name,
                row.unit_name,
                row.day.isoformat(),
                row.booked,
                row.pending,
                _count(row.present),
                _count(row.absent),
                _count(row.unexpected),
                "oui" if row.closed else "non",
                _diets(row),
            ]
        )


def _headcounts_table(rows: "list[HeadcountRow]", first: date, last: date) -> Table:
    """The headcounts as a table, with a total line."""
    table = Table(
        "Site",
        "Unité",
        "Jour",
        "Réservés",
        "En attente",
        "Présents",
        "Absents",
        "Régimes",
        title=f"Effectifs {fr.period(first, last)}",
    )
    for row in rows:
        table.add_row(
            row.site,
            row.unit_name,
            fr.long_date(row.day),
            str(row.booked),
            str(row.pending),
            _count(row.present),
            _count(row.absent),
            _diets(row),
        )
    table.add_section()
    table.add_row(
        "Total",
        "",
        "",
        str(sum(r.booked for r in rows)),
        str(sum(r.pending for r in rows)),
        str(sum(r.present or 0 for r in rows)),
        str(sum(r.absent or 0 for r in rows)),
        "",
    )
    return table


def _diets(row: "HeadcountRow") -> str:
    """`arachide 1, sans porc 2`: the special diets the kitchen prepares for."""
    return ", ".join(f"{name} {count}" for name, count in row.diets.items())


# ---------------------------------------------------------------- listes


@listes_app.command("sites")
def listes_sites(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Liste les sites et leurs unités."""
    from mairie_tui.services.lists import list_sites

    sites = list_sites(state(ctx).engine(), actor=_reader(ctx))
    if as_json:
        print_json(sites)
        return
    table = Table("Site", "Activité", "Unité", "N°", title=f"{len(sites)} site(s)")
    for summary in sites:
        for unit in summary.units:
            table.add_row(summary.site, unit.activity_name, unit.name, str(unit.id))
    console.print(table)


@listes_app.command("jour")
def listes_jour(
    ctx: typer.Context,
    site: SiteOption,
    unit: UnitOption,
    day: Annotated[
        str | None, typer.Option("--jour", help="Jour, JJ/MM/AAAA (sinon aujourd'hui).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Liste du jour : réservés, en attente, inscrits non réservés, absences, pointage."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.lists import day_list

    st = state(ctx)
    clock = st.settings.clock
    when = parse_day(day, "--jour") if day else clock.today()
    actor = signed_in_actor(ctx, permission="connecte")
    try:
        listed = day_list(st.engine(), site=site, unit=unit, day=when, clock=clock, actor=actor)
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(listed)
        return
    c = listed.counts
    title = (
        f"{listed.site} — {listed.unit_name} — {fr.long_date(listed.day)}\n"
        f"Réservés {c.booked} · En attente {c.pending} · Non réservés {c.not_booked} · "
        f"Absences {c.absences} · Présents {c.present} · Absents {c.absent}"
    )
    table = Table(
        "Enfant", "Classe", "Réservation", "Absence", "Pointage", "Téléphones", title=title
    )
    for child in listed.booked + listed.pending + listed.not_booked:
        phones = ", ".join(f"{p.name} {p.phone}" for p in child.contacts if p.phone)
        table.add_row(
            child.full_name,
            child.school_class or "",
            child.booking_label,
            child.absence.reason if child.absence else "",
            child.mark.label if child.mark else "",
            phones,
        )
    console.print(table)
    if listed.note:
        console.print(listed.note)
    if listed.menu is not None:
        console.print(f"Menu : {listed.menu.line}", highlight=False, soft_wrap=True)
    for child in listed.flagged:
        console.print(f"{child.menu_alert} — {child.full_name}", highlight=False, soft_wrap=True)


@listes_app.command("imprimer")
def listes_imprimer(
    ctx: typer.Context,
    site: SiteOption,
    unit: UnitOption,
    out: Annotated[Path, typer.Option("--out", help="Fichier PDF à écrire.")],
    day: Annotated[
        str | None, typer.Option("--jour", help="Jour, JJ/MM/AAAA (sinon aujourd'hui).")
    ] = None,
) -> None:
    """Imprime (PDF) la liste d'un jour, avec des cases présent / absent à cocher."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.journal import record
    from mairie_tui.services.reports import print_day_list

    st = state(ctx)
    clock = st.settings.clock
    when = parse_day(day, "--jour") if day else clock.today()
    actor = signed_in_actor(ctx, permission="connecte")
    try:
        printed = print_day_list(
            st.engine(), site=site, unit=unit, day=when, out=out, clock=clock, actor=actor
        )
        record(
            st.engine(),
            actor=actor,
            clock=clock,
            action="listes.impression",
            entity="unit",
            details={
                "site": printed.site,
                "unite": printed.unit_name,
                "jour": when.isoformat(),
                "fichier": str(printed.path),
            },
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(
        f"Liste du {fr.long_date(printed.day)} ({printed.site}, {printed.unit_name}) : "
        f"{printed.children} enfant(s), {printed.pages} page(s) → {printed.path}",
        highlight=False,
        soft_wrap=True,
    )
