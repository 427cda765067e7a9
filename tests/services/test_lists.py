"""Listes: sites, the list of a day, pointage and its locks, headcounts against SQL counts.

`build_world` writes a small two-site world with the ORM; the offline and CLI
tests reuse it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from mairie_tui.db import make_engine, unit_of_work
from mairie_tui.models import (
    Absence,
    Activity,
    Agent,
    AgentSite,
    AuditEvent,
    Booking,
    Document,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.models.attendance import Attendance
from mairie_tui.services.bookings import open_booking, validate_booking
from mairie_tui.services.common import Actor, require_counter_agent
from mairie_tui.services.errors import NotFoundError, PermissionDenied, RuleViolation, ServiceError
from mairie_tui.services.lists import (
    close_day,
    day_list,
    headcounts,
    list_sites,
    mark_attendance,
)
from tests.helpers import DESK, clock_at

T0 = datetime(2020, 9, 1, 8, 0, tzinfo=UTC)
SITE_A = "Restaurant scolaire Mons Elementaire"
SITE_B = "Restaurant scolaire Alès Jean Macé"
MONDAY = date(2020, 9, 21)
TUESDAY = date(2020, 9, 22)
WEDNESDAY = date(2020, 9, 23)
THURSDAY = date(2020, 9, 24)
FRIDAY = date(2020, 9, 25)
HOLIDAY = date(2020, 10, 19)  # vacances de la Toussaint, zone C
WEEK = (MONDAY, TUESDAY, THURSDAY, FRIDAY)
ADDRESS = "2 place de la Mairie"
SECRET_EMAIL = "mairiedemons0517@orange.fr"


@dataclass(frozen=True)
class World:
    agent: Actor
    supervisor: Actor
    staff: Actor
    unit_a: int
    unit_b: int
    activity_a: int
    enrolments: dict[str, int]  # child first name -> enrolment id
    households: dict[str, int]


def _actor(agent: Agent) -> Actor:
    return Actor(id=agent.id, login=agent.login, name=agent.name, role=agent.role)


def build_world(engine: Engine) -> World:
    """Two canteens; Mons: Jeannot, Lucie, Paul (+ Tom enrolled, never booked); Alès: Inès, Zoé.

    Paul (Mons) and Inès (Alès) are brother and sister: one household, two sites.
    """
    with unit_of_work(engine) as s:
        agents = [
            Agent(login="guichet", name="Camille Martin", role="agent", password_hash="x"),
            Agent(login="superviseur", name="Dominique Roux", role="supervisor", password_hash="x"),
            Agent(login="cantine", name="Sandrine Vidal", role="staff", password_hash="x"),
        ]
        s.add_all(agents)
        a = Activity(
            code="RS-MONS",
            name="Restauration scolaire Mons",
            kind="canteen",
            site=SITE_A,
            commune_insee="30173",
        )
        b = Activity(
            code="RS-ALES-JMACE",
            name="Restauration scolaire Alès Jean Macé",
            kind="canteen",
            site=SITE_B,
            commune_insee="30007",
        )
        s.add_all([a, b])
        s.flush()
        unit_a = Unit(activity_id=a.id, name="Repas", weekdays="0,1,3,4")
        unit_b = Unit(activity_id=b.id, name="Repas", weekdays="0,1,3,4")
        s.add_all([unit_a, unit_b])

        def household(dossier: str, insee: str, commune: str, qf: int) -> Household:
            h = Household(
                dossier=dossier,
                address=ADDRESS if dossier == "F-000001" else f"{dossier} rue des Écoles",
                postcode="30340",
                commune_insee=insee,
                commune_name=commune,
                phone="04 66 83 10 74" if dossier == "F-000001" else None,
                email=SECRET_EMAIL if dossier == "F-000001" else None,
                quotient_familial=qf,
                created_at=T0,
                updated_at=T0,
            )
            s.add(h)
            s.flush()
            return h

        h1 = household("F-000001", "30173", "Mons", 880)
        h2 = household("F-000002", "30173", "Mons", 451)
        h3 = household("F-000003", "30007", "Alès", 1234)
        people = [
            Person(
                household_id=h1.id,
                role="representative",
                first_name="Test 1",
                last_name="FAMILLE TEST",
                phone="04 66 83 10 74",
                email=SECRET_EMAIL,
            ),
            Person(
                household_id=h1.id,
                role="co_representative",
                first_name="Test 2",
                last_name="FAMILLE TEST",
                position=1,
            ),
            Person(
                household_id=h1.id,
                role="authorised",
                first_name="Mamie",
                last_name="FAMILLE TEST",
                phone="06 11 22 33 44",
                position=2,
            ),
            Person(
                household_id=h2.id,
                role="representative",
                first_name="Nadia",
                last_name="BERGER",
                phone="06 55 44 33 22",
                email="nadia@exemple.fr",
            ),
            Person(
                household_id=h3.id,
                role="representative",
                first_name="Marc",
                last_name="ROCHE",
                phone="06 99 88 77 66",
            ),
        ]
        s.add_all(people)
        kids = {
            "Jeannot": (h1, a, "CE2"),
            "Lucie": (h1, a, "CP"),
            "Tom": (h1, a, "CM1"),
            "Paul": (h2, a, "CM2"),
            "Inès": (h2, b, "CE1"),
            "Zoé": (h3, b, "CP"),
        }
        enrolments: dict[str, int] = {}
        for position, (first, (h, activity, klass)) in enumerate(kids.items()):
            child = Person(
                household_id=h.id,
                role="child",
                first_name=first,
                last_name=h.dossier == "F-000001"
                and "FAMILLE TEST"
                or ("BERGER" if h is h2 else "ROCHE"),
                birth_date=date(2013, 5, 14),
                school_class=klass,
                position=3 + position,
            )
            s.add(child)
            s.flush()
            e = Enrolment(
                person_id=child.id,
                activity_id=activity.id,
                start_date=date(2020, 9, 1),
                end_date=date(2021, 7, 6),
            )
            s.add(e)
            s.flush()
            assert e.id is not None
            enrolments[first] = e.id
        s.flush()

        def book(first: str, day: date, status: str = "booked") -> None:
            unit = unit_a if first in ("Jeannot", "Lucie", "Tom", "Paul") else unit_b
            s.add(
                Booking(
                    enrolment_id=enrolments[first],
                    day=day,
                    unit_id=unit.id,
                    status=status,
                    updated_at=T0,
                )
            )

        for day in WEEK:
            for first in ("Jeannot", "Paul", "Inès", "Zoé"):
                book(first, day, "pending" if (first, day) == ("Paul", TUESDAY) else "booked")
        book("Lucie", MONDAY)
        book("Lucie", TUESDAY, "cancelled")
        paul = s.exec(select(Person).where(Person.first_name == "Paul")).one()
        s.add(
            Absence(
                person_id=paul.id,
                start_date=THURSDAY,
                end_date=FRIDAY,
                reason="Malade",
                justified=True,
            )
        )
        s.add(
            Document(
                household_id=h1.id,
                kind="avis_caf",
                original_name="caf.pdf",
                sha256="0" * 64,
                size=10,
                media_type="application/pdf",
                path="docs/caf.pdf",
                created_at=T0,
            )
        )
        s.flush()
        assert unit_a.id and unit_b.id and a.id and h1.id and h2.id and h3.id
        assert agents[2].id is not None
        # The canteen staff works at both sites (migration 0009, table agent_site).
        s.add_all([AgentSite(agent_id=agents[2].id, site=site) for site in (SITE_A, SITE_B)])
        return World(
            agent=_actor(agents[0]),
            supervisor=_actor(agents[1]),
            staff=dataclasses.replace(_actor(agents[2]), sites=(SITE_A, SITE_B)),
            unit_a=unit_a.id,
            unit_b=unit_b.id,
            activity_a=a.id,
            enrolments=enrolments,
            households={"h1": h1.id, "h2": h2.id, "h3": h3.id},
        )


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


FRIDAY_EVENING = clock_at("2020-09-25T17:00")


def sql_booked(engine: Engine, site: str, day: date) -> int:
    """The independent count: booked rows of the site's 'Repas' unit that day."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM booking b JOIN unit u ON u.id = b.unit_id "
                    "JOIN activity a ON a.id = u.activity_id "
                    "WHERE a.site = :site AND u.name = 'Repas' AND b.day = :day "
                    "AND b.status = 'booked'"
                ),
                {"site": site, "day": day},
            ).scalar_one()
        )


# ------------------------------------------------------------------ lists


def test_sites_list_their_units(engine, world):
    sites = {summary.site: summary for summary in list_sites(engine, actor=DESK)}
    assert set(sites) == {SITE_A, SITE_B}
    assert [u.name for u in sites[SITE_A].units] == ["Repas"]
    assert sites[SITE_A].units[0].weekdays == (0, 1, 3, 4)
    assert sites[SITE_A].activity_names == ("Restauration scolaire Mons",)


def test_day_list_shows_booked_not_booked_pending_and_counts(engine, world):
    monday = day_list(
        engine, site="mons", unit="repas", day=MONDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    assert monday.site == SITE_A and monday.unit_id == world.unit_a
    assert [c.full_name for c in monday.booked] == [
        "BERGER Paul",
        "FAMILLE TEST Jeannot",
        "FAMILLE TEST Lucie",
    ]
    assert [c.full_name for c in monday.not_booked] == ["FAMILLE TEST Tom"]
    assert monday.counts.enrolled == 4 and monday.counts.booked == 3
    assert monday.counts.not_booked == 1 and monday.counts.pending == 0
    assert monday.counts.unmarked == 3 and monday.can_mark and monday.note is None

    tuesday = day_list(
        engine, site=SITE_A, unit=world.unit_a, day=TUESDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    assert [c.first_name for c in tuesday.pending] == ["Paul"]
    # Lucie's booking was cancelled: she is enrolled, not booked.
    assert {c.first_name for c in tuesday.not_booked} == {"Lucie", "Tom"}
    assert (tuesday.counts.booked, tuesday.counts.pending, tuesday.counts.not_booked) == (1, 1, 2)


def test_day_list_gives_absences_and_phones_but_no_household_data(engine, world):
    thursday = day_list(
        engine, site=SITE_A, unit="Repas", day=THURSDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    paul = next(c for c in thursday.children if c.first_name == "Paul")
    assert paul.absence is not None and paul.absence.reason == "Malade" and paul.absence.justified
    assert thursday.counts.absences == 1
    assert [(c.role_label, c.phone) for c in paul.contacts] == [
        ("Représentant légal", "06 55 44 33 22")
    ]
    jeannot = next(c for c in thursday.children if c.first_name == "Jeannot")
    phones = {(c.role, c.name, c.phone) for c in jeannot.contacts}
    assert ("authorised", "Mamie FAMILLE TEST", "06 11 22 33 44") in phones
    assert ("representative", "Test 1 FAMILLE TEST", "04 66 83 10 74") in phones
    # Children of another site never appear; no address, e-mail or QF anywhere.
    dump = json.dumps(dataclasses.asdict(thursday), default=str)
    assert "Inès" not in dump and "Zoé" not in dump
    for secret in (ADDRESS, SECRET_EMAIL, "nadia@exemple.fr", "880", "rue des Écoles", "30340"):
        assert secret not in dump
    field_names = {f.name for f in dataclasses.fields(type(jeannot))}
    assert not field_names & {"address", "postcode", "quotient_familial", "email"}


def test_day_list_explains_a_day_without_service(engine, world):
    wednesday = day_list(
        engine, site=SITE_A, unit="Repas", day=WEDNESDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    assert wednesday.note == "Repas : pas de service le mercredi."
    assert wednesday.counts.booked == 0
    holiday = day_list(
        engine, site=SITE_A, unit="Repas", day=HOLIDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    assert holiday.note is not None and "Toussaint" in holiday.note
    assert not holiday.can_mark  # a day to come


def test_unknown_site_or_unit_is_a_french_error(engine, world):
    with pytest.raises(NotFoundError, match="Aucun site"):
        day_list(
            engine,
            site="Vézénobres",
            unit="Repas",
            day=MONDAY,
            clock=FRIDAY_EVENING,
            actor=world.staff,
        )
    with pytest.raises(ServiceError, match="Plusieurs sites"):
        day_list(
            engine,
            site="restaurant scolaire",
            unit="Repas",
            day=MONDAY,
            clock=FRIDAY_EVENING,
            actor=world.staff,
        )
    with pytest.raises(NotFoundError, match="Pas d'unité « Goûter »"):
        day_list(
            engine, site=SITE_A, unit="Goûter", day=MONDAY, clock=FRIDAY_EVENING, actor=world.staff
        )


# ------------------------------------------------------------------ headcounts


@pytest.mark.parametrize("day", [MONDAY, TUESDAY, WEDNESDAY, HOLIDAY])
def test_headcount_equals_an_independent_sql_count(engine, world, day):
    rows = headcounts(engine, start=day, end=day, clock=FRIDAY_EVENING, actor=DESK)
    for site in (SITE_A, SITE_B):
        mine = [r for r in rows if r.site == site and r.unit_name == "Repas"]
        expected = sql_booked(engine, site, day)
        assert sum(r.booked for r in mine) == expected
        if day == WEDNESDAY:
            assert mine == []  # the canteen does not run on Wednesdays: no row
        else:
            assert len(mine) == 1
    if day == HOLIDAY:
        assert [r.booked for r in rows] == [0, 0]
    if day == MONDAY:
        assert {(r.site, r.booked) for r in rows} == {(SITE_A, 3), (SITE_B, 2)}
    if day == TUESDAY:  # Paul pending, Lucie cancelled
        a = next(r for r in rows if r.site == SITE_A)
        assert (a.booked, a.pending) == (1, 1)


def test_headcount_of_a_week_with_pointage_for_past_days(engine, world):
    staff = world.staff
    mark_attendance(
        engine,
        enrolment_id=world.enrolments["Jeannot"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        actor=staff,
        clock=FRIDAY_EVENING,
    )
    mark_attendance(
        engine,
        enrolment_id=world.enrolments["Paul"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=False,
        actor=staff,
        clock=FRIDAY_EVENING,
    )
    mark_attendance(
        engine,
        enrolment_id=world.enrolments["Tom"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        unexpected=True,
        actor=staff,
        clock=FRIDAY_EVENING,
    )
    thursday_clock = clock_at("2020-09-24T12:00")
    rows = headcounts(
        engine, site="Mons", start=MONDAY, end=FRIDAY, clock=thursday_clock, actor=DESK
    )
    assert [r.day for r in rows] == list(WEEK)
    monday = rows[0]
    assert (monday.booked, monday.present, monday.absent, monday.unexpected) == (3, 2, 1, 1)
    friday = rows[-1]
    assert friday.booked == sql_booked(engine, SITE_A, FRIDAY) and friday.present is None
    assert [r.booked for r in rows] == [sql_booked(engine, SITE_A, d) for d in WEEK]
    with pytest.raises(ServiceError, match="précède"):
        headcounts(engine, start=FRIDAY, end=MONDAY, clock=thursday_clock, actor=DESK)


# ------------------------------------------------------------------ pointage


def test_pointage_is_audited_and_shown_in_the_list(engine, world):
    mark = mark_attendance(
        engine,
        enrolment_id=world.enrolments["Jeannot"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        actor=world.staff,
        clock=FRIDAY_EVENING,
    )
    assert (
        mark.label == "Présent" and mark.agent_name == "Sandrine Vidal" and mark.origin == "mairie"
    )
    # Changing one's mind updates the same row.
    mark_attendance(
        engine,
        enrolment_id=world.enrolments["Jeannot"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=False,
        actor=world.staff,
        clock=FRIDAY_EVENING,
    )
    listed = day_list(
        engine, site=SITE_A, unit="Repas", day=MONDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    jeannot = next(c for c in listed.children if c.first_name == "Jeannot")
    assert jeannot.mark is not None and jeannot.mark.label == "Absent"
    assert (listed.counts.present, listed.counts.absent, listed.counts.unmarked) == (0, 1, 2)
    with Session(engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "attendance.mark")).all()
    assert len(events) == 2 and all(e.agent_id == world.staff.id for e in events)
    assert json.loads(events[1].details)["before"] == {"present": True, "unexpected": False}


def test_unexpected_presence_rules(engine, world):
    tom = world.enrolments["Tom"]
    with pytest.raises(RuleViolation, match="n'a pas de réservation"):
        mark_attendance(
            engine,
            enrolment_id=tom,
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            actor=world.staff,
            clock=FRIDAY_EVENING,
        )
    with pytest.raises(RuleViolation, match="ce n'est pas une présence inattendue"):
        mark_attendance(
            engine,
            enrolment_id=world.enrolments["Jeannot"],
            day=MONDAY,
            unit_id=world.unit_a,
            present=True,
            unexpected=True,
            actor=world.staff,
            clock=FRIDAY_EVENING,
        )
    mark = mark_attendance(
        engine,
        enrolment_id=tom,
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        unexpected=True,
        actor=world.staff,
        clock=FRIDAY_EVENING,
    )
    assert mark.label == "Présent (inattendu)"
    with pytest.raises(NotFoundError, match="unité"):
        mark_attendance(
            engine,
            enrolment_id=tom,
            day=MONDAY,
            unit_id=world.unit_b,
            present=False,
            actor=world.staff,
            clock=FRIDAY_EVENING,
        )


def test_pointage_refused_for_a_day_to_come(engine, world):
    with pytest.raises(RuleViolation, match="jour à venir"):
        mark_attendance(
            engine,
            enrolment_id=world.enrolments["Jeannot"],
            day=FRIDAY,
            unit_id=world.unit_a,
            present=True,
            actor=world.staff,
            clock=clock_at("2020-09-24T18:00"),
        )


def test_closing_a_day_locks_its_pointage(engine, world):
    jeannot = world.enrolments["Jeannot"]
    mark_attendance(
        engine,
        enrolment_id=jeannot,
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        actor=world.staff,
        clock=FRIDAY_EVENING,
    )
    for who in (world.staff, world.agent):
        with pytest.raises(PermissionDenied, match="superviseur"):
            close_day(engine, unit_id=world.unit_a, day=MONDAY, actor=who, clock=FRIDAY_EVENING)
    with pytest.raises(RuleViolation, match="jour à venir"):
        close_day(
            engine, unit_id=world.unit_a, day=HOLIDAY, actor=world.supervisor, clock=FRIDAY_EVENING
        )
    info = close_day(
        engine, unit_id=world.unit_a, day=MONDAY, actor=world.supervisor, clock=FRIDAY_EVENING
    )
    assert (info.present, info.absent, info.unmarked) == (1, 0, 2)
    with pytest.raises(RuleViolation, match="clôturée"):
        mark_attendance(
            engine,
            enrolment_id=jeannot,
            day=MONDAY,
            unit_id=world.unit_a,
            present=False,
            actor=world.supervisor,
            clock=FRIDAY_EVENING,
        )
    with pytest.raises(RuleViolation, match="déjà clôturée"):
        close_day(
            engine, unit_id=world.unit_a, day=MONDAY, actor=world.supervisor, clock=FRIDAY_EVENING
        )
    listed = day_list(
        engine, site=SITE_A, unit="Repas", day=MONDAY, clock=FRIDAY_EVENING, actor=world.staff
    )
    assert listed.closed and listed.closed_by == "Dominique Roux" and not listed.can_mark
    rows = headcounts(
        engine, site=SITE_A, start=MONDAY, end=MONDAY, clock=FRIDAY_EVENING, actor=DESK
    )
    assert rows[0].closed and rows[0].present == 1
    # Another unit, or the next day, stays open.
    mark_attendance(
        engine,
        enrolment_id=jeannot,
        day=TUESDAY,
        unit_id=world.unit_a,
        present=True,
        actor=world.staff,
        clock=FRIDAY_EVENING,
    )


# ------------------------------------------------------------------ rights


def test_staff_can_list_and_tick_but_not_book_or_open_households(engine, world):
    require_counter_agent(world.agent)
    require_counter_agent(world.supervisor)
    with pytest.raises(PermissionDenied, match="listes"):
        require_counter_agent(world.staff)
    with pytest.raises(PermissionDenied):
        require_counter_agent(Actor(id=None, login="x", name="X", role="intrus"))
    booking = open_booking(
        engine, world.enrolments["Tom"], clock_at("2020-09-15T10:00"), actor=DESK
    )
    booking.draft.set(date(2020, 10, 1), world.unit_a, True)
    with pytest.raises(PermissionDenied, match="personnel des écoles"):
        validate_booking(engine, booking, actor=world.staff, clock=clock_at("2020-09-15T10:00"))
    with pytest.raises(PermissionDenied):
        day_list(
            engine,
            site=SITE_A,
            unit="Repas",
            day=MONDAY,
            clock=FRIDAY_EVENING,
            actor=Actor(id=None, login="x", name="X", role="intrus"),
        )


# ------------------------------------------------------------------ printed list


def pdf_pages(content: bytes) -> int:
    return (
        content.count(b"/Type /Page\n")
        + content.count(b"/Type /Page>")
        + content.count(b"/Type /Page ")
    )


def test_printed_list_holds_the_children_and_the_phones(engine, world, tmp_path):
    from mairie_tui.services.reports import print_day_list

    mark_attendance(
        engine,
        enrolment_id=world.enrolments["Jeannot"],
        day=MONDAY,
        unit_id=world.unit_a,
        present=True,
        actor=world.staff,
        clock=FRIDAY_EVENING,
    )
    out = tmp_path / "liste.pdf"
    printed = print_day_list(
        engine,
        site="Mons",
        unit="Repas",
        day=MONDAY,
        out=out,
        clock=FRIDAY_EVENING,
        actor=world.staff,
        compress=False,
    )
    content = out.read_bytes()
    assert content.startswith(b"%PDF-") and printed.pages == 1 and printed.children == 4
    for text_ in (
        "FAMILLE TEST Jeannot",
        "BERGER Paul",
        "FAMILLE TEST Tom",
        "06 11 22 33 44",
        "lundi 21/09/2020",
        "Non r\xe9serv\xe9",
    ):
        assert text_.encode("latin-1") in content, text_
    assert b"Zo\xe9" not in content and ADDRESS.encode() not in content


def test_a_long_list_runs_over_pages_and_spells_what_latin1_lacks(tmp_path):
    from mairie_tui.services.lists import ChildLine, DayCounts, DayList
    from mairie_tui.services.reports import pdf_text, render_day_list

    children = tuple(
        ChildLine(
            enrolment_id=i,
            person_id=i,
            first_name=f"Enfant{i:03d}",
            last_name="Œillet",
            birth_date=None,
            school_class="CP",
            booking="booked",
            absence=None,
            mark=None,
            contacts=(),
        )
        for i in range(70)
    )
    listed = DayList(
        site="Restaurant scolaire Test",
        activity_name="Cantine",
        unit_id=1,
        unit_name="Repas",
        day=MONDAY,
        note=None,
        closed=False,
        closed_by=None,
        closed_at=None,
        can_mark=True,
        copy_id=None,
        counts=DayCounts(70, 70, 0, 0, 0, 0, 0, 0, 70),
        children=children,
    )
    out = tmp_path / "longue.pdf"
    pages = render_day_list(
        listed, out, printed_at=datetime(2020, 9, 21, 8, tzinfo=UTC), compress=False
    )
    content = out.read_bytes()
    assert pages >= 2 and pdf_pages(content) == pages
    # 70 rows of 7 mm: two pages of table, each with its header, then the phones.
    assert content.count("Nom et prénom".encode("latin-1")) == 2
    assert b"OEillet Enfant069" in content
    assert pdf_text("L’Œuf — 1\u202f000") == "L'OEuf - 1 000"


# ------------------------------------------------------------------ on the demo set


def test_headcounts_of_the_demo_match_sql_for_every_site_and_unit(engine):
    """School day, Wednesday (ALSH only) and a holiday (canteens at 0, crèches open)."""
    from mairie_tui.services.demo import build_demo

    build_demo(engine, households=120)
    clock = clock_at("2020-10-20T12:00")
    for day in (date(2020, 10, 1), date(2020, 9, 30), date(2020, 10, 19)):
        rows = headcounts(engine, start=day, end=day, clock=clock, actor=DESK)
        with engine.connect() as conn:
            expected = {
                (unit_id, status): n
                for unit_id, status, n in conn.execute(
                    text(
                        "SELECT unit_id, status, count(*) FROM booking WHERE day = :day "
                        "GROUP BY unit_id, status"
                    ),
                    {"day": day},
                )
            }
            kinds = {
                unit_id: kind
                for unit_id, kind in conn.execute(
                    text("SELECT u.id, a.kind FROM unit u JOIN activity a ON a.id = u.activity_id")
                )
            }
        assert sum(expected.get((r.unit_id, "booked"), 0) for r in rows) == sum(
            n for (_, status), n in expected.items() if status == "booked"
        ), "a unit holding bookings is missing from the headcounts"
        for row in rows:
            assert row.booked == expected.get((row.unit_id, "booked"), 0), row
            assert row.pending == expected.get((row.unit_id, "pending"), 0), row
        canteens = [r for r in rows if kinds[r.unit_id] == "canteen"]
        if day.weekday() == 2:
            assert canteens == [] and any(r.booked for r in rows if kinds[r.unit_id] == "alsh")
        elif day == date(2020, 10, 19):
            assert canteens and all(r.booked == 0 for r in canteens)
        else:
            assert sum(r.booked for r in canteens) > 20


def test_headcounts_of_every_site_equal_counts_made_unit_by_unit(engine):
    """The grouped queries against one plain count per unit and day: bookings,
    pointage, closings and special diets (children with allergens or a diet)."""
    from mairie_tui.domain import menus
    from mairie_tui.services.demo import build_demo

    build_demo(engine, households=120)
    day = date(2020, 10, 1)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE person SET allergens = 'arachide,lait' WHERE role = 'child' AND id % 3 = 0"
            )
        )
        conn.execute(
            text("UPDATE person SET diet = 'sans_porc' WHERE role = 'child' AND id % 4 = 0")
        )
        conn.execute(
            text(
                "INSERT INTO attendance (enrolment_id, day, unit_id, present, unexpected, "
                "marked_at, origin) SELECT enrolment_id, day, unit_id, id % 3 <> 0, "
                "id % 3 <> 0 AND id % 7 = 0, :at, 'mairie' FROM booking "
                "WHERE day = :day AND id % 2 = 0"
            ),
            {"day": day, "at": datetime(2020, 10, 1, 12, tzinfo=UTC)},
        )
        closed_unit = conn.execute(
            text("SELECT min(unit_id) FROM booking WHERE day = :day"), {"day": day}
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO day_closing (unit_id, day, closed_at, origin) "
                "VALUES (:unit, :day, :at, 'mairie')"
            ),
            {"unit": closed_unit, "day": day, "at": datetime(2020, 10, 1, 14, tzinfo=UTC)},
        )
    rows = headcounts(engine, start=day, end=day, clock=clock_at("2020-10-20T12:00"), actor=DESK)
    assert len({r.site for r in rows}) > 3 and any(r.diets for r in rows)
    assert sum(r.present or 0 for r in rows) > 0 and sum(r.unexpected or 0 for r in rows) > 0
    params = {"day": day}
    with engine.connect() as conn:

        def count(sql: str, unit_id: int) -> int:
            return int(conn.execute(text(sql), {**params, "unit": unit_id}).scalar_one())

        for row in rows:
            where = "WHERE unit_id = :unit AND day = :day"
            assert row.booked == count(
                f"SELECT count(*) FROM booking {where} AND status = 'booked'", row.unit_id
            )
            assert row.pending == count(
                f"SELECT count(*) FROM booking {where} AND status = 'pending'", row.unit_id
            )
            assert row.present == count(
                f"SELECT count(*) FROM attendance {where} AND present", row.unit_id
            )
            assert row.absent == count(
                f"SELECT count(*) FROM attendance {where} AND NOT present", row.unit_id
            )
            assert row.unexpected == count(
                f"SELECT count(*) FROM attendance {where} AND present AND unexpected", row.unit_id
            )
            assert row.closed == (row.unit_id == closed_unit)
            children = conn.execute(
                text(
                    "SELECT p.allergens, p.diet FROM booking b JOIN enrolment e ON e.id = b.enrolment_id "
                    "JOIN person p ON p.id = e.person_id "
                    "WHERE b.unit_id = :unit AND b.day = :day AND b.status = 'booked'"
                ),
                {**params, "unit": row.unit_id},
            ).all()
            assert row.diets == menus.diet_counts(
                (menus.split_codes(allergens), diet)
                for allergens, diet in children
                if allergens or diet
            ), row
        # And per site: every booked child of the site is in one of its rows.
        for site in {r.site for r in rows}:
            booked = conn.execute(
                text(
                    "SELECT count(*) FROM booking b JOIN unit u ON u.id = b.unit_id "
                    "JOIN activity a ON a.id = u.activity_id "
                    "WHERE a.site = :site AND b.day = :day AND b.status = 'booked'"
                ),
                {**params, "site": site},
            ).scalar_one()
            assert sum(r.booked for r in rows if r.site == site) == booked


def test_two_desks_ticking_the_same_child_at_once_get_a_conflict(engine, world):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite sérialise les écritures (BEGIN IMMEDIATE) : pas de course possible")
    from sqlalchemy import event

    from mairie_tui.services.errors import ConflictError

    other = make_engine(engine.url.render_as_string(hide_password=False))
    raced: list[bool] = []

    def other_desk_first(session, _context, _instances):
        if raced:
            return
        raced.append(True)
        with other.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO attendance (enrolment_id, day, unit_id, present, unexpected, "
                    "marked_at, origin) VALUES (:e, :d, :u, true, false, now(), 'mairie')"
                ),
                {"e": world.enrolments["Jeannot"], "d": MONDAY, "u": world.unit_a},
            )

    event.listen(Session, "before_flush", other_desk_first)
    try:
        with pytest.raises(ConflictError, match="autre poste"):
            mark_attendance(
                engine,
                enrolment_id=world.enrolments["Jeannot"],
                day=MONDAY,
                unit_id=world.unit_a,
                present=False,
                actor=world.staff,
                clock=FRIDAY_EVENING,
            )
    finally:
        event.remove(Session, "before_flush", other_desk_first)
        other.dispose()
    with Session(engine) as s:
        marks = s.exec(select(Attendance)).all()
        assert [(m.present, m.agent_id) for m in marks] == [(True, None)]
        assert s.exec(select(AuditEvent)).all() == []
