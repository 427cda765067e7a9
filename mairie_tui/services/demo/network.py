"""The activities of the served communes: canteens, périscolaire, ALSH, crèches, closures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from mairie_tui.models import (
    Activity,
    Closure,
    Unit,
)


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
    # The maternelle has its own canteen (Mons): its children do not eat at the élémentaire's.
    maternelle_canteen: bool = False


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
    # Mons: the seed's RS-MONS is its élémentaire's canteen; the maternelle has its own.
    ServedCommune("30173", "MONS", "Mons", maternelle_canteen=True),
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
    maternelle_canteen: int | None = None  # None: the maternelle eats at `canteen` too

    def canteen_for(self, maternelle: bool) -> int:
        """The canteen of a child of the maternelle (PS, MS, GS) or of the élémentaire."""
        if maternelle and self.maternelle_canteen is not None:
            return self.maternelle_canteen
        return self.canteen


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
    writer = _ActivityWriter(session, network, seed_activity_id)
    for served in SERVED_COMMUNES:
        alsh_ids = writer.alsh(served)
        network.groups[served.insee] = writer.school_groups(served, alsh_ids)
        if served.creche is not None:
            network.creche[served.insee] = writer.creche(served, *served.creche)
    _create_closures(session, network)
    return network


@dataclass
class _ActivityWriter:
    """Adds the activities of the served communes, in a fixed order (their ids follow it)."""

    session: Session
    network: Network
    seed_activity_id: int

    def add(
        self,
        code: str,
        name: str,
        kind: str,
        site: str,
        insee: str,
        units: Sequence[tuple[str, str, int | None]],
        **rule: Any,
    ) -> int:
        session = self.session
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
        self.network.activities[activity.id] = ActivityRef(
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

    def alsh(self, served: ServedCommune) -> list[int]:
        alsh_ids: list[int] = []
        for suffix, centre in served.alsh:
            place = f"{served.short} {centre}".strip()
            alsh_ids.append(
                self.add(
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
        return alsh_ids

    def school_groups(self, served: ServedCommune, alsh_ids: list[int]) -> tuple[SchoolGroup, ...]:
        """Each school's canteen and périscolaire, and the ALSH its children go to."""
        groups: list[SchoolGroup] = []
        for index, (suffix, school) in enumerate(served.schools or (("", ""),)):
            place = f"{served.short} {school}".strip()
            code_tail = "-".join(filter(None, (served.code, suffix)))
            if served.code == "MONS":
                canteen_id = self.seed_activity_id
            else:
                canteen_id = self.add(
                    f"RS-{code_tail}",
                    f"Restauration scolaire {place}",
                    "canteen",
                    f"Restaurant scolaire {place}",
                    served.insee,
                    [("Repas", MEAL_DAYS, None)],
                )
            periscolaire_id = None
            if served.periscolaire:
                periscolaire_id = self.add(
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
            maternelle_id = None
            if served.maternelle_canteen:
                # Added last, after the périscolaire: the ids of the other activities stay.
                maternelle_id = self.add(
                    f"RS-{code_tail}-MAT",
                    f"Restauration scolaire {place} maternelle",
                    "canteen",
                    f"Restaurant scolaire {place} Maternelle",
                    served.insee,
                    [("Repas", MEAL_DAYS, None)],
                )
            groups.append(SchoolGroup(school, canteen_id, periscolaire_id, alsh_id, maternelle_id))
        return tuple(groups)

    def creche(self, served: ServedCommune, suffix: str, name: str, capacity: int) -> int:
        return self.add(
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
