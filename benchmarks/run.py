"""Benchmarks: one command builds what it needs, measures, prints, writes docs/benchmarks.md.

    .venv/bin/python benchmarks/run.py [--households N] [--quick] [--passes N]
        [--only SECTION ...] [--output PATH] [--compare FILE [--against FILE]]

Each benchmark is a function taking the shared Context and returning rows
(name, value, unit, target, ok); add one to BENCHMARKS to measure more.  Every
section runs --passes times (3 by default, SINGLE_PASS apart) and each figure
is the median pass, with the lowest beside it (bench_rows.merge_passes).  A
section whose code is missing (not written yet) reports "non mesuré" instead
of stopping the run.  `--only tui` measures one section (the demo base is
built first when the section needs it) and writes nothing unless --output.
`--compare FILE` prints each figure's change against an earlier
docs/benchmarks.md (with `--against NEW`, two files, nothing measured).
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bookings import (  # noqa: E402
    BENCH_AGENT,
    BENCH_NOW,
    bench_month_view,
    bench_validate_year,
    bench_weekly_pattern,
)
from bench_data import fill_synthetic  # noqa: E402
from bench_report import (  # noqa: E402
    compare_texts,
    kept_by_hand,
    load_average,
    machine,
    markdown,
    method_lines,
    print_table,
)
from bench_rows import Row, as_row, merge_passes, ms, percentile, stopwatch, thousands  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from mairie_tui.db import make_engine, read_session, unit_of_work, upgrade  # noqa: E402

FULL_HOUSEHOLDS = 200_000
QUICK_HOUSEHOLDS = 20_000
PASSES = 3


@dataclass
class Context:
    """What the benchmarks share: the work directory, the sizes, the built database."""

    workdir: Path
    households: int
    quick: bool
    queries: int
    repeats: int
    pg_url: str | None = None
    engine: Engine | None = None
    db_path: Path | None = None
    passes: int = PASSES
    notes: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def full_size(self) -> bool:
        return self.households >= FULL_HOUSEHOLDS


def not_measured(name: str, unit: str, target: str, why: str) -> Row:
    return Row(name, None, unit, target, None, why)


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def bench_build_demo(ctx: Context) -> list[Row]:
    """build_demo(households=N) on a fresh SQLite file; completes the data set if needed."""
    from mairie_tui.services.demo import build_demo

    ctx.db_path = ctx.workdir / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ctx.db_path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{ctx.db_path}")
    upgrade(engine)
    with stopwatch() as elapsed:
        build_demo(engine, households=ctx.households)
    ctx.engine = engine
    built = count(engine, "SELECT count(*) FROM household")
    target = "≤ 60 s (200 000 foyers)"
    rows = [
        Row(
            f"build_demo(households={thousands(ctx.households)}) (SQLite)",
            elapsed[0],
            "s",
            target,
            elapsed[0] <= 60 if ctx.full_size and built > ctx.households else None,
            f"{thousands(built)} foyers créés",
        )
    ]
    if built <= ctx.households // 2:
        ctx.notes.append(
            f"build_demo() n'a créé que {built} foyer(s) sur {ctx.households} demandés "
            "(foyers synthétiques pas encore écrits) : le banc a complété la base avec ses "
            "propres foyers synthétiques pour mesurer la recherche ; le temps de build_demo "
            "ci-dessus n'est donc pas comparable à l'objectif."
        )
        with stopwatch() as filled:
            fill_synthetic(ctx.db_path, ctx.households + 1)
        rows.append(Row("complément synthétique du banc (hors build_demo)", filled[0], "s"))
    indexed = count(engine, "SELECT count(*) FROM household_fts")
    total = count(engine, "SELECT count(*) FROM household")
    if indexed != total:
        from mairie_tui.services.search import rebuild_index

        with stopwatch() as rebuilt, unit_of_work(engine) as session:
            rebuild_index(session)
        rows.append(Row(f"rebuild_index ({thousands(total)} foyers)", rebuilt[0], "s"))
    ctx.cache["households_total"] = total
    ctx.cache["persons_total"] = count(engine, "SELECT count(*) FROM person")
    return rows


def bench_rebuild_index(ctx: Context) -> list[Row]:
    """rebuild_index over the whole database, in its own transaction."""
    from mairie_tui.services.search import rebuild_index

    assert ctx.engine is not None
    with stopwatch() as elapsed, unit_of_work(ctx.engine) as session:
        indexed = rebuild_index(session)
    # What a bulk import of 1 000 households adds to its transaction: their
    # documents alone (the last 1 000 households, re-indexed in place).
    from mairie_tui.services.search import index_households

    with unit_of_work(ctx.engine) as session:
        last = session.connection().execute(text("SELECT max(id) FROM household")).scalar_one()
        with stopwatch() as incremental:
            index_households(session, range(last - 999, last + 1))
    return [
        Row(
            f"rebuild_index ({thousands(indexed)} foyers, SQLite)",
            elapsed[0],
            "s",
            "quelques secondes (≤ 10 s)",
            elapsed[0] <= 10 if ctx.full_size else None,
        ),
        Row("index_households (1 000 foyers importés, SQLite)", ms(incremental[0]), "ms"),
    ]


# ---------------------------------------------------------------- search


def search_queries(ctx: Context) -> list[str]:
    """A few hundred realistic queries drawn from the database itself."""
    assert ctx.engine is not None
    rng = random.Random(42)
    with ctx.engine.connect() as conn:
        names = conn.execute(
            text("SELECT first_name, last_name FROM person WHERE id % 331 = 7 ORDER BY id")
        ).all()
        homes = conn.execute(
            text(
                "SELECT dossier, phone, commune_name FROM household WHERE id % 397 = 11 ORDER BY id"
            )
        ).all()
    queries: list[str] = []
    n = ctx.queries
    for i in range(n):
        first, last = rng.choice(names)
        dossier, phone, commune = rng.choice(homes)
        kind = i % 10
        if kind <= 3:  # a last name as the agent types it, 1 to 6 letters
            queries.append(last[: 1 + i % 6])
        elif kind == 4:
            queries.append(first[: 2 + i % 5])
        elif kind == 5:  # first name and last name prefixes
            queries.append(f"{first[:3]} {last[:4]}")
        elif kind == 6:
            queries.append(commune if i % 20 < 10 else commune[:4])
        elif kind == 7:
            digits = (phone or "0466").replace(" ", "")
            queries.append(phone[:8] if phone and i % 20 < 10 else digits[: 4 + i % 7])
        elif kind == 8:
            queries.append(dossier if i % 20 < 10 else dossier[2:].lstrip("0"))
        else:
            queries.append(f"{last.upper()} {commune[:3]}")
    return queries


def time_queries(
    queries: list[str], paths: dict[str, Callable[[str], Any]], repeats: int
) -> dict[str, list[float]]:
    """Per query, the median of `repeats` interleaved timings of every path.

    The median per query keeps one scheduler hiccup (the machine is shared)
    from being counted as a slow query; p50 / p95 are then taken over queries.
    """
    for query in queries:  # warm the page cache and the statement caches
        for path in paths.values():
            path(query)
    samples: dict[str, list[list[float]]] = {name: [[] for _ in queries] for name in paths}
    for _ in range(repeats):
        for index, query in enumerate(queries):
            for name, path in paths.items():
                start = time.perf_counter()
                path(query)
                samples[name][index].append(time.perf_counter() - start)
    return {name: [statistics.median(s) for s in per_query] for name, per_query in samples.items()}


def search_rows(
    ctx: Context, raw_label: str, queries: list[str], timings: dict[str, list[float]]
) -> list[Row]:
    raw = timings.pop("raw")
    raw_p50, raw_p95 = ms(percentile(raw, 0.50)), ms(percentile(raw, 0.95))
    size = thousands(ctx.cache.get("households_total", ctx.households))
    rows = [
        Row(f"{raw_label}, p50 — {size} foyers", raw_p50, "ms"),
        Row(f"{raw_label}, p95", raw_p95, "ms"),
    ]
    for label, times in timings.items():
        p50, p95 = ms(percentile(times, 0.50)), ms(percentile(times, 0.95))
        rows.append(Row(f"{label}, p50", p50, "ms"))
        rows.append(Row(f"{label}, p95", p95, "ms", "≤ 5 ms", p95 <= 5.0))
        rows.append(Row(f"{label}, p95 / brut p95", p95 / raw_p95, "×", "≤ 2×", p95 <= 2 * raw_p95))
    first = next(iter(timings))
    rows[0].note = f"{len(queries)} requêtes, médiane de {ctx.repeats} passes par requête"
    raw_slowest = sorted(zip(raw, queries, strict=True), reverse=True)[:3]
    rows[1].note = "plus lentes : " + ", ".join(f"« {q} » {ms(t):.2f} ms" for t, q in raw_slowest)
    # The slowest queries through the service, with the raw index query's time
    # for the same query: what the service adds shows next to what the index costs.
    slowest = sorted(zip(timings[first], raw, queries, strict=True), reverse=True)[:5]
    rows.append(
        Row(
            f"requêtes les plus lentes ({first})",
            ms(slowest[0][0]),
            "ms",
            note=", ".join(f"« {q} » {ms(t):.2f} ms (brut {ms(r):.2f})" for t, r, q in slowest),
        )
    )
    return rows


def bench_search(ctx: Context) -> list[Row]:
    """find_households / search_households next to the raw FTS5 query, same queries, same run."""
    from mairie_tui.services.search import (
        find_households,
        fts5_expression,
        search_households,
        search_terms,
    )

    assert ctx.engine is not None and ctx.db_path is not None
    engine = ctx.engine
    queries = search_queries(ctx)
    raw = sqlite3.connect(ctx.db_path)
    raw_sql = "SELECT rowid FROM household_fts WHERE household_fts MATCH ? LIMIT 50"
    expressions = {q: fts5_expression(search_terms(q)) for q in queries}
    found = [len(find_households(engine, q, actor=BENCH_AGENT)) for q in queries]
    with read_session(engine) as session:
        timings = time_queries(
            queries,
            {
                "raw": lambda q: raw.execute(raw_sql, (expressions[q],)).fetchall(),
                "find_households": lambda q: find_households(engine, q, actor=BENCH_AGENT),
                "search_households": lambda q: search_households(session, q),
            },
            ctx.repeats,
        )
    raw.close()
    ctx.notes.append(
        f"Recherche SQLite : {len(queries)} requêtes, {statistics.mean(found):.1f} foyers "
        f"trouvés par requête en moyenne (limite 50), {sum(1 for n in found if n == 0)} sans résultat."
    )
    return search_rows(ctx, "FTS5 brut (MATCH … LIMIT 50)", queries, timings)


HOUSEHOLD_COLUMNS = (
    "id, dossier, address, postcode, commune_insee, commune_name, phone, email, "
    "version, created_at, updated_at"
)
PERSON_COLUMNS = "id, household_id, role, civility, first_name, last_name, phone, email, position"


def copy_households_to_postgresql(db_path: Path, engine: Engine) -> int:
    """Households and members of the SQLite benchmark database into PostgreSQL (COPY)."""
    source = sqlite3.connect(db_path)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, columns in (("household", HOUSEHOLD_COLUMNS), ("person", PERSON_COLUMNS)):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {columns} FROM {table} ORDER BY id"):
                    copy.write_row(row)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        raw.commit()
        return int(source.execute("SELECT count(*) FROM household").fetchone()[0])
    finally:
        raw.close()
        source.close()


def bench_postgresql(ctx: Context) -> list[Row]:
    """PostgreSQL (--pg URL): rebuild_index and search over the same households, copied."""
    if not ctx.pg_url:
        return [
            not_measured(
                "PostgreSQL : rebuild_index et recherche",
                "",
                "",
                "pas de --pg URL (ou MAIRIE_BENCH_PG_URL)",
            )
        ]
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from mairie_tui.config import normalise_db_url
    from mairie_tui.services.search import (
        find_households,
        rebuild_index,
        search_terms,
        tsquery_expression,
    )

    url = make_url(normalise_db_url(ctx.pg_url))
    name = f"mairie_bench_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        assert ctx.db_path is not None
        with stopwatch() as copied:
            copied_count = copy_households_to_postgresql(ctx.db_path, engine)
        with stopwatch() as rebuilt, unit_of_work(engine) as session:
            indexed = rebuild_index(session)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        queries = search_queries(ctx)
        raw_sql = text(
            "SELECT household_id FROM household_search WHERE tsv @@ CAST(:q AS tsquery) LIMIT 50"
        )
        expressions = {q: tsquery_expression(search_terms(q)) for q in queries}
        with engine.connect() as raw:
            timings = time_queries(
                queries,
                {
                    "raw": lambda q: raw.execute(raw_sql, {"q": expressions[q]}).all(),
                    "find_households (PostgreSQL)": lambda q: find_households(
                        engine, q, actor=BENCH_AGENT
                    ),
                },
                ctx.repeats,
            )
        rows = [
            Row(
                "copie des foyers et personnes de la base SQLite (COPY)",
                copied[0],
                "s",
                note=f"{thousands(copied_count)} foyers",
            ),
            Row(
                f"rebuild_index ({thousands(indexed)} foyers, PostgreSQL)",
                rebuilt[0],
                "s",
                "quelques secondes (≤ 10 s)",
                rebuilt[0] <= 10 if ctx.full_size else None,
            ),
        ]
        return rows + search_rows(ctx, "tsquery brut (@@ … LIMIT 50)", queries, timings)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# A benchmark returns Row objects or plain (name, value, unit, target, ok) tuples.
Benchmark = Callable[[Context], list[Any]]


def module_sections(module_name: str, title: str) -> list[tuple[str, str, Benchmark]]:
    """The BENCHMARKS of a sibling module (benchmarks/<module_name>.py), when it is there."""
    try:
        module = importlib.import_module(module_name)  # this script's directory is on sys.path
        benches: list[Benchmark] = list(module.BENCHMARKS)
    except (ImportError, AttributeError) as exc:
        why = f"code absent : {exc}"

        def missing(_ctx: Context) -> list[Any]:
            return [not_measured(f"{title} (benchmarks/{module_name}.py)", "", "", why)]

        return [(module_name, title, missing)]
    return [(module_name, title, bench) for bench in benches]


# Sections in run order (key for --only, title, benchmark); later ones use the demo base.
BENCHMARKS: list[tuple[str, str, Benchmark]] = [
    ("demo", "Base de démonstration", bench_build_demo),
    ("index", "Index de recherche", bench_rebuild_index),
    ("search", "Recherche de foyers", bench_search),
    ("pattern", "Périodicité", bench_weekly_pattern),
    ("month", "Vue du mois", bench_month_view),
    ("validation", "Validation", bench_validate_year),
    *module_sections("households", "Import / export de foyers"),
    *module_sections("tui", "Interface (TUI)"),
    *module_sections("staff", "Listes des écoles"),
    *module_sections("regie", "Régie"),
    ("pg", "PostgreSQL", bench_postgresql),
]
# Sections that need the demo base of the first one (built first under --only).
NEEDS_DEMO = {"index", "search", "pattern", "month", "validation", "households", "tui", "pg"}
# Measured once: they build the data the others measure, or one pass is minutes long
# (and their figures are already medians over repeats inside the pass, where they can be).
SINGLE_PASS = {
    "bench_build_demo": "construit la base de démonstration",
    "bench_staff_data": "construit la base des listes",
    "bench_import_export": "export de toute la base et import de 50 000 foyers, deux bases",
    "bench_balance_200k": "construit sa base ; médiane de 3 passes par foyer",
    "bench_staff_postgresql": "copie des données vers PostgreSQL",
    "bench_invoicing_postgresql": "copie des données vers PostgreSQL",
    "bench_postgresql": "copie et indexation PostgreSQL ; médiane de 3 passes par requête",
}


def selected(only: list[str] | None) -> list[tuple[str, str, Benchmark]]:
    """The sections to run: all, or those of --only and the demo base if they need it."""
    if not only:
        return BENCHMARKS
    keys = {key for key, _, _ in BENCHMARKS}
    unknown = sorted(set(only) - keys)
    if unknown:
        raise SystemExit(
            f"section inconnue : {', '.join(unknown)} (au choix : {', '.join(sorted(keys))})"
        )
    wanted = set(only) | ({"demo"} if NEEDS_DEMO & set(only) else set())
    return [entry for entry in BENCHMARKS if entry[0] in wanted]


def run_section(title: str, bench: Benchmark, ctx: Context) -> list[Row]:
    doc = (bench.__doc__ or title).strip().splitlines()[0]
    try:
        rows = bench(ctx)
    except (ImportError, AttributeError, NotImplementedError) as exc:
        return [not_measured(doc, "", "", f"code absent : {exc}")]
    except Exception as exc:  # a benchmark must not stop the others
        traceback.print_exc()
        return [not_measured(doc, "", "", f"erreur : {type(exc).__name__}: {exc}")]
    return [as_row(row) for row in rows]


def run_passes(title: str, bench: Benchmark, ctx: Context) -> list[Row]:
    """The section `ctx.passes` times (once if SINGLE_PASS), folded into one row per figure."""
    count = 1 if bench.__name__ in SINGLE_PASS else max(1, ctx.passes)
    passes = []
    for index in range(count):
        print(f"… {title} : {bench.__name__} ({index + 1}/{count})", file=sys.stderr, flush=True)
        passes.append(run_section(title, bench, ctx))
    return merge_passes(passes)


def merge_sections(sections: list[tuple[str, list[Row]]]) -> list[tuple[str, list[Row]]]:
    """Consecutive sections with the same title shown as one."""
    merged: list[tuple[str, list[Row]]] = []
    for title, rows in sections:
        if merged and merged[-1][0] == title:
            merged[-1][1].extend(rows)
        else:
            merged.append((title, list(rows)))
    return merged


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None, help="taille de la base")
    parser.add_argument("--quick", action="store_true", help="petite base, peu de répétitions")
    parser.add_argument("--passes", type=int, default=PASSES, help="passes par section (3)")
    parser.add_argument("--only", nargs="+", default=None, metavar="SECTION",
                        help="ces sections seulement : " + ", ".join(k for k, _, _ in BENCHMARKS))  # fmt: skip
    parser.add_argument("--output", type=Path, default=None, help="fichier Markdown à écrire")
    parser.add_argument("--workdir", type=Path, default=None, help="garder la base ici")
    parser.add_argument("--compare", type=Path, default=None, metavar="FILE",
                        help="écart de chaque mesure avec un docs/benchmarks.md antérieur")  # fmt: skip
    parser.add_argument("--against", type=Path, default=None, metavar="FILE",
                        help="avec --compare : comparer ce fichier-ci, sans rien mesurer")  # fmt: skip
    parser.add_argument(
        "--pg",
        default=os.environ.get("MAIRIE_BENCH_PG_URL"),
        help="serveur PostgreSQL (URL) où créer une base jetable pour la section PostgreSQL",
    )
    return parser.parse_args(argv)


def print_comparison(old: Path, new_text: str) -> None:
    lines = compare_texts(old.read_text(encoding="utf-8"), new_text)
    print(f"\nÉcart avec {old} ({len(lines)} mesures communes) :")
    for line in lines:
        print(f"  {line}")


def measure(args: argparse.Namespace, ctx: Context) -> list[tuple[str, list[Row]]]:
    sections: list[tuple[str, list[Row]]] = []
    try:
        for _key, title, bench in selected(args.only):
            sections.append((title, run_passes(title, bench, ctx)))
    finally:
        for engine in [ctx.engine, *(v for v in ctx.cache.values() if isinstance(v, Engine))]:
            if engine is not None:
                engine.dispose()
        if args.workdir is None:
            shutil.rmtree(ctx.workdir, ignore_errors=True)
    return merge_sections(sections)


def shown_command(argv: list[str] | None) -> str:
    shown = list(argv if argv is not None else sys.argv[1:])
    for index, arg in enumerate(shown[:-1]):
        if arg == "--pg":
            shown[index + 1] = "URL"
    return "python benchmarks/run.py" + (" " + " ".join(shown)).rstrip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.against is not None:
        if args.compare is None:
            raise SystemExit("--against va avec --compare FICHIER")
        print_comparison(args.compare, args.against.read_text(encoding="utf-8"))
        return 0
    households = args.households or (QUICK_HOUSEHOLDS if args.quick else FULL_HOUSEHOLDS)
    default_output = None if args.quick or args.only else ROOT / "docs" / "benchmarks.md"
    output = args.output or default_output
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mairie-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(
        workdir=workdir,
        households=households,
        quick=args.quick,
        queries=100 if args.quick else 300,
        repeats=1 if args.quick else 3,
        pg_url=args.pg,
        passes=args.passes,
    )
    load_at_start = load_average()
    if args.quick:
        ctx.cache["staff_children"] = 5_000
    sections = measure(args, ctx)
    load_at_end = load_average()
    notes = list(dict.fromkeys(ctx.notes))  # a section's note once, not once per pass
    print_table(sections)
    for note in notes:
        print(f"\n* {note}")
    print(f"\nCharge (loadavg 1, 5, 15 min) au début : {load_at_start} ; à la fin : {load_at_end}")
    text = markdown(
        sections,
        shown_command(argv),
        machine(load_at_start, load_at_end),
        notes,
        method_lines(households, BENCH_NOW),
    )
    if args.compare is not None:
        print_comparison(args.compare, text)
    if output is not None:
        previous = output.read_text(encoding="utf-8") if output.exists() else ""
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + kept_by_hand(previous), encoding="utf-8")
        print(f"\nÉcrit : {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
