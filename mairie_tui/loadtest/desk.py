"""One counter desk: a process that signs in and works through the real services.

Each desk builds its own engine, then loops over weighted random operations
until its time is up. Every call is timed and classified (ok, refused with a
French ServiceError, unexpected exception); the samples go back to the parent
in batches over a multiprocessing queue, with the counters the invariant
checks compare the tables to.
"""

from __future__ import annotations

import dataclasses
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from mairie_tui.clock import FrozenClock, parse_now
from mairie_tui.db import make_engine
from mairie_tui.loadtest.scenario import (
    AGENDA_CODE,
    BOOKING_WINDOW,
    DESK_PASSWORD,
    DeskPlan,
    Scenario,
)
from mairie_tui.models import Booking, Enrolment
from mairie_tui.services.absences import declare_absence
from mairie_tui.services.agents import authenticate
from mairie_tui.services.appointments import book_appointment, next_free_slots
from mairie_tui.services.bookings import (
    LIVE_STATUSES,
    BookingSession,
    list_enrolments,
    month_view,
    open_booking,
    reload_booking,
    validate_booking,
    warm_up,
)
from mairie_tui.services.enrolments import enrol_child
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.household_edit import household_input, update_household
from mairie_tui.services.households import get_household
from mairie_tui.services.search import find_households
from mairie_tui.services.transactions import retries_so_far

# Operation names (French: they are printed as is) and their weights in the loop.
SIGN_IN = "connexion"
SEARCH = "recherche"
HOUSEHOLD = "fiche foyer"
CALENDAR = "calendrier du mois"
OPEN = "ouverture réservation"
VALIDATE_OWN = "validation (foyer du guichet)"
VALIDATE_HOT = "validation (foyer partagé)"
VALIDATE_LAST = "validation (dernières places)"
RELOAD = "rechargement après conflit"
ENROL = "inscription"
ABSENCE = "absence"
EDIT = "modification foyer"
SLOTS = "créneaux libres"
APPOINTMENT = "rendez-vous"
VALIDATIONS = (VALIDATE_OWN, VALIDATE_HOT, VALIDATE_LAST)
WEIGHTS = {
    SEARCH: 14,
    HOUSEHOLD: 8,
    CALENDAR: 8,
    VALIDATE_OWN: 18,
    VALIDATE_HOT: 10,
    VALIDATE_LAST: 10,
    ENROL: 8,
    ABSENCE: 6,
    EDIT: 8,
    APPOINTMENT: 6,
    SIGN_IN: 2,
}
OK, REFUSED, UNEXPECTED = "ok", "refusé", "inattendu"
FLUSH_SECONDS = 0.3
KEPT_TRACEBACKS = 3


def message_kind(message: str) -> str:
    """A short family for a French refusal, to count them by kind."""
    lowered = message.lower()
    for needle, kind in (
        ("complet", "complet"),
        ("autre poste", "modifié par un autre poste"),
        ("vient d'être pris", "créneau pris entre-temps"),
        ("déjà inscrit", "déjà inscrit(e)"),
        ("absence de", "absence déjà signalée"),
        ("déjà réservé", "déjà réservé"),
        ("doublon", "doublon possible"),
        ("occup", "base occupée"),
    ):
        if needle in lowered:
            return kind
    return message[:60]


class Desk:
    def __init__(self, scenario: Scenario, plan: DeskPlan, queue: Any) -> None:
        self.scenario, self.plan, self.queue = scenario, plan, queue
        self.engine = make_engine(scenario.url)
        self.clock = FrozenClock(parse_now(scenario.now))
        self.rng = random.Random(scenario.seed * 1000 + plan.index)
        self.samples: list[tuple[str, str, str, float]] = []
        self.ok: Counter[str] = Counter()
        self.extra: Counter[str] = Counter()
        self.tracebacks: list[str] = []
        self.last_error: BaseException | None = None
        self.last_flush = time.monotonic()
        self.started = 0.0
        self.actor: Any = None
        self.own_enrolments: list[tuple[int, int, int]] = []  # (household, child, enrolment)
        self.hot_enrolments: list[int] = []

    # ------------------------------------------------------------ plumbing

    def call(self, op: str, fn: Callable[[], Any]) -> Any:
        """Run and time one service call; None when it failed (see last_error)."""
        self.last_error = None
        began = time.perf_counter()
        try:
            value = fn()
        except ServiceError as exc:
            outcome, kind, value = REFUSED, f"{type(exc).__name__} : {message_kind(str(exc))}", None
            self.last_error = exc
        except Exception as exc:  # noqa: BLE001 - the harness counts every unexpected error
            outcome, kind, value = UNEXPECTED, type(exc).__name__, None
            self.last_error = exc
            if len(self.tracebacks) < KEPT_TRACEBACKS:
                self.tracebacks.append(f"[{self.plan.login} · {op}]\n{traceback.format_exc()}")
        else:
            outcome, kind = OK, ""
            self.ok[op] += 1
        self.samples.append((op, outcome, kind, (time.perf_counter() - began) * 1000))
        self.flush()
        return value

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.samples and (force or now - self.last_flush >= FLUSH_SECONDS):
            self.queue.put(("samples", self.plan.index, self.samples))
            self.samples = []
            self.last_flush = now

    # ------------------------------------------------------------ life

    def setup(self) -> bool:
        warm_up(self.engine, self.clock)
        self.actor = self.call(SIGN_IN, self.sign_in)
        if self.actor is None:
            return False
        for household_id in self.plan.own_households:
            for enrolment in list_enrolments(self.engine, household_id, actor=self.actor):
                if enrolment.status == "active":
                    self.own_enrolments.append((household_id, enrolment.child_id, enrolment.id))
        for household_id in self.scenario.hot_households:
            self.hot_enrolments += [
                e.id
                for e in list_enrolments(self.engine, household_id, actor=self.actor)
                if e.status == "active"
            ]
        return True

    def sign_in(self) -> Any:
        return authenticate(self.engine, self.plan.login, DESK_PASSWORD, self.clock)

    def run(self, seconds: float) -> None:
        self.started = time.monotonic()
        deadline = self.started + seconds
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        actions: dict[str, Callable[[], None]] = {
            SIGN_IN: lambda: self.call(SIGN_IN, self.sign_in),
            SEARCH: self.search,
            HOUSEHOLD: self.household,
            CALENDAR: self.calendar,
            VALIDATE_OWN: self.validate_own,
            VALIDATE_HOT: self.validate_hot,
            VALIDATE_LAST: self.validate_last_places,
            ENROL: self.enrol,
            ABSENCE: self.absence,
            EDIT: self.edit,
            APPOINTMENT: self.appointment,
        }
        while time.monotonic() < deadline:
            actions[self.rng.choices(names, weights)[0]]()
        self.flush(force=True)

    def summary(self) -> dict[str, Any]:
        extra = dict(self.extra)
        extra["nouveaux essais des services"] = retries_so_far()
        return {"ok": dict(self.ok), "extra": extra, "tracebacks": self.tracebacks}

    # ------------------------------------------------------------ reads

    def search(self) -> None:
        text = self.rng.choice(self.plan.search_texts)
        self.call(SEARCH, lambda: find_households(self.engine, text, limit=50, actor=self.actor))

    def household(self) -> None:
        household_id = self.rng.choice(self.plan.own_households + self.scenario.hot_households)
        self.call(HOUSEHOLD, lambda: get_household(self.engine, household_id, actor=self.actor))

    def calendar(self) -> None:
        _, _, enrolment_id = self.rng.choice(self.own_enrolments)
        month = self.rng.choice((9, 10))
        self.call(
            CALENDAR,
            lambda: month_view(
                self.engine, enrolment_id, 2020, month, self.clock, actor=self.actor
            ),
        )

    # ------------------------------------------------------------ bookings

    def _window_day(self) -> date:
        first, last = BOOKING_WINDOW
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def _tick_some(self, booking: BookingSession) -> bool:
        """Tick or untick one to three days of the window, as an agent would on the grid."""
        for _ in range(self.rng.randint(1, 3)):
            for _attempt in range(8):
                day, unit = self._window_day(), self.rng.choice(booking.units)
                ticked = booking.draft.is_ticked(day, unit.id)
                if booking.draft.set(day, unit.id, not ticked).changed:
                    break
        return bool(booking.draft.recap())

    def _validate(self, op: str, enrolment_id: int, pick: Callable[[BookingSession], bool]) -> None:
        booking = self.call(
            OPEN, lambda: open_booking(self.engine, enrolment_id, self.clock, actor=self.actor)
        )
        if booking is None or not pick(booking):
            return
        self.call(
            op, lambda: validate_booking(self.engine, booking, actor=self.actor, clock=self.clock)
        )
        if type(self.last_error).__name__ != "ConflictError":
            return
        # What the agent does on « Un autre poste a modifié… »: reload, then validate again.
        self.extra["reprises après conflit"] += 1
        reloaded = self.call(
            RELOAD, lambda: reload_booking(self.engine, booking, self.clock, actor=self.actor)
        )
        if reloaded is not None and reloaded[0].draft.recap():
            fresh = reloaded[0]
            self.call(
                op, lambda: validate_booking(self.engine, fresh, actor=self.actor, clock=self.clock)
            )

    def validate_own(self) -> None:
        _, _, enrolment_id = self.rng.choice(self.own_enrolments)
        if enrolment_id != self.plan.hot_enrolment:
            self._validate(VALIDATE_OWN, enrolment_id, self._tick_some)

    def validate_hot(self) -> None:
        self._validate(VALIDATE_HOT, self.rng.choice(self.hot_enrolments), self._tick_some)

    def validate_last_places(self) -> None:
        def pick(booking: BookingSession) -> bool:
            unit, draft = self.scenario.hot_unit, booking.draft
            held = [day for day in self.scenario.hot_days if draft.is_ticked(day, unit)]
            if held and self.rng.random() < 0.4:
                draft.set(self.rng.choice(held), unit, False)  # gives a place back
            else:
                free = [day for day in self.scenario.hot_days if day not in held]
                if not free:
                    return False
                result = draft.set(self.rng.choice(free), unit, True)
                if result.skipped:
                    self.extra["complet à l'écran (rien envoyé)"] += 1
            return bool(draft.recap())

        self._validate(VALIDATE_LAST, self.plan.hot_enrolment, pick)

    # ------------------------------------------------------------ other desks' work

    def enrol(self) -> None:
        # Desks working at the same moment pick the same child: the same child
        # enrolled from two desks at once, as when a family calls twice.
        children = self.scenario.enrol_children
        child_id = children[int((time.monotonic() - self.started) * 2) % len(children)]
        activity_id = self.rng.choice(self.scenario.enrol_activities)
        self.call(
            ENROL,
            lambda: enrol_child(
                self.engine,
                child_id=child_id,
                activity_id=activity_id,
                actor=self.actor,
                clock=self.clock,
            ),
        )

    def _enrolments_touched(self, child_id: int, start: date, end: date) -> int:
        """Enrolments whose version an absence bumps: those with live bookings in the range."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count(func.distinct(Enrolment.id)))
                    .join(Booking, Booking.enrolment_id == Enrolment.id)
                    .where(
                        Enrolment.person_id == child_id,
                        Booking.status.in_(LIVE_STATUSES),  # type: ignore[attr-defined]
                        Booking.day >= start,
                        Booking.day <= end,
                    )
                ).scalar()
                or 0
            )

    def absence(self) -> None:
        household_id, child_id, _ = self.rng.choice(self.own_enrolments)
        start = self._window_day()
        end = start + timedelta(days=self.rng.choice((0, 0, 1, 3)))
        # Own households are this desk's alone: the count cannot change before the call.
        touched = self._enrolments_touched(child_id, start, end)
        filed = self.call(
            ABSENCE,
            lambda: declare_absence(
                self.engine,
                household_id=household_id,
                child_id=child_id,
                start=start,
                end=end,
                reason="maladie",
                actor=self.actor,
                clock=self.clock,
            ),
        )
        if filed is not None:
            self.extra["versions d'inscription (absences)"] += touched

    def edit(self) -> None:
        shared = self.rng.random() < 0.25
        pool = self.scenario.hot_households if shared else self.plan.own_households
        household_id = self.rng.choice(pool)
        loaded = self.call(
            HOUSEHOLD, lambda: household_input(self.engine, household_id, actor=self.actor)
        )
        if loaded is None:
            return
        data, version = loaded
        changed = dataclasses.replace(data, address=f"{self.rng.randint(1, 199)} rue de la Charge")
        self.call(
            EDIT,
            lambda: update_household(
                self.engine,
                household_id,
                changed,
                expected_version=version,
                actor=self.actor,
                clock=self.clock,
            ),
        )

    def appointment(self) -> None:
        slots = self.call(
            SLOTS,
            lambda: next_free_slots(
                self.engine, AGENDA_CODE, actor=self.actor, clock=self.clock, limit=6
            ),
        )
        if not slots:
            self.extra["aucun créneau libre"] += 1 if slots is not None else 0
            return
        slot = self.rng.choice(slots[:3])
        household_id = self.rng.choice(self.plan.own_households)
        self.call(
            APPOINTMENT,
            lambda: book_appointment(
                self.engine,
                code=AGENDA_CODE,
                starts_at=slot.starts_at,
                actor=self.actor,
                clock=self.clock,
                household_id=household_id,
                name=f"Rendez-vous pris par {self.plan.login}",
            ),
        )


def run_desk(scenario: Scenario, index: int, seconds: float, queue: Any, go: Any) -> None:
    """Process entry point: set up, wait for every desk, run, report."""
    desk = Desk(scenario, scenario.desks[index], queue)
    try:
        ready = desk.setup()
        desk.flush(force=True)
        queue.put(("ready", index, ready))
        go.wait()
        if ready:
            desk.run(seconds)
    except Exception:  # noqa: BLE001 - a desk must always report back
        desk.tracebacks.append(f"[{desk.plan.login} · poste]\n{traceback.format_exc()}")
        desk.extra["poste arrêté"] += 1
        queue.put(("ready", index, False))
    finally:
        desk.flush(force=True)
        queue.put(("done", index, desk.summary()))
        desk.engine.dispose()
