"""Command line for the school lists: effectifs, listes (sites, jour, imprimer), offline copy.

Registered on the main application by :func:`register` (see mairie_tui/cli.py).
The helpers of cli.py are imported inside the commands, so that cli.py may
import this module at its end without a cycle.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mairie_tui.domain import fr

listes_app = typer.Typer(
    help="Listes des écoles : sites, liste du jour, impression.", no_args_is_help=True
)
offline_app = typer.Typer(
    help="Copie hors ligne d'un site pour le personnel des écoles (export, import du pointage).",
    no_args_is_help=True,
)

SiteOption = Annotated[
    str, typer.Option("--site", help="Site (nom complet ou mots du nom : « mons »).")
]
UnitOption = Annotated[str, typer.Option("--unit", help="Unité (« Repas », « Matin »…) ou son n°.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les scripts).")]


def register(app: typer.Typer) -> None:
    """Add `effectifs`, `listes …` and `offline …` to the main command."""
    app.command("effectifs")(effectifs)
    app.add_typer(listes_app, name="listes")
    app.add_typer(offline_app, name="offline")


def _date(text: str, what: str) -> date:
    from mairie_tui.cli import fail

    try:
        return fr.parse_date(text)
    except ValueError as exc:
        fail(f"{what} : {exc}")


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
    from mairie_tui.cli import console, fail, print_json, state
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.lists import headcounts

    if as_json and as_csv:
        fail("choisissez --json ou --csv, pas les deux.")
    st = state(ctx)
    clock = st.settings.clock
    first = _date(start, "--from") if start else clock.today()
    last = _date(end, "--to") if end else first
    try:
        rows = headcounts(st.engine(), site=site, start=first, end=last, unit=unit, clock=clock)
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(rows)
        return
    if as_csv:
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
                ]
            )
        return
    table = Table(
        "Site",
        "Unité",
        "Jour",
        "Réservés",
        "En attente",
        "Présents",
        "Absents",
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
    )
    console.print(table)


# ---------------------------------------------------------------- listes


@listes_app.command("sites")
def listes_sites(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Liste les sites et leurs unités."""
    from mairie_tui.cli import console, print_json, state
    from mairie_tui.services.lists import list_sites

    sites = list_sites(state(ctx).engine())
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
    from mairie_tui.cli import console, fail, print_json, state
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.lists import day_list

    st = state(ctx)
    clock = st.settings.clock
    when = _date(day, "--jour") if day else clock.today()
    try:
        listed = day_list(
            st.engine(), site=site, unit=unit, day=when, clock=clock, actor=SYSTEM_ACTOR
        )
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
    from mairie_tui.cli import console, fail, state
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.reports import print_day_list

    st = state(ctx)
    clock = st.settings.clock
    when = _date(day, "--jour") if day else clock.today()
    try:
        printed = print_day_list(
            st.engine(), site=site, unit=unit, day=when, out=out, clock=clock, actor=SYSTEM_ACTOR
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(
        f"Liste du {fr.long_date(printed.day)} ({printed.site}, {printed.unit_name}) : "
        f"{printed.children} enfant(s), {printed.pages} page(s) → {printed.path}",
        highlight=False,
        soft_wrap=True,
    )


# ---------------------------------------------------------------- offline


@offline_app.command("export")
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
    from mairie_tui.cli import console, fail, print_json, state
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.offline import export_offline

    first, last = _date(start, "--from"), _date(end, "--to")
    st = state(ctx)
    try:
        summary = export_offline(
            st.engine(),
            site=site,
            start=first,
            end=last,
            out=out,
            clock=st.settings.clock,
            actor=SYSTEM_ACTOR,
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


@offline_app.command("import")
def offline_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="La copie hors ligne (FICHIER.db).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Montrer ce qui serait fait, sans rien écrire.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rapporte le pointage d'une copie hors ligne dans la base ; chaque conflit est signalé."""
    from mairie_tui.cli import console, fail, print_json, state
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.offline import import_offline

    st = state(ctx)
    try:
        report = import_offline(
            st.engine(), path, clock=st.settings.clock, actor=SYSTEM_ACTOR, dry_run=dry_run
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
