"""Command line: thin commands that parse, call a service and print (rich or --json).

`mairie-tui` with no sub-command opens the terminal application.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from mairie_tui.cli_console import SafeConsole, export_for_stdout, json_text, styled
from mairie_tui.config import Settings, SettingsError, load_settings
from mairie_tui.db import DatabaseError, current_revision, head_revision, make_engine, upgrade
from mairie_tui.domain import fr
from mairie_tui.services.errors import ServiceError

# Markup off, control characters replaced: names and addresses print as text (cli_console).
console = SafeConsole()
errors = SafeConsole(stderr=True)

app = typer.Typer(
    name="mairie-tui",
    help="Guichet unique Mairie Prim' : réservations, démarches et listes, au terminal.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Base de données : schéma et migrations.", no_args_is_help=True)
agent_app = typer.Typer(help="Comptes des agents.", no_args_is_help=True)
outbox_app = typer.Typer(help="Mails aux familles (boîte d'envoi).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(agent_app, name="agent")
app.add_typer(outbox_app, name="outbox")
import_app = typer.Typer(help="Importer des données d'un autre logiciel.", no_args_is_help=True)
export_app = typer.Typer(help="Exporter des données.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les scripts).")]


def fail(message: str, code: int = 2) -> NoReturn:
    """One French line on stderr, then exit: never a traceback."""
    errors.print(styled(("Erreur :", "bold red"), " ", message), soft_wrap=True)
    raise typer.Exit(code)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(_jsonable(value)) + "\n")


class State:
    """Global options, resolved lazily so that --help never touches the database."""

    def __init__(self, db: str | None, now: str | None, data_dir: str | None) -> None:
        self.db, self.now, self.data_dir = db, now, data_dir
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(db_url=self.db, now=self.now, data_dir=self.data_dir)
            except SettingsError as exc:
                fail(str(exc))
            from mairie_tui import errorlog

            errorlog.set_directory(self._settings.data_dir)
        return self._settings

    def engine(self, *, migrate: bool = True):  # type: ignore[no-untyped-def]
        engine = make_engine(self.settings.db_url)
        problem: str | None = None
        try:
            revision = current_revision(engine)
            if migrate and revision is None:
                upgrade(engine)
            elif migrate and revision != head_revision():
                problem = "la base n'est pas à jour : lancez « mairie-tui db upgrade »."
        except DatabaseError as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - driver errors vary; say it in one line
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            problem = f"base de données inaccessible ({type(exc).__name__}) : {first_line}"
        if problem is not None:
            engine.dispose()
            fail(problem)
        return engine


def state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State) if ctx.obj is None else ctx.obj  # type: ignore[no-any-return]


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
) -> None:
    """Sans commande : ouvre l'application du guichet."""
    if not sys.stdout.isatty():
        # Piped or captured: tables as wide as they need (COLUMNS still wins).
        columns = os.environ.get("COLUMNS", "")
        console.width = int(columns) if columns.isdigit() else 200
    ctx.obj = State(db, now, data_dir)
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
            "aucun agent dans cette base : créez-en un avec « mairie-tui agent add » "
            "(ou une base de démonstration avec « mairie-tui demo »)."
        )
    engine.dispose()
    from mairie_tui.tui.app import MairieApp

    MairieApp(st.settings).run()


# ---------------------------------------------------------------- demo / db


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


@db_app.command("upgrade")
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


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Fichier de sauvegarde à écrire.")],
    as_json: JsonOption = False,
) -> None:
    """Sauvegarde toute la base dans un fichier, pendant que les postes travaillent."""
    from mairie_tui.backup import BackupError, backup

    st = state(ctx)
    engine = st.engine(migrate=False)
    try:
        report = backup(engine, out, clock=st.settings.clock)
    except BackupError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if as_json:
        print_json(report)
        return
    counts = report.manifest.counts.text()
    console.print(f"Sauvegarde écrite dans {report.path} : {counts}.", highlight=False)


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Fichier écrit par « db backup ».")],
    yes: Annotated[
        bool, typer.Option("--oui", "--yes", help="Ne pas demander de confirmation.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Remplace toute la base par une sauvegarde (fermez d'abord mairie-tui sur les postes)."""
    from mairie_tui.backup import BackupError, describe_target, prepare_restore

    # No revision probe first: a damaged database is exactly what gets restored.
    engine = make_engine(state(ctx).settings.db_url)
    try:
        with prepare_restore(engine, file) as prepared:
            if not yes:
                confirm_restore(describe_target(engine), prepared.manifest.counts.text())
            report = prepared.apply()
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


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Nom, n° de dossier, téléphone, e-mail ou commune.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Recherche de foyers (accents et majuscules ignorés, débuts de mots)."""
    from mairie_tui.services.search import find_households

    hits = find_households(state(ctx).engine(), text, limit=limit)
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


@agent_app.command("add")
def agent_add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Identifiant de connexion.")],
    name: Annotated[str, typer.Option("--name", help="Nom affiché.", prompt="Nom de l'agent")],
    role: Annotated[str, typer.Option("--role", help="agent, supervisor ou staff.")] = "agent",
) -> None:
    """Crée un agent ; le mot de passe est demandé deux fois, jamais affiché ni stocké en clair."""
    from mairie_tui.services.agents import add_agent
    from mairie_tui.services.common import SYSTEM_ACTOR

    st = state(ctx)
    engine = st.engine()
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
            actor=SYSTEM_ACTOR,
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Agent « {agent.login} » créé ({agent.role_label}).")


@agent_app.command("list")
def agent_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Liste les agents."""
    from mairie_tui.services.agents import get_agents

    agents = get_agents(state(ctx).engine())
    if as_json:
        print_json(agents)
        return
    table = Table("Identifiant", "Nom", "Rôle", "État")
    for agent in agents:
        table.add_row(agent.login, agent.name, agent.role_label, agent.state_label)
    console.print(table)


@agent_app.command("unlock")
def agent_unlock(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Identifiant du compte à déverrouiller.")],
) -> None:
    """Déverrouille un compte bloqué après trop d'essais de mot de passe infructueux."""
    from mairie_tui.services.agents import unlock_agent
    from mairie_tui.services.common import SYSTEM_ACTOR

    st = state(ctx)
    try:
        agent = unlock_agent(st.engine(), login, actor=SYSTEM_ACTOR, clock=st.settings.clock)
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Compte « {agent.login} » déverrouillé.")


# ---------------------------------------------------------------- outbox


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context,
    pending: Annotated[
        bool, typer.Option("--pending", help="Seulement les mails non envoyés.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Liste les mails aux familles (envoyés, en attente, en erreur)."""
    from mairie_tui.services.outbox import list_outbox

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


@outbox_app.command("send")
def outbox_send(ctx: typer.Context) -> None:
    """Envoie les mails en attente par SMTP (MAIRIE_SMTP_HOST…)."""
    from mairie_tui.services.outbox import send_pending

    st = state(ctx)
    if st.settings.smtp is None:
        fail(
            "aucun serveur SMTP configuré (MAIRIE_SMTP_HOST) : les mails restent dans la boîte d'envoi."
        )
    sent, failed = send_pending(st.engine(), st.settings.smtp, st.settings.clock)
    console.print(f"{sent} mail(s) envoyé(s), {failed} en erreur.")
    if failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------- import / export


@import_app.command("households")
def import_households_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="Fichier CSV (séparateur ; , ou tabulation, UTF-8), JSON ou XLSX."),
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Importer pour de bon (sinon essai à blanc).")
    ] = False,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Ne rien importer si une ligne est en erreur.")
    ] = False,
    as_json: JsonOption = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, json ou xlsx (sinon d'après l'extension du fichier)."),
    ] = None,
) -> None:
    """Importe des foyers (essai à blanc par défaut ; chaque ligne en erreur est signalée avec son numéro)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.household_io import import_households

    st = state(ctx)
    engine = st.engine()
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
                actor=SYSTEM_ACTOR,
                clock=st.settings.clock,
                apply=apply,
                all_or_nothing=all_or_nothing,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                fmt=fmt,
            )
        except ServiceError as exc:
            fail(str(exc))
    if as_json:
        print_json(report)
    else:
        for bad in report.bad:
            console.print(bad.text(), highlight=False, soft_wrap=True, markup=False)
        for warning in report.warnings:
            console.print(
                f"attention, {warning.text()}", highlight=False, soft_wrap=True, markup=False
            )
        if all_or_nothing and apply and report.bad:
            console.print(
                "Rien n'a été importé (--all-or-nothing) : corrigez les lignes en erreur."
            )
        console.print(report.summary(), highlight=False)
    if report.bad:
        raise typer.Exit(1)


@export_app.command("households")
def export_households_command(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", help="csv, json ou xlsx (xlsx : avec --out).")
    ] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Fichier (sinon la sortie standard).")
    ] = None,
) -> None:
    """Exporte tous les foyers dans le format que l'import relit (aller-retour identique)."""
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.household_io import export_households_bytes

    if fmt == "xlsx" and out is None:
        fail("l'export .xlsx s'écrit dans un fichier : ajoutez --out foyers.xlsx")
    try:
        st = state(ctx)
        content = export_households_bytes(
            st.engine(),
            actor=SYSTEM_ACTOR,
            clock=st.settings.clock,
            fmt=fmt,
            destination=str(out) if out else None,
        )
    except ServiceError as exc:
        fail(str(exc))
    if out is None:
        sys.stdout.write(export_for_stdout(content.decode("utf-8"), fmt, sys.stdout.isatty()))
        return
    from mairie_tui.files import write_private

    try:
        write_private(out, content)  # 0600: every family's data
    except OSError as exc:
        fail(f"écriture impossible : {out} ({exc.strerror})")
    errors.print(f"Export écrit dans {out}.")


# Sub-commands of the schools (lists, headcounts, offline copies) and of the démarches.
from mairie_tui.cli_audit import register as register_audit_command  # noqa: E402
from mairie_tui.cli_charge import register as register_charge_command  # noqa: E402
from mairie_tui.cli_demarches import register as register_demarches_commands  # noqa: E402
from mairie_tui.cli_rgpd import register as register_rgpd_commands  # noqa: E402
from mairie_tui.cli_staff import register as register_staff_commands  # noqa: E402

register_staff_commands(app)
register_demarches_commands(app)
register_charge_command(app)
register_rgpd_commands(app)
register_audit_command(app)


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
