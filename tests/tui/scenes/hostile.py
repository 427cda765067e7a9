"""Text from people shown as text (issue 11): a household whose names look like markup.

`add_hostile_household` creates « Dupont [/] » and its child « [link=https://x]Cliquez[/link] »
through the services (as a counter agent would type them), then writes, as an import from an
older version could have, a terminal escape sequence and a right-to-left override straight
into the database. `hostile_demo` gives every person of a demo database such names. The scene
opens the Foyer of that household (screenshots/70-foyer-texte-hostile.svg); tests/tui and
tests/cli drive the rest.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text
from textual.pilot import Pilot

from mairie_tui.clock import Clock
from tests.tui.scenes import base

HOSTILE_NAME = "Dupont [/]"
HOSTILE_CHILD = "[link=https://x]Cliquez[/link]"
HOSTILE_STREET = "12 rue des [b]Lilas[/b]"
HOSTILE_SCHOOL = "École [@click=app.quit]Jules Ferry[/]"
# Written straight into the database (an older import): ESC sequences and an RTL override.
RAW_CO_FIRST = "Jean\x1b]0;pwned\x07\x1b[2J"
RAW_CO_LAST = "Martin \u202eecnarF"


def add_hostile_household(engine: Engine, clock: Clock) -> tuple[int, str]:
    """Create « Dupont [/] », enrol its child at the Mons canteen; (household id, dossier)."""
    from mairie_tui.domain.household_rules import HouseholdInput, PersonInput
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.enrolments import enrol_child
    from mairie_tui.services.household_edit import create_household

    data = HouseholdInput(
        representative=PersonInput(
            "representative",
            first_name="Claire",
            last_name=HOSTILE_NAME,
            civility="Mme",
            birth_date=date(1985, 3, 12),
            phone="06 12 34 56 78",
            email="claire.dupont@exemple.fr",
        ),
        address=HOSTILE_STREET,
        commune="Mons",
        postcode="30340",
        co_representatives=(PersonInput("co_representative", first_name="Jean"),),
        children=(
            PersonInput(
                "child",
                first_name=HOSTILE_CHILD,
                birth_date=date(2013, 6, 1),
                school=HOSTILE_SCHOOL,
                school_class="CE2 [i]",
            ),
        ),
    )
    saved = create_household(engine, data, actor=SYSTEM_ACTOR, clock=clock, allow_duplicates=True)
    with engine.begin() as conn:
        child_id = conn.execute(
            text("SELECT id FROM person WHERE household_id = :h AND role = 'child'"),
            {"h": saved.id},
        ).scalar_one()
        activity_id = conn.execute(
            text("SELECT id FROM activity WHERE code = 'RS-MONS'")
        ).scalar_one()
    enrol_child(
        engine,
        child_id=child_id,
        activity_id=activity_id,
        actor=SYSTEM_ACTOR,
        clock=clock,
        activate=True,
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE person SET first_name = :first, last_name = :last "
                "WHERE household_id = :h AND role = 'co_representative'"
            ),
            {"first": RAW_CO_FIRST, "last": RAW_CO_LAST, "h": saved.id},
        )
    _reindex(engine, saved.id)
    return saved.id, saved.dossier


def _reindex(engine: Engine, household_id: int | None = None) -> None:
    from mairie_tui.db import unit_of_work
    from mairie_tui.services.search import rebuild_index, reindex_household

    with unit_of_work(engine) as session:
        if household_id is None:
            rebuild_index(session)
        else:
            reindex_household(session, household_id)


async def scene_hostile_household(pilot: Pilot[None]) -> None:
    from mairie_tui.tui.app import MairieApp

    app = pilot.app
    assert isinstance(app, MairieApp)
    _household_id, dossier = add_hostile_household(app.engine, app.clock)
    await base.sign_in(pilot)
    await base.open_household(pilot, dossier)


SCENES = {"70-foyer-texte-hostile": scene_hostile_household}
