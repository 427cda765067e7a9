"""CPU budget of the screens: what each step of the counter's journeys costs, net of the Pilot,
next to what Textual alone costs to draw the same widget tree without data.

A transition is a key (or the navigation call a menu entry makes) and everything until the
screen is idle: workers (services) done, first render drawn (tests/tui/scenes/base.settle).
Its CPU (time.process_time: every thread of the process, so the services' workers too) is
taken net of a key bound to nothing (f12 + settle) on the same screen just before.
The skeleton of the screen reached (`skeleton_of`: the same tree of widgets, each replaced
by its nearest Textual class under the same CSS type name, id, classes, default CSS and
component classes, no data) is then
pushed and timed the same way: that part is Textual's, the rest ("le nôtre" = total − Textual
seul) is ours, and the budget (BUDGET_MS) applies to it.
A full garbage collection runs before each timing, so that an earlier step's garbage is not
counted in this one. Sign-in also checks the password with Argon2, slow by design and noisy
(± 40 ms between two checks of the same password on this machine): the agents of the copies
timed here have their demo password hashed with Argon2's smallest parameters (same code path,
a check of well under a millisecond), and the real hash's check is measured alone and shown.

Each journey runs in a fresh app on a copy of a demo database of 200 households (SIZE 120×40).
The first call of the process runs the journeys once unmeasured (imports, CSS parsing).
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Result = tuple[str, float | None, str, str, bool | None]
BUDGET_MS = 40.0
BUDGET = f"≤ {BUDGET_MS:.0f} ms (le nôtre)"
IDLE_KEYS = 3
Action = Callable[[], Awaitable[None]]


def _textual_base(cls: type) -> type:
    return next(k for k in cls.__mro__ if k.__module__.startswith("textual"))


def _clone(node: Any) -> Any:
    """A data-less copy of `node` and its children, with Textual's classes only."""
    from textual.widget import Widget

    cls = type(node)
    base = _textual_base(cls)
    ours = base is not cls
    # The same CSS: its default rules and the component classes they style (Textual styles
    # each component class of a widget as a node of its own, at every restyle).
    css = {
        "DEFAULT_CSS": getattr(cls, "DEFAULT_CSS", ""),
        "COMPONENT_CLASSES": getattr(cls, "COMPONENT_CLASSES", set()),
    }
    klass = type(cls.__name__, (base,), css) if ours else cls
    try:
        copy = klass(id=node.id, classes=" ".join(sorted(node.classes)))
    except TypeError:  # a Textual widget that needs data to be built
        copy = Widget(id=node.id, classes=" ".join(sorted(node.classes)))
    if base.compose is Widget.compose:  # else the Textual widget composes its own children
        for child in node.children:
            copy.compose_add_child(_clone(child))
    return copy


def skeleton_of(screen: Any) -> Any:
    """A screen of the same CSS type name with the same widget tree, without data."""
    from textual.screen import Screen

    children = [_clone(child) for child in screen.children]

    def compose(self: Any) -> Any:
        yield from children

    return type(type(screen).__name__, (Screen,), {"compose": compose})()


class Journey:
    """One app, and the costs of its steps (ms, net of the Pilot, and Textual's skeleton)."""

    def __init__(self, pilot: Any, costs: dict[str, list[float]]) -> None:
        self.pilot = pilot
        self.costs = costs

    async def idle(self) -> float:
        from tests.tui.scenes.base import settle

        times = []
        for _ in range(IDLE_KEYS):
            start = time.process_time()
            await self.pilot.press("f12")
            await settle(self.pilot)
            times.append(time.process_time() - start)
        return statistics.median(times)

    async def step(self, name: str, action: Action) -> None:
        from tests.tui.scenes.base import settle

        idle = await self.idle()
        gc.collect()  # the earlier steps' garbage is not this step's cost
        start = time.process_time()
        await action()
        await settle(self.pilot)
        spent = time.process_time() - start
        self.costs.setdefault(name, []).append((spent - idle) * 1000)
        await self.skeleton(name)

    async def skeleton(self, name: str) -> None:
        from tests.tui.scenes.base import settle

        app = self.pilot.app
        bare = skeleton_of(app.screen)
        gc.collect()
        start = time.process_time()
        app.push_screen(bare)
        await settle(self.pilot)
        self.costs.setdefault(f"{name}#textual", []).append((time.process_time() - start) * 1000)
        app.pop_screen()
        await settle(self.pilot)


def _argon2_cost() -> float:
    """CPU of checking a password against a hash with the application's parameters."""
    from mairie_tui.services.agents import _HASHER, hash_password

    stored = hash_password("guichet")
    start = time.process_time()
    _HASHER.verify(stored, "guichet")
    return time.process_time() - start


def _cheap_password_hashes(db_path: Path) -> None:
    """Each demo agent's password (its login) hashed with Argon2's smallest parameters."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    conn = sqlite3.connect(db_path)
    try:
        for agent_id, login in conn.execute("SELECT id, login FROM agent").fetchall():
            conn.execute(
                "UPDATE agent SET password_hash = ? WHERE id = ?", (cheap.hash(login), agent_id)
            )
        conn.commit()
    finally:
        conn.close()


def _press(pilot: Any, *keys: str) -> Action:
    async def run() -> None:
        await pilot.press(*keys)

    return run


def _call(fn: Callable[[], Any]) -> Action:
    async def run() -> None:
        fn()

    return run


async def _counter(db: str, journey_costs: dict[str, list[float]]) -> None:
    """Sign-in → search → Foyer → réservations → step 1 → recap → confirmation."""
    from tests.tui.scenes.base import SIZE, fill, make_app, search, seed_ticks

    app = make_app(db, data_dir=Path(db.removeprefix("sqlite:///")).parent)
    async with app.run_test(size=SIZE) as pilot:
        journey = Journey(pilot, journey_costs)
        await fill(pilot, "#login", "guichet")
        await fill(pilot, "#password", "guichet")
        await journey.step("signin", _press(pilot, "enter"))
        journey_costs.setdefault("argon2", []).append(_argon2_cost() * 1000)
        await search(pilot)
        await journey.step("household", _press(pilot, "enter"))
        await journey.step("enrolments", _press(pilot, "r"))
        await journey.step("step1", _press(pilot, "enter"))
        await pilot.press("escape", "escape")  # back to the Foyer, nothing ticked yet
        await pilot.pause()
        await journey.step("menus", _press(pilot, "m"))
        await pilot.press("escape")
        await pilot.pause()
        household_id = app.screen.household_id
        await journey.step("demarche", _call(lambda: app.open_demarche("rdv_titres", household_id)))
    app = make_app(db, data_dir=Path(db.removeprefix("sqlite:///")).parent)
    async with app.run_test(size=SIZE) as pilot:
        journey = Journey(pilot, journey_costs)
        await seed_ticks(pilot)
        await journey.step("recap", _press(pilot, "enter"))
        await journey.step("confirmation", _press(pilot, "enter"))


async def _regie(db: str, journey_costs: dict[str, list[float]]) -> None:
    """September invoiced; the supervisor opens the Foyer (balance), its account, the till."""
    from tests.tui.scenes import regie
    from tests.tui.scenes.base import SIZE, make_app, search, sign_in

    app = make_app(db, now=regie.REGIE_NOW, data_dir=Path(db.removeprefix("sqlite:///")).parent)
    async with app.run_test(size=SIZE) as pilot:
        journey = Journey(pilot, journey_costs)
        regie.invoice_september(pilot)
        await sign_in(pilot, "superviseur")
        await search(pilot)
        await journey.step("regie_household", _press(pilot, "enter"))
        household_id = app.screen.household_id
        await journey.step("account", _call(lambda: app.open_household_account(household_id)))
        await pilot.press("escape")
        await pilot.pause()
        await journey.step("till", _press(pilot, "f7"))


def _largest_site(db: str, sites: list[str]) -> tuple[str, int]:
    """The site of `sites` (the Listes screen's, activity.site) with the most children booked
    on the demo's day (15/09/2020)."""
    conn = sqlite3.connect(db.removeprefix("sqlite:///"))
    try:
        counts = dict(
            conn.execute(
                "SELECT a.site, count(DISTINCT e.person_id) FROM booking b "
                "JOIN enrolment e ON e.id = b.enrolment_id "
                "JOIN activity a ON a.id = e.activity_id "
                "WHERE b.day = '2020-09-15' AND b.status = 'booked' GROUP BY a.site"
            ).fetchall()
        )
    finally:
        conn.close()
    best = max(sites, key=lambda site: counts.get(site, 0))
    return best, counts.get(best, 0)


async def _staff(db: str, journey_costs: dict[str, list[float]], info: dict[str, Any]) -> None:
    from tests.tui.scenes.base import SIZE, make_app, sign_in

    app = make_app(db, data_dir=Path(db.removeprefix("sqlite:///")).parent)
    async with app.run_test(size=SIZE) as pilot:
        journey = Journey(pilot, journey_costs)
        await sign_in(pilot, "cantine")
        screen = app.screen
        site, booked = _largest_site(db, [s.site for s in screen.sites])
        info["site"] = (site, booked)
        await journey.step("day_list", _call(lambda: screen.choose_site(site)))


async def _all_journeys(
    template: Path, workdir: Path, info: dict[str, Any]
) -> dict[str, list[float]]:
    costs: dict[str, list[float]] = {}
    for index, journey in enumerate((_counter, _regie, _staff)):
        copy = workdir / f"tui-screens-{index}.db"
        shutil.copyfile(template, copy)
        _cheap_password_hashes(copy)
        args = (info,) if journey is _staff else ()
        await journey(f"sqlite:///{copy}", costs, *args)
    return costs


STEPS = (
    ("signin", "connexion → recherche (entrée ; Argon2 aux paramètres minimaux)"),
    ("household", "recherche → Foyer (entrée)"),
    ("enrolments", "Foyer → Modifier les réservations (r)"),
    ("step1", "Modifier les réservations → étape 1 (entrée)"),
    ("recap", "étape 1 → récapitulatif (entrée, 3 jours cochés)"),
    ("confirmation", "récapitulatif → confirmation (entrée, validation écrite)"),
    ("demarche", "Foyer → démarche « Prise de rendez-vous »"),
    ("menus", "Foyer → menus de la semaine (m)"),
    ("regie_household", "recherche → Foyer avec son solde (régie)"),
    ("account", "Foyer → Factures et paiements"),
    ("till", "Foyer → Caisse (f7)"),
    ("day_list", "Listes : liste du jour du plus grand site"),
)


def bench_screens(ctx: Any) -> list[Result]:
    """CPU of each screen's opening, net of the Pilot, and Textual's share (same tree, no data)."""
    from tui import _demo_db

    template = _demo_db(ctx)
    info: dict[str, Any] = {}
    if not ctx.cache.get("tui_screens_warm"):
        asyncio.run(_all_journeys(template, Path(ctx.workdir), {}))
        ctx.cache["tui_screens_warm"] = True
    costs = asyncio.run(_all_journeys(template, Path(ctx.workdir), info))
    rows: list[Result] = []
    for key, label in STEPS:
        if key not in costs:
            rows.append((f"CPU, {label}", None, "ms", "", None))
            continue
        cpu, bare = costs[key][0], costs[f"{key}#textual"][0]
        ours = cpu - bare
        rows += [
            (f"CPU, {label}", cpu, "ms", "", None),
            (f"… Textual seul ({key} : même arbre, sans données)", bare, "ms", "", None),
            (f"… le nôtre ({key} : total − Textual seul)", ours, "ms", BUDGET, ours <= BUDGET_MS),
        ]
    rows.append(
        (
            "vérification Argon2 du mot de passe aux paramètres de l'application (seule)",
            costs["argon2"][0],
            "ms",
            "",
            None,
        )
    )
    if "site" in info:
        site, booked = info["site"]
        rows.append(
            (
                "plus grand site de la base de démonstration, réservés le 15/09/2020",
                booked,
                "enfants",
                "",
                None,
            )
        )
    return rows


BENCHMARKS = [bench_screens]
