"""Benchmarks of household import / export (issues 6 and 12).

Takes the shared context of benchmarks/run.py: exports every household of the
large demo database (``ctx.engine``, 200 000 households) to CSV (one line per
person), keeps the first 50 000 households and imports them, with --apply, into
a new empty SQLite database, then (with ``--pg``) into a scratch PostgreSQL one.

Standalone: ``.venv/bin/python benchmarks/households.py [--households N] [--pg URL]``
(builds its own demo).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Result = tuple[str, float | None, str, str, bool | None]
IMPORTED = 50_000


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _import_into(url: str, path: Path, label: str) -> list[Result]:
    from mairie_tui.clock import FrozenClock, parse_now
    from mairie_tui.db import make_engine, upgrade
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.household_io import import_households

    target = make_engine(url)
    try:
        upgrade(target)
        clock = FrozenClock(parse_now("2020-08-20T10:00"))
        start = time.perf_counter()
        dry = import_households(target, path, actor=SYSTEM_ACTOR, clock=clock)
        dry_time = time.perf_counter() - start
        start = time.perf_counter()
        report = import_households(target, path, actor=SYSTEM_ACTOR, clock=clock, apply=True)
        import_time = time.perf_counter() - start
        start = time.perf_counter()
        again = import_households(target, path, actor=SYSTEM_ACTOR, clock=clock, apply=True)
        again_time = time.perf_counter() - start
    finally:
        target.dispose()
    return [
        (f"essai à blanc de {_thousands(dry.good)} foyers ({label})", dry_time, "s", "", None),
        (
            f"import de {_thousands(report.imported)} foyers (--apply, {label}, une transaction)",
            import_time,
            "s",
            "≤ 30 s (50 000 foyers)",
            import_time <= 30 and report.imported == IMPORTED,
        ),
        (
            f"lignes en erreur à l'import ({label})",
            float(len(report.bad)),
            "lignes",
            "0",
            not report.bad,
        ),
        (
            f"second import du même fichier ({label}, idempotent : 0 foyer créé)",
            again_time,
            "s",
            "0 créé",
            again.imported == 0,
        ),
    ]


def _scratch_pg(admin_url: str) -> tuple[str, Any]:
    import os

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from mairie_tui.config import normalise_db_url

    url = make_url(normalise_db_url(admin_url))
    name = f"mairie_bench_import_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def bench_import_export(ctx: Any) -> list[Result]:
    """Export of every household, then import of 50 000 of them into empty databases."""
    from mairie_tui.clock import FrozenClock, parse_now
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.household_io import export_households_bytes
    from mairie_tui.services.household_io.exporting import export_data, to_csv

    source = ctx.engine
    if source is None:
        return [("import de foyers", None, "s", "≤ 30 s", None)]
    start = time.perf_counter()
    clock = FrozenClock(parse_now("2020-08-20T10:00"))
    content = export_households_bytes(source, actor=SYSTEM_ACTOR, clock=clock, fmt="csv")
    export_time = time.perf_counter() - start
    households = len(export_data(source, actor=SYSTEM_ACTOR))
    path = Path(ctx.workdir) / "foyers-import.csv"
    path.write_text(to_csv(export_data(source, actor=SYSTEM_ACTOR)[:IMPORTED]), encoding="utf-8")
    lines = content.count(b"\n") - 1
    rows: list[Result] = [
        (
            f"export CSV de {_thousands(households)} foyers ({_thousands(lines)} personnes)",
            export_time,
            "s",
            "≤ 20 s (200 000 foyers)",
            export_time <= 20 if households >= 200_000 else None,
        )
    ]
    target_path = Path(ctx.workdir) / "import-target.db"
    target_path.unlink(missing_ok=True)
    rows += _import_into(f"sqlite:///{target_path}", path, "SQLite")
    admin_url = getattr(ctx, "pg_url", None)
    if admin_url:
        url, drop = _scratch_pg(admin_url)
        try:
            rows += _import_into(url, path, "PostgreSQL")
        finally:
            drop()
    return rows


BENCHMARKS = [bench_import_export]


if __name__ == "__main__":
    from types import SimpleNamespace

    from mairie_tui.db import make_engine, upgrade
    from mairie_tui.services.demo import build_demo

    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=IMPORTED)
    parser.add_argument("--pg", default=None)
    parser.add_argument("--db", default=None, help="an existing demo database (SQLite file)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mairie-import-bench-"))
    if args.db:
        engine = make_engine(f"sqlite:///{args.db}")
    else:
        engine = make_engine(f"sqlite:///{work / 'source.db'}")
        upgrade(engine)
        build_demo(engine, households=args.households)
    context = SimpleNamespace(workdir=work, engine=engine, pg_url=args.pg)
    for row in bench_import_export(context):
        print(row)
