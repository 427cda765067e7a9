from sqlalchemy import inspect

from mairie_tui.db import current_revision, head_revision, read_session
from mairie_tui.services.demo import build_demo, seed_ids


def test_schema_is_at_head_and_seed_loads(engine):
    assert current_revision(engine) == head_revision()
    names = set(inspect(engine).get_table_names())
    assert {"household", "booking", "outboxemail", "auditevent"} <= names
    build_demo(engine, households=0)
    with read_session(engine) as session:
        ids = seed_ids(session)
    assert ids.enrolment_id > 0
