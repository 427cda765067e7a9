"""`mairie-tui actualites …`: the news shown at the counter (supervisors publish them)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mairie_tui.cli.common import (
    JsonOption,
    add_group,
    command,
    console,
    fail,
    parse_day,
    print_json,
    signed_in_actor,
    state,
)

news_app = typer.Typer(
    help="Actualités affichées au guichet après la connexion.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """`actualites …` (also `news …`)."""
    command(news_app, "liste", "list")(news_list)
    command(news_app, "ajouter", "add")(news_add)
    command(news_app, "retirer", "withdraw")(news_withdraw)
    add_group(app, news_app, "actualites", "news")


def news_list(
    ctx: typer.Context,
    every: Annotated[
        bool,
        typer.Option("--toutes", help="Aussi les actualités terminées et retirées."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Liste les actualités en cours et à venir (avec --toutes : aussi les passées et retirées)."""
    from mairie_tui.services.news import list_news

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="guichet")
    clock = st.settings.clock
    news = list_news(st.engine(), actor=actor, clock=clock, every=every)
    today = clock.today()
    if as_json:
        print_json([item.as_dict(today) for item in news])
        return
    if not news:
        console.print("Aucune actualité en cours ni à venir.")
        return
    table = Table("N°", "Titre", "Période", "Public", "État", "Texte")
    for item in news:
        table.add_row(
            str(item.id),
            item.title,
            item.period.text(),
            item.audience.label(),
            item.state(today),
            item.text,
        )
    console.print(table)


def news_add(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Option("--titre", help="Titre, lu d'un coup d'œil (80 caractères au plus).")
    ],
    text: Annotated[
        str, typer.Option("--texte", help="Texte à dire aux familles (280 caractères au plus).")
    ],
    start: Annotated[
        str,
        typer.Option("--du", metavar="JJ/MM/AAAA", help="Premier jour d'affichage, JJ/MM/AAAA."),
    ],
    end: Annotated[
        str,
        typer.Option("--au", metavar="JJ/MM/AAAA", help="Dernier jour d'affichage, JJ/MM/AAAA."),
    ],
    activity: Annotated[
        str | None,
        typer.Option(
            "--activite", help="Seulement pour les familles de cette activité (son code)."
        ),
    ] = None,
    site: Annotated[
        str | None,
        typer.Option("--site", help="Seulement pour les familles de ce site (nom ou mots du nom)."),
    ] = None,
) -> None:
    """Publie une actualité (superviseur) : sans --activite ni --site, elle est pour tous."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.news import publish_news

    first, last = parse_day(start, "--du"), parse_day(end, "--au")
    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        item = publish_news(
            st.engine(),
            title=title,
            text=text,
            start=first,
            end=last,
            activity=activity,
            site=site,
            actor=actor,
            clock=st.settings.clock,
        )
    except ServiceError as exc:
        fail(str(exc))
    console.print(
        f"Actualité n° {item.id} publiée {item.period.text()} (public : {item.audience.label()})."
    )


def news_withdraw(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="N° de l'actualité (voir « actualites liste »).")],
) -> None:
    """Retire une actualité (superviseur) : elle n'est plus affichée au guichet."""
    from mairie_tui.services.errors import ServiceError
    from mairie_tui.services.news import withdraw_news

    st = state(ctx)
    actor = signed_in_actor(ctx, permission="superviseur")
    try:
        item = withdraw_news(st.engine(), number, actor=actor, clock=st.settings.clock)
    except ServiceError as exc:
        fail(str(exc))
    console.print(f"Actualité n° {item.id} retirée : « {item.title} ».")
