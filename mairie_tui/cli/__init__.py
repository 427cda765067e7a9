"""Command line: thin commands that parse, call a service and print (rich or --json).

`mairie-tui` with no sub-command opens the terminal application.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from mairie_tui.cli import (
    agents,
    audit,
    base,
    charge,
    demarches,
    households,
    lists,
    menus,
    news,
    offline,
    outbox,
    regie,
    rgpd,
)
from mairie_tui.cli.common import State, console, errors, fail
from mairie_tui.cli.console import styled
from mairie_tui.cli.help import FrenchGroup

app = typer.Typer(
    name="mairie-tui",
    help="Guichet unique Mairie Prim' : réservations, démarches et listes, au terminal.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    cls=FrenchGroup,
)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Adresse de la base (sinon MAIRIE_DB_URL, sinon SQLite dans le dossier de données).",
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Date simulée AAAA-MM-JJTHH:MM, heure de Paris (mode formation ; sinon MAIRIE_NOW).",
        ),
    ] = None,
    data_dir: Annotated[
        str | None, typer.Option("--data-dir", help="Dossier de données (sinon MAIRIE_DATA_DIR).")
    ] = None,
    agent: Annotated[
        str | None,
        typer.Option(
            "--agent",
            metavar="IDENTIFIANT",
            envvar="MAIRIE_AGENT",
            show_envvar=False,
            help="Agent qui se connecte (mot de passe demandé, ou MAIRIE_PASSWORD) ; "
            "sinon MAIRIE_AGENT.",
        ),
    ] = None,
) -> None:
    """Sans commande : ouvre l'application du guichet."""
    if not sys.stdout.isatty():
        # Piped or captured: tables as wide as they need (COLUMNS still wins).
        columns = os.environ.get("COLUMNS", "")
        console.width = int(columns) if columns.isdigit() else 200
    ctx.obj = State(db, now, data_dir, agent)
    from mairie_tui.domain.catalogue import CatalogueError, default_catalogue

    try:
        default_catalogue()
    except CatalogueError as exc:
        fail(f"catalogue des démarches invalide : {exc}")
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj)


def run_tui(st: State) -> None:
    engine = st.engine()
    from mairie_tui.services.agents import count_by_role

    if not count_by_role(engine):
        fail(
            "aucun agent dans cette base : créez-en un avec « mairie-tui agents ajouter » "
            "(ou une base de démonstration avec « mairie-tui demo »)."
        )
    engine.dispose()
    from mairie_tui.tui.app import MairieApp

    MairieApp(st.settings).run()


# Command groups, in the order of the help page.
for group in (
    base,
    households,
    lists,
    menus,
    charge,
    agents,
    news,
    outbox,
    offline,
    demarches,
    regie,
    rgpd,
    audit,
):
    group.register(app)


def main() -> None:
    """Entry point: an unexpected error is one French line with a reference; details in the log.

    The umask 0o077 makes whatever this process creates private to its user,
    including files written by libraries (PDF lists, SQLite's -wal/-shm…);
    the files we write ourselves are also opened 0600 explicitly (files.py).
    """
    os.umask(0o077)
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        errors.print("Interrompu.")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - last resort: never show a traceback to an agent
        from mairie_tui import errorlog

        incident = errorlog.record(exc)
        errors.print(
            styled(
                ("Erreur inattendue", "bold red"),
                f" ({type(exc).__name__}) : l'opération n'a pas abouti ; {incident.where()}.",
            ),
            soft_wrap=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
