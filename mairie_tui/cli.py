"""Command line: thin commands that parse, call a service and print (rich or --json).

`mairie-tui` with no sub-command opens the terminal application.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from mairie_tui.cli_common import (
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
from mairie_tui.cli_console import export_for_stdout, styled
from mairie_tui.cli_help import FrenchGroup
from mairie_tui.db import DatabaseError, current_revision, head_revision, make_engine, upgrade
from mairie_tui.domain import fr
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import ServiceError

app = typer.Typer(
    name="mairie-tui",
    help="Guichet unique Mairie Prim' : réservations, démarches et listes, au terminal.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    cls=FrenchGroup,
)
db_app = typer.Typer(
    help="Base de données : schéma, sauvegarde, restauration.", no_args_is_help=True
)
agent_app = typer.Typer(help="Comptes des agents.", no_args_is_help=True)
outbox_app = typer.Typer(help="Courriels aux familles (boîte d'envoi).", no_args_is_help=True)
import_app = typer.Typer(help="Importer des données d'un autre logiciel.", no_args_is_help=True)
export_app = typer.Typer(help="Exporter des données.", no_args_is_help=True)
add_group(app, db_app, "base", "db")
add_group(app, agent_app, "agents", "agent")
add_group(app, outbox_app, "courriels", "outbox")
add_group(app, import_app, "importer", "import")
add_group(app, export_app, "exporter", "export")


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


# ---------------------------------------------------------------- demo / db


def _sign_in_if_used(ctx: typer.Context, engine: Engine) -> None:
    """Emptying a base that has agents takes a supervisor; a new or empty one, nobody."""
    from mairie_tui.services.agents import get_agents

    try:
        used = current_revision(engine) is not None and bool(get_agents(engine))
    except Exception:  # noqa: BLE001 - an unreadable base is what --force starts again
        used = False
    if used:
        signed_in_actor(ctx, permission="superviseur")


@app.command()
def demo(
    ctx: typer.Context,
    households: Annotated[
        int, typer.Option("--households", min=0, help="Nombre de foyers fictifs.")
    ] = 200,
    force: Annotated[bool, typer.Option("--force", help="Vider la base d'abord.")] = False,
) -> None:
    """Crée la base de démonstration (FAMILLE TEST, foyers fictifs, agents guichet / superviseur / cantine)."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mairie_tui.db import reset_database
    from mairie_tui.services.demo import build_demo

    st = state(ctx)
    engine = st.engine(migrate=False)
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
    elapsed = time.perf_counter() - started
    console.print(
        f"Base de démonstration prête : FAMILLE TEST et {households} foyers fictifs "
        f"en {elapsed:.1f} s.\nAgents : guichet / guichet, superviseur / superviseur, cantine / cantine."
    )


@command(db_app, "migrer", "upgrade")
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


@command(db_app, "sauvegarder", "backup")
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


@command(db_app, "restaurer", "restore")
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
    from mairie_tui.services.agents import get_agents

    try:
        readable = current_revision(engine) == head_revision()
        supervised = readable and any(a.role == "supervisor" for a in get_agents(engine))
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

    known = {(a.id, a.login) for a in get_agents(engine)}
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


# ---------------------------------------------------------------- search


@command(app, "recherche", "search")
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Nom, n° de dossier, téléphone, e-mail ou commune.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
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


# ---------------------------------------------------------------- agents


@command(agent_app, "ajouter", "add")
def agent_add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Identifiant de connexion.")],
    name: Annotated[str, typer.Option("--name", help="Nom affiché.", prompt="Nom de l'agent")],
    role: Annotated[str, typer.Option("--role", help="agent, supervisor ou staff.")] = "agent",
) -> None:
    """Crée un agent ; le mot de passe est demandé deux fois, jamais affiché ni stocké en clair.

    Un superviseur connecté (--agent) crée les agents ; sur une base sans superviseur, le
    premier superviseur se crée sans connexion.
    """
    from mairie_tui.services.agents import add_agent

    st = state(ctx)
    engine = st.engine()
    actor = _creator(ctx, engine, role)
    password = typer.prompt("Mot de passe", hide_input=True)
    again = typer.prompt("Mot de passe (encore)", hide_input=True)
    if password != again:
        fail("les deux mots de passe diffèrent.")
    try:
        agent = add_agent(
            engine,
            login=login,
            name=name,
            role=role,
            password=password,
            clock=st.settings.clock,
            actor=actor,
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Agent « {agent.login} » créé ({agent.role_label}).")


def _creator(ctx: typer.Context, engine: Engine, role: str) -> Actor:
    """A signed-in supervisor; or, on a base without any, nobody for its first supervisor."""
    from mairie_tui.services.agents import get_agents
    from mairie_tui.services.common import SYSTEM_ACTOR

    if any(agent.role == "supervisor" for agent in get_agents(engine)):
        if not state(ctx).agent:
            fail(
                "cette base a déjà un superviseur : seul un superviseur connecté "
                "(--agent IDENTIFIANT) peut créer un agent."
            )
        return signed_in_actor(ctx, permission="superviseur")
    if state(ctx).agent:
        return signed_in_actor(ctx, permission="superviseur")
    if role != "supervisor":
        fail(
            "cette base n'a pas encore de superviseur : créez d'abord le premier "
            "(« mairie-tui agents ajouter IDENTIFIANT --role supervisor »)."
        )
    return SYSTEM_ACTOR


@command(agent_app, "liste", "list")
def agent_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Liste les agents."""
    from mairie_tui.services.agents import get_agents

    signed_in_actor(ctx, permission="superviseur")
    agents = get_agents(state(ctx).engine())
    if as_json:
        print_json(agents)
        return
    table = Table("Identifiant", "Nom", "Rôle", "État")
    for agent in agents:
        table.add_row(agent.login, agent.name, agent.role_label, agent.state_label)
    console.print(table)


@command(agent_app, "deverrouiller", "unlock")
def agent_unlock(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Identifiant du compte à déverrouiller.")],
) -> None:
    """Déverrouille un compte bloqué après trop d'essais de mot de passe infructueux."""
    from mairie_tui.services.agents import unlock_agent

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        agent = unlock_agent(st.engine(), login, actor=actor, clock=st.settings.clock)
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Compte « {agent.login} » déverrouillé.")


# ---------------------------------------------------------------- outbox


@command(outbox_app, "liste", "list")
def outbox_list(
    ctx: typer.Context,
    pending: Annotated[
        bool, typer.Option("--pending", help="Seulement les mails non envoyés.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Liste les mails aux familles (envoyés, en attente, en erreur)."""
    from mairie_tui.services.outbox import list_outbox

    signed_in_actor(ctx, permission="guichet")
    items = list_outbox(state(ctx).engine(), pending_only=pending)
    if as_json:
        print_json(items)
        return
    table = Table("N°", "Destinataire", "Objet", "Créé le", "État")
    for item in items:
        table.add_row(
            str(item.id),
            item.recipient,
            item.subject,
            fr.date_time(item.created_at),
            item.status_label,
        )
    console.print(table)


@command(outbox_app, "envoyer", "send")
def outbox_send(ctx: typer.Context) -> None:
    """Envoie les mails en attente par SMTP (MAIRIE_SMTP_HOST…)."""
    from mairie_tui.services.journal import record
    from mairie_tui.services.outbox import send_pending

    st = state(ctx)
    if st.settings.smtp is None:
        fail(
            "aucun serveur SMTP configuré (MAIRIE_SMTP_HOST) : les mails restent dans la boîte d'envoi."
        )
    actor = signed_in_actor(ctx, permission="guichet")
    sent, failed = send_pending(st.engine(), st.settings.smtp, st.settings.clock)
    record(
        st.engine(),
        actor=actor,
        clock=st.settings.clock,
        action="courriels.envoi",
        entity="outbox",
        details={"envoyes": sent, "en_erreur": failed},
    )
    console.print(f"{sent} mail(s) envoyé(s), {failed} en erreur.")
    if failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------- import / export


@command(import_app, "foyers", "households")
def import_households_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Fichier CSV (séparateur ; , ou tabulation, UTF-8) ou JSON.")
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Importer pour de bon (sinon essai à blanc).")
    ] = False,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Ne rien importer si une ligne est en erreur.")
    ] = False,
    as_json: JsonOption = False,
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
            )
        except ServiceError as exc:
            fail(str(exc))
    if as_json:
        print_json(report)
    else:
        for bad in report.bad:
            console.print(f"ligne {bad.line} : {bad.reason}", highlight=False, soft_wrap=True)
        if all_or_nothing and apply and report.bad:
            console.print(
                "Rien n'a été importé (--all-or-nothing) : corrigez les lignes en erreur."
            )
        console.print(report.summary(), highlight=False)
    if report.bad:
        raise typer.Exit(1)


@command(export_app, "foyers", "households")
def export_households_command(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="csv ou json.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Fichier (sinon la sortie standard).")
    ] = None,
) -> None:
    """Exporte tous les foyers dans le format que l'import relit (aller-retour identique)."""
    from mairie_tui.services.household_io import export_households

    actor = signed_in_actor(ctx, permission="guichet")
    try:
        text = export_households(state(ctx).engine(), actor=actor, fmt=fmt)
    except ServiceError as exc:
        fail(str(exc))
    if out is None:
        sys.stdout.write(export_for_stdout(text, fmt, sys.stdout.isatty()))
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"écriture impossible : {out} ({exc.strerror})")
    errors.print(f"Export écrit dans {out}.")


# Sub-commands of the schools (lists, headcounts, offline copies) and of the démarches.
from mairie_tui.cli_charge import register as register_charge_command  # noqa: E402
from mairie_tui.cli_demarches import register as register_demarches_commands  # noqa: E402
from mairie_tui.cli_staff import register as register_staff_commands  # noqa: E402

register_staff_commands(app)
register_demarches_commands(app)
register_charge_command(app)


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
