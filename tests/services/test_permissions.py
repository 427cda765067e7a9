"""Permissions in the services (issue 11): every public service function has a decision.

The test walks every module of `mairie_tui.services` and every public function defined
there. Each one either

- checks a permission of the matrix (`@requires`, services/permissions.py) and is proved
  here to refuse, before it reads or writes anything, every role the matrix does not
  allow, an unknown role and no agent at all; and, for a permission « par site », to
  refuse a staff member of another site on a real database (SQLite and PostgreSQL); or
- is named in ALLOWED with the reason it needs no check.

A new public service function that is in neither fails `test_every_public_function_has_a_decision`.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

import mairie_tui.services
from mairie_tui.db import read_session
from mairie_tui.models import AuditEvent
from mairie_tui.services.agents import add_agent, authenticate, get_agents, set_agent_sites
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import PermissionDenied, ServiceError
from mairie_tui.services.lists import day_list, headcounts, list_sites, mark_attendance
from mairie_tui.services.menus import list_menus
from mairie_tui.services.permissions import MATRIX, require, requires
from mairie_tui.services.reports import print_day_list
from tests.services.test_lists import FRIDAY_EVENING, MONDAY, SITE_A, SITE_B, World, build_world

# Reasons a public function needs no permission of its own.
IN_SESSION = "a step of a checked use case: runs in the Session that use case opened"
PURE = "pure helper: no database, no personal data"
PLUMBING = "transaction and database plumbing, no data of its own"
CHECK = "is itself a permission check"
DEMO = "builds the demo set into an empty database"
COPY_STEP = "a step of the checked offline export or import (a file or the main secret)"

ALLOWED: dict[str, str] = {
    "failures.database_failure": PURE,
    "handle.close_database": PLUMBING,
    "handle.open_database": PLUMBING,
    "regie.invoicing.period_of": PURE,
    "regie.invoicing.require_regisseur": CHECK,
    "regie.payments.apply_credit": IN_SESSION,
    "regie.payments.balance_of": IN_SESSION,
    "regie.payments.households_with_credit": IN_SESSION,
    "regie.tariffs.add_tariffs": IN_SESSION,
    "regie.tariffs.demo_tariffs": PURE,
    "regie.tariffs.list_tariffs": "the tariffs are public prices: no personal data",
    "regie.tariffs.load_book": IN_SESSION,
    "regie.tariffs.parse_tariffs": PURE,
    "absence_effects.apply_absence": IN_SESSION,
    "agents.hash_password": PURE,
    "agents.sites_of": IN_SESSION,
    "agents.actor_of": PURE,
    "agents.throttle_delay": PURE,
    "agents.is_locked": PURE,
    "agents.locked_message": PURE,
    "agents.authenticate": "sign-in itself: nobody is signed in yet",
    "agents.list_agents": IN_SESSION,
    "agents.count_by_role": "counts per role only (no name), asked before anyone signs in",
    "appointments.ensure_agenda": "creates an agenda's settings; no personal data",
    "appointments.book_in_session": IN_SESSION,
    "appointments.release_for_request": IN_SESSION,
    "agenda.loading.custody_of": IN_SESSION,
    "agenda.loading.custody_view": PURE,
    "agenda.loading.load_family": IN_SESSION,
    "agenda.loading.representatives_of": IN_SESSION,
    "agenda.recap.estimated_cost": PURE,
    "agenda.recap.family_recap": PURE,
    "bookings.loading.context_of": PURE,
    "bookings.loading.live_marks": PURE,
    "bookings.validation.audit_validation": IN_SESSION,
    "bookings.validation.check_lines": PURE,
    "bookings.validation.load_checked": IN_SESSION,
    "bookings.validation.mail_line": PURE,
    "bookings.validation.record_request": IN_SESSION,
    "bookings.validation.refuse_unless_allowed": CHECK,
    "bookings.validation.take_enrolment": IN_SESSION,
    "bookings.validation.write_bookings": IN_SESSION,
    "demo.family.create_agenda_family": DEMO,
    "bookings.loading.enrolments_of": IN_SESSION,
    "bookings.loading.load_calendar": IN_SESSION,
    "bookings.loading.recipient_of": IN_SESSION,
    "bookings.opening.warm_up": "returns nothing: loads caches after sign-in",
    "bookings.views.summary_of": PURE,
    "common.require_counter_agent": CHECK,
    "common.audit": IN_SESSION,
    "common.changes": PURE,
    "common.fields_of": PURE,
    "common.queue_email": IN_SESSION,
    "common.next_numbers": IN_SESSION,
    "common.next_number": IN_SESSION,
    "common.request_number": IN_SESSION,
    "demo.build_demo": DEMO,
    "demo.bookings.insert_rows": DEMO,
    "demo.bookings.next_id": DEMO,
    "demo.network.create_activities": DEMO,
    "demo.seed.create_agents": DEMO,
    "demo.seed.attach_demo_staff": DEMO,
    "demo.seed.create_seed": DEMO,
    "demo.seed.create_demo_news": DEMO,
    "demo.regie.build_regie_demo": DEMO,
    "demo.regie.clock": PURE,
    "demo.seed.seed_ids": DEMO,
    "document_checks.detect": PURE,
    "document_checks.other_format": PURE,
    "document_checks.kept_name": PURE,
    "document_checks.read_source": "reads the file the checked attach_document was given",
    "document_checks.check_content": PURE,
    "enrolments.school_year": PURE,
    "enrolments.list_activities": "the catalogue of activities: no personal data",
    "history.show_value": PURE,
    "history.describe_changes": PURE,
    "history.summary": PURE,
    "household_edit.next_dossiers": IN_SESSION,
    "household_edit.next_dossier": IN_SESSION,
    "household_io.cells.neutralise": PURE,
    "household_io.cells.unneutralise": PURE,
    "household_io.cells.looks_like_formula": PURE,
    "household_io.cells.shown": PURE,
    "household_io.cells.parse_date": PURE,
    "household_io.cells.parse_int": PURE,
    "household_io.exporting.person_rows": PURE,
    "household_io.tables.csv_table": PURE,
    "household_io.tables.xlsx_table": PURE,
    "lists.menus.menu_day": PURE,
    "lists.menus.menus_of": IN_SESSION,
    "menus.vegetarian_warnings": PURE,
    "demo.menus.add_demo_menus": DEMO,
    "household_io.exporting.to_csv": PURE,
    "household_io.exporting.to_json": PURE,
    "household_io.exporting.to_xlsx": PURE,
    "household_io.importing.file_format": PURE,
    "household_io.importing.check_file": "checks the bytes of a file given to it, reads no database",
    "household_io.json_reader.read_json": PURE,
    "household_io.source.from_legacy": PURE,
    "household_io.source.group_person_rows": PURE,
    "household_io.tables.check_header": PURE,
    "household_io.tables.households": PURE,
    "household_io.tables.read_csv": PURE,
    "household_io.tables.read_xlsx": PURE,
    "household_io.validation.to_input": PURE,
    "household_io.validation.check_household": PURE,
    "household_io.validation.check_households": PURE,
    "journal.record": "writes the acting agent's own audit row; reads nothing",
    "lists.lookup.require_supervisor": CHECK,
    "lists.lookup.copy_origin": IN_SESSION,
    "lists.lookup.resolve_site": IN_SESSION,
    "lists.lookup.resolve_unit": IN_SESSION,
    "lists.lookup.day_note": IN_SESSION,
    "offline.copy_read.read_copy": COPY_STEP,
    "offline.copy_read.check_seal": IN_SESSION,
    "offline.copy_read.check_source": IN_SESSION,
    "offline.export_rows.rows": IN_SESSION,
    "offline.export_rows.gather": IN_SESSION,
    "offline.fingerprint.site_fingerprint": IN_SESSION,
    "offline.guard.table_of": PURE,
    "offline.guard.is_offline_copy": PLUMBING,
    "offline.guard.copy_access_hash": IN_SESSION,
    "offline.merge_closings.merge_closings": IN_SESSION,
    "offline.merge_marks.merge_marks": IN_SESSION,
    "offline.merge_state.load_main": IN_SESSION,
    "offline.merge_state.period_text": PURE,
    "offline.report.mark_text": PURE,
    "offline.seal.existing_secret": IN_SESSION,
    "offline.seal.main_secret": COPY_STEP,
    "offline.seal.seal": PURE,
    "offline.seal.new_access_code": PURE,
    "offline.seal.normalise_code": PURE,
    "offline.seal.hash_access_code": PURE,
    "offline.seal.verify_access_code": PURE,
    "offline.vetting.out_of_reach": PURE,
    "permissions.require": CHECK,
    "permissions.may_see_site": CHECK,
    "permissions.requires": CHECK,
    "reports.pdf_text": PURE,
    "reports.render_day_list": "draws a DayList the checked day_list returned",
    "requests.demarches.catalogue": PURE,
    "requests.demarches.demarche_of": PURE,
    "requests.demarches.type_label": PURE,
    "requests.demarches.status_label": PURE,
    "requests.lookups.children_of": IN_SESSION,
    "requests.lookups.household_of": IN_SESSION,
    "requests.lookups.representative_of": IN_SESSION,
    "requests.lookups.recipient_of": IN_SESSION,
    "requests.lookups.requester_name": PURE,
    "requests.lookups.requester_of": PURE,
    "mail_templates.render_mail": PURE,
    "outbox.new_sender_id": PURE,
    "outbox.open_connection": "opens the SMTP connection of the checked send_pending; no data",
    "requests.mails.filed_subject": PURE,
    "requests.mails.filed_mail": PURE,
    "requests.mails.status_mail": PURE,
    "requests.tariffs.simulate": IN_SESSION,
    "requests.wizard.recap_of": PURE,
    "rgpd.collect.plain": PURE,
    "rgpd.collect.find_household": IN_SESSION,
    "rgpd.collect.collect_household": IN_SESSION,
    "rgpd.collect.household_mails": IN_SESSION,
    "rgpd.export.require_rgpd_supervisor": CHECK,
    "rgpd.export.safe_name": PURE,
    "rgpd.export.write_private": "writes bytes the checked RGPD export gives it",
    "rgpd.export.default_export_folder": PURE,
    "rgpd.selection.start_of": PURE,
    "rgpd.selection.active_since": IN_SESSION,
    "rgpd.selection.session_rows": IN_SESSION,
    "rgpd.selection.blocking_reasons": IN_SESSION,
    "rgpd.selection.already_purged": IN_SESSION,
    "rgpd.summary.literal": PURE,
    "rgpd.summary.render_summary": "draws a record the checked RGPD export collected",
    "search.normalise": PURE,
    "search.query_words": PURE,
    "search.household_document": PURE,
    "search.reindex_household": IN_SESSION,
    "search.rebuild_index": IN_SESSION,
    "search.fts5_expression": PURE,
    "search.tsquery_expression": PURE,
    "search.search_terms": PURE,
    "search.search_households": IN_SESSION,
    "transactions.retries_so_far": PLUMBING,
    "transactions.sqlstate": PLUMBING,
    "transactions.is_busy": PLUMBING,
    "transactions.is_duplicate": PLUMBING,
    "transactions.french_error": PLUMBING,
    "transactions.backoff": PLUMBING,
    "transactions.run_write": PLUMBING,
    "transactions.write_use_case": PLUMBING,
    "transactions.lock_rows": IN_SESSION,
    "uow.is_copy": IN_SESSION,
    "uow.refuse_on_copy": IN_SESSION,
    "uow.writing": PLUMBING,
    "uow.get_or_404": IN_SESSION,
}
# Public classes that are neither plain data (dataclass, exception, protocol) nor checked.
ALLOWED_CLASSES = {
    "failures.DatabaseFailure": "what kind of driver error happened; holds no data",
    "reports.FooterPdf": "the PDF page layout; draws what it is given",
    "demo.bookings.BookingWriter": DEMO,
}

ROLES = ("agent", "supervisor", "staff")
EVERY_SITE = (SITE_A, SITE_B)


def service_modules() -> list[Any]:
    package = mairie_tui.services
    names = [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return [importlib.import_module(name) for name in sorted(names)]


def short(module: Any, name: str) -> str:
    return f"{module.__name__.removeprefix('mairie_tui.services.')}.{name}"


def public(kind: Callable[[Any], bool]) -> dict[str, Any]:
    """Public objects of `kind` defined (not imported) in a service module."""
    found = {}
    for module in service_modules():
        for name, value in vars(module).items():
            if not name.startswith("_") and kind(value) and value.__module__ == module.__name__:
                found[short(module, name)] = value
    return found


FUNCTIONS = public(inspect.isfunction)
CHECKED = {name: f for name, f in FUNCTIONS.items() if hasattr(f, "__permission__")}


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_every_public_function_has_a_decision():
    undecided = sorted(set(FUNCTIONS) - set(CHECKED) - set(ALLOWED))
    assert not undecided, (
        "fonctions de service publiques sans décision : ajoutez @requires(…) "
        f"(services/permissions.py) ou une raison dans ALLOWED : {undecided}"
    )
    assert not sorted(set(ALLOWED) - set(FUNCTIONS)), "ALLOWED nomme une fonction disparue"
    assert not sorted(set(ALLOWED) & set(CHECKED)), "une fonction contrôlée est aussi dans ALLOWED"
    assert len(CHECKED) >= 50  # the walk found the use cases


def test_the_allowed_reasons_hold():
    """An « in session » step takes the caller's Session; a pure helper no engine or session."""
    for name, reason in ALLOWED.items():
        names = parameters(FUNCTIONS[name])
        if reason == IN_SESSION:
            assert names[0] == "session", name
        if reason == PURE:
            assert not {"engine", "session"} & set(names), name


def test_every_public_class_is_plain_data_or_allowed():
    def is_plain(cls: type) -> bool:
        return (
            dataclasses.is_dataclass(cls)
            or issubclass(cls, BaseException)
            or getattr(cls, "_is_protocol", False)
        )

    others = {name for name, cls in public(inspect.isclass).items() if not is_plain(cls)}
    assert others == set(ALLOWED_CLASSES)


def test_the_permissions_the_functions_name_are_the_matrix():
    assert {f.__permission__ for f in CHECKED.values()} == set(MATRIX)


def actor(role: str, sites: tuple[str, ...] = EVERY_SITE) -> Actor:
    return Actor(id=None, login=f"test.{role}", name=f"Test {role}", role=role, sites=sites)


REFUSALS = [
    (name, role)
    for name, function in sorted(CHECKED.items())
    for role in ROLES + ("gardien", None)
    if role is None or role not in MATRIX[function.__permission__].roles
]


@pytest.mark.parametrize(("name", "role"), REFUSALS, ids=[f"{n}-{r}" for n, r in REFUSALS])
def test_a_checked_function_refuses_a_role_the_matrix_refuses_before_anything_else(name, role):
    """Every argument is None but the agent: only a check made first can answer."""
    function = CHECKED[name]
    arguments: dict[str, Any] = dict.fromkeys(parameters(function))
    arguments["actor"] = None if role is None else actor(role)
    with pytest.raises(PermissionDenied) as refused:
        function(**arguments)
    assert refused.value.french_message()[0].isupper()


def test_require_speaks_french_for_each_refusal():
    with pytest.raises(PermissionDenied, match="Seul un superviseur peut gérer les agents"):
        require(actor("agent"), "agents.gerer")
    with pytest.raises(PermissionDenied, match="personnel des écoles n'a accès qu'aux listes"):
        require(actor("staff"), "foyers.lire")
    with pytest.raises(PermissionDenied, match=f"Le site {SITE_B} n'est pas l'un des vôtres"):
        require(actor("staff", (SITE_A,)), "listes.pointer", site=SITE_B)
    require(actor("staff", (SITE_A,)), "listes.pointer", site=SITE_A)
    require(actor("agent", ()), "listes.pointer", site=SITE_B)  # agents: every site
    with pytest.raises(PermissionDenied, match="Rôle inconnu"):
        require(actor("gardien"), "listes.lire")


def test_requires_refuses_a_function_without_an_actor_and_an_unknown_permission():
    with pytest.raises(TypeError):
        requires("foyers.lire")(lambda engine: engine)
    with pytest.raises(KeyError):
        requires("foyers.tout")


# ---------------------------------------------------------------- staff and their sites

TODAY = FRIDAY_EVENING


@pytest.fixture
def site_a_staff(engine) -> tuple[World, Actor]:
    """The two-site world, and a staff member attached to Mons only, as sign-in makes them."""
    world = build_world(engine)
    add_agent(
        engine,
        login="cantine.mons",
        name="Agnès Mons",
        role="staff",
        password="mons-mons-1",
        clock=TODAY,
        actor=world.supervisor,
        sites=("restaurant scolaire mons",),
    )
    signed_in = authenticate(engine, "cantine.mons", "mons-mons-1", TODAY, sleep=lambda _: None)
    assert signed_in.sites == (SITE_A,)
    return world, signed_in


# What a staff member of site A is refused on site B, per site-checked function; each
# scenario returns what the same call on site A gives (allowed).
def _day_list(engine, world: World, staff: Actor, site: str) -> Any:
    return day_list(engine, site=site, unit="Repas", day=MONDAY, clock=TODAY, actor=staff)


def _print_day_list(engine, world: World, staff: Actor, site: str, tmp: Path) -> Any:
    out = tmp / f"{len(site)}.pdf"
    return print_day_list(
        engine, site=site, unit="Repas", day=MONDAY, out=out, clock=TODAY, actor=staff
    )


def _headcounts(engine, world: World, staff: Actor, site: str) -> Any:
    return headcounts(engine, start=MONDAY, end=MONDAY, clock=TODAY, site=site, actor=staff)


def _list_menus(engine, world: World, staff: Actor, site: str) -> Any:
    return list_menus(engine, start=MONDAY, end=MONDAY, site=site, actor=staff) == []


def _mark_attendance(engine, world: World, staff: Actor, site: str) -> Any:
    child, unit = ("Jeannot", world.unit_a) if site == SITE_A else ("Inès", world.unit_b)
    return mark_attendance(
        engine,
        enrolment_id=world.enrolments[child],
        day=MONDAY,
        unit_id=unit,
        present=True,
        actor=staff,
        clock=TODAY,
    )


SITE_SCENARIOS: dict[str, Callable[..., Any]] = {
    "lists.day.day_list": _day_list,
    "reports.print_day_list": _print_day_list,
    "lists.counts.headcounts": _headcounts,
    "menus.list_menus": _list_menus,
    "lists.pointage.mark_attendance": _mark_attendance,
}
# list_sites filters rather than refuses: test_staff_see_only_their_sites below.
FILTERED = {"lists.day.list_sites"}


def test_every_site_checked_function_has_a_scenario():
    by_site = {name for name, f in CHECKED.items() if MATRIX[f.__permission__].by_site}
    assert by_site == set(SITE_SCENARIOS) | FILTERED


@pytest.mark.parametrize("name", sorted(SITE_SCENARIOS))
def test_staff_of_another_site_are_refused(engine, site_a_staff, name, tmp_path):
    world, staff = site_a_staff
    scenario = SITE_SCENARIOS[name]
    extra = (tmp_path,) if name == "reports.print_day_list" else ()
    with pytest.raises(PermissionDenied, match=f"Le site {SITE_B} n'est pas l'un des vôtres"):
        scenario(engine, world, staff, SITE_B, *extra)
    assert scenario(engine, world, staff, SITE_A, *extra)  # their own site: allowed
    assert scenario(engine, world, world.agent, SITE_B, *extra)  # agents: every site


def test_staff_see_only_their_sites(engine, site_a_staff):
    world, staff = site_a_staff
    assert [summary.site for summary in list_sites(engine, actor=staff)] == [SITE_A]
    assert {summary.site for summary in list_sites(engine, actor=world.agent)} == set(EVERY_SITE)
    every_row = headcounts(engine, start=MONDAY, end=MONDAY, clock=TODAY, actor=staff)
    assert every_row and {row.site for row in every_row} == {SITE_A}
    # A unit named without its site: only theirs; a unit id of another site is refused.
    assert {row.site for row in _units(engine, staff, "Repas")} == {SITE_A}
    with pytest.raises(PermissionDenied):
        _units(engine, staff, world.unit_b)


def _units(engine, staff: Actor, unit: int | str) -> Any:
    return headcounts(engine, start=MONDAY, end=MONDAY, clock=TODAY, unit=unit, actor=staff)


def test_a_staff_member_without_a_site_sees_nothing(engine, site_a_staff):
    world, _ = site_a_staff
    moved = set_agent_sites(engine, "cantine.mons", (), actor=world.supervisor, clock=TODAY)
    assert moved.sites == ()
    nowhere = authenticate(engine, "cantine.mons", "mons-mons-1", TODAY, sleep=lambda _: None)
    assert list_sites(engine, actor=nowhere) == []
    assert headcounts(engine, start=MONDAY, end=MONDAY, clock=TODAY, actor=nowhere) == []
    with pytest.raises(PermissionDenied):
        _day_list(engine, world, nowhere, SITE_A)


def test_sites_are_changed_by_a_supervisor_only_and_audited(engine, site_a_staff):
    world, staff = site_a_staff
    with pytest.raises(PermissionDenied, match="Seul un superviseur"):
        set_agent_sites(engine, "cantine.mons", (SITE_B,), actor=world.agent, clock=TODAY)
    with pytest.raises(PermissionDenied):
        set_agent_sites(engine, "cantine.mons", (SITE_B,), actor=staff, clock=TODAY)
    moved = set_agent_sites(
        engine, "cantine.mons", ("jean macé", SITE_A), actor=world.supervisor, clock=TODAY
    )
    assert moved.sites == tuple(sorted((SITE_A, SITE_B)))
    listed = {a.login: a.sites for a in get_agents(engine, actor=world.supervisor)}
    assert listed["cantine.mons"] == tuple(sorted((SITE_A, SITE_B)))
    with read_session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.sites")).one()
    assert event.agent_id == world.supervisor.id
    assert SITE_B in event.details and "avant" in event.details


def test_only_staff_are_attached_to_sites_and_unknown_sites_are_refused(engine, site_a_staff):
    world, _ = site_a_staff
    with pytest.raises(ServiceError, match="Seul le personnel école"):
        set_agent_sites(engine, "guichet", (SITE_A,), actor=world.supervisor, clock=TODAY)
    with pytest.raises(ServiceError, match="Aucun site ne correspond"):
        set_agent_sites(
            engine, "cantine.mons", ("Vézénobres",), actor=world.supervisor, clock=TODAY
        )
    with pytest.raises(ServiceError, match="Aucun agent"):
        set_agent_sites(engine, "personne", (SITE_A,), actor=world.supervisor, clock=TODAY)
