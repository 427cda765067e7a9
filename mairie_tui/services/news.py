"""News (actualités): supervisors publish and withdraw them, the counter reads the current ones.

The rules (current on a day, for an audience, what a news may hold) are the domain's
(`domain/news.py`); here they meet the table `news` (migration 0013), the permissions
(`actualites.lire`, `actualites.publier`) and the audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain import news as rules
from mairie_tui.models import Activity, Agent, News
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import NotFoundError, RuleViolation, ServiceError
from mairie_tui.services.lists.lookup import resolve_site
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import get_or_404, writing


@dataclass(frozen=True)
class NewsView:
    """A news as the screens and the command line show it (plain data)."""

    id: int
    title: str
    text: str
    period: rules.NewsPeriod
    audience: rules.Audience
    author: str = ""
    withdrawn: bool = False

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end

    def state(self, day: date) -> str:
        """`retirée`, `terminée`, `en cours` or `à venir` on `day`."""
        if self.withdrawn:
            return "retirée"
        if self.period.is_over(day):
            return "terminée"
        return "en cours" if self.period.is_current(day) else "à venir"

    def as_dict(self, day: date) -> dict[str, object]:
        """The JSON of `actualites liste --json`."""
        return {
            "id": self.id,
            "titre": self.title,
            "texte": self.text,
            "du": self.start.isoformat(),
            "au": self.end.isoformat(),
            "public": self.audience.kind,
            "public_valeur": self.audience.value,
            "etat": self.state(day),
            "auteur": self.author,
        }


def _view(row: News, author: str = "") -> NewsView:
    assert row.id is not None
    kind = row.audience if row.audience in rules.AUDIENCE_KINDS else "all"
    return NewsView(
        id=row.id,
        title=row.title,
        text=row.text,
        period=rules.NewsPeriod(row.start_date, row.end_date),
        audience=rules.Audience(kind, row.audience_value),
        author=author,
        withdrawn=row.withdrawn_at is not None,
    )


def _views(session: Session, rows: list[News]) -> list[NewsView]:
    ids = {row.created_by for row in rows if row.created_by is not None}
    names = (
        dict(session.exec(select(Agent.id, Agent.name).where(col(Agent.id).in_(ids))).all())
        if ids
        else {}
    )
    return [_view(row, names.get(row.created_by, "") if row.created_by else "") for row in rows]


@requires("actualites.lire")
def current_news(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    activity: str | None = None,
    site: str | None = None,
) -> list[NewsView]:
    """The news current today (not withdrawn), for `activity` or `site` if given, newest first."""
    today = clock.today()
    with read_session(engine) as session:
        rows = session.exec(
            select(News).where(
                col(News.withdrawn_at).is_(None),
                col(News.start_date) <= today,
                col(News.end_date) >= today,
            )
        ).all()
        views = _views(session, list(rows))
    return rules.current_news(views, today, activity=activity, site=site)


@requires("actualites.lire")
def list_news(engine: Engine, *, actor: Actor, clock: Clock, every: bool = False) -> list[NewsView]:
    """The news current or to come (by first day); `every`: the past and withdrawn ones too."""
    today = clock.today()
    with read_session(engine) as session:
        query = select(News)
        if not every:
            query = query.where(col(News.withdrawn_at).is_(None), col(News.end_date) >= today)
        rows = session.exec(query.order_by(col(News.start_date), col(News.id))).all()
        return _views(session, list(rows))


def _audience(session: Session, activity: str | None, site: str | None) -> rules.Audience:
    try:
        audience = rules.audience_of(activity, site)
    except rules.NewsError as exc:
        raise ServiceError(str(exc), field=exc.field) from None
    if audience.kind == "activity":
        code = (audience.value or "").upper()
        found = session.exec(select(Activity.code).where(col(Activity.code) == code)).first()
        if found is None:
            raise NotFoundError(f"Aucune activité de code « {audience.value} ».", field="activity")
        return rules.Audience("activity", found)
    if audience.kind == "site":
        return rules.Audience("site", resolve_site(session, audience.value or ""))
    return audience


@requires("actualites.publier")
def publish_news(
    engine: Engine,
    *,
    title: str,
    text: str,
    start: date,
    end: date,
    actor: Actor,
    clock: Clock,
    activity: str | None = None,
    site: str | None = None,
) -> NewsView:
    """Publish a news from `start` to `end` for everyone, one activity (code) or one site."""
    try:
        title, text = rules.check_news(title, text, start, end)
    except rules.NewsError as exc:
        raise ServiceError(str(exc), field=exc.field) from None
    today = clock.today()
    if end < today:
        raise ServiceError(
            f"Cette actualité serait déjà terminée (le {fr.short_date(end)}) : "
            "choisissez une date de fin à venir.",
            field="end",
        )
    with writing(engine, "publication d'une actualité") as session:
        audience = _audience(session, activity, site)
        row = News(
            title=title,
            text=text,
            start_date=start,
            end_date=end,
            audience=audience.kind,
            audience_value=audience.value,
            created_at=clock.now(),
            created_by=actor.id,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="news.publish",
            entity="news",
            entity_id=row.id,
            details={"titre": title, "du": start, "au": end, "public": audience.label()},
        )
        return _view(row, actor.name)


@requires("actualites.publier")
def withdraw_news(engine: Engine, news_id: int, *, actor: Actor, clock: Clock) -> NewsView:
    """Withdraw a news: it is no longer shown (its row and the audit stay)."""
    with writing(engine, "retrait d'une actualité") as session:
        row = get_or_404(
            session,
            News,
            news_id,
            f"Actualité introuvable (n° {news_id}).",
            for_update=True,
        )
        if row.withdrawn_at is not None:
            raise RuleViolation(f"L'actualité n° {news_id} est déjà retirée.")
        row.withdrawn_at = clock.now()
        row.withdrawn_by = actor.id
        session.add(row)
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="news.withdraw",
            entity="news",
            entity_id=row.id,
            details={"titre": row.title},
        )
        return _views(session, [row])[0]
