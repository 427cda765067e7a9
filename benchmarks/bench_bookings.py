"""Benchmarks of bookings on the demo database: weekly pattern, month view, validation.

Each takes run.py's Context (``engine`` set by the demo build, ``repeats``) and returns Rows.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import date
from typing import Any

from bench_rows import Row, ms, percentile

from mairie_tui.db import read_session
from mairie_tui.services.common import Actor

BENCH_NOW = "2020-08-20T10:00"  # before the school year: every day is open
# The agent on whose behalf the measured use cases run (they check the permission matrix).
BENCH_AGENT = Actor(id=None, login="bench", name="Bench", role="agent")


def bench_clock() -> Any:
    from mairie_tui.clock import FrozenClock, parse_now

    return FrozenClock(parse_now(BENCH_NOW))


def seed(ctx: Any) -> Any:
    from mairie_tui.services.demo import seed_ids

    assert ctx.engine is not None
    with read_session(ctx.engine) as session:
        return seed_ids(session)


def school_year_pattern(unit_id: int) -> Any:
    from mairie_tui.domain.draft import WeeklyPattern

    return WeeklyPattern(
        weekdays=frozenset({0, 1, 3, 4}),
        unit_ids=(unit_id,),
        start=date(2020, 9, 1),
        end=date(2021, 7, 6),
    )


def bench_weekly_pattern(ctx: Any) -> list[Row]:
    """BookingDraft.apply_pattern, Mon/Tue/Thu/Fri, 01/09/2020–06/07/2021, on a fresh draft."""
    from mairie_tui.domain.draft import BookingDraft
    from mairie_tui.services.bookings import open_booking

    assert ctx.engine is not None
    ids = seed(ctx)
    booking = open_booking(ctx.engine, ids.enrolment_id, bench_clock(), actor=BENCH_AGENT)
    pattern = school_year_pattern(ids.unit_id)
    times = []
    added = 0
    for _ in range(max(5, ctx.repeats * 10)):
        draft = BookingDraft(ctx=booking.draft.ctx, existing=booking.draft.existing)
        start = time.perf_counter()
        result = draft.apply_pattern(pattern)
        times.append(time.perf_counter() - start)
        added = len(result.changed)
    p50 = ms(statistics.median(times))
    return [
        Row(
            "périodicité lun/mar/jeu/ven sur l'année scolaire (apply_pattern), médiane",
            p50,
            "ms",
            "≤ 10 ms",
            p50 <= 10,
            f"{added} jours cochés",
        )
    ]


def bench_month_view(ctx: Any) -> list[Row]:
    """month_view of the seed enrolment (septembre 2020)."""
    from mairie_tui.services.bookings import month_view

    assert ctx.engine is not None
    ids = seed(ctx)
    clock = bench_clock()
    month_view(ctx.engine, ids.enrolment_id, 2020, 9, clock, actor=BENCH_AGENT)
    times = []
    for i in range(max(20, ctx.repeats * 40)):
        year, month = (2020, 9 + i % 4) if i % 10 < 4 else (2021, 1 + i % 6)
        start = time.perf_counter()
        month_view(ctx.engine, ids.enrolment_id, year, month, clock, actor=BENCH_AGENT)
        times.append(time.perf_counter() - start)
    p50, p95 = ms(percentile(times, 0.5)), ms(percentile(times, 0.95))
    return [
        Row("vue du mois d'une inscription (month_view), p50", p50, "ms", "≤ 2 ms", p50 <= 2),
        Row("vue du mois, p95", p95, "ms"),
    ]


def bench_validate_year(ctx: Any) -> list[Row]:
    """validate_booking of a whole school year (141 days) on SQLite, then its cancellation."""
    from mairie_tui.services.bookings import open_booking, validate_booking
    from mairie_tui.services.common import Actor

    assert ctx.engine is not None
    ids = seed(ctx)
    clock = bench_clock()
    actor = Actor(id=None, login="bench", name="Bench", role="agent")
    pattern = school_year_pattern(ids.unit_id)
    untick = replace(pattern, tick=False)
    book_times, cancel_times = [], []
    days = 0
    for _ in range(max(1, ctx.repeats)):
        booking = open_booking(ctx.engine, ids.enrolment_id, clock, actor=BENCH_AGENT)
        booking.draft.apply_pattern(pattern)
        days = len(booking.draft.recap())
        start = time.perf_counter()
        validate_booking(ctx.engine, booking, actor=actor, clock=clock)
        book_times.append(time.perf_counter() - start)
        booking = open_booking(ctx.engine, ids.enrolment_id, clock, actor=BENCH_AGENT)
        booking.draft.apply_pattern(untick)
        start = time.perf_counter()
        validate_booking(ctx.engine, booking, actor=actor, clock=clock)
        cancel_times.append(time.perf_counter() - start)
    book, cancel = ms(statistics.median(book_times)), ms(statistics.median(cancel_times))
    return [
        Row(
            f"validation d'une année scolaire ({days} jours, SQLite), médiane",
            book,
            "ms",
            "≤ 100 ms",
            book <= 100 if days == 141 else None,
        ),
        Row(f"annulation des mêmes {days} jours, médiane", cancel, "ms", "≤ 100 ms", cancel <= 100),
    ]
