"""`mairie-tui rgpd`: droit d'accès (export) and durée de conservation (purge).

Both commands run as a signed-in supervisor; the services refuse any other role.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

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
from mairie_tui.domain import fr

rgpd_app = typer.Typer(
    help="RGPD : droit d'accès d'un foyer et effacement des foyers inactifs (superviseurs).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """`rgpd exporter` and `rgpd purger` (formerly export, purge)."""
    command(rgpd_app, "exporter", "export")(rgpd_export)
    command(rgpd_app, "purger", "purge")(rgpd_purge)
    add_group(app, rgpd_app, "rgpd")


def _date(text: str) -> date:
    try:
        return fr.parse_date(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def rgpd_export(
    ctx: typer.Context,
    dossier: Annotated[str, typer.Argument(help="N° de dossier du foyer (F-000001).")],
    out: Annotated[
        Path, typer.Option("--out", help="Dossier à créer (ou vide) où écrire l'export.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Droit d'accès : tout ce que la base contient sur un foyer (JSON, résumé PDF, pièces)."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.rgpd import export_household

    st = state(ctx)
    engine = st.engine()
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        result = export_household(
            engine,
            dossier,
            out=out,
            data_dir=st.settings.data_dir,
            actor=actor,
            clock=st.settings.clock,
        )
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    if as_json:
        print_json(
            {
                "dossier": result.dossier,
                "folder": str(result.folder),
                "json": str(result.json_path),
                "pdf": str(result.pdf_path),
                "documents": [str(path) for path in result.document_files],
                "missing_documents": result.missing_documents,
                "counts": result.counts,
            }
        )
        return
    counts = ", ".join(f"{name} : {count}" for name, count in result.counts.items())
    console.print(Text(f"Export du dossier {result.dossier} écrit dans {result.folder}"))
    console.print(Text(f"  {result.json_path.name}, {result.pdf_path.name}"))
    console.print(Text(f"  {counts}"))
    if result.missing_documents:
        console.print(
            Text(f"  Pièces dont le fichier est introuvable : {len(result.missing_documents)}")
        )


def rgpd_purge(
    ctx: typer.Context,
    before: Annotated[
        str,
        typer.Option(
            "--before", help="Anonymiser les foyers sans activité depuis cette date (JJ/MM/AAAA)."
        ),
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Anonymiser pour de bon (sinon essai à blanc).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Durée de conservation : anonymise les foyers inactifs (essai à blanc par défaut)."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.rgpd import purge_households

    when = _date(before)
    st = state(ctx)
    engine = st.engine()
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        report = purge_households(
            engine,
            before=when,
            apply=apply,
            actor=actor,
            clock=st.settings.clock,
            data_dir=st.settings.data_dir,
        )
    except ServiceError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    if as_json:
        print_json(report)
        return
    if report.dossiers:
        console.print(Text("Dossiers : " + ", ".join(report.dossiers)), soft_wrap=True)
    if report.kept:
        table = Table("Dossier conservé", "Motif", title="Foyers inactifs conservés")
        for kept in report.kept:
            table.add_row(Text(kept.dossier), Text(", ".join(kept.reasons)))
        console.print(table)
    for stored in report.files_not_deleted:
        errors.print(Text(f"Fichier non supprimé : {stored}"))
    console.print(Text(report.summary()), soft_wrap=True)
    if not apply and report.households:
        console.print(Text("Relancez avec --apply pour anonymiser ces foyers."))
