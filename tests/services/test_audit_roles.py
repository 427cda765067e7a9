"""The README's database role for desks on PostgreSQL (issue 11), run as written: the desks
read and write the application's tables, only read and append the audit journal, and
cannot touch the schema (so neither the append-only trigger)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mairie_tui.services.demo import build_demo

README = Path(__file__).resolve().parents[2] / "README.md"


def desk_grants() -> str:
    """The second SQL block of the README's section on the desks' role."""
    section = README.read_text(encoding="utf-8").split("### Journal d'audit", 1)[1]
    blocks = re.findall(r"```sql\n(.*?)```", section.split("\n## ", 1)[0], flags=re.S)
    assert len(blocks) == 2, "la section du README doit garder ses deux blocs SQL"
    return blocks[1]


@pytest.fixture
def roles(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("rôles : PostgreSQL seulement")
    build_demo(engine, households=2)
    suffix = uuid.uuid4().hex[:8]
    owner, desk = f"mairie_owner_{suffix}", f"mairie_guichet_{suffix}"
    sql = desk_grants().replace("mairie_owner", owner).replace("mairie_guichet", desk)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {owner} NOLOGIN"))
        conn.execute(text(f"CREATE ROLE {desk} NOLOGIN"))
        conn.exec_driver_sql(sql)
    yield desk
    with engine.begin() as conn:
        for role in (desk, owner):
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def as_desk(engine, desk: str, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {desk}"))
        conn.execute(text(statement), {"at": datetime(2020, 9, 15, tzinfo=UTC)})


def test_the_desk_role_writes_data_and_appends_to_the_journal(engine, roles):
    as_desk(engine, roles, "UPDATE household SET phone = '04 66 00 00 00'")
    as_desk(
        engine,
        roles,
        "INSERT INTO auditevent (at, action, entity, details) VALUES (:at, 'x.y', 'x', '{}')",
    )
    as_desk(engine, roles, "SELECT count(*) FROM auditevent")


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE auditevent SET details = '{}'", "permission denied for table auditevent"),
        ("DELETE FROM auditevent", "permission denied for table auditevent"),
        ("TRUNCATE auditevent", "permission denied for table auditevent"),
        ("DROP TRIGGER auditevent_no_change ON auditevent", "must be owner of"),
        ("ALTER TABLE auditevent DISABLE TRIGGER ALL", "must be owner of"),
        ("CREATE TABLE intrus (id int)", "permission denied for schema public"),
        ("UPDATE alembic_version SET version_num = '0001'", "permission denied for table"),
    ],
)
def test_the_desk_role_cannot_rewrite_the_journal_or_the_schema(engine, roles, statement, refusal):
    with pytest.raises(DBAPIError, match=refusal):
        as_desk(engine, roles, statement)
