"""Household search: the one module that holds database-specific SQL.

The index holds one normalised text document per household (every member's
names, dossier number, phones, emails, commune and postcode).  SQLite keeps it
in the FTS5 table ``household_fts`` (rowid = household id); PostgreSQL in
``household_search`` whose generated ``tsv`` column has a GIN index (the
words, and since migration 0017 their prefixes of 1 to 5 characters, see
PREFIX_MARKER).  Both tables are created by migration 0001; since 0014 they
also carry what the list of hits shows (dossier, commune, phone, email,
representative, children: a JSON array in the ``listing`` column), so a
search reads the index alone.  Every write that changes a household or its
members re-indexes it (reindex_household, rebuild_index): the document and
the listing are written by the same statement, so they cannot drift apart.

A query is normalised the same way as the documents and cut into words made
of letters and digits only, so nothing a user types can reach the FTS5 or
tsquery syntax; every word is a prefix and all words must match (a phone
typed in pairs is searched whole, see search_terms).  The index query takes
at most `limit` households with their listing, sorted here.

Figures (200 000 households): docs/benchmarks.md, from benchmarks/run.py.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from mairie_tui.domain import fr
from mairie_tui.services.common import Actor
from mairie_tui.services.permissions import requires


@dataclass(frozen=True)
class HouseholdHit:
    """One household found by a search (plain data for the screens and the CLI)."""

    id: int
    dossier: str
    representative: str
    children: tuple[str, ...]
    commune: str
    phone: str | None
    email: str | None


class HouseholdLike(Protocol):
    """What the index reads from a household (a Household row fits)."""

    @property
    def dossier(self) -> str: ...
    @property
    def commune_name(self) -> str: ...
    @property
    def postcode(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


class MemberLike(Protocol):
    """What the index reads from a member (a Person row fits)."""

    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NOT_DIGIT = re.compile(r"[^0-9]+")
_NOT_WORD_OR_TAB = re.compile(r"[^0-9a-z\t]+")
# One word of a normalised text: letters (any script) and ASCII digits.
_WORD = re.compile(r"[^\W_]+")
_REBUILD_CHUNK = 20_000


def normalise(value: str) -> str:
    """Folded (fr.fold: lower case, é→e, œ→oe), punctuation turned into single spaces."""
    folded = fr.fold(value)
    if folded.isascii():
        return _NOT_WORD.sub(" ", folded).strip()
    return " ".join(_search_words(folded))


@functools.lru_cache(maxsize=65_536)
def _normalised_name(value: str) -> str:
    # Names repeat a lot across households: a bulk rebuild normalises each once.
    return normalise(value)


def _search_words(normalised: str) -> list[str]:
    # Only letters and digits: the FTS5 and tsquery operators (quotes, stars,
    # brackets, colons, &, |, !) and the words' separators all fall out here.
    return [word for word in _WORD.findall(normalised) if word.isalnum()]


def query_words(query: str) -> list[str]:
    """The words of a user's query, safe to put in an FTS5 or tsquery expression."""
    return _search_words(normalise(query))


def _compact(value: str) -> str:
    """A phone, email or dossier number as one word: "F-000001" → "f000001"."""
    lowered = value.lower()
    if lowered.isascii():
        return _NOT_WORD.sub("", lowered)
    return normalise(value).replace(" ", "")


def household_document(household: HouseholdLike, members: Iterable[MemberLike]) -> str:
    """The normalised text indexed for one household: every member's names,
    phones and emails, the dossier number, the household's phone and email,
    commune and postcode; numbers and emails also compacted into one word."""
    numbers = [household.dossier, household.postcode, household.phone, household.email]
    names: list[str] = []
    for member in members:
        names += [member.first_name, member.last_name]
        numbers += [member.phone, member.email]
    return _document(
        household.commune_name,
        "\t".join(number for number in numbers if number),
        " ".join(names),
    )


def _document(commune_name: str, numbers: str, names: str | None) -> str:
    """The document from the commune, the numbers and emails (tab-separated)
    and the members' names (space-separated), as the bulk query gives them."""
    # Hot path of rebuild_index (200 000 calls): names go word by word
    # through a cache (a family's last name once), numbers and emails through
    # one substitution and one compaction.  Spaces need no tidying here: the
    # last line splits the whole document into words.
    words = [_normalised_name(commune_name)]
    if names:
        words += [_normalised_name(name) for name in dict.fromkeys(names.split(" "))]
    lowered = numbers.lower()
    if lowered.isascii():
        words.append(_NOT_WORD.sub(" ", lowered))
        compacts = _NOT_WORD_OR_TAB.sub("", lowered).split("\t")
    else:
        words.append(normalise(numbers))
        compacts = [_compact(number) for number in numbers.split("\t")]
    words += compacts
    # The dossier (first of the numbers) also without its leading zeros:
    # F-071868 is found by "71868".
    words.append(_NOT_DIGIT.sub("", numbers.split("\t", 1)[0]).lstrip("0"))
    if "+33" in numbers:
        # +33 4 66 83 10 74 is also found as 0466831074.
        words += [
            "0" + compact[2:]
            for number, compact in zip(numbers.split("\t"), compacts, strict=True)
            if number.startswith("+33")
        ]
    # The same word twice adds nothing to a prefix search; keep first occurrences.
    return " ".join(dict.fromkeys(" ".join(words).split()))


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


# One row per household: commune, its numbers and emails and its members'
# (tab-separated), its members' names (space-separated); then what the list of
# hits shows, as a JSON array stored next to the document: [id, dossier,
# commune, phone shown (the household's, else its representative's), email,
# representative's first name, last name (null without a representative),
# [children's first names]].
_DOCUMENT_PARTS = """
SELECT h.id, h.commune_name,
       h.dossier || {tab} || h.postcode || coalesce({tab} || h.phone, '')
       || coalesce({tab} || h.email, '')
       || coalesce({concat}(coalesce({tab} || p.phone, '') || coalesce({tab} || p.email, ''), ''), ''),
       {concat}(p.first_name || ' ' || p.last_name, ' '),
       {json_array}(h.id, h.dossier, h.commune_name,
           CASE WHEN coalesce(h.phone, '') <> '' THEN h.phone ELSE {representative_phone} END,
           h.email, {representative_first}, {representative_last}, {children}){text}
FROM household h LEFT JOIN person p ON p.household_id = h.id
WHERE h.id >= {mark} AND h.id < {mark}
GROUP BY h.id, h.commune_name, h.dossier, h.postcode, h.phone, h.email
"""
# SQLite 3.40 has no ORDER BY inside an aggregate: the representative (the
# first by position) and the children in order come from correlated subqueries.
_SQLITE_REPRESENTATIVE = (
    "(SELECT r.{column} FROM person r WHERE r.household_id = h.id "
    "AND r.role = 'representative' ORDER BY r.position, r.id LIMIT 1)"
)
_SQLITE_PARTS = _DOCUMENT_PARTS.format(
    tab="char(9)",
    concat="group_concat",
    mark="?",
    json_array="json_array",
    text="",
    representative_phone=_SQLITE_REPRESENTATIVE.format(column="phone"),
    representative_first=_SQLITE_REPRESENTATIVE.format(column="first_name"),
    representative_last=_SQLITE_REPRESENTATIVE.format(column="last_name"),
    children="json((SELECT json_group_array(c.first_name) FROM (SELECT c.first_name "
    "FROM person c WHERE c.household_id = h.id AND c.role = 'child' ORDER BY c.position, c.id) c))",
)
_PG_REPRESENTATIVE = (
    "(array_agg(p.{column} ORDER BY p.position, p.id) FILTER (WHERE p.role = 'representative'))[1]"
)
_PG_PARTS = _DOCUMENT_PARTS.format(
    tab="chr(9)",
    concat="string_agg",
    mark="%s",
    json_array="json_build_array",
    text="::text",
    representative_phone=_PG_REPRESENTATIVE.format(column="phone"),
    representative_first=_PG_REPRESENTATIVE.format(column="first_name"),
    representative_last=_PG_REPRESENTATIVE.format(column="last_name"),
    children="coalesce(array_to_json(array_agg(p.first_name ORDER BY p.position, p.id) "
    "FILTER (WHERE p.role = 'child')), '[]'::json)",
)


def _documents(conn: Connection, low: int, high: int) -> list[tuple[int, str, str]]:
    """(id, document, listing) of the households whose id is in [low, high)."""
    # The plain DB-API cursor: SQLAlchemy's rows would add a second or so
    # to a bulk rebuild.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_SQLITE_PARTS if _is_sqlite(conn) else _PG_PARTS, (low, high))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [
        (hid, _document(commune, numbers, names), listing)
        for hid, commune, numbers, names, listing in rows
    ]


def _write(conn: Connection, documents: Sequence[tuple[int, str, str]]) -> None:
    if not documents:
        return
    if _is_sqlite(conn):
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                "INSERT INTO household_fts (rowid, document, listing) VALUES (?, ?, ?)", documents
            )
        finally:
            cursor.close()
    else:
        # One statement for the whole batch: three arrays unnested server-side.
        conn.execute(
            text(
                "INSERT INTO household_search (household_id, document, listing) "
                "SELECT * FROM unnest(CAST(:ids AS integer[]), CAST(:docs AS text[]), "
                "CAST(:listings AS text[])) ON CONFLICT (household_id) "
                "DO UPDATE SET document = EXCLUDED.document, listing = EXCLUDED.listing"
            ),
            {
                "ids": [hid for hid, _, _ in documents],
                "docs": [doc for _, doc, _ in documents],
                "listings": [listing for _, _, listing in documents],
            },
        )


def reindex_household(session: Session, household_id: int) -> None:
    """Refresh one household's document (after it or one of its members changed,
    or after it was deleted), inside the caller's transaction."""
    session.flush()
    conn = session.connection()
    if _is_sqlite(conn):
        delete = "DELETE FROM household_fts WHERE rowid = :id"
    else:
        delete = "DELETE FROM household_search WHERE household_id = :id"
    conn.execute(text(delete), {"id": household_id})
    _write(conn, _documents(conn, household_id, household_id + 1))


def index_households(session: Session, household_ids: Iterable[int]) -> int:
    """Index these households (just created by a bulk import), inside the
    caller's transaction, without touching any other household's document;
    returns the number indexed.  A document already there is replaced."""
    session.flush()
    conn = session.connection()
    count = 0
    for low, high in _runs(sorted(set(household_ids))):
        # A run of consecutive ids: [low, high] holds these households and no other.
        if _is_sqlite(conn):
            delete = "DELETE FROM household_fts WHERE rowid >= :low AND rowid <= :high"
        else:
            delete = "DELETE FROM household_search WHERE household_id BETWEEN :low AND :high"
        conn.execute(text(delete), {"low": low, "high": high})
        documents = _documents(conn, low, high + 1)
        _write(conn, documents)
        count += len(documents)
    return count


def _runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted distinct ids as runs of consecutive ids: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for household_id in ids:
        if runs and runs[-1][1] == household_id - 1:
            runs[-1] = (runs[-1][0], household_id)
        else:
            runs.append((household_id, household_id))
    return runs


def rebuild_index(session: Session) -> int:
    """Rebuild the whole index from the households and members, inside the
    caller's transaction; returns the number of households indexed."""
    session.flush()
    conn = session.connection()
    if _is_sqlite(conn):
        return _rebuild_fts5(conn)
    pg_indexes = _empty_household_search(conn)
    count = _load(conn)
    # One GIN build over the loaded table instead of 200 000 insertions.
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _name, definition in pg_indexes:
        conn.execute(text(definition))
    return count


def _load(conn: Connection) -> int:
    """Index every household, _REBUILD_CHUNK ids at a time, into an empty index."""
    bounds = conn.execute(text("SELECT min(id), max(id) FROM household")).one()
    count = 0
    if bounds[0] is not None:
        low: int = bounds[0]
        while low <= bounds[1]:
            documents = _documents(conn, low, low + _REBUILD_CHUNK)
            _write(conn, documents)
            count += len(documents)
            low += _REBUILD_CHUNK
    return count


# FTS5 settings while loading (stored in the table's own config, put back after):
# no automatic merge at all, so that the segments written while loading are
# merged once, by 'optimize', instead of level by level as they pile up
# ('crisismerge' at 16 segments by default, whatever 'automerge' says).
_FTS5_LOADING = {"automerge": 0, "crisismerge": 1999}
_FTS5_DEFAULTS = {"automerge": 4, "crisismerge": 16}
# Page cache of the connection while loading (KiB): FTS5 rewrites its segment
# pages many times over; SQLite's default (2 MiB) sends them to the WAL file
# again and again.  The connection's own setting comes back afterwards.
_LOADING_CACHE_KIB = 256 * 1024


def _rebuild_fts5(conn: Connection) -> int:
    previous_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{_LOADING_CACHE_KIB}")
    try:
        _empty_fts5(conn)
        _fts5_settings(conn, _FTS5_LOADING)
        count = _load(conn)
        # One merge of the segments written while loading: queries read one b-tree.
        conn.execute(text("INSERT INTO household_fts (household_fts) VALUES ('optimize')"))
        _fts5_settings(conn, _FTS5_DEFAULTS)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous_cache)}")
    return count


def _fts5_settings(conn: Connection, settings: dict[str, int]) -> None:
    for name, value in settings.items():
        conn.execute(
            text("INSERT INTO household_fts (household_fts, rank) VALUES (:name, :value)"),
            {"name": name, "value": value},
        )


def _empty_household_search(conn: Connection) -> list[Any]:
    # TRUNCATE and dropping the GIN index lock the table until the end of the
    # transaction (searches from other desks wait for the rebuild): a full
    # rebuild only runs for the demo build and bulk imports.  The index is
    # re-created from its own definition, so the migration stays the source.
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = 'household_search' "
            "AND indexname <> 'household_search_pkey'"
        )
    ).all()
    conn.execute(text("TRUNCATE household_search"))
    for name, _definition in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return list(indexes)


def _empty_fts5(conn: Connection) -> None:
    # Dropping and re-creating the table (from its own definition, so the
    # migration stays the one source) is much faster than deleting 200 000
    # documents.
    definition = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'household_fts'")
    ).scalar_one()
    conn.execute(text("DROP TABLE household_fts"))
    conn.execute(text(definition))


# The hits with what the list shows, all read from the index (no join to the
# households and members: that cost 4-5 times the index query itself), as one
# JSON text for all hits: a value per hit and column cost more than the index
# query (FTS5 hands each column over one by one).
_SQLITE_HITS = (
    "SELECT '[' || group_concat(listing, ',') || ']' FROM ("
    "SELECT listing FROM household_fts WHERE household_fts MATCH ? LIMIT ?)"
)
# PostgreSQL: one GIN index scan for all terms.  Each term of at most
# PREFIX_MAX characters is one exact lexeme, so the index intersects posting
# lists and skips through the long ones ("l" in "L'Hermite" is nearly every
# household); a longer term is a prefix range scan, short because a long
# prefix is selective.  The query text is cast, not given to to_tsquery: its
# parser would split the prefix lexemes at their marker.
_PG_HITS = (
    "SELECT '[' || string_agg(listing, ',') || ']' FROM (SELECT listing FROM household_search "
    "WHERE tsv @@ CAST(%(q)s AS tsquery) LIMIT %(limit)s) hit"
)
# PostgreSQL indexes each word's prefixes of 1 to PREFIX_MAX characters as
# lexemes of their own behind PREFIX_MARKER (migration 0017 defines them): a
# query word that short is one exact lexeme, not a prefix range scan.  The
# marker is no letter or digit, so no word of a document or a query holds it.
PREFIX_MARKER = "^"
PREFIX_MAX = 5
# PostgreSQL indexes no word longer than this (bytes): such a query word
# matches nothing, and a tsquery refuses it.
_PG_LONGEST_WORD = 2047


def fts5_expression(words: Sequence[str]) -> str:
    """FTS5 MATCH text: every word a quoted prefix term, all required."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery_expression(words: Sequence[str]) -> str:
    """tsquery text (to cast, not for to_tsquery): all words required; a word of
    at most PREFIX_MAX characters is its prefix lexeme ('^mar'), a longer one a
    prefix of the words ('martin':*).  Words are letters and digits only."""
    return " & ".join(
        f"'{PREFIX_MARKER}{word}'" if len(word) <= PREFIX_MAX else f"'{word}':*" for word in words
    )


def search_terms(query: str) -> list[str]:
    """The prefix terms searched for a query: its words, except that

    - a phone typed in pairs is searched whole, as its compacted form is
      indexed ("04 66 83" → "046683"): each pair alone ("04", "66") is in a
      large share of the households and would make the index read long lists;
    - the dossier's letter before a number is dropped ("F-186601" → "186601"),
      for the same reason: every household has it.
    """
    terms: list[str] = []
    words = query_words(query)
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "f" and following.isdigit():
            continue
        previous = terms[-1] if terms else ""
        if (
            len(word) == 2
            and word.isdigit()
            and previous.startswith("0")
            and previous.isdigit()
            and len(previous) % 2 == 0
            and len(previous) < 10
        ):
            terms[-1] = previous + word
            continue
        terms.append(word)
    return terms


def search_households(session: Session, query: str, *, limit: int = 50) -> list[HouseholdHit]:
    """Households whose document holds every word of the query as a prefix,
    sorted by representative's last name, first name, then dossier."""
    words = search_terms(query)
    if not words or limit <= 0:
        return []
    return _search(session.connection(), words, limit)


def _search(conn: Connection, words: Sequence[str], limit: int) -> list[HouseholdHit]:
    # The plain DB-API cursor: one statement, one value, no SQLAlchemy rows.
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if _is_sqlite(conn):
            cursor.execute(_SQLITE_HITS, (fts5_expression(words), limit))
            return _hits(cursor.fetchone()[0])
        if any(len(word.encode()) > _PG_LONGEST_WORD for word in words):
            return []
        # Never a prepared statement: a generic plan cannot see the terms, and
        # the right plan differs between "a" (scan until 50 rows match) and
        # "hermite" (the index).
        params = {"q": tsquery_expression(words), "limit": limit}
        cursor.execute(_PG_HITS, params, prepare=False)
        return _hits(cursor.fetchone()[0])
    finally:
        cursor.close()


def _hits(listings: str | None) -> list[HouseholdHit]:
    """The index's listings (a JSON array of them, None without any) as hits,
    sorted by representative's last name, first name (folded), then dossier;
    households without a representative last."""
    if listings is None:
        return []
    keyed: list[tuple[tuple[bool, str, str, str], HouseholdHit]] = []
    for hid, dossier, commune, phone, email, first, last, children in json.loads(listings):
        # The frozen dataclass's __init__ sets each field through
        # object.__setattr__: filling __dict__ at once halves the cost of a hit.
        hit = object.__new__(HouseholdHit)
        hit.__dict__.update(
            id=hid,
            dossier=dossier,
            representative=f"{first or ''} {last or ''}".strip(),
            children=tuple(children),
            commune=commune,
            phone=phone,
            email=email,
        )
        if first is None:
            key = (True, "", "", dossier)
        else:
            key = (False, _normalised_name(last), _normalised_name(first), dossier)
        keyed.append((key, hit))
    keyed.sort(key=_first)
    return [hit for _key, hit in keyed]


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


@requires("foyers.lire")
def find_households(
    engine: Engine, query: str, *, limit: int = 50, actor: Actor
) -> list[HouseholdHit]:
    """search_households in its own read transaction (for the screens and the CLI).

    School staff are refused (permission foyers.lire).
    """
    words = search_terms(query)
    if not words or limit <= 0:
        return []
    # A bare connection: a Session would add nothing to one read statement.
    with engine.connect() as conn:
        return _search(conn, words, limit)
