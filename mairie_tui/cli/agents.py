"""`mairie-tui agents …`: the agents' accounts (supervisors only, but the first one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from mairie_tui.cli.common import (
    JsonOption,
    add_group,
    command,
    console,
    fail,
    print_json,
    signed_in_actor,
    state,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import ServiceError

if TYPE_CHECKING:
    from mairie_tui.services.agents import AgentPublic

agent_app = typer.Typer(help="Comptes des agents.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """`agents …` (formerly `agent …`)."""
    command(agent_app, "ajouter", "add")(agent_add)
    command(agent_app, "liste", "list")(agent_list)
    command(agent_app, "deverrouiller", "unlock")(agent_unlock)
    command(agent_app, "sites")(agent_sites)
    add_group(app, agent_app, "agents", "agent")


# ---------------------------------------------------------------- agents


def agent_add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Identifiant de connexion.")],
    name: Annotated[str, typer.Option("--name", help="Nom affiché.", prompt="Nom de l'agent")],
    role: Annotated[str, typer.Option("--role", help="agent, supervisor ou staff.")] = "agent",
    site: Annotated[
        list[str] | None,
        typer.Option("--site", help="Site d'un membre du personnel école (répétable)."),
    ] = None,
) -> None:
    """Crée un agent ; le mot de passe est demandé deux fois, jamais affiché ni stocké en clair.

    Un superviseur connecté (--agent) crée les agents ; sur une base sans superviseur, le
    premier superviseur se crée sans connexion. Le personnel école (--role staff) ne voit que
    les listes, le pointage et les effectifs des sites donnés par --site.
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
            sites=tuple(site or ()),
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Agent « {agent.login} » créé ({agent.role_label}).{_sites_text(agent)}")


def _creator(ctx: typer.Context, engine: Engine, role: str) -> Actor:
    """A signed-in supervisor; or, on a base without any, nobody for its first supervisor."""
    from mairie_tui.services.agents import count_by_role
    from mairie_tui.services.common import SYSTEM_ACTOR

    if count_by_role(engine).get("supervisor"):
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


def agent_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Liste les agents."""
    from mairie_tui.services.agents import get_agents

    actor = signed_in_actor(ctx, permission="superviseur")
    agents = get_agents(state(ctx).engine(), actor=actor)
    if as_json:
        print_json(agents)
        return
    table = Table("Identifiant", "Nom", "Rôle", "État", "Sites")
    for agent in agents:
        table.add_row(
            agent.login, agent.name, agent.role_label, agent.state_label, ", ".join(agent.sites)
        )
    console.print(table)


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


def agent_sites(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Identifiant du membre du personnel école.")],
    site: Annotated[
        list[str] | None,
        typer.Option("--site", help="Site où il travaille (répétable ; aucun : détaché de tous)."),
    ] = None,
) -> None:
    """Rattache un membre du personnel école à ses sites (remplace les sites qu'il avait)."""
    from mairie_tui.services.agents import set_agent_sites

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        agent = set_agent_sites(
            st.engine(), login, tuple(site or ()), actor=actor, clock=st.settings.clock
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Sites de « {agent.login} » enregistrés.{_sites_text(agent)}")


def _sites_text(agent: AgentPublic) -> str:
    if agent.role != "staff":
        return ""
    return f" Sites : {', '.join(agent.sites)}." if agent.sites else " Aucun site."
