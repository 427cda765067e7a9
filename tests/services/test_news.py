"""News (issue 15): supervisors publish and withdraw, the counter reads the current ones.

On SQLite and PostgreSQL; the clock decides which news are current.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.models import Agent, AuditEvent, News
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import create_agents, create_seed
from mairie_tui.services.errors import NotFoundError, PermissionDenied, RuleViolation, ServiceError
from mairie_tui.services.news import current_news, list_news, publish_news, withdraw_news
from tests.helpers import clock_at

TUESDAY = clock_at("2020-09-15T10:00")
SITE = "Restaurant scolaire Mons Elementaire"


@pytest.fixture
def people(engine) -> dict[str, Actor]:
    with unit_of_work(engine) as session:
        create_agents(session)
        create_seed(session)
    with read_session(engine) as session:
        return {
            agent.login: Actor(id=agent.id, login=agent.login, name=agent.name, role=agent.role)
            for agent in session.exec(select(Agent))
        }


def publish(engine, who: Actor, title: str, start: str, end: str, clock=TUESDAY, **audience):
    return publish_news(
        engine,
        title=title,
        text=f"Texte de {title}",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        actor=who,
        clock=clock,
        **audience,
    )


def titles(news) -> list[str]:
    return [item.title for item in news]


def test_the_current_news_follow_the_clock(engine, people):
    boss, desk = people["superviseur"], people["guichet"]
    publish(engine, boss, "Septembre", "2020-09-01", "2020-09-30")
    publish(engine, boss, "Aujourd'hui", "2020-09-15", "2020-09-15")
    publish(engine, boss, "Demain", "2020-09-16", "2020-09-20")
    on = {
        day: titles(current_news(engine, actor=desk, clock=clock_at(f"{day}T08:00")))
        for day in ("2020-09-14", "2020-09-15", "2020-09-16", "2020-09-30", "2020-10-01")
    }
    assert on == {
        "2020-09-14": ["Septembre"],
        "2020-09-15": ["Aujourd'hui", "Septembre"],
        "2020-09-16": ["Demain", "Septembre"],
        "2020-09-30": ["Septembre"],
        "2020-10-01": [],
    }
    # Late in the evening, Paris time: still the same day.
    late = clock_at("2020-09-15T23:59")
    assert titles(current_news(engine, actor=desk, clock=late)) == ["Aujourd'hui", "Septembre"]
    coming = list_news(engine, actor=desk, clock=TUESDAY)
    assert [(item.title, item.state(date(2020, 9, 15))) for item in coming] == [
        ("Septembre", "en cours"),
        ("Aujourd'hui", "en cours"),
        ("Demain", "à venir"),
    ]
    assert coming[0].author == "Dominique Roux"


def test_the_audience_filters(engine, people):
    boss, desk = people["superviseur"], people["guichet"]
    publish(engine, boss, "Pour tous", "2020-09-01", "2020-09-30")
    mons = publish(engine, boss, "Cantine", "2020-09-01", "2020-09-30", activity="rs-mons")
    site = publish(engine, boss, "Le site", "2020-09-01", "2020-09-30", site="mons elementaire")
    assert (mons.audience.kind, mons.audience.value) == ("activity", "RS-MONS")
    assert (site.audience.kind, site.audience.value) == ("site", SITE)
    every = current_news(engine, actor=desk, clock=TUESDAY)
    assert sorted(titles(every)) == ["Cantine", "Le site", "Pour tous"]
    assert titles(current_news(engine, actor=desk, clock=TUESDAY, activity="RS-MONS")) == [
        "Cantine",
        "Pour tous",
    ]
    assert titles(current_news(engine, actor=desk, clock=TUESDAY, site=SITE)) == [
        "Le site",
        "Pour tous",
    ]
    assert titles(current_news(engine, actor=desk, clock=TUESDAY, site="Ailleurs")) == ["Pour tous"]


def test_withdrawn_news_are_no_longer_shown_and_both_are_audited(engine, people):
    boss, desk = people["superviseur"], people["guichet"]
    item = publish(engine, boss, "Grève", "2020-09-15", "2020-09-18")
    withdrawn = withdraw_news(engine, item.id, actor=boss, clock=TUESDAY)
    assert withdrawn.withdrawn and withdrawn.state(date(2020, 9, 15)) == "retirée"
    assert current_news(engine, actor=desk, clock=TUESDAY) == []
    assert list_news(engine, actor=desk, clock=TUESDAY) == []
    assert titles(list_news(engine, actor=desk, clock=TUESDAY, every=True)) == ["Grève"]
    with pytest.raises(RuleViolation, match="déjà retirée"):
        withdraw_news(engine, item.id, actor=boss, clock=TUESDAY)
    with pytest.raises(NotFoundError, match=r"Actualité introuvable \(n° 999\)"):
        withdraw_news(engine, 999, actor=boss, clock=TUESDAY)
    with read_session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "news")).all()
        assert [(e.action, e.agent_id, e.entity_id) for e in events] == [
            ("news.publish", boss.id, item.id),
            ("news.withdraw", boss.id, item.id),
        ]
        row = session.get(News, item.id)
        assert row is not None and row.withdrawn_by == boss.id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "x" * 300}, "Le titre est trop long : 300 caractères, 80 au plus."),
        ({"text": "y" * 300}, "Le texte est trop long : 300 caractères, 280 au plus."),
        ({"text": "nul\x00"}, "Caractère interdit dans le texte"),
        ({"end": date(2020, 9, 14)}, "se termine le 14/09/2020, avant son début"),
        ({"start": date(2020, 9, 1), "end": date(2020, 9, 14)}, "serait déjà terminée"),
        ({"activity": "ALSH-NULLE-PART"}, "Aucune activité de code « ALSH-NULLE-PART »"),
        ({"site": "Lune"}, "Aucun site ne correspond à « Lune »"),
        ({"activity": "RS-MONS", "site": "Mons"}, "pas les deux"),
    ],
)
def test_refusals_in_french_and_nothing_written(engine, people, fields, message):
    arguments = {
        "title": "Titre",
        "text": "Texte",
        "start": date(2020, 9, 15),
        "end": date(2020, 9, 30),
        **fields,
    }
    with pytest.raises(ServiceError, match=message):
        publish_news(engine, actor=people["superviseur"], clock=TUESDAY, **arguments)
    with read_session(engine) as session:
        assert session.exec(select(News)).all() == []


def test_hostile_text_is_stored_as_given_and_returned_as_text(engine, people):
    boss = people["superviseur"]
    item = publish_news(
        engine,
        title="[b]Grève[/] [@click=app.quit]",
        text="Cantine [/] fermée \\",
        start=date(2020, 9, 15),
        end=date(2020, 9, 15),
        actor=boss,
        clock=TUESDAY,
    )
    (shown,) = current_news(engine, actor=people["guichet"], clock=TUESDAY)
    assert (shown.id, shown.title, shown.text) == (
        item.id,
        "[b]Grève[/] [@click=app.quit]",
        "Cantine [/] fermée \\",
    )


def test_only_supervisors_publish_and_staff_do_not_read(engine, people):
    with pytest.raises(PermissionDenied, match="Seul un superviseur peut publier ou retirer"):
        publish(engine, people["guichet"], "Non", "2020-09-15", "2020-09-15")
    with pytest.raises(PermissionDenied, match="personnel des écoles"):
        current_news(engine, actor=people["cantine"], clock=TUESDAY)
