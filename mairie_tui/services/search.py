"""Household search: the one module that holds database-specific SQL.

The index holds one normalised text document per household (every member's
names, dossier number, phones, emails, commune and postcode).  SQLite keeps it
in the FTS5 table ``household_fts`` (rowid = household id); PostgreSQL in
``household_search`` whose generated ``tsv`` column has a GIN index.  Both
tables are created by migration 0001.

A query is normalised the same way as the documents and cut into words made
of letters and digits only, so nothing a user types can reach the FTS5 or
tsquery syntax; every word is a prefix and all words must match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from mairie_tui.db import read_session


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


# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ı": "i",
    }
)
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# One word of a normalised text: letters (any script) and ASCII digits.
_WORD = re.compile(r"[^\W_]+")
_REBUILD_CHUNK = 20_000


def normalise(value: str) -> str:
    """Lower case, without accents (é→e, œ→oe), punctuation turned into single spaces."""
    lowered = value.lower()
    if lowered.isascii():
        return _NOT_WORD.sub(" ", lowered).strip()
    decomposed = unicodedata.normalize("NFKD", lowered.translate(_LIGATURES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_search_words(stripped.lower()))


def _search_words(normalised: str) -> list[str]:
    # Only letters and digits: the FTS5 and tsquery operators (quotes, stars,
    # brackets, colons, &, |, !) and the words' separators all fall out here.
    return [word for word in _WORD.findall(normalised) if word.isalnum()]


def query_words(query: str) -> list[str]:
    """The words of a user's query, safe to put in an FTS5 or tsquery expression."""
    return _search_words(normalise(query))


def _phone_forms(phone: str | None) -> list[str]:
    if not phone:
        return []
    digits = "".join(ch for ch in phone if ch.isdigit())
    forms = [phone, digits]
    # +33 4 66 83 10 74 is also found as 0466831074.
    if phone.lstrip().startswith("+33") and len(digits) == 11:
        forms.append("0" + digits[2:])
    return forms


def _email_forms(email: str | None) -> list[str]:
    if not email:
        return []
    # Split ("mairiedemons0517 orange fr") by normalise(); whole, compacted.
    return [email, _NOT_WORD.sub("", normalise(email))]


def household_document(household: HouseholdLike, members: Iterable[MemberLike]) -> str:
    """The normalised text indexed for one household."""
    parts: list[str] = []
    for member in members:
        parts += [member.first_name, member.last_name]
        parts += _phone_forms(member.phone)
        parts += _email_forms(member.email)
    dossier = household.dossier
    parts += [dossier, _NOT_WORD.sub("", dossier.lower())]
    parts += _phone_forms(household.phone)
    parts += _email_forms(household.email)
    parts += [household.commune_name, household.postcode]
    words = normalise(" ".join(part for part in parts if part)).split()
    # The same word twice adds nothing to a prefix search; keep first occurrences.
    return " ".join(dict.fromkeys(words))


@dataclass(frozen=True)
class _Household:
    id: int
    dossier: str
    commune_name: str
    postcode: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class _Member:
    first_name: str
    last_name: str
    phone: str | None
    email: str | None


_HOUSEHOLD_COLUMNS = "id, dossier, commune_name, postcode, phone, email"
_MEMBER_COLUMNS = "household_id, first_name, last_name, phone, email"


def _documents(conn: Connection, low: int, high: int) -> Iterator[tuple[int, str]]:
    """(id, document) of the households whose id is in [low, high)."""
    params = {"low": low, "high": high}
    households = conn.execute(
        text(
            f"SELECT {_HOUSEHOLD_COLUMNS} FROM household "
            "WHERE id >= :low AND id < :high ORDER BY id"
        ),
        params,
    ).all()
    members: dict[int, list[_Member]] = {}
    rows = conn.execute(
        text(
            f"SELECT {_MEMBER_COLUMNS} FROM person "
            "WHERE household_id >= :low AND household_id < :high "
            "ORDER BY household_id, position, id"
        ),
        params,
    )
    for household_id, first_name, last_name, phone, email in rows:
        members.setdefault(household_id, []).append(_Member(first_name, last_name, phone, email))
    for row in households:
        household = _Household(*row)
        yield household.id, household_document(household, members.get(household.id, ()))


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _write(conn: Connection, documents: Sequence[tuple[int, str]]) -> None:
    if not documents:
        return
    if _is_sqlite(conn):
        conn.execute(
            text("INSERT INTO household_fts (rowid, document) VALUES (:id, :document)"),
            [{"id": hid, "document": doc} for hid, doc in documents],
        )
    else:
        # One statement for the whole batch: two arrays unnested server-side.
        conn.execute(
            text(
                "INSERT INTO household_search (household_id, document) "
                "SELECT * FROM unnest(CAST(:ids AS integer[]), CAST(:docs AS text[])) "
                "ON CONFLICT (household_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            {"ids": [hid for hid, _ in documents], "docs": [doc for _, doc in documents]},
        )


def reindex_household(session: Session, household_id: int) -> None:
    """Refresh one household's document (after it or one of its members changed,
    or after it was deleted), inside the caller's transaction."""
    conn = session.connection()
    session.flush()
    table, key = (
        ("household_fts", "rowid") if _is_sqlite(conn) else ("household_search", "household_id")
    )
    conn.execute(text(f"DELETE FROM {table} WHERE {key} = :id"), {"id": household_id})
    _write(conn, list(_documents(conn, household_id, household_id + 1)))


def rebuild_index(session: Session) -> int:
    """Rebuild the whole index from the households and members, inside the
    caller's transaction; returns the number of households indexed."""
    session.flush()
    conn = session.connection()
    sqlite = _is_sqlite(conn)
    conn.execute(text("DELETE FROM household_fts" if sqlite else "DELETE FROM household_search"))
    bounds = conn.execute(text("SELECT min(id), max(id) FROM household")).one()
    count = 0
    if bounds[0] is not None:
        low: int = bounds[0]
        while low <= bounds[1]:
            documents = list(_documents(conn, low, low + _REBUILD_CHUNK))
            _write(conn, documents)
            count += len(documents)
            low += _REBUILD_CHUNK
    if sqlite:
        # Merge the b-trees written batch by batch: queries read one segment.
        conn.execute(text("INSERT INTO household_fts (household_fts) VALUES ('optimize')"))
    return count


# The hits and their representative and children, in one statement.
_HITS_SQL = """
WITH hit AS ({index_query})
SELECT h.id, h.dossier, h.commune_name, h.phone, h.email,
       p.role, p.first_name, p.last_name, p.phone
FROM hit
JOIN household h ON h.id = hit.id
LEFT JOIN person p ON p.household_id = h.id AND p.role IN ('representative', 'child')
ORDER BY h.id, p.position, p.id
"""
_SQLITE_INDEX_QUERY = (
    "SELECT rowid AS id FROM household_fts WHERE household_fts MATCH :q LIMIT :limit"
)
_PG_INDEX_QUERY = (
    "SELECT household_id AS id FROM household_search "
    "WHERE tsv @@ to_tsquery('simple', :q) LIMIT :limit"
)
_SQLITE_HITS = text(_HITS_SQL.format(index_query=_SQLITE_INDEX_QUERY))
_PG_HITS = text(_HITS_SQL.format(index_query=_PG_INDEX_QUERY))


def fts5_expression(words: Sequence[str]) -> str:
    """FTS5 MATCH text: every word a quoted prefix term, all required."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery_expression(words: Sequence[str]) -> str:
    """to_tsquery text: every word a prefix lexeme, all required."""
    return " & ".join(f"{word}:*" for word in words)


def search_households(session: Session, query: str, *, limit: int = 50) -> list[HouseholdHit]:
    """Households whose document holds every word of the query as a prefix,
    sorted by representative's last name, first name, then dossier."""
    words = query_words(query)
    if not words or limit <= 0:
        return []
    conn = session.connection()
    if _is_sqlite(conn):
        statement, expression = _SQLITE_HITS, fts5_expression(words)
    else:
        statement, expression = _PG_HITS, tsquery_expression(words)
    rows = conn.execute(statement, {"q": expression, "limit": limit}).all()
    return _hits(rows)


def _hits(rows: Sequence[Any]) -> list[HouseholdHit]:
    hits: list[HouseholdHit] = []
    keys: list[tuple[bool, str, str, str]] = []
    current: int | None = None
    head: tuple[Any, ...] = ()
    representative: tuple[str, str] | None = None
    rep_phone: str | None = None
    children: list[str] = []

    def close() -> None:
        hid, dossier, commune, phone, email = head
        first, last = representative or ("", "")
        name = f"{first} {last}".strip()
        hits.append(
            HouseholdHit(
                id=hid,
                dossier=dossier,
                representative=name,
                children=tuple(children),
                commune=commune,
                phone=phone or rep_phone,
                email=email,
            )
        )
        keys.append((representative is None, normalise(last), normalise(first), dossier))

    for hid, dossier, commune, phone, email, role, first, last, person_phone in rows:
        if hid != current:
            if current is not None:
                close()
            current, head = hid, (hid, dossier, commune, phone, email)
            representative, rep_phone, children = None, None, []
        if role == "representative" and representative is None:
            representative, rep_phone = (first, last), person_phone
        elif role == "child":
            children.append(first)
    if current is not None:
        close()
    order = sorted(range(len(hits)), key=keys.__getitem__)
    return [hits[i] for i in order]


def find_households(engine: Engine, query: str, *, limit: int = 50) -> list[HouseholdHit]:
    """search_households in its own read session (for the screens and the CLI)."""
    if not query_words(query):
        return []
    with read_session(engine) as session:
        return search_households(session, query, limit=limit)
