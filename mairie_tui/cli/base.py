"""`mairie-tui demo` and `mairie-tui base …`: demo database, schema, backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from mairie_tui.cli.common import (
    JsonOption,
    State,
    add_group,
    command,
    console,
    errors,
    fail,
    print_json,
    signed_in_actor,
    state,
)
from mairie_tui.db import DatabaseError, current_revision, head_revision, make_engine, upgrade
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import ServiceError

db_app = typer.Typer(
    help="Base de données : schéma, sauvegarde, restauration.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """`demo` and `base …` (formerly `db …`)."""
    command(app, "demo")(demo)
    command(db_app, "migrer", "upgrade")(db_upgrade)
    command(db_app, "sauvegarder", "backup")(db_backup)
    command(db_app, "restaurer", "restore")(db_restore)
    add_group(app, db_app, "base", "db")


# ---------------------------------------------------------------- demo / db


def _sign_in_if_used(ctx: typer.Context, engine: Engine) -> None:
    """Emptying a base that has agents takes a supervisor; a new or empty one, nobody."""
    from mairie_tui.services.agents import count_by_role

    try:
        used = current_revision(engine) is not None and bool(count_by_role(engine))
    except Exception:  # noqa: BLE001 - an unreadable base is what --force starts again
        used = False
    if used:
        signed_in_actor(ctx, permission="superviseur")


def demo(
    ctx: typer.Context,
    households: Annotated[
        int, typer.Option("--households", min=0, help="Nombre de foyers fictifs.")
    ] = 200,
    force: Annotated[bool, typer.Option("--force", help="Vider la base d'abord.")] = False,
    regie: Annotated[
        bool,
        typer.Option(
            "--regie",
            help="Jouer aussi la régie : septembre et octobre 2020 facturés, encaissements, "
            "une caisse close (à ouvrir avec MAIRIE_NOW=2020-11-05T10:00).",
        ),
    ] = False,
) -> None:
    """Crée la base de démonstration (FAMILLE TEST, foyers fictifs, agents guichet / superviseur / cantine)."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mairie_tui.db import reset_database
    from mairie_tui.services.demo import build_demo

    st = state(ctx)
    engine = st.engine(migrate=False, notice=False)  # an empty base is what the demo wants
    if force:
        _sign_in_if_used(ctx, engine)
        reset_database(engine)
    try:
        upgrade(engine)
    except DatabaseError as exc:
        fail(str(exc))
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("Démo", total=None)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        try:
            build_demo(engine, households=households, progress=report)
        except ServiceError as exc:
            fail(f"{exc} (utilisez --force pour la vider)")
        if regie:
            from mairie_tui.services.demo.regie import build_regie_demo

            try:
                build_regie_demo(engine, documents_dir=st.settings.documents_dir, progress=report)
            except ServiceError as exc:
                fail(f"Démo de la régie : {exc}")
    elapsed = time.perf_counter() - started
    console.print(
        f"Base de démonstration prête : FAMILLE TEST"
        f"{', FAMILLE AGENDA (F-000000)' if households else ''} et {households} foyers fictifs "
        f"en {elapsed:.1f} s.\nAgents : guichet / guichet, superviseur / superviseur, cantine / cantine."
    )
    if regie:
        from mairie_tui.services.demo.regie import REGIE_NOW

        console.print(
            "Régie : septembre et octobre 2020 facturés, encaissements, caisse du 12/10/2020 "
            f"close ; FAMILLE TEST doit sa facture de septembre.\nOuvrir avec MAIRIE_NOW={REGIE_NOW}."
        )


def db_upgrade(ctx: typer.Context) -> None:
    """Crée ou met à jour le schéma de la base (migrations Alembic)."""
    st = state(ctx)
    engine = st.engine(migrate=False)
    before = current_revision(engine)
    try:
        upgrade(engine)
    except DatabaseError as exc:
        fail(str(exc))
    after = current_revision(engine)
    if before == after:
        console.print(f"Base déjà à jour (révision {after}).")
    else:
        console.print(f"Base mise à jour : {before or 'vide'} → {after}.")


def db_backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Fichier de sauvegarde à écrire.")],
    as_json: JsonOption = False,
) -> None:
    """Sauvegarde toute la base dans un fichier, pendant que les postes travaillent."""
    from mairie_tui.backup import BackupError, backup
    from mairie_tui.services.journal import record

    st = state(ctx)
    engine = st.engine(migrate=False)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        report = backup(engine, out, clock=st.settings.clock)
        record(
            engine,
            actor=actor,
            clock=st.settings.clock,
            action="base.sauvegarde",
            entity="base",
            details={"fichier": str(report.path), "contenu": report.manifest.counts.text()},
        )
    except BackupError as exc:
        fail(str(exc))
    finally:
        st.dispose()
    if as_json:
        print_json(report)
        return
    counts = report.manifest.counts.text()
    console.print(f"Sauvegarde écrite dans {report.path} : {counts}.", highlight=False)


def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Fichier écrit par « base sauvegarder ».")],
    yes: Annotated[
        bool, typer.Option("--oui", "--yes", help="Ne pas demander de confirmation.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Remplace toute la base par une sauvegarde (fermez d'abord mairie-tui sur les postes)."""
    from mairie_tui.backup import BackupError, describe_target, prepare_restore

    st = state(ctx)
    # No revision probe first: a damaged database is exactly what gets restored.
    engine = make_engine(st.settings.db_url)
    actor = _restoring_actor(ctx, engine)
    try:
        with prepare_restore(engine, file) as prepared:
            if not yes:
                confirm_restore(describe_target(engine), prepared.manifest.counts.text())
            report = prepared.apply()
        _journal_restore(engine, actor, st, file)
    except (BackupError, DatabaseError) as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if as_json:
        print_json(report)
        return
    console.print(f"Base restaurée : {report.counts.text()}.", highlight=False)
    if report.upgraded:
        console.print(f"Schéma mis à jour : {report.backup_revision} → {report.revision}.")


def _restoring_actor(ctx: typer.Context, engine: Engine) -> Actor | None:
    """A readable base with a supervisor is replaced only by a signed-in supervisor."""
    from mairie_tui.services.agents import count_by_role

    try:
        readable = current_revision(engine) == head_revision()
        supervised = readable and bool(count_by_role(engine).get("supervisor"))
    except Exception:  # noqa: BLE001 - a damaged base is exactly what gets restored
        supervised = False
    if not supervised:
        return None
    st = state(ctx)
    st._engine = engine  # sign in on this very base
    try:
        return signed_in_actor(ctx, permission="superviseur")
    finally:
        st._engine = None


def _journal_restore(engine: Engine, actor: Actor | None, st: State, file: Path) -> None:
    """The restored base records who restored it (their id only if they exist in it)."""
    from mairie_tui.services.agents import get_agents
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.journal import record

    known = {(a.id, a.login) for a in get_agents(engine, actor=SYSTEM_ACTOR)}
    by = actor if actor is not None and (actor.id, actor.login) in known else SYSTEM_ACTOR
    record(
        engine,
        actor=by,
        clock=st.settings.clock,
        action="base.restauration",
        entity="base",
        details={"fichier": str(file), "agent": actor.login if actor else None},
    )


def confirm_restore(target: str, counts: str) -> None:
    """Ask on the terminal; anything but « o »/« oui » leaves the database as it is."""
    question = (
        f"Remplacer la base {target} par la sauvegarde ({counts}) ? "
        "Toutes les données actuelles seront perdues. [o/N]"
    )
    try:
        answer = typer.prompt(question, default="", show_default=False)
    except typer.Abort:
        errors.print()
        answer = ""
    if answer.strip().lower() not in ("o", "oui", "y", "yes"):
        fail("restauration annulée : la base n'a pas changé.", code=1)
