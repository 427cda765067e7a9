"""Benchmarks of the régie: the monthly invoicing run and a household's balance.

The invoicing run uses the school-lists database of benchmarks/staff.py
(20 000 children in a canteen, a third also in périscolaire, a school year
of bookings, pointage for 04/01–14/01/2021), adds the demo's tariffs, and
invoices January 2021 (dry run, then the real run, on a copy each time).
The balance is read for random households of the 200 000-household database
of benchmarks/run.py after a run of invoices and payments for them.

Standalone: ``.venv/bin/python benchmarks/regie.py [--children N]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from staff import CHILDREN, build_staff_database  # noqa: E402

from mairie_tui.clock import FrozenClock, parse_now  # noqa: E402
from mairie_tui.db import make_engine, read_session, unit_of_work  # noqa: E402
from mairie_tui.services.common import Actor  # noqa: E402
from mairie_tui.services.regie import generate_month, prepare_month  # noqa: E402
from mairie_tui.services.regie.payments import balance_of  # noqa: E402
from mairie_tui.services.regie.tariffs import add_tariffs, demo_tariffs  # noqa: E402

Result = tuple[str, float | None, str, str, bool | None]
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
CLOCK = FrozenClock(parse_now("2021-02-02T09:00"))


def _database(ctx: Any) -> tuple[Path, dict[str, Any]]:
    if "regie_path" not in ctx.cache:
        size = int(ctx.cache.get("staff_children", CHILDREN))
        path = ctx.workdir / "regie.db"
        stats = build_staff_database(path, size)
        engine = make_engine(f"sqlite:///{path}")
        with unit_of_work(engine) as session:
            add_tariffs(session, demo_tariffs())
        engine.dispose()
        ctx.cache["regie_path"], ctx.cache["regie_stats"] = path, stats
    return ctx.cache["regie_path"], ctx.cache["regie_stats"]


def _copy(path: Path, name: str) -> Path:
    target = path.with_name(name)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            shutil.copyfile(source, Path(f"{target}{suffix}"))
    return target


def bench_invoicing(ctx: Any) -> list[Result]:
    path, stats = _database(ctx)
    children = int(stats.get("children", CHILDREN))
    engine = make_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    run = prepare_month(engine, 2021, 1, actor=SUPERVISOR)
    dry = time.perf_counter() - started
    engine.dispose()
    copy = _copy(path, "regie-run.db")
    engine = make_engine(f"sqlite:///{copy}")
    started = time.perf_counter()
    written = generate_month(engine, 2021, 1, actor=SUPERVISOR, clock=CLOCK)
    real = time.perf_counter() - started
    lines = sum(len(i.lines) for i in written.invoices)
    started = time.perf_counter()
    again = generate_month(engine, 2021, 1, actor=SUPERVISOR, clock=CLOCK)
    rerun = time.perf_counter() - started
    with read_session(engine) as session:
        ids = [i.household_id for i in written.invoices]
        sample = random.Random(7).sample(ids, min(200, len(ids)))
        timings = []
        for household_id in sample:
            t = time.perf_counter()
            balance_of(session, household_id)
            timings.append(time.perf_counter() - t)
    engine.dispose()
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))] * 1000 if timings else None
    assert again.numbers == ()
    note = f"{children} enfants, {len(run.invoices)} factures, {lines} lignes"
    return [
        (f"Facturation janvier 2021, essai à blanc ({note})", dry, "s", "≤ 30 s", dry <= 30),
        (f"Facturation janvier 2021, écriture ({note})", real, "s", "≤ 30 s", real <= 30),
        ("Relance du même mois (rien à écrire)", rerun, "s", "", None),
        ("Solde d'un foyer (p95 de 200)", p95, "ms", "≤ 5 ms", p95 is not None and p95 <= 5),
        (
            "Solde d'un foyer (médiane)",
            statistics.median(timings) * 1000 if timings else None,
            "ms",
            "",
            None,
        ),
    ]


BENCHMARKS = [bench_invoicing]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=CHILDREN)
    args = parser.parse_args()

    class Ctx:
        workdir = Path(tempfile.mkdtemp(prefix="bench-regie-"))
        cache: dict[str, Any] = {"staff_children": args.children}

    try:
        for name, value, unit, target, ok in bench_invoicing(Ctx()):
            shown = "non mesuré" if value is None else f"{value:.3f}"
            print(
                f"{name} : {shown} {unit} {target} {'' if ok is None else ('OK' if ok else 'HORS CIBLE')}"
            )
    finally:
        shutil.rmtree(Ctx.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
