"""Command line: thin commands that parse, call a service and print (rich or --json).

`mairie-tui` with no sub-command opens the terminal application.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
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
    offline,
    outbox,
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
    from mairie_tui.services.agents import get_agents

    if not get_agents(engine):
        fail(
            "aucun agent dans cette base : créez-en un avec « mairie-tui agents ajouter » "
            "(ou une base de démonstration avec « mairie-tui demo »)."
        )
    engine.dispose()
    from mairie_tui.tui.app import MairieApp

    MairieApp(st.settings).run()


# Command groups, in the order of the help page.
for group in (base, households, lists, charge, agents, outbox, offline, demarches, rgpd, audit):
    group.register(app)


def main() -> None:
    """Entry point: an unexpected error is one French line, its traceback goes to a log file."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        errors.print("Interrompu.")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - last resort: never show a traceback to an agent
        import tempfile
        import traceback

        from mairie_tui.clock import SystemClock

        log = Path(tempfile.gettempdir()) / "mairie-tui-erreurs.log"
        with log.open("a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"--- {SystemClock().now().isoformat()}\n{traceback.format_exc()}\n")
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        errors.print(
            styled(
                ("Erreur inattendue :", "bold red"),
                f" {type(exc).__name__} : {first_line} (détails dans {log})",
            ),
            soft_wrap=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
