"""Benchmarks of the régie: the monthly invoicing run and a household's balance.

The invoicing run uses the school-lists database of benchmarks/staff.py
(20 000 children in a canteen, a third also in périscolaire, a school year
of bookings, pointage for 04/01–14/01/2021), adds the demo's tariffs, and
invoices January 2021 (dry run, then the real run, on a copy each time).
The balance is read for 200 random invoiced households of that database, and
for 200 random households of a database of 200 000 households with two
invoices each and a payment for half of them (`bench_balance_200k`, bulk
sqlite3 inserts). With ``--pg`` (run.py) the invoicing run is measured again on
a PostgreSQL copy (`load_into_postgres` of benchmarks/staff.py). Wall times
on a shared machine: the CPU time of the process is given beside them.

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

from staff import CHILDREN, build_staff_database, load_into_postgres  # noqa: E402

from mairie_tui.clock import FrozenClock, parse_now  # noqa: E402
from mairie_tui.db import make_engine, read_session, unit_of_work, upgrade  # noqa: E402
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


def _timed(fn: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _balances(engine: Any, ids: list[int], passes: int = 3) -> list[float]:
    """Each of 200 random households' balance, the median of `passes` interleaved passes
    (the machine is shared: one pass's p95 measures the scheduler more than the query)."""
    sample = random.Random(7).sample(ids, min(200, len(ids)))
    timings: dict[int, list[float]] = {h: [] for h in sample}
    with read_session(engine) as session:
        balance_of(session, sample[0])  # warm the statement cache
        for _ in range(passes):
            for household_id in sample:
                t = time.perf_counter()
                balance_of(session, household_id)
                timings[household_id].append(time.perf_counter() - t)
    return sorted(statistics.median(values) for values in timings.values())


def _balance_rows(timings: list[float], what: str) -> list[Result]:
    p95 = timings[int(0.95 * (len(timings) - 1))] * 1000 if timings else None
    return [
        (
            f"Solde d'un foyer, {what} (p95 de 200)",
            p95,
            "ms",
            "≤ 5 ms",
            p95 is not None and p95 <= 5,
        ),
        (
            f"Solde d'un foyer, {what} (médiane)",
            statistics.median(timings) * 1000 if timings else None,
            "ms",
            "",
            None,
        ),
    ]


def _invoicing_rows(engine_of: Any, label: str, children: int) -> list[Any]:
    """Dry run, real run and re-run of January 2021 on the engines `engine_of(step)` gives."""
    engine = engine_of("dry")
    dry, dry_cpu, run = _timed(lambda: prepare_month(engine, 2021, 1, actor=SUPERVISOR))
    engine.dispose()
    engine = engine_of("run")
    real, real_cpu, written = _timed(
        lambda: generate_month(engine, 2021, 1, actor=SUPERVISOR, clock=CLOCK)
    )
    lines = sum(len(i.lines) for i in written.invoices)
    rerun, rerun_cpu, again = _timed(
        lambda: generate_month(engine, 2021, 1, actor=SUPERVISOR, clock=CLOCK)
    )
    assert again.numbers == ()
    timings = _balances(engine, [i.household_id for i in written.invoices])
    engine.dispose()
    note = f"{children} enfants, {len(run.invoices)} factures, {lines} lignes"
    return [
        (f"{label}essai à blanc ({note})", dry, "s", "≤ 30 s", dry <= 30, f"CPU {dry_cpu:.1f} s"),
        (f"{label}écriture ({note})", real, "s", "≤ 30 s", real <= 30, f"CPU {real_cpu:.1f} s"),
        (
            f"{label}relance du même mois (rien à écrire)",
            rerun,
            "s",
            "",
            None,
            f"CPU {rerun_cpu:.1f} s",
        ),
        *_balance_rows(timings, f"{label.rstrip(', ')} ({len(written.invoices)} foyers facturés)"),
    ]


def bench_invoicing(ctx: Any) -> list[Any]:
    """Facturation d'un mois (SQLite)."""
    path, stats = _database(ctx)
    children = int(stats.get("children", CHILDREN))

    def engine_of(step: str) -> Any:
        if step == "dry":
            return make_engine(f"sqlite:///{path}")
        return make_engine(f"sqlite:///{_copy(path, 'regie-run.db')}")

    return _invoicing_rows(engine_of, "Facturation janvier 2021, ", children)


def bench_invoicing_postgresql(ctx: Any) -> list[Any]:
    """Facturation d'un mois (PostgreSQL, avec --pg)."""
    admin_url = getattr(ctx, "pg_url", None)
    if not admin_url:
        return []
    path, stats = _database(ctx)
    started = time.perf_counter()
    url, drop = load_into_postgres(path, admin_url)
    copied = time.perf_counter() - started
    try:
        engine = make_engine(url)
        with unit_of_work(engine) as session:
            add_tariffs(session, demo_tariffs())
        engine.dispose()
        rows: list[Any] = [("régie : copie des données vers PostgreSQL", copied, "s", "", None)]
        rows += _invoicing_rows(
            lambda _step: make_engine(url),
            "PostgreSQL — facturation janvier 2021, ",
            int(stats.get("children", CHILDREN)),
        )
        return rows
    finally:
        drop()


BALANCE_HOUSEHOLDS = 200_000


def build_balance_database(path: Path, households: int = BALANCE_HOUSEHOLDS) -> None:
    """`households` households, two invoices each (09 and 10/2020), a payment for half."""
    import sqlite3

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(20201105)
    stamp = "2020-11-03 08:00:00.000000"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        conn.execute(
            "INSERT INTO agent (id, login, name, role, password_hash, active, failed_attempts) "
            "VALUES (2, 'superviseur', 'Dominique Roux', 'supervisor', 'x', 1, 0)"
        )
        conn.executemany(
            "INSERT INTO household (id, dossier, address, postcode, commune_insee, commune_name, "
            "version, created_at, updated_at) VALUES (?,?,'1 rue','30100','30007','Alès',1,?,?)",
            ((h, f"F-{h:06d}", stamp, stamp) for h in range(1, households + 1)),
        )
        invoices = []
        number = 0
        for h in range(1, households + 1):
            for period in ("2020-09", "2020-10"):
                number += 1
                invoices.append(
                    (
                        number,
                        f"2020-F-{number:06d}",
                        h,
                        period,
                        stamp,
                        "2020-11-15",
                        rng.randrange(500, 9000),
                    )
                )
        conn.executemany(
            "INSERT INTO invoice (id, number, kind, household_id, period, issued_at, due_date, "
            "total_cents, qf_basis, reason, agent_id) VALUES (?,?,'F',?,?,?,?,?,'','',2)",
            invoices,
        )
        conn.executemany(
            "INSERT INTO payment (id, number, household_id, taken_at, till_day, agent_id, "
            "total_cents, change_cents, cancel_reason) VALUES (?,?,?,?,'2020-11-04',2,?,0,'')",
            (
                (n, f"2020-R-{n:06d}", h, stamp, rng.randrange(500, 9000))
                for n, h in enumerate(range(1, households + 1, 2), start=1)
            ),
        )
    conn.execute("ANALYZE")
    conn.close()


def bench_balance_200k(ctx: Any) -> list[Any]:
    """Solde d'un foyer à 200 000 foyers (SQLite)."""
    size = int(
        ctx.cache.get("balance_households") or getattr(ctx, "households", BALANCE_HOUSEHOLDS)
    )
    path = ctx.workdir / "regie-balance.db"
    started = time.perf_counter()
    build_balance_database(path, size)
    built = time.perf_counter() - started
    engine = make_engine(f"sqlite:///{path}")
    try:
        timings = _balances(engine, list(range(1, size + 1)))
    finally:
        engine.dispose()
    what = f"{size} foyers, {2 * size} factures, {size // 2} paiements"
    return [(f"Base du solde ({what})", built, "s", "", None), *_balance_rows(timings, what)]


BENCHMARKS = [bench_invoicing, bench_balance_200k, bench_invoicing_postgresql]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=CHILDREN)
    parser.add_argument("--households", type=int, default=BALANCE_HOUSEHOLDS)
    parser.add_argument("--pg", default=None, help="serveur PostgreSQL (URL), base jetable")
    args = parser.parse_args()

    class Ctx:
        workdir = Path(tempfile.mkdtemp(prefix="bench-regie-"))
        cache: dict[str, Any] = {
            "staff_children": args.children,
            "balance_households": args.households,
        }
        pg_url = args.pg

    try:
        for bench in BENCHMARKS:
            for name, value, unit, target, ok, *note in bench(Ctx()):
                shown = "non mesuré" if value is None else f"{value:.3f}"
                verdict = "" if ok is None else ("OK" if ok else "HORS CIBLE")
                print(f"{name} : {shown} {unit} {target} {verdict} {' '.join(note)}", flush=True)
    finally:
        shutil.rmtree(Ctx.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
