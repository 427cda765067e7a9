"""Benchmarks of household import / export (issue 6): 50 000 households imported.

Takes the shared context of benchmarks/run.py: exports the households of the
large demo database (``ctx.engine``) to CSV, keeps the first 50 000 lines and
imports them, with --apply, into a new empty SQLite database.

Standalone: ``.venv/bin/python benchmarks/households.py`` (builds its own demo).
"""

from __future__ import annotations

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


def bench_import_export(ctx: Any) -> list[Result]:
    """Export of every household, then import of 50 000 of them into an empty database."""
    from mairie_tui.clock import FrozenClock, parse_now
    from mairie_tui.db import make_engine, upgrade
    from mairie_tui.services.common import SYSTEM_ACTOR
    from mairie_tui.services.household_io import export_households, import_households

    source = ctx.engine
    if source is None:
        return [("import de foyers", None, "s", "≤ 30 s", None)]
    clock = FrozenClock(parse_now("2020-08-20T10:00"))
    start = time.perf_counter()
    text = export_households(source, actor=SYSTEM_ACTOR, clock=clock, fmt="csv")
    export_time = time.perf_counter() - start
    lines = text.splitlines()
    path = Path(ctx.workdir) / "foyers-import.csv"
    path.write_text("\n".join(lines[: IMPORTED + 1]) + "\n", encoding="utf-8")
    target_path = Path(ctx.workdir) / "import-target.db"
    target_path.unlink(missing_ok=True)
    target = make_engine(f"sqlite:///{target_path}")
    try:
        upgrade(target)
        start = time.perf_counter()
        report = import_households(target, path, actor=SYSTEM_ACTOR, clock=clock, apply=True)
        import_time = time.perf_counter() - start
        start = time.perf_counter()
        again = import_households(target, path, actor=SYSTEM_ACTOR, clock=clock, apply=True)
        again_time = time.perf_counter() - start
    finally:
        target.dispose()
    households = len(lines) - 1
    return [
        (f"export CSV de {households:,} foyers".replace(",", "\u202f"), export_time, "s", "", None),
        (
            f"import de {report.imported:,} foyers (--apply, SQLite, une transaction)".replace(
                ",", "\u202f"
            ),
            import_time,
            "s",
            "≤ 30 s (50 000 foyers)",
            import_time <= 30 and report.imported == IMPORTED,
        ),
        ("lignes en erreur à l'import", float(len(report.bad)), "lignes", "0", not report.bad),
        (
            "second import du même fichier (idempotent : 0 foyer créé)",
            again_time,
            "s",
            "0 créé",
            again.imported == 0,
        ),
    ]


BENCHMARKS = [bench_import_export]


if __name__ == "__main__":
    from types import SimpleNamespace

    from mairie_tui.db import make_engine, upgrade
    from mairie_tui.services.demo import build_demo

    work = Path(tempfile.mkdtemp(prefix="mairie-import-bench-"))
    engine = make_engine(f"sqlite:///{work / 'source.db'}")
    upgrade(engine)
    build_demo(engine, households=IMPORTED)
    for row in bench_import_export(SimpleNamespace(workdir=work, engine=engine)):
        print(row)
