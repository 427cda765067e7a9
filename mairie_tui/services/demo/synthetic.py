"""The synthetic households, their members and enrolments (bookings: demo.bookings)."""

from __future__ import annotations

import random
from bisect import bisect
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from mairie_tui.domain import fr
from mairie_tui.models import (
    Enrolment,
    Household,
    Person,
)
from mairie_tui.services.demo.bookings import (
    BookedEnrolment,
    BookingWriter,
    insert_rows,
    next_id,
)
from mairie_tui.services.demo.network import Network, SchoolGroup
from mairie_tui.services.demo.reference import Commune, load_communes, load_names
from mairie_tui.services.demo.seed import (
    BOOKED_HOUSEHOLDS,
    CHUNK_HOUSEHOLDS,
    CRECHE_YEAR,
    DEMO_TIME,
    HOUSEHOLD_SEED,
    SCHOOL_YEAR,
    Progress,
)

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
    """A name as an e-mail address writes it: « D'Artagnan » → `dartagnan`."""
    return "".join(ch for ch in fr.fold(text_value) if ch.isascii() and (ch.isalnum() or ch == "-"))


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
class _Parents:
    last_name: str  # the representative's
    child_last: str
    phone: str  # the representative's, often the household's too
    email: str
    position: int  # of the last parent among the members


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
        self.booked: list[BookedEnrolment] = []
        self.household_id = self._next_id(Household)
        self.person_id = self._next_id(Person)
        self.enrolment_id = self._next_id(Enrolment)

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
        return next_id(self.session, model)

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
        BookingWriter(self.session, self.network, self.progress).write(self.booked)
        if self.household_id > first_id:
            self._advance_sequences()

    def _insert(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        insert_rows(self.session, model, rows)

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
        # Every random draw happens in a fixed order: the demo set depends on it.
        rng = self.rng
        showcase = SHOWCASE[index] if index < len(SHOWCASE) else None
        commune, n_children = self._commune_and_size(showcase)
        household_id = self.household_id
        self.household_id += 1
        births = sorted(
            date.fromordinal(rng.randint(*CHILD_BIRTH_RANGE)) for _ in range(n_children)
        )
        oldest_year = births[0].year if births else rng.randint(1995, 2015)
        parents = self._parents(household_id, showcase, oldest_year, persons)
        position = parents.position
        served = self.network.groups.get(commune.insee)
        group = served[rng.randrange(len(served))] if served else None
        for birth in births:
            position += 1
            child_id = self.person_id
            girl = rng.random() < 0.49
            first = rng.choice(self.names.female_child if girl else self.names.male_child)
            school, school_class = self._schooling(birth, commune, group)
            persons.append(
                self._person(
                    household_id,
                    "child",
                    None,
                    first,
                    parents.child_last,
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
            persons.append(self._authorised(household_id, parents.last_name, position))
        households.append(self._household_row(household_id, commune, parents))

    def _commune_and_size(self, showcase: tuple[str, ...] | None) -> tuple[Commune, int]:
        """The household's commune (by population) and number of children."""
        rng = self.rng
        if showcase is not None:
            commune = next(c for c in self.communes if c.insee == showcase[0])
            return commune, 2 + rng.randrange(2)
        commune = self.communes[
            bisect(self.commune_weights, rng.random() * self.commune_weights[-1])
        ]
        return commune, bisect(self.children_weights, rng.randrange(self.children_weights[-1]))

    def _parents(
        self,
        household_id: int,
        showcase: tuple[str, ...] | None,
        oldest_year: int,
        persons: list[dict[str, Any]],
    ) -> _Parents:
        """The representative, and in most households a co-representative."""
        rng = self.rng
        names = self.names
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
                0,
            )
        )
        parents = _Parents(last_name, last_name, rep_phone, rep_email, 0)
        if showcase or rng.random() < 0.6:
            parents.position = 1
            parents.child_last = self._co_representative(
                household_id, showcase, rep_female, last_name, rep_birth.year, persons
            )
        return parents

    def _co_representative(
        self,
        household_id: int,
        showcase: tuple[str, ...] | None,
        rep_female: bool,
        last_name: str,
        rep_birth_year: int,
        persons: list[dict[str, Any]],
    ) -> str:
        """Add the co-representative; returns the children's last name (sometimes double)."""
        rng = self.rng
        names = self.names
        child_last = last_name
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
            child_last = f"{last_name}-{co_last}" if len(last_name + co_last) < 40 else last_name
        persons.append(
            self._person(
                household_id,
                "co_representative",
                "Mme" if co_female else "M.",
                co_first,
                co_last,
                self._birth(rep_birth_year + rng.randint(-4, 4)),
                self._mobile(),
                self._email(co_first, co_last) if rng.random() < 0.5 else None,
                1,
            )
        )
        return child_last

    def _authorised(self, household_id: int, last_name: str, position: int) -> dict[str, Any]:
        """A grandparent allowed to fetch the children."""
        rng = self.rng
        names = self.names
        female = rng.random() < 0.6
        first = rng.choice(names.female_senior if female else names.male_senior)
        return self._person(
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

    def _household_row(
        self, household_id: int, commune: Commune, parents: _Parents
    ) -> dict[str, Any]:
        rng = self.rng
        qf: int | None = None
        qf_until: date | None = None
        if rng.random() < 0.9:
            qf = max(120, min(3200, int(rng.gauss(900, 420))))
            draw = rng.random()
            qf_until = (
                date(2019, 12, 31) if draw < 0.1 else date(2020 if draw < 0.55 else 2021, 12, 31)
            )
        number = rng.randint(1, 140)
        return {
            "id": household_id,
            "dossier": f"F-{household_id:06d}",
            "address": f"{number}{' bis' if rng.random() < 0.04 else ''} {rng.choice(self.names.street)}",
            "postcode": commune.postcode,
            "commune_insee": commune.insee,
            "commune_name": commune.name,
            "phone": parents.phone if rng.random() < 0.7 else self._landline(),
            "email": parents.email,
            "quotient_familial": qf,
            "qf_valid_until": qf_until,
            "qf_document_id": None,
            "external_id": None,
            "version": 1,
            "created_at": DEMO_TIME,
            "updated_at": DEMO_TIME,
        }

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
                chosen.append((group.canteen_for(maternelle=age <= 5), "active"))
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
                self.booked.append(BookedEnrolment(enrolment_id, activity_id, kind))
