"""The deterministic demo database: the portal's FAMILLE TEST and synthetic families.

build_demo() expects a freshly migrated, empty database and fills it in one
transaction:

1. the three demo agents (``guichet``, ``superviseur``, ``cantine``; the
   password is the login; ``cantine``, school staff, is attached to the
   sites of every school's canteen and périscolaire) and the seed household FAMILLE TEST exactly as the
   families' portal tutorial shows it, with its canteen RS-MONS, and the news
   current on the demo's day (« Les réservations en ALSH sont ouvertes ! »);
2. the activities of ten communes of Alès Agglomération that have schools
   (Alès with five school groups): canteens, périscolaire, ALSH mercredi and
   three crèches with a capacity; a few Closure rows (a strike at an Alès
   canteen, the COVID school closure of 06-09/04/2021, a local pont). No
   closure, booking rule or capacity touches RS-MONS, and no closure is global,
   so the seed's calendar (141 bookable days) stays the one the tests pin;
3. ``households`` synthetic households (F-000002, F-000003, ...) spread over
   the 72 communes in proportion to their population (``data/communes.tsv``),
   with names from ``data/demo_names.tsv``. Children of primary-school age
   living in a served commune are enrolled in their school's canteen and
   sometimes périscolaire and ALSH; babies sometimes in their commune's
   crèche (active up to 1.5 children per place, as they come part-time,
   then "pending" for a waiting list of four times the places);
4. bookings: each child's usual weekdays over the school year, skipping
   holidays (public ones only for crèches, which stay open in the school
   holidays and until 30/07/2021), closures and full days. Bookings are written only for the
   enrolments of the first ``BOOKED_HOUSEHOLDS`` synthetic households: with
   200 000 households, a year of bookings for every child would be tens of
   millions of rows, far beyond what a demo needs; 2 000 households give a
   realistic load (canteen lists of dozens of children, full crèche days)
   and keep the build under a minute. One booked enrolment in ten has its
   days of 28/09-09/10/2020 "pending" (awaiting instruction);
5. the household search index, rebuilt in bulk by services.search;
6. FAMILLE AGENDA (dossier F-000000, services/demo/family.py): three children at
   Mons, each enrolled in RS-MONS and PERI-MONS for 2020–2021 with no booking,
   one of them in alternating custody — the family agenda's demo household
   (with any synthetic household, or when asked: `agenda_family=True`);
7. a month of menus (data/menus/demo-septembre-2020.csv) for every canteen and
   périscolaire site, peanuts in the dessert on mardi 15/09/2020, and a peanut
   allergy with a PAI for Jeannot FAMILLE TEST (services/demo/menus.py).

Everything derives from fixed random seeds and DEMO_TIME: two builds of the
same size are identical, and the first households of a large build are those
of a small one. The synthetic part is written with bulk Core inserts and
explicit ids, in chunks, so 200 000 households fit in memory and in time.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from mairie_tui.models import Activity, Agent, Household
from mairie_tui.services.demo.family import AGENDA_DOSSIER, AGENDA_NAME, create_agenda_family
from mairie_tui.services.demo.menus import add_demo_menus
from mairie_tui.services.demo.network import SERVED_COMMUNES, Network, create_activities
from mairie_tui.services.demo.reference import Commune, Names, load_communes, load_names
from mairie_tui.services.demo.seed import (
    BOOKED_HOUSEHOLDS,
    CRECHE_YEAR,
    DEMO_AGENTS,
    DEMO_TIME,
    PENDING_TIME,
    PENDING_WINDOW,
    SCHOOL_YEAR,
    Progress,
    SeedIds,
    attach_demo_staff,
    create_agents,
    create_demo_news,
    create_seed,
    seed_ids,
)
from mairie_tui.services.demo.synthetic import _Synthetic
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.regie.tariffs import add_tariffs, demo_tariffs
from mairie_tui.services.search import rebuild_index
from mairie_tui.services.uow import writing

__all__ = [
    "AGENDA_DOSSIER",
    "AGENDA_NAME",
    "BOOKED_HOUSEHOLDS",
    "CRECHE_YEAR",
    "DEMO_AGENTS",
    "DEMO_TIME",
    "PENDING_TIME",
    "PENDING_WINDOW",
    "SCHOOL_YEAR",
    "SERVED_COMMUNES",
    "Commune",
    "Names",
    "Network",
    "Progress",
    "SeedIds",
    "build_demo",
    "create_activities",
    "create_agenda_family",
    "create_agents",
    "create_demo_news",
    "create_seed",
    "load_communes",
    "load_names",
    "seed_ids",
]


def build_demo(
    engine: Engine,
    *,
    households: int = 200,
    progress: Progress | None = None,
    agenda_family: bool | None = None,
) -> SeedIds:
    """Fill an empty, migrated database with the demo set (see the module docstring).

    `progress(step, done, total)` is called as the build goes, for a progress bar.
    `agenda_family`: add FAMILLE AGENDA (step 6); by default with any synthetic
    household, so that a bare build (`households=0`) stays FAMILLE TEST alone, as
    the tests of one household count on.
    """
    if households < 0:
        raise ServiceError("Le nombre de foyers ne peut pas être négatif.", field="households")
    report: Progress = progress or _no_progress
    with writing(engine, "création de la démo") as session:
        if session.exec(select(Household.id).limit(1)).first() is not None:
            raise ServiceError("La base contient déjà des foyers : la démo demande une base vide.")
        if (
            session.exec(select(Agent.id).limit(1)).first() is not None
            or session.exec(select(Activity.id).limit(1)).first() is not None
        ):
            raise ServiceError(
                "La base contient déjà des agents ou des activités : la démo demande une base vide."
            )
        report("Agents et foyer FAMILLE TEST", 0, 1)
        create_agents(session)
        seed = create_seed(session)
        report("Agents et foyer FAMILLE TEST", 1, 1)
        network = create_activities(session, seed.activity_id)
        add_tariffs(session, demo_tariffs())
        attach_demo_staff(session)
        create_demo_news(session)
        add_demo_menus(session, seed.child_id, DEMO_TIME)
        _Synthetic(session, network, report).write(households)
        with_family = households > 0 if agenda_family is None else agenda_family
        if with_family:
            # After the synthetic households: their ids and dossiers stay those of older builds.
            create_agenda_family(session)
        report("Index de recherche", 0, 1)
        rebuild_index(session)
        report("Index de recherche", 1, 1)
        return seed


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None
