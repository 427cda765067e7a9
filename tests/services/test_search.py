"""Household search on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import select

from mairie_tui.db import make_engine, read_session, unit_of_work, upgrade
from mairie_tui.models import Household, Person
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo
from mairie_tui.services.errors import PermissionDenied
from mairie_tui.services.search import (
    HouseholdHit,
    find_households,
    household_document,
    index_households,
    normalise,
    query_words,
    rebuild_index,
    reindex_household,
    search_households,
    search_terms,
)
from tests.helpers import DESK

NOW = datetime(2020, 9, 15, 8, 0, tzinfo=UTC)
OPERATOR_QUERIES = [
    '"',
    "*",
    "(",
    ")",
    "NEAR",
    "'",
    "-",
    ":",
    "&",
    "|",
    "!",
    "AND",
    "NOT",
    "^",
    "+",
]


def add_household(
    engine: Engine,
    dossier: str,
    commune: tuple[str, str],
    members: list[tuple[str, str, str]],
    *,
    phone: str | None = None,
    email: str | None = None,
    index: bool = True,
) -> int:
    """Insert a household; members are (role, first name, last name)."""
    with unit_of_work(engine) as session:
        household = Household(
            dossier=dossier,
            postcode=commune[1],
            commune_insee="30007",
            commune_name=commune[0],
            phone=phone,
            email=email,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(household)
        session.flush()
        assert household.id is not None
        for position, (role, first, last) in enumerate(members):
            session.add(
                Person(
                    household_id=household.id,
                    role=role,
                    first_name=first,
                    last_name=last,
                    position=position,
                )
            )
        if index:
            reindex_household(session, household.id)
        return household.id


@pytest.fixture
def families(engine: Engine) -> dict[str, int]:
    build_demo(engine, households=0)
    with unit_of_work(engine) as session:
        rebuild_index(session)
    with read_session(engine) as session:
        test_id = session.exec(select(Household.id).where(Household.dossier == "F-000001")).one()
    assert test_id is not None
    guerin = add_household(
        engine,
        "F-000002",
        ("Alès", "30100"),
        [
            ("representative", "Hélène", "Guérin"),
            ("co_representative", "François", "Guérin"),
            ("child", "Élodie", "Guérin"),
            ("child", "Noé", "Guérin"),
        ],
        phone="+33 6 12 34 56 78",
        email="h.guerin@exemple.fr",
    )
    dartagnan = add_household(
        engine,
        "F-000003",
        ("Saint-Christol-lez-Alès", "30380"),
        [("representative", "Charles", "D'Artagnan"), ("child", "Œdipe", "D'Artagnan")],
    )
    martin = add_household(
        engine,
        "F-000004",
        ("Alès", "30100"),
        [("representative", "Zoé", "Martin"), ("child", "Élodie", "Martin")],
    )
    return {"test": test_id, "guerin": guerin, "dartagnan": dartagnan, "martin": martin}


def ids(hits: list[HouseholdHit]) -> list[int]:
    return [hit.id for hit in hits]


def test_normalise_removes_case_accents_ligatures_and_punctuation() -> None:
    assert normalise("Guérin") == "guerin"
    assert normalise("ŒDIPE Cœur-de-Lion") == "oedipe coeur de lion"
    assert normalise("D'Artagnan") == "d artagnan"
    assert normalise("mairiedemons0517@orange.fr") == "mairiedemons0517 orange fr"
    assert normalise("  F-000001 ") == "f 000001"
    assert query_words('"NEAR"* (a) OR b:* & c | !d') == ["near", "a", "or", "b", "c", "d"]


def test_search_terms_join_phone_pairs_and_drop_the_dossier_letter() -> None:
    assert search_terms("04 66 83") == ["046683"]
    assert search_terms("mons 04.66.83.10.74") == ["mons", "0466831074"]
    assert search_terms("0466 83") == ["046683"]
    assert search_terms("30100 04 66") == ["30100", "0466"]
    assert search_terms("12 34") == ["12", "34"]
    assert search_terms("F-000001") == ["000001"]
    assert search_terms("f 12") == ["12"]
    assert search_terms("f martin") == ["f", "martin"]
    assert search_terms("Test 1 famille") == ["test", "1", "famille"]


def test_household_document_holds_every_searchable_field() -> None:
    household = Household(
        dossier="F-000001",
        postcode="30340",
        commune_insee="30173",
        commune_name="Mons",
        phone="04 66 83 10 74",
        email="mairiedemons0517@orange.fr",
        created_at=NOW,
        updated_at=NOW,
    )
    members = [
        Person(
            household_id=1, role="representative", first_name="Test 1", last_name="FAMILLE TEST"
        ),
        Person(
            household_id=1,
            role="child",
            first_name="Jérémie",
            last_name="Noël",
            phone="+33 6 12 34 56 78",
        ),
    ]
    words = household_document(household, members).split()
    for expected in [
        "test", "famille", "jeremie", "noel", "f", "000001", "f000001", "04", "66",
        "0466831074", "mairiedemons0517", "orange", "fr", "mairiedemons0517orangefr",
        "mons", "30340", "33612345678", "0612345678",
    ]:  # fmt: skip
        assert expected in words
    assert words == [normalise(word) for word in words]


def test_guerin_found_by_accentless_prefix_and_child_name(
    engine: Engine, families: dict[str, int]
) -> None:
    for query in ["guerin", "GUER", "Guérin", "  guérin  ", "g", "élodie", "ELO", "noe", "Noé"]:
        assert families["guerin"] in ids(find_households(engine, query, actor=DESK)), query


def test_guerin_hit_carries_plain_data(engine: Engine, families: dict[str, int]) -> None:
    [hit] = find_households(engine, "guérin hélène", actor=DESK)
    assert hit == HouseholdHit(
        id=families["guerin"],
        dossier="F-000002",
        representative="Hélène Guérin",
        children=("Élodie", "Noé"),
        commune="Alès",
        phone="+33 6 12 34 56 78",
        email="h.guerin@exemple.fr",
    )
    assert families["guerin"] in ids(find_households(engine, "0612", actor=DESK))


FAMILLE_TEST_QUERIES = [
    "famille test", "FAMILLE", "mons", "0466", "04 66 83", "mairiedemons", "F-000001", "000001",
    "f000001", "30340", "jeannot", "mairiedemons0517@orange.fr", "Test 2",
]  # fmt: skip


def test_famille_test_found(engine: Engine, families: dict[str, int]) -> None:
    for query in FAMILLE_TEST_QUERIES:
        hits = find_households(engine, query, actor=DESK)
        assert ids(hits) == [families["test"]], query
        assert hits[0].representative == "Test 1 FAMILLE TEST"
        assert hits[0].children == ("Jeannot",)
        assert hits[0].commune == "Mons"


def test_operators_alone_never_raise_and_find_nothing(
    engine: Engine, families: dict[str, int]
) -> None:
    # Alone, an operator is not a word: nothing to look for.  "NEAR", "AND",
    # "NOT" are words, and no family holds them.
    for query in OPERATOR_QUERIES + ["", "   ", "\t", "'-'", '""*()']:
        assert find_households(engine, query, actor=DESK) == [], query


def test_fts_keyword_is_a_plain_prefix(engine: Engine, families: dict[str, int]) -> None:
    # "OR" is the prefix of "orange" (FAMILLE TEST's email), not an operator.
    assert ids(find_households(engine, "OR", actor=DESK)) == [families["test"]]


OPERATORS_INSIDE = [
    ('"guérin"', "guerin"),
    ("guer*", "guerin"),
    ("(guerin)", "guerin"),
    ("D'Artagnan", "dartagnan"),
    ("d'art", "dartagnan"),
    ("Saint-Christol", "dartagnan"),
    ("oedipe", "dartagnan"),
    ("Œdipe", "dartagnan"),
    ("famille:test", "test"),
    ("famille & test", "test"),
    ("famille | test!", "test"),
    ('"famille" -test', "test"),
    ("famille NEAR test", None),
    ("guerin OR martin", None),
    ("mons OR", "test"),
]


def test_operators_inside_queries_are_plain_separators(
    engine: Engine, families: dict[str, int]
) -> None:
    for query, family in OPERATORS_INSIDE:
        expected = [families[family]] if family else []
        assert ids(find_households(engine, query, actor=DESK)) == expected, query


def test_school_staff_are_refused_the_search(engine: Engine, families: dict[str, int]) -> None:
    staff = Actor(id=None, login="cantine", name="Sandrine Vidal", role="staff")
    agent = Actor(id=None, login="guichet", name="Camille Martin", role="agent")
    with pytest.raises(PermissionDenied):
        find_households(engine, "famille test", actor=staff)
    assert ids(find_households(engine, "famille test", actor=agent)) == [families["test"]]


def test_all_words_must_match(engine: Engine, families: dict[str, int]) -> None:
    both = find_households(engine, "élodie", actor=DESK)
    assert sorted(ids(both)) == sorted([families["guerin"], families["martin"]])
    # Sorted by representative's last name: Guérin before Martin.
    assert ids(both) == [families["guerin"], families["martin"]]
    assert ids(find_households(engine, "élodie martin", actor=DESK)) == [families["martin"]]
    assert ids(find_households(engine, "elodie 30100 gue", actor=DESK)) == [families["guerin"]]
    assert find_households(engine, "élodie mons", actor=DESK) == []
    assert find_households(engine, "guerin zzz", actor=DESK) == []


def test_dossier_found_without_its_leading_zeros(engine: Engine, families: dict[str, int]) -> None:
    far = add_household(
        engine, "F-071868", ("Anduze", "30140"), [("representative", "Paul", "Vidal")]
    )
    for query in ["71868", "7186", "F-071868", "f 71868", "071868", "f071868", "vidal f-0718"]:
        assert ids(find_households(engine, query, actor=DESK)) == [far], query
    assert ids(find_households(engine, "000002", actor=DESK)) == [families["guerin"]]


def test_results_sorted_and_limited(engine: Engine, families: dict[str, int]) -> None:
    for n, name in enumerate(["Zola", "Abadie", "Martin", "Abadie"]):
        add_household(
            engine, f"F-00010{n}", ("Anduze", "30140"), [("representative", f"Prénom{3 - n}", name)]
        )
    hits = find_households(engine, "anduze", actor=DESK)
    assert [(h.representative, h.dossier) for h in hits] == [
        ("Prénom0 Abadie", "F-000103"),
        ("Prénom2 Abadie", "F-000101"),
        ("Prénom1 Martin", "F-000102"),
        ("Prénom3 Zola", "F-000100"),
    ]
    assert len(find_households(engine, "anduze", limit=2, actor=DESK)) == 2
    assert find_households(engine, "anduze", limit=0, actor=DESK) == []


def test_reindex_after_rename_finds_new_name_not_old(
    engine: Engine, families: dict[str, int]
) -> None:
    with unit_of_work(engine) as session:
        people = session.exec(select(Person).where(Person.household_id == families["guerin"])).all()
        for person in people:
            person.last_name = "Fabre"
            session.add(person)
        household = session.get(Household, families["guerin"])
        assert household is not None
        household.email = "h.fabre@exemple.fr"
        session.add(household)
        reindex_household(session, families["guerin"])
    assert ids(find_households(engine, "fabre", actor=DESK)) == [families["guerin"]]
    assert find_households(engine, "guerin", actor=DESK) == []
    assert find_households(engine, "fabre", actor=DESK)[0].representative == "Hélène Fabre"


def test_reindex_of_deleted_household_drops_it(engine: Engine, families: dict[str, int]) -> None:
    with unit_of_work(engine) as session:
        for person in session.exec(select(Person).where(Person.household_id == families["martin"])):
            session.delete(person)
        household = session.get(Household, families["martin"])
        session.delete(household)
        session.flush()
        reindex_household(session, families["martin"])
    assert ids(find_households(engine, "élodie", actor=DESK)) == [families["guerin"]]


def test_unindexed_household_found_after_rebuild(engine: Engine, families: dict[str, int]) -> None:
    lost = add_household(
        engine, "F-000200", ("Bagard", "30140"), [("representative", "Ana", "Lopez")], index=False
    )
    assert find_households(engine, "lopez", actor=DESK) == []
    with unit_of_work(engine) as session:
        assert rebuild_index(session) == 5
    assert ids(find_households(engine, "lopez", actor=DESK)) == [lost]
    # A rebuild replaces the index: nothing is indexed twice.
    with unit_of_work(engine) as session:
        assert rebuild_index(session) == 5
    assert ids(find_households(engine, "élodie", actor=DESK)) == [
        families["guerin"],
        families["martin"],
    ]
    with read_session(engine) as session:
        assert ids(search_households(session, "ana lopez bagard")) == [lost]


def test_bulk_rebuild_and_reindex_index_the_same_words(
    engine: Engine, families: dict[str, int]
) -> None:
    # rebuild_index reads in bulk, reindex_household one household: the
    # indexed words must agree, ligatures, compacted numbers and emails included.
    add_household(
        engine,
        "F-000300",
        ("Générargues", "30140"),
        [("representative", "Æsa", "Straße-Cœur"), ("child", "Jean-Noël", "O'Brien")],
        phone="+33 4.66.83-10 74",
        email="jean_noel+mairie@exemple-ales.fr",
    )
    with unit_of_work(engine) as session:
        rebuild_index(session)
    bulk = index_words(engine)
    with unit_of_work(engine) as session:
        for household_id in bulk:
            reindex_household(session, household_id)
    assert index_words(engine) == bulk
    assert len(bulk) == 5
    assert {"aesa", "strasse", "coeur", "noel", "o", "brien", "0466831074"} <= bulk[max(bulk)]
    assert ids(find_households(engine, "Straße cœur 0466", actor=DESK)) == [max(bulk)]


def index_words(engine: Engine) -> dict[int, set[str]]:
    sql = (
        "SELECT rowid, document FROM household_fts"
        if engine.dialect.name == "sqlite"
        else "SELECT household_id, document FROM household_search"
    )
    with engine.connect() as conn:
        return {hid: set(normalise(doc).split()) for hid, doc in conn.exec_driver_sql(sql)}


def test_index_households_writes_those_households_only(
    engine: Engine, families: dict[str, int]
) -> None:
    first, skipped, last = (
        add_household(
            engine,
            f"F-00040{n}",
            ("Bagard", "30140"),
            [("representative", name, "Vidal")],
            index=False,
        )
        for n, name in enumerate(["Ana", "Bea", "Clo"])
    )
    before = index_words(engine)
    with unit_of_work(engine) as session:
        # Ids out of order, repeated, with a gap: two runs of consecutive ids.
        assert index_households(session, [last, first, last]) == 2
    after = index_words(engine)
    assert set(after) == set(before) | {first, last}
    assert {hid: words for hid, words in after.items() if hid in before} == before
    assert ids(find_households(engine, "vidal", actor=DESK)) == [first, last]
    # A household already indexed gets its new document, not a second one.
    with unit_of_work(engine) as session:
        martin = session.get(Person, first_person(session, families["martin"]))
        assert martin is not None
        martin.last_name = "Martinez"
        session.flush()
        assert index_households(session, [families["martin"]]) == 1
    assert ids(find_households(engine, "martinez", actor=DESK)) == [families["martin"]]
    assert find_households(engine, "zoe martin bagard", actor=DESK) == []
    assert len(index_words(engine)) == len(after)


def first_person(session: Any, household_id: int) -> int:
    person_id = session.exec(
        select(Person.id).where(Person.household_id == household_id).order_by(Person.position)
    ).first()
    assert person_id is not None
    return int(person_id)


REBUILD_QUERIES = [
    "a",
    "mar",
    "guerin",
    "06",
    "04 66",
    "f 0000",
    "12",
    "ales",
    "sain jul",
    "la",
    "e",
]


def test_rebuild_gives_the_documents_and_results_of_one_by_one_indexing(engine: Engine) -> None:
    build_demo(engine, households=120)
    with read_session(engine) as session:
        everyone = list(session.exec(select(Household.id)))
    with unit_of_work(engine) as session:
        # The plain way, household by household: the reference.
        for household_id in everyone:
            reindex_household(session, household_id)
    documents = index_documents(engine)
    found = {q: ids(find_households(engine, q, limit=500, actor=DESK)) for q in REBUILD_QUERIES}
    assert len(documents) == len(everyone) > 100 and all(found.values())
    for _ in range(2):
        with unit_of_work(engine) as session:
            assert rebuild_index(session) == len(everyone)
        assert index_documents(engine) == documents
        assert {
            q: ids(find_households(engine, q, limit=500, actor=DESK)) for q in REBUILD_QUERIES
        } == found
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO household_fts (household_fts) VALUES ('integrity-check')"
            )
            config = dict(conn.exec_driver_sql("SELECT k, v FROM household_fts_config").all())
        # The loading settings are not left behind: later writes merge as usual.
        assert config.get("automerge", 4) == 4 and config.get("crisismerge", 16) == 16


def index_documents(engine: Engine) -> dict[int, str]:
    sql = (
        "SELECT rowid, document FROM household_fts"
        if engine.dialect.name == "sqlite"
        else "SELECT household_id, document FROM household_search"
    )
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql(sql).all())


def test_rebuild_index_on_empty_database_counts_zero(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        assert rebuild_index(session) == 0
    assert find_households(engine, "a", actor=DESK) == []


@pytest.fixture(scope="module")
def sqlite_families(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("search") / "search.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build_demo(engine, households=0)
    add_household(engine, "F-000002", ("Alès", "30100"), [("representative", "Hélène", "Guérin")])
    return engine


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.text(max_size=30))
def test_any_text_query_is_only_its_words(sqlite_families: Engine, query: str) -> None:
    # Never raises, and nothing but the letters and digits counts.
    assert find_households(sqlite_families, query, actor=DESK) == find_households(
        sqlite_families, " ".join(query_words(query)), actor=DESK
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(max_size=40))
def test_any_text_query_never_raises_on_either_database(
    engine: Engine, families: dict[str, int], query: str
) -> None:
    # The fixture's data is only read: sharing it between examples is safe.
    hits = find_households(engine, query, actor=DESK)
    terms = search_terms(query)
    assert len(hits) <= 50
    if not terms:
        assert hits == []
    for hit in hits:
        assert hit.id in families.values()


GUERIN_WORDS = ["helene", "guerin", "f", "000002", "f000002", "2", "ales", "30100"]


@settings(max_examples=150, deadline=None)
@given(query=st.text(alphabet=st.sampled_from("\"*()'-:&|!^+.NEARORguérinf 02"), max_size=20))
def test_operator_soup_is_a_plain_prefix_search(sqlite_families: Engine, query: str) -> None:
    terms = search_terms(query)
    matches = bool(terms) and all(any(w.startswith(t) for w in GUERIN_WORDS) for t in terms)
    found = [hit.dossier for hit in find_households(sqlite_families, query, actor=DESK)]
    assert ("F-000002" in found) == matches
