"""What every command group shares: consoles, errors, JSON output, global options, sign-in.

Commands that read personal data or change anything run as a named agent, signed in like
at the counter (:func:`signed_in_actor`): ``--agent LOGIN`` and the password asked on the
terminal, or MAIRIE_AGENT / MAIRIE_PASSWORD for scheduled scripts.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, TypeVar

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from mairie_tui.cli.console import SafeConsole, json_text, styled
from mairie_tui.config import Settings, SettingsError, load_settings
from mairie_tui.db import DatabaseError, current_revision, head_revision, make_engine, upgrade
from mairie_tui.services.common import Actor

# Markup off, control characters replaced: names and addresses print as text (cli_console).
console = SafeConsole()
errors = SafeConsole(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les scripts).")]

# Who may run a command: any signed-in agent (school staff too), a counter agent, a supervisor.
Permission = Literal["connecte", "guichet", "superviseur"]
PASSWORD_VARIABLE = "MAIRIE_PASSWORD"


def fail(message: str, code: int = 2) -> NoReturn:
    """One French line on stderr, then exit: never a traceback."""
    errors.print(styled(("Erreur :", "bold red"), " ", message), soft_wrap=True)
    raise typer.Exit(code)


def parse_day(text: str, what: str) -> date:
    """A French date typed in an option (JJ/MM/AAAA), or one French line naming the option."""
    from mairie_tui.domain import fr

    try:
        return fr.parse_date(text)
    except ValueError as exc:
        fail(f"{what} : {exc}")


def note(message: str) -> None:
    """A remark on stderr (never mixed with --json output)."""
    errors.print(message, soft_wrap=True, highlight=False)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(_jsonable(value)) + "\n")


def describe_url(engine: Engine) -> str:
    """The open database in words (never a password)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return str(Path(url.database or ":memory:").resolve()) if url.database else ":memory:"
    return url.render_as_string(hide_password=True)


class State:
    """Global options, resolved lazily so that --help never touches the database."""

    def __init__(
        self, db: str | None, now: str | None, data_dir: str | None, agent: str | None = None
    ) -> None:
        self.db, self.now, self.data_dir, self.agent = db, now, data_dir, agent
        self._settings: Settings | None = None
        self._engine: Engine | None = None
        self._actor: Actor | None = None

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

    def engine(self, *, migrate: bool = True, notice: bool = True) -> Engine:
        """The database, created or checked; says on stderr when it is new or empty."""
        if self._engine is not None:
            return self._engine
        url = self.settings.db_url
        database = make_url(url).database if url.startswith("sqlite") else None
        is_new = bool(database) and database != ":memory:" and not Path(str(database)).exists()
        engine = make_engine(url)
        problem: str | None = None
        try:
            revision = current_revision(engine)
            if migrate and revision is None:
                upgrade(engine)
            elif migrate and revision != head_revision():
                problem = "la base n'est pas à jour : lancez « mairie-tui base migrer »."
        except DatabaseError as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - driver errors vary; say it in one line
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            problem = f"base de données inaccessible ({type(exc).__name__}) : {first_line}"
        if problem is not None:
            engine.dispose()
            fail(problem)
        if notice:
            _notice_if_empty(engine, is_new, has_tables=migrate or revision is not None)
        self._engine = engine
        return engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _notice_if_empty(engine: Engine, is_new: bool, *, has_tables: bool) -> None:
    """A new or empty base is said, with the way to the demo of « make run ».

    Also for the commands that do not migrate (`base migrer`, `base sauvegarder`…): a
    sign-in refused by an empty base then says which base it was.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from mairie_tui.services.agents import count_by_role

    if is_new:
        what = "nouvelle, vide"
    elif not has_tables:
        what = "vide : aucune table"
    else:
        try:
            if count_by_role(engine):
                return
        except SQLAlchemyError:  # an older schema: « base migrer » says what it does
            return
        what = "vide : aucun agent"
    note(
        f"Base ouverte : {describe_url(engine)} ({what}). "
        "La démonstration de « make run » est dans .demo : "
        "MAIRIE_DATA_DIR=.demo mairie-tui …"
    )


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(None, None, None)
    return root.obj


# ---------------------------------------------------------------- sign-in

_REFUSALS: dict[str, str] = {
    "guichet": "Le personnel des écoles n'a accès qu'aux listes et au pointage.",
    "superviseur": "Seul un superviseur peut faire cela.",
}


def _password(login: str) -> str:
    from_environment = os.environ.get(PASSWORD_VARIABLE)
    if from_environment:
        return from_environment
    try:
        return str(typer.prompt(f"Mot de passe de « {login} »", hide_input=True, err=True))
    except typer.Abort:
        fail("connexion annulée : aucun mot de passe saisi.")


def signed_in_actor(ctx: typer.Context, *, permission: Permission) -> Actor:
    """The agent named by --agent (or MAIRIE_AGENT), signed in with their password.

    The password comes from MAIRIE_PASSWORD or is asked on the terminal (never echoed); the
    sign-in is the application's (slowed after three failures, locked after ten). The agent
    must have `permission`; otherwise one French line and status 2.
    """
    from mairie_tui.services.agents import authenticate
    from mairie_tui.services.errors import ServiceError

    st = state(ctx)
    if st._actor is not None:
        actor = st._actor
    else:
        engine = st.engine()  # says first which base is open when it is new or empty
        if not st.agent:
            fail(
                "cette commande lit des données personnelles ou modifie la base : "
                "connectez-vous avec --agent IDENTIFIANT (mot de passe demandé), "
                "ou MAIRIE_AGENT et MAIRIE_PASSWORD pour un script."
            )
        password = _password(st.agent)
        try:
            actor = authenticate(engine, st.agent, password, st.settings.clock)
        except ServiceError as exc:
            fail(f"connexion refusée : {exc}")
        st._actor = actor
    refusal = _refusal(actor, permission)
    if refusal is not None:
        fail(f"« {actor.login} » n'a pas le droit : {refusal}")
    return actor


def _refusal(actor: Actor, permission: Permission) -> str | None:
    if permission == "superviseur" and not actor.is_supervisor:
        return _REFUSALS["superviseur"]
    if permission == "guichet" and actor.role not in ("agent", "supervisor"):
        return _REFUSALS["guichet"]
    return None


# ---------------------------------------------------------------- French names, English aliases

Command = TypeVar("Command", bound=Callable[..., Any])


def command(
    group: typer.Typer, name: str, alias: str | None = None
) -> Callable[[Command], Command]:
    """Register a command under its French name, and its former English name hidden."""

    def decorate(function: Command) -> Command:
        group.command(name)(function)
        if alias is not None:
            group.command(alias, hidden=True)(function)
        return function

    return decorate


def add_group(app: typer.Typer, group: typer.Typer, name: str, alias: str | None = None) -> None:
    """Add a group of commands under its French name, and its former English name hidden."""
    app.add_typer(group, name=name)
    if alias is not None:
        app.add_typer(group, name=alias, hidden=True)
