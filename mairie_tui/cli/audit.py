"""`mairie-tui audit --foyer F-000001 [--json]`: a family's history from the audit trail.

Registered on the main application by :func:`register` (see mairie_tui/cli/__init__.py).
Runs as a signed-in supervisor (the history is theirs).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from mairie_tui.cli.common import JsonOption, console, fail, print_json, signed_in_actor, state
from mairie_tui.domain import fr
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.history import household_history


def register(app: typer.Typer) -> None:
    """Add `audit` to the main command."""
    app.command("audit")(audit_command)


def audit_command(
    ctx: typer.Context,
    household: Annotated[
        str, typer.Option("--foyer", "--household", help="Dossier du foyer (ex. F-000001).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Historique d'un foyer : qui a changé quoi, quand (journal d'audit)."""
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        history = household_history(state(ctx).engine(), household, actor=actor)
    except ServiceError as exc:
        fail(str(exc))
    if as_json:
        print_json(history)
        return
    title = f"Historique du foyer {history.dossier}"
    if history.representative:
        title += f" — {history.representative}"
    table = Table(title=Text(title), show_lines=False)
    table.add_column("Quand", no_wrap=True)
    table.add_column("Agent")
    table.add_column("Action")
    table.add_column("Détail")
    for entry in history.entries:
        # Text, not markup: names and addresses may hold brackets.
        table.add_row(
            Text(fr.date_time(entry.at)),
            Text(entry.agent),
            Text(entry.label),
            Text(entry.summary),
        )
    console.print(table)
    if not history.entries:
        console.print(Text("Aucune entrée au journal pour ce foyer."))
