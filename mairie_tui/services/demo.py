"""The deterministic demo database: the portal's FAMILLE TEST and synthetic families.

build_demo() expects a freshly migrated, empty database and fills it in one
transaction:

1. the three demo agents (``guichet``, ``superviseur``, ``cantine``; the
   password is the login) and the seed household FAMILLE TEST exactly as the
   families' portal tutorial shows it, with its canteen RS-MONS;
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
5. the household search index, rebuilt in bulk by services.search.

Everything derives from fixed random seeds and DEMO_TIME: two builds of the
same size are identical, and the first households of a large build are those
of a small one. The synthetic part is written with bulk Core inserts and
explicit ids, in chunks, so 200 000 households fit in memory and in time.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, func, insert, text
from sqlmodel import Session, select

from mairie_tui.db import unit_of_work
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import (
    Activity,
    Agent,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.services.agents import hash_password
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.search import rebuild_index

# Fixed creation time: the demo set must be the same at every build.
DEMO_TIME = datetime(2020, 8, 27, 10, 30, tzinfo=UTC)
# When the "pending" bookings were asked for (the evening before the seed's day).
PENDING_TIME = datetime(2020, 9, 14, 18, 45, tzinfo=UTC)
SCHOOL_YEAR = (date(2020, 9, 1), date(2021, 7, 6))
# Crèches run through the school holidays (public holidays only close them) until July's end.
CRECHE_YEAR = (date(2020, 9, 1), date(2021, 7, 30))
PENDING_WINDOW = (date(2020, 9, 28), date(2020, 10, 9))
DEMO_AGENTS = (
    ("guichet", "Camille Martin", "agent"),
    ("superviseur", "Dominique Roux", "supervisor"),
    ("cantine", "Sandrine Vidal", "staff"),
)
HOUSEHOLD_SEED = 20200901
BOOKING_SEED = 20210706
# Bookings are written for the enrolments of this many synthetic households only.
BOOKED_HOUSEHOLDS = 2_000
CHUNK_HOUSEHOLDS = 2_000
BOOKING_BATCH = 20_000

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SeedIds:
    household_id: int
    child_id: int
    activity_id: int
    unit_id: int
    enrolment_id: int


def create_agents(session: Session) -> None:
    for login, name, role in DEMO_AGENTS:
        session.add(Agent(login=login, name=name, role=role, password_hash=hash_password(login)))


def create_seed(session: Session) -> SeedIds:
    """FAMILLE TEST exactly as the families' portal tutorial shows it."""
    canteen = Activity(
        code="RS-MONS",
        name="Restauration scolaire Mons",
        kind="canteen",
        site="Restaurant scolaire Mons Elementaire",
        commune_insee="30173",
    )
    session.add(canteen)
    session.flush()
    assert canteen.id is not None
    meal = Unit(activity_id=canteen.id, name="Repas", weekdays="0,1,3,4")
    household = Household(
        dossier="F-000001",
        address="2 place de la Mairie",
        postcode="30340",
        commune_insee="30173",
        commune_name="Mons",
        phone="04 66 83 10 74",
        email="mairiedemons0517@orange.fr",
        quotient_familial=880,
        qf_valid_until=date(2021, 8, 31),
        created_at=DEMO_TIME,
        updated_at=DEMO_TIME,
    )
    session.add_all([meal, household])
    session.flush()
    assert household.id is not None and meal.id is not None
    representative = Person(
        household_id=household.id,
        role="representative",
        civility="Mme",
        first_name="Test 1",
        last_name="FAMILLE TEST",
        phone="04 66 83 10 74",
        email="mairiedemons0517@orange.fr",
    )
    co_representative = Person(
        household_id=household.id,
        role="co_representative",
        civility="M.",
        first_name="Test 2",
        last_name="FAMILLE TEST",
        position=1,
    )
    child = Person(
        household_id=household.id,
        role="child",
        first_name="Jeannot",
        last_name="FAMILLE TEST",
        birth_date=date(2013, 5, 14),
        school="École élémentaire de Mons",
        school_class="CE2",
        position=2,
    )
    session.add_all([representative, co_representative, child])
    session.flush()
    assert child.id is not None
    enrolment = Enrolment(
        person_id=child.id,
        activity_id=canteen.id,
        start_date=SCHOOL_YEAR[0],
        end_date=SCHOOL_YEAR[1],
        status="active",
    )
    session.add(enrolment)
    session.flush()
    assert enrolment.id is not None
    return SeedIds(household.id, child.id, canteen.id, meal.id, enrolment.id)


def seed_ids(session: Session) -> SeedIds:
    """Find the seed's ids in a demo database."""
    household = session.exec(select(Household).where(Household.dossier == "F-000001")).one()
    child = session.exec(
        select(Person).where(Person.household_id == household.id, Person.first_name == "Jeannot")
    ).one()
    enrolment = session.exec(select(Enrolment).where(Enrolment.person_id == child.id)).first()
    assert enrolment is not None
    unit = session.exec(select(Unit).where(Unit.activity_id == enrolment.activity_id)).first()
    assert household.id and child.id and unit is not None and unit.id and enrolment.id
    return SeedIds(household.id, child.id, enrolment.activity_id, unit.id, enrolment.id)


def build_demo(
    engine: Engine, *, households: int = 200, progress: Progress | None = None
) -> SeedIds:
    """Fill an empty, migrated database with the demo set (see the module docstring).

    `progress(step, done, total)` is called as the build goes, for a progress bar.
    """
    if households < 0:
        raise ServiceError("Le nombre de foyers ne peut pas être négatif.", field="households")
    report: Progress = progress or _no_progress
    with unit_of_work(engine) as session:
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
        _Synthetic(session, network, report).write(households)
        report("Index de recherche", 0, 1)
        rebuild_index(session)
        report("Index de recherche", 1, 1)
        return seed


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None


# ------------------------------------------------------------ reference data


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postcode: str
    population: int


@cache
def load_communes() -> tuple[Commune, ...]:
    """The communes of Alès Agglomération (INSEE code, name, postcode, population)."""
    communes: list[Commune] = []
    lines = (DATA_DIR / "communes.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        name, insee, postcodes, population = line.split("\t")
        communes.append(Commune(insee, name, postcodes.split(",")[0].strip(), int(population)))
    return tuple(communes)


@dataclass(frozen=True)
class Names:
    female_adult: tuple[str, ...]
    female_senior: tuple[str, ...]
    female_child: tuple[str, ...]
    male_adult: tuple[str, ...]
    male_senior: tuple[str, ...]
    male_child: tuple[str, ...]
    last: tuple[str, ...]
    street: tuple[str, ...]


@cache
def load_names() -> Names:
    """First names (adults, grandparents, children), last names and streets."""
    lists: dict[str, list[str]] = defaultdict(list)
    lines = (DATA_DIR / "demo_names.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if line.strip():
            kind, value = line.split("\t")
            lists[kind].append(value)
    return Names(**{name: tuple(values) for name, values in lists.items()})


# ------------------------------------------------------------ activities


@dataclass(frozen=True)
class ServedCommune:
    """A commune whose school services are booked at Mairie Prim'."""

    insee: str
    code: str
    short: str  # as the sites are named: "Saint-Christol"
    schools: tuple[tuple[str, str], ...] = ()  # (code suffix, school name); () = one school
    alsh: tuple[tuple[str, str], ...] = ()  # (code suffix, centre name); ("", "") = the commune's
    creche: tuple[str, str, int] | None = None  # (code suffix, name, capacity)
    periscolaire: bool = True


SERVED_COMMUNES = (
    ServedCommune(
        "30007",
        "ALES",
        "Alès",
        schools=(
            ("JMACE", "Jean Macé"),
            ("FLORIAN", "Florian"),
            ("JFERRY", "Jules Ferry"),
            ("LANGEVIN", "Paul Langevin"),
            ("PASTEUR", "Louis Pasteur"),
        ),
        alsh=(("CLAVIERES", "Clavières"), ("PSJ", "Les Prés-Saint-Jean")),
        creche=("PLOUPS", "Les Petits Loups", 12),
    ),
    ServedCommune(
        "30243",
        "STCHRISTOL",
        "Saint-Christol",
        alsh=(("", ""),),
        creche=("LUCIOLES", "Les Lucioles", 15),
    ),
    ServedCommune("30294", "STPRIVAT", "Saint-Privat-des-Vieux", alsh=(("", ""),)),
    ServedCommune(
        "30132",
        "GRANDCOMBE",
        "La Grand-Combe",
        alsh=(("", ""),),
        creche=("GALOPINS", "Les Galopins", 10),
    ),
    ServedCommune("30284", "STMARTIN", "Saint-Martin-de-Valgalgues"),
    ServedCommune("30259", "STHILAIRE", "Saint-Hilaire-de-Brethmas", alsh=(("", ""),)),
    ServedCommune("30223", "ROUSSON", "Rousson"),
    ServedCommune("30305", "SALINDRES", "Salindres", alsh=(("", ""),)),
    ServedCommune("30010", "ANDUZE", "Anduze", alsh=(("", ""),)),
    # Mons: the seed's RS-MONS is its canteen.
    ServedCommune("30173", "MONS", "Mons"),
)

MEAL_DAYS = "0,1,3,4"
WEEKDAYS_ONLY = "0,1,2,3,4"


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    weekdays: tuple[int, ...]
    capacity: int | None


@dataclass(frozen=True)
class ActivityRef:
    id: int
    code: str
    kind: str
    units: tuple[UnitRef, ...]


@dataclass(frozen=True)
class SchoolGroup:
    """The services a child of one school can be enrolled in."""

    school: str  # "Jean Macé" or "" (the commune's school)
    canteen: int
    periscolaire: int | None
    alsh: int | None


@dataclass
class Network:
    """The activities of the served communes, by INSEE code."""

    activities: dict[int, ActivityRef] = field(default_factory=dict)
    groups: dict[str, tuple[SchoolGroup, ...]] = field(default_factory=dict)
    creche: dict[str, int] = field(default_factory=dict)
    closures: dict[int, set[date]] = field(default_factory=lambda: defaultdict(set))


def create_activities(session: Session, seed_activity_id: int) -> Network:
    """Activities, units and closures of the served communes (RS-MONS is the seed's)."""
    network = Network()
    seed_unit = session.exec(select(Unit).where(Unit.activity_id == seed_activity_id)).one()
    assert seed_unit.id is not None
    network.activities[seed_activity_id] = ActivityRef(
        seed_activity_id,
        "RS-MONS",
        "canteen",
        (UnitRef(seed_unit.id, seed_unit.name, (0, 1, 3, 4), None),),
    )

    def add(
        code: str,
        name: str,
        kind: str,
        site: str,
        insee: str,
        units: Sequence[tuple[str, str, int | None]],
        **rule: Any,
    ) -> int:
        activity = Activity(code=code, name=name, kind=kind, site=site, commune_insee=insee, **rule)
        session.add(activity)
        session.flush()
        assert activity.id is not None
        rows = [
            Unit(activity_id=activity.id, name=unit, weekdays=days, capacity=capacity, position=i)
            for i, (unit, days, capacity) in enumerate(units)
        ]
        session.add_all(rows)
        session.flush()
        network.activities[activity.id] = ActivityRef(
            activity.id,
            code,
            kind,
            tuple(
                UnitRef(
                    row.id or 0,
                    row.name,
                    tuple(int(d) for d in row.weekdays.split(",")),
                    row.capacity,
                )
                for row in rows
            ),
        )
        return activity.id

    for served in SERVED_COMMUNES:
        alsh_ids: list[int] = []
        for suffix, centre in served.alsh:
            place = f"{served.short} {centre}".strip()
            alsh_ids.append(
                add(
                    "-".join(filter(None, ("ALSH", served.code, suffix))),
                    f"ALSH mercredi {place}",
                    "alsh",
                    f"Centre de loisirs {place}",
                    served.insee,
                    [("Journée", "2", None), ("Demi-journée", "2", None)],
                    min_age_months=36,
                    max_age_months=144,
                )
            )
        groups: list[SchoolGroup] = []
        for index, (suffix, school) in enumerate(served.schools or (("", ""),)):
            place = f"{served.short} {school}".strip()
            code_tail = "-".join(filter(None, (served.code, suffix)))
            if served.code == "MONS":
                canteen_id = seed_activity_id
            else:
                canteen_id = add(
                    f"RS-{code_tail}",
                    f"Restauration scolaire {place}",
                    "canteen",
                    f"Restaurant scolaire {place}",
                    served.insee,
                    [("Repas", MEAL_DAYS, None)],
                )
            periscolaire_id = None
            if served.periscolaire:
                periscolaire_id = add(
                    f"PERI-{code_tail}",
                    f"Périscolaire {place}",
                    "periscolaire",
                    f"Accueil périscolaire {place}",
                    served.insee,
                    [("Matin", MEAL_DAYS, None), ("Soir", MEAL_DAYS, None)],
                )
            alsh_id = None
            if alsh_ids:
                alsh_id = alsh_ids[index * len(alsh_ids) // max(1, len(served.schools))]
            groups.append(SchoolGroup(school, canteen_id, periscolaire_id, alsh_id))
        network.groups[served.insee] = tuple(groups)
        if served.creche is not None:
            suffix, name, capacity = served.creche
            network.creche[served.insee] = add(
                f"CRECHE-{served.code}-{suffix}",
                f"Crèche {name}",
                "creche",
                f"Crèche {name} {served.short}",
                served.insee,
                [("Journée", WEEKDAYS_ONLY, capacity)],
                deadline_kind="working_days",
                deadline_days=2,
                min_age_months=3,
                max_age_months=36,
            )
    _create_closures(session, network)
    return network


def _create_closures(session: Session, network: Network) -> None:
    by_code = {ref.code: ref.id for ref in network.activities.values()}
    closures: list[tuple[str, date, str]] = [
        ("RS-ALES-JMACE", date(2021, 1, 26), "Grève du personnel de restauration"),
        ("PERI-ALES-JMACE", date(2021, 1, 26), "Grève du personnel d'animation"),
        ("RS-STPRIVAT", date(2020, 11, 10), "Grève du personnel de restauration"),
        ("ALSH-STCHRISTOL", date(2021, 5, 12), "Pont de l'Ascension (fermeture communale)"),
        ("CRECHE-ALES-PLOUPS", date(2020, 10, 2), "Journée pédagogique de l'équipe"),
    ]
    covid = [code for code in by_code if code.startswith(("RS-ALES", "PERI-ALES", "ALSH-ALES"))]
    covid += ["RS-SALINDRES", "PERI-SALINDRES", "RS-ANDUZE", "PERI-ANDUZE", "ALSH-ANDUZE"]
    for code in covid:
        for offset in range(4):
            closures.append(
                (code, date(2021, 4, 6) + timedelta(days=offset), "Fermeture COVID-19 des écoles")
            )
    for code, day, reason in closures:
        activity_id = by_code[code]
        # RS-MONS keeps the calendar the seed scenario's tests count on.
        assert code != "RS-MONS"
        session.add(Closure(activity_id=activity_id, day=day, reason=reason))
        network.closures[activity_id].add(day)
    session.flush()


# ------------------------------------------------------------ synthetic households

PRIMARY_CLASSES = ("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2")
SECONDARY_CLASSES = ("6e", "5e", "4e", "3e", "2de", "1re", "Tle")
COLLEGES = ("Collège Jean Moulin", "Collège Racine", "Collège Diderot", "Collège Daudet")
LYCEES = ("Lycée Jean-Baptiste Dumas", "Lycée Jacques Prévert", "Lycée Bellevue")
MAIL_DOMAINS = (
    "orange.fr",
    "gmail.com",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "wanadoo.fr",
    "hotmail.fr",
)
CHILDREN_WEIGHTS = (8, 35, 37, 15, 5)  # 0 to 4 children, percent
CHILD_BIRTH_RANGE = (date(2003, 1, 1).toordinal(), date(2020, 8, 15).toordinal())
CRECHE_BIRTH_RANGE = (date(2018, 1, 1), date(2020, 6, 1))
CRECHE_ACTIVE_PER_PLACE = 1.5
CRECHE_WAITING_PER_PLACE = 4
# Showcase households at the head of the list (search tests look for "Guérin").
SHOWCASE = (
    ("30007", "Guérin", "Hélène", "Jérôme"),
    ("30243", "D'Artagnan", "Béatrice", "Frédéric"),
)


def _ascii(text_value: str) -> str:
    plain = unicodedata.normalize("NFKD", text_value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch == "-")


def _of(name: str) -> str:
    """'de Salindres', "d'Anduze", 'du Martinet', 'des Mages'."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[0] in "AEIOUYÉÈ":
        return "d'" + name
    return "de " + name


@dataclass
class _BookedEnrolment:
    id: int
    activity_id: int
    kind: str


class _Synthetic:
    """Writes the synthetic households, their members, enrolments and bookings."""

    def __init__(self, session: Session, network: Network, progress: Progress) -> None:
        self.session = session
        self.network = network
        self.progress = progress
        self.names = load_names()
        self.communes = load_communes()
        self.commune_weights = list(accumulate(c.population for c in self.communes))
        self.children_weights = list(accumulate(CHILDREN_WEIGHTS))
        self.rng = random.Random(HOUSEHOLD_SEED)
        self.ascii = {name: _ascii(name) for name in self._all_names()}
        self.creche_asked: dict[int, int] = defaultdict(int)
        self.booked: list[_BookedEnrolment] = []
        self.household_id = self._next_id(Household)
        self.person_id = self._next_id(Person)
        self.enrolment_id = self._next_id(Enrolment)
        self.booking_id = self._next_id(Booking)

    def _all_names(self) -> Iterator[str]:
        names = self.names
        for group in (
            names.female_adult,
            names.female_senior,
            names.female_child,
            names.male_adult,
            names.male_senior,
            names.male_child,
            names.last,
        ):
            yield from group

    def _next_id(self, model: type[Any]) -> int:
        current = self.session.execute(select(func.max(model.id))).scalar()
        return int(current or 0) + 1

    # -------------------------------------------------------------- write

    def write(self, households: int) -> None:
        self.progress("Foyers", 0, households)
        first_id = self.household_id
        for start in range(0, households, CHUNK_HOUSEHOLDS):
            count = min(CHUNK_HOUSEHOLDS, households - start)
            household_rows: list[dict[str, Any]] = []
            person_rows: list[dict[str, Any]] = []
            enrolment_rows: list[dict[str, Any]] = []
            for index in range(start, start + count):
                self._household(index, household_rows, person_rows, enrolment_rows)
            self._insert(Household, household_rows)
            self._insert(Person, person_rows)
            self._insert(Enrolment, enrolment_rows)
            self.progress("Foyers", start + count, households)
        self._write_bookings()
        if self.household_id > first_id:
            self._advance_sequences()

    def _insert(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(cast(Table, model.__table__)), rows)

    def _advance_sequences(self) -> None:
        # Explicit ids do not move PostgreSQL's serial sequences: without this the
        # next household created at the counter would collide with the demo's.
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for table in ("household", "person", "enrolment", "booking"):
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )

    # -------------------------------------------------------------- one household

    def _household(
        self,
        index: int,
        households: list[dict[str, Any]],
        persons: list[dict[str, Any]],
        enrolments: list[dict[str, Any]],
    ) -> None:
        rng = self.rng
        names = self.names
        showcase = SHOWCASE[index] if index < len(SHOWCASE) else None
        if showcase is not None:
            commune = next(c for c in self.communes if c.insee == showcase[0])
            n_children = 2 + rng.randrange(2)
        else:
            commune = self.communes[
                bisect(self.commune_weights, rng.random() * self.commune_weights[-1])
            ]
            n_children = bisect(self.children_weights, rng.randrange(self.children_weights[-1]))
        household_id = self.household_id
        self.household_id += 1

        births = sorted(
            date.fromordinal(rng.randint(*CHILD_BIRTH_RANGE)) for _ in range(n_children)
        )
        oldest_year = births[0].year if births else rng.randint(1995, 2015)
        rep_female = rng.random() < 0.65
        last_name = showcase[1] if showcase else rng.choice(names.last)
        rep_first = (
            showcase[2]
            if showcase
            else rng.choice(names.female_adult if rep_female else names.male_adult)
        )
        if showcase:
            rep_female = True
        rep_birth = self._birth(oldest_year - rng.randint(22, 40))
        rep_phone = self._mobile()
        rep_email = self._email(rep_first, last_name)
        position = 0
        persons.append(
            self._person(
                household_id,
                "representative",
                "Mme" if rep_female else "M.",
                rep_first,
                last_name,
                rep_birth,
                rep_phone,
                rep_email,
                position,
            )
        )
        child_last = last_name
        if showcase or rng.random() < 0.6:
            position += 1
            co_female = not rep_female if rng.random() < 0.95 else rep_female
            co_first = (
                showcase[3]
                if showcase
                else rng.choice(names.female_adult if co_female else names.male_adult)
            )
            if showcase:
                co_female = False
            co_last = last_name if showcase or rng.random() < 0.6 else rng.choice(names.last)
            if co_last != last_name and rng.random() < 0.3:
                child_last = (
                    f"{last_name}-{co_last}" if len(last_name + co_last) < 40 else last_name
                )
            persons.append(
                self._person(
                    household_id,
                    "co_representative",
                    "Mme" if co_female else "M.",
                    co_first,
                    co_last,
                    self._birth(rep_birth.year + rng.randint(-4, 4)),
                    self._mobile(),
                    self._email(co_first, co_last) if rng.random() < 0.5 else None,
                    position,
                )
            )
        served = self.network.groups.get(commune.insee)
        group = served[rng.randrange(len(served))] if served else None
        for birth in births:
            position += 1
            child_id = self.person_id
            girl = rng.random() < 0.49
            first = rng.choice(names.female_child if girl else names.male_child)
            school, school_class = self._schooling(birth, commune, group)
            persons.append(
                self._person(
                    household_id,
                    "child",
                    None,
                    first,
                    child_last,
                    birth,
                    None,
                    None,
                    position,
                    school,
                    school_class,
                )
            )
            self._enrol(child_id, birth, commune, group, enrolments, index)
        if rng.random() < 0.25:
            position += 1
            female = rng.random() < 0.6
            first = rng.choice(names.female_senior if female else names.male_senior)
            persons.append(
                self._person(
                    household_id,
                    "authorised",
                    "Mme" if female else "M.",
                    first,
                    last_name if rng.random() < 0.5 else rng.choice(names.last),
                    self._birth(rng.randint(1945, 1965)),
                    self._mobile(),
                    None,
                    position,
                )
            )
        qf: int | None = None
        qf_until: date | None = None
        if rng.random() < 0.9:
            qf = max(120, min(3200, int(rng.gauss(900, 420))))
            draw = rng.random()
            qf_until = (
                date(2019, 12, 31) if draw < 0.1 else date(2020 if draw < 0.55 else 2021, 12, 31)
            )
        number = rng.randint(1, 140)
        households.append(
            {
                "id": household_id,
                "dossier": f"F-{household_id:06d}",
                "address": f"{number}{' bis' if rng.random() < 0.04 else ''} {rng.choice(names.street)}",
                "postcode": commune.postcode,
                "commune_insee": commune.insee,
                "commune_name": commune.name,
                "phone": rep_phone if rng.random() < 0.7 else self._landline(),
                "email": rep_email,
                "quotient_familial": qf,
                "qf_valid_until": qf_until,
                "qf_document_id": None,
                "external_id": None,
                "version": 1,
                "created_at": DEMO_TIME,
                "updated_at": DEMO_TIME,
            }
        )

    def _person(
        self,
        household_id: int,
        role: str,
        civility: str | None,
        first_name: str,
        last_name: str,
        birth_date: date | None,
        phone: str | None,
        email: str | None,
        position: int,
        school: str | None = None,
        school_class: str | None = None,
    ) -> dict[str, Any]:
        person_id = self.person_id
        self.person_id += 1
        return {
            "id": person_id,
            "household_id": household_id,
            "role": role,
            "civility": civility,
            "first_name": first_name,
            "last_name": last_name,
            "birth_date": birth_date,
            "phone": phone,
            "email": email,
            "school": school,
            "school_class": school_class,
            "position": position,
        }

    def _birth(self, year: int) -> date:
        year = max(1945, min(year, 2001))
        return date(year, 1, 1) + timedelta(days=self.rng.randrange(365))

    def _mobile(self) -> str:
        digits = f"{self.rng.randrange(10**8):08d}"
        prefix = "06" if self.rng.random() < 0.7 else "07"
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"

    def _landline(self) -> str:
        digits = f"{self.rng.randrange(10**6):06d}"
        return f"04 66 {digits[:2]} {digits[2:4]} {digits[4:]}"

    def _email(self, first: str, last: str) -> str:
        rng = self.rng
        suffix = str(rng.randrange(10, 100)) if rng.random() < 0.3 else ""
        separator = "." if rng.random() < 0.8 else ""
        return (
            f"{self.ascii[first]}{separator}{self.ascii[last]}{suffix}@{rng.choice(MAIL_DOMAINS)}"
        )

    def _schooling(
        self, birth: date, commune: Commune, group: SchoolGroup | None
    ) -> tuple[str | None, str | None]:
        age = SCHOOL_YEAR[0].year - birth.year
        if age < 3:
            return None, None
        if age <= 10:
            level = "maternelle" if age <= 5 else "élémentaire"
            if group is not None and group.school:
                return f"École {level} {group.school}", PRIMARY_CLASSES[age - 3]
            return f"École {level} {_of(commune.name)}", PRIMARY_CLASSES[age - 3]
        if age <= 14:
            return self.rng.choice(COLLEGES), SECONDARY_CLASSES[age - 11]
        return self.rng.choice(LYCEES), SECONDARY_CLASSES[min(age - 11, 6)]

    def _enrol(
        self,
        child_id: int,
        birth: date,
        commune: Commune,
        group: SchoolGroup | None,
        rows: list[dict[str, Any]],
        household_index: int,
    ) -> None:
        rng = self.rng
        age = SCHOOL_YEAR[0].year - birth.year
        chosen: list[tuple[int, str]] = []
        if group is not None and 3 <= age <= 10:
            if rng.random() < 0.85:
                chosen.append((group.canteen, "active"))
            if group.periscolaire is not None and rng.random() < 0.35:
                chosen.append((group.periscolaire, "active"))
            if group.alsh is not None and rng.random() < 0.2:
                chosen.append((group.alsh, "active"))
        creche_id = self.network.creche.get(commune.insee)
        if (
            creche_id is not None
            and CRECHE_BIRTH_RANGE[0] <= birth <= CRECHE_BIRTH_RANGE[1]
            and rng.random() < 0.4
        ):
            capacity = self.network.activities[creche_id].units[0].capacity or 0
            # One and a half children per place (they come part-time, so some
            # days are full), a waiting list of four times the places
            # ("pending"); later babies go to a childminder instead.
            asked = self.creche_asked[creche_id]
            if asked < CRECHE_ACTIVE_PER_PLACE * capacity:
                chosen.append((creche_id, "active"))
            elif asked < (CRECHE_ACTIVE_PER_PLACE + CRECHE_WAITING_PER_PLACE) * capacity:
                chosen.append((creche_id, "pending"))
            self.creche_asked[creche_id] = asked + 1
        for activity_id, status in chosen:
            enrolment_id = self.enrolment_id
            self.enrolment_id += 1
            period = CRECHE_YEAR if activity_id == creche_id else SCHOOL_YEAR
            rows.append(
                {
                    "id": enrolment_id,
                    "person_id": child_id,
                    "activity_id": activity_id,
                    "start_date": period[0],
                    "end_date": period[1],
                    "status": status,
                    "version": 1,
                }
            )
            if status == "active" and household_index < BOOKED_HOUSEHOLDS:
                kind = self.network.activities[activity_id].kind
                self.booked.append(_BookedEnrolment(enrolment_id, activity_id, kind))

    # -------------------------------------------------------------- bookings

    def _write_bookings(self) -> None:
        total = len(self.booked)
        self.progress("Réservations", 0, total)
        rng = random.Random(BOOKING_SEED)
        open_days = self._open_days()
        taken: dict[tuple[int, date], int] = defaultdict(int)
        rows: list[dict[str, Any]] = []
        for done, enrolment in enumerate(self.booked, start=1):
            activity = self.network.activities[enrolment.activity_id]
            pending = rng.random() < 0.1
            for unit, weekdays in self._pattern(rng, activity):
                for weekday in weekdays:
                    for day in open_days[activity.id][weekday]:
                        if unit.capacity is not None:
                            if taken[unit.id, day] >= unit.capacity:
                                continue
                            taken[unit.id, day] += 1
                        in_window = PENDING_WINDOW[0] <= day <= PENDING_WINDOW[1]
                        rows.append(
                            {
                                "id": self.booking_id,
                                "enrolment_id": enrolment.id,
                                "day": day,
                                "unit_id": unit.id,
                                "status": "pending" if pending and in_window else "booked",
                                "forced_reason": None,
                                "request_id": None,
                                "agent_id": None,
                                "updated_at": PENDING_TIME if pending and in_window else DEMO_TIME,
                            }
                        )
                        self.booking_id += 1
            if len(rows) >= BOOKING_BATCH:
                self._insert(Booking, rows)
                rows = []
                self.progress("Réservations", done, total)
        self._insert(Booking, rows)
        self.progress("Réservations", total, total)

    def _pattern(
        self, rng: random.Random, activity: ActivityRef
    ) -> list[tuple[UnitRef, tuple[int, ...]]]:
        """The units and usual weekdays a child comes on."""
        if activity.kind == "canteen":
            unit = activity.units[0]
            keep = 4 if rng.random() < 0.65 else 3 if rng.random() < 0.6 else 2
            return [(unit, tuple(sorted(rng.sample(unit.weekdays, keep))))]
        if activity.kind == "periscolaire":
            morning, evening = activity.units
            result = []
            if rng.random() < 0.5:
                result.append(
                    (morning, tuple(sorted(rng.sample(morning.weekdays, rng.randint(2, 4)))))
                )
            if not result or rng.random() < 0.8:
                result.append(
                    (evening, tuple(sorted(rng.sample(evening.weekdays, rng.randint(2, 4)))))
                )
            return result
        if activity.kind == "alsh":
            day, half_day = activity.units
            return [(day if rng.random() < 0.6 else half_day, (2,))]
        unit = activity.units[0]
        return [(unit, tuple(sorted(rng.sample(unit.weekdays, rng.randint(2, 4)))))]

    def _open_days(self) -> dict[int, dict[int, list[date]]]:
        """Per activity and weekday, the days of its year with no holiday nor closure."""
        school_days = _weekdays_without_holidays(SCHOOL_YEAR, HolidayCalendar())
        # A crèche closes on public holidays only.
        creche_days = _weekdays_without_holidays(CRECHE_YEAR, HolidayCalendar(school=False))
        result: dict[int, dict[int, list[date]]] = {}
        for activity in self.network.activities.values():
            closed = self.network.closures.get(activity.id, set())
            by_weekday: dict[int, list[date]] = {weekday: [] for weekday in range(5)}
            for day in creche_days if activity.kind == "creche" else school_days:
                if day not in closed:
                    by_weekday[day.weekday()].append(day)
            result[activity.id] = by_weekday
        return result


def _weekdays_without_holidays(period: tuple[date, date], holidays: HolidayCalendar) -> list[date]:
    days: list[date] = []
    day = period[0]
    while day <= period[1]:
        if day.weekday() < 5 and not holidays.is_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    return days
