"""What the list of hits shows is read from the search index (since 0014):
every write path must keep it in step with the households and members."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text

from mairie_tui.db import alembic_config, unit_of_work
from mairie_tui.models import Household, Person
from mairie_tui.services.demo import build_demo
from mairie_tui.services.household_edit import create_household, household_input, update_household
from mairie_tui.services.search import (
    HouseholdHit,
    find_households,
    household_document,
    rebuild_index,
    reindex_household,
)
from tests.helpers import DESK, clock_at
from tests.services.test_household_edit import AGENT, GUERIN

NOW = datetime(2020, 9, 15, 8, 0, tzinfo=UTC)
CLOCK = clock_at("2020-08-20T10:00")
HOSTILE_NAMES = [
    'Jean "Jo"',
    "back\\slash",
    'a","b',
    "[/]",
    "\x1b[31mrouge",
    "nul\x00",
    "ok\u202eko",
    "É" * 80,
    "",
    "ØØ, œ",
]


def insert_household(
    engine: Engine,
    dossier: str,
    members: list[tuple[str, str, str, int]],
    *,
    phone: str | None = None,
) -> int:
    """A household written directly (no validation); members are
    (role, first name, last name, position), inserted in this order."""
    with unit_of_work(engine) as session:
        household = Household(
            dossier=dossier,
            postcode="30140",
            commune_insee="30007",
            commune_name="Anduze",
            phone=phone,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(household)
        session.flush()
        assert household.id is not None
        for role, first, last, position in members:
            session.add(
                Person(
                    household_id=household.id,
                    role=role,
                    first_name=first,
                    last_name=last,
                    position=position,
                    phone=f"06 00 00 00 0{position}" if role == "representative" else None,
                )
            )
        reindex_household(session, household.id)
        return household.id


def test_hit_follows_positions_not_insertion_order(engine: Engine) -> None:
    # Inserted in the reverse of their positions: the list follows positions,
    # the representative is the first by position, the phone is its own
    # when the household has none.
    hid = insert_household(
        engine,
        "F-000500",
        [
            ("child", "Zoé", "Abadie", 5),
            ("child", "Léo", "Abadie", 3),
            ("representative", "Second", "Abadie", 2),
            ("co_representative", "Anna", "Abadie", 1),
            ("representative", "Premier", "Abadie", 0),
            ("child", "Ana", "Abadie", 4),
        ],
    )
    expected = HouseholdHit(
        id=hid,
        dossier="F-000500",
        representative="Premier Abadie",
        children=("Léo", "Ana", "Zoé"),
        commune="Anduze",
        phone="06 00 00 00 00",
        email=None,
    )
    assert find_households(engine, "abadie", actor=DESK) == [expected]
    with unit_of_work(engine) as session:
        rebuild_index(session)
    assert find_households(engine, "abadie", actor=DESK) == [expected]


def test_household_phone_wins_and_households_without_representative_come_last(
    engine: Engine,
) -> None:
    alone = insert_household(engine, "F-000601", [("child", "Léo", "Brun", 0)], phone="")
    brun = insert_household(
        engine, "F-000600", [("representative", "Paul", "Brun", 0)], phone="04 66 00 00 00"
    )
    hits = find_households(engine, "brun", actor=DESK)
    assert [(h.id, h.representative, h.phone, h.children) for h in hits] == [
        (brun, "Paul Brun", "04 66 00 00 00", ()),
        (alone, "", None, ("Léo",)),
    ]


def test_hostile_names_come_back_unchanged(engine: Engine) -> None:
    # The children travel in a JSON array: quotes, backslashes, separators,
    # escape sequences and long names must come back exactly as stored.
    members = [("representative", '"Rep", \\x', "Cazals", 0)]
    members += [("child", name, "Cazals", i + 1) for i, name in enumerate(HOSTILE_NAMES)]
    if engine.dialect.name != "sqlite":  # PostgreSQL text cannot hold NUL
        members = [m for m in members if "\x00" not in m[1]]
    hid = insert_household(engine, "F-000700", members)
    [hit] = find_households(engine, "cazals", actor=DESK)
    assert hit.id == hid
    assert hit.representative == '"Rep", \\x Cazals'
    assert hit.children == tuple(m[1] for m in members[1:])


def test_edited_household_shows_its_new_data(engine: Engine) -> None:
    build_demo(engine, households=0)
    saved = create_household(engine, GUERIN, actor=AGENT, clock=CLOCK)
    form, version = household_input(engine, saved.id, actor=DESK)
    edited = replace(
        form,
        representative=replace(form.representative, first_name="Hélèna", phone="0611111111"),
        children=(form.children[1], replace(form.children[0], first_name="Maëlys")),
        phone="",
    )
    update_household(engine, saved.id, edited, expected_version=version, actor=AGENT, clock=CLOCK)
    [hit] = find_households(engine, "guérin mons", actor=DESK)
    assert (hit.representative, hit.children, hit.phone) == (
        "Hélèna Guérin",
        ("Noé", "Maëlys"),
        "06 11 11 11 11",
    )


def test_migration_0016_fills_and_drops_the_listing(engine: Engine) -> None:
    # A base holding households before 0016 (and before 0005) is upgraded:
    # the hits then carry their display data; a downgrade keeps the documents.
    config = alembic_config(engine)
    command.downgrade(config, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO household (id, dossier, address, postcode, commune_insee, "
                "commune_name, phone, version, created_at, updated_at) VALUES (1, 'F-000001', "
                "'', '30140', '30007', 'Anduze', '04 66 11 22 33', 1, :now, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO person (household_id, role, first_name, last_name, position) "
                "VALUES (1, 'representative', 'Marc', 'Roux', 0), (1, 'child', 'Lou', 'Roux', 1)"
            )
        )
        household = Household(
            dossier="F-000001",
            commune_name="Anduze",
            postcode="30140",
            commune_insee="30007",
            phone="04 66 11 22 33",
            created_at=NOW,
            updated_at=NOW,
        )
        members = [
            Person(household_id=1, role="representative", first_name="Marc", last_name="Roux"),
            Person(household_id=1, role="child", first_name="Lou", last_name="Roux"),
        ]
        document = household_document(household, members)
        if engine.dialect.name == "sqlite":
            insert = "INSERT INTO household_fts (rowid, document) VALUES (1, :doc)"
        else:
            insert = "INSERT INTO household_search (household_id, document) VALUES (1, :doc)"
        conn.execute(text(insert), {"doc": document})
    command.upgrade(config, "head")
    expected = [
        HouseholdHit(1, "F-000001", "Marc Roux", ("Lou",), "Anduze", "04 66 11 22 33", None)
    ]
    assert find_households(engine, "roux lou", actor=DESK) == expected
    command.downgrade(config, "0015")
    table = "household_fts" if engine.dialect.name == "sqlite" else "household_search"
    with engine.connect() as conn:
        stored = conn.execute(text(f"SELECT document FROM {table}")).scalar_one()
    assert set(stored.split()) == set(document.split())
    command.upgrade(config, "head")
    assert find_households(engine, "0466112233", actor=DESK) == expected


@pytest.mark.parametrize("limit", [1, 50])
def test_rebuild_and_reindex_give_the_same_hits(engine: Engine, limit: int) -> None:
    build_demo(engine, households=0)
    create_household(engine, GUERIN, actor=AGENT, clock=CLOCK)
    with unit_of_work(engine) as session:
        rebuild_index(session)
    bulk = find_households(engine, "m", limit=limit, actor=DESK)
    with unit_of_work(engine) as session:
        for hit in find_households(engine, "m", actor=DESK):
            reindex_household(session, hit.id)
    assert find_households(engine, "m", limit=limit, actor=DESK) == bulk
    assert bulk
