"""Short query words: FTS5's prefix indexes (SQLite) and the prefix lexemes of
migration 0017 (PostgreSQL) must find exactly what a prefix search finds."""

from __future__ import annotations

from dataclasses import replace

import pytest
from alembic import command
from sqlalchemy import Engine, text

from mairie_tui.db import alembic_config
from mairie_tui.services.demo import build_demo
from mairie_tui.services.household_edit import create_household, household_input, update_household
from mairie_tui.services.search import (
    PREFIX_MARKER,
    PREFIX_MAX,
    find_households,
    tsquery_expression,
)
from tests.helpers import DESK
from tests.services.test_household_edit import AGENT, GUERIN
from tests.services.test_search_listing import CLOCK, insert_household


def long_name(engine: Engine) -> str:
    """300 characters in one word (PostgreSQL's columns take 80)."""
    return "É" * (300 if engine.dialect.name == "sqlite" else 80)


def hit_ids(engine: Engine, query: str) -> list[int]:
    return [hit.id for hit in find_households(engine, query, actor=DESK)]


def pg_only(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("index PostgreSQL seulement")


def test_short_words_are_prefix_lexemes_and_long_ones_prefixes() -> None:
    assert tsquery_expression(["m", "mar", "12345", "martin", "123456"]) == (
        "'^m' & '^mar' & '^12345' & 'martin':* & '123456':*"
    )
    assert PREFIX_MAX == 5 and not PREFIX_MARKER.isalnum()


def test_every_prefix_finds_the_word_and_nothing_else_does(engine: Engine) -> None:
    lapointe = insert_household(engine, "F-000801", [("representative", "Mireille", "Lapointe", 0)])
    omar = insert_household(engine, "F-000802", [("representative", "Omar", "Pointe", 0)])
    mar = insert_household(engine, "F-000803", [("representative", "Mar", "Lapo", 0)])
    for length in range(1, len("lapointe") + 1):
        assert lapointe in hit_ids(engine, "lapointe"[:length]), length
    assert hit_ids(engine, "lapointe") == [lapointe]
    assert sorted(hit_ids(engine, "lapo")) == [lapointe, mar]
    assert sorted(hit_ids(engine, "mar")) == [mar]  # a prefix, never inside a word
    assert hit_ids(engine, "mir lapo") == [lapointe]
    assert hit_ids(engine, "mi lapoi") == [lapointe]
    assert hit_ids(engine, "apoint") == []
    assert hit_ids(engine, "lapointes") == []
    assert hit_ids(engine, "omar pointe") == [omar]
    assert hit_ids(engine, "^mar") == hit_ids(engine, "mar")


def test_marker_lexemes_are_only_prefixes_of_the_documents_words(engine: Engine) -> None:
    # Names holding the marker, tsquery and FTS5 syntax: every lexeme behind the
    # marker is a prefix of one of the document's words, every other lexeme a word.
    pg_only(engine)
    names = ["^Mar^", "p:mar", "'^x' & y:*", "[/]", 'Jean "Jo"', "back\\slash", long_name(engine)]
    hid = insert_household(
        engine, "F-000810", [("child", name, "Roux", i) for i, name in enumerate(names)]
    )
    with engine.connect() as conn:
        document, lexemes = conn.execute(
            text(
                "SELECT document, tsvector_to_array(tsv) FROM household_search "
                "WHERE household_id = :id"
            ),
            {"id": hid},
        ).one()
    words = set(document.split())
    prefixes = {word[:n] for word in words for n in range(1, PREFIX_MAX + 1)}
    marked = {lexeme[1:] for lexeme in lexemes if lexeme.startswith(PREFIX_MARKER)}
    assert marked == prefixes
    assert {lexeme for lexeme in lexemes if not lexeme.startswith(PREFIX_MARKER)} == words
    assert {"mar", "p", "x", "jo", "slash", "e" * 80} <= words
    assert hit_ids(engine, "^Mar^ p:mar") == [hid]


def test_hostile_names_are_indexed_and_searched(engine: Engine) -> None:
    long = long_name(engine)
    names = ["[/]", 'Jean "Jo"', "back\\slash", "d'Ar'tagnan", "nul\x00le", long]
    if engine.dialect.name != "sqlite":  # PostgreSQL text cannot hold NUL
        names = [name for name in names if "\x00" not in name]
    hid = insert_household(
        engine, "F-000820", [("child", name, "Cazals", i) for i, name in enumerate(names)]
    )
    for query in [
        "[/] caz",
        '"jo"',
        "back\\",
        "\\slash",
        "tagnan",
        "e",
        "eeeee",
        long,
        "caz jo",
    ]:
        assert hit_ids(engine, query) == [hid], query
    if engine.dialect.name == "sqlite":
        assert hit_ids(engine, "nul") == [hid]
    assert hit_ids(engine, long + "e") == []
    # A word longer than PostgreSQL indexes (2 047 bytes) finds nothing, without error.
    assert hit_ids(engine, "É" * 3000) == []
    assert hit_ids(engine, "cazals " + "x" * 3000) == []


def test_an_edit_reindexes_the_prefixes(engine: Engine) -> None:
    build_demo(engine, households=0)
    saved = create_household(engine, GUERIN, actor=AGENT, clock=CLOCK)
    assert hit_ids(engine, "hél") == [saved.id]
    form, version = household_input(engine, saved.id, actor=DESK)
    edited = replace(
        form, email="", representative=replace(form.representative, first_name="Zélie", email="")
    )
    update_household(engine, saved.id, edited, expected_version=version, actor=AGENT, clock=CLOCK)
    assert hit_ids(engine, "zé gu") == [saved.id]
    assert hit_ids(engine, "zeli") == [saved.id]
    assert hit_ids(engine, "hél") == []
    assert hit_ids(engine, "hélèn") == []


def test_migration_0017_downgrade_restores_the_words_only_index(engine: Engine) -> None:
    hid = insert_household(engine, "F-000830", [("representative", "Mireille", "Lapointe", 0)])
    config = alembic_config(engine)
    command.downgrade(config, "0016")
    # Whole words and long prefixes are found without the prefix lexemes.
    assert hit_ids(engine, "lapointe mireil") == [hid]
    if engine.dialect.name != "sqlite":
        assert definition(engine) == ("to_tsvector('simple'::regconfig, document)", False)
        assert hit_ids(engine, "lap") == []  # no prefix lexemes any more
    command.upgrade(config, "head")
    if engine.dialect.name != "sqlite":
        expression, has_function = definition(engine)
        assert "household_search_prefixes(document)" in expression and has_function
    assert hit_ids(engine, "lap mi") == [hid]


def definition(engine: Engine) -> tuple[str, bool]:
    """The tsv column's generation expression; whether the prefix function exists."""
    with engine.connect() as conn:
        expression = conn.execute(
            text(
                "SELECT generation_expression FROM information_schema.columns "
                "WHERE table_name = 'household_search' AND column_name = 'tsv'"
            )
        ).scalar_one()
        function = conn.execute(
            text("SELECT to_regprocedure('household_search_prefixes(text)') IS NOT NULL")
        ).scalar_one()
    return expression, function
