"""`mairie-tui charge`: the load harness (several counter desks at once, then invariants)."""

from __future__ import annotations

from typing import Annotated

import typer

CHARGE_HELP = (
    "Test de charge : plusieurs guichets (un processus chacun) travaillent en même temps "
    "sur une base préparée pour l'occasion, puis les invariants sont vérifiés dans les tables. "
    "Sans --db, une base SQLite jetable ; avec --db, une base VIDE (jamais celle de la mairie)."
)


def charge(
    desks: Annotated[
        int, typer.Option("--desks", min=1, max=64, help="Nombre de guichets simultanés.")
    ] = 4,
    seconds: Annotated[
        float, typer.Option("--seconds", min=1, help="Durée du test, en secondes.")
    ] = 60,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Base VIDE à utiliser (ou déjà préparée par charge) ; sinon une base SQLite temporaire.",
        ),
    ] = None,
    households: Annotated[
        int, typer.Option("--households", min=50, help="Foyers de démonstration à créer.")
    ] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Graine du tirage des opérations.")] = 2020,
    as_json: Annotated[
        bool, typer.Option("--json", help="Rapport JSON (pour les scripts).")
    ] = False,
) -> None:
    """Test de charge : plusieurs guichets à la fois, puis vérification des invariants."""
    from mairie_tui.cli.common import console, errors, fail, print_json
    from mairie_tui.config import SettingsError, normalise_db_url
    from mairie_tui.db import DatabaseError
    from mairie_tui.loadtest.report import print_report
    from mairie_tui.loadtest.runner import run_charge, target_url
    from mairie_tui.loadtest.scenario import PreparationRefused
    from mairie_tui.services.errors import ServiceError

    if db is not None:
        try:
            db = normalise_db_url(db)
        except SettingsError as exc:
            fail(str(exc))
        if db.startswith("sqlite") and (db.endswith(":memory:") or db == "sqlite://"):
            fail("une base SQLite en mémoire ne se partage pas entre guichets : donnez un fichier.")
    with target_url(db) as url:
        try:
            results = run_charge(
                url,
                desks=desks,
                seconds=seconds,
                households=households,
                seed=seed,
                console=errors,
                show_progress=not as_json,
            )
        except (PreparationRefused, ServiceError, DatabaseError) as exc:
            fail(str(exc))
    if as_json:
        print_json(results.as_dict())
    else:
        print_report(results, console)
    if not results.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `charge` to the main command."""
    app.command("charge", help=CHARGE_HELP)(charge)
