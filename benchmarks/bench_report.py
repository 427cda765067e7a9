"""The report of a benchmark run: the machine, the Markdown of docs/benchmarks.md, and the
comparison of two runs' figures (`--compare`). Pure functions apart from reading /proc.

tests/benchmarks/test_harness.py covers the parsing and the comparison.
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench_rows import NOT_MEASURED, Row

HAND_SECTION = "\n## Test de charge (plusieurs guichets)"
FIGURES_HEADER = "| Mesure | Médiane | Min | Passes | Objectif | Tenu | Remarque |"


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _first_line_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine(load_at_start: str, load_at_end: str) -> dict[str, str]:
    cpu = _first_line_value("/proc/cpuinfo", "model name") or platform.processor()
    mem = _first_line_value("/proc/meminfo", "MemTotal")
    ram = f"{int(mem.split()[0]) / 1024 / 1024:.1f} Gio" if mem else "?"
    return {
        "Processeur": cpu or platform.machine(),
        "Cœurs (nproc)": str(os.cpu_count()),
        "Mémoire": ram,
        "Système": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Charge au début / à la fin (loadavg 1, 5, 15 min)": f"{load_at_start} — {load_at_end}",
    }


def print_table(sections: list[tuple[str, list[Row]]]) -> None:
    width = max(len(row.name) for _, rows in sections for row in rows)
    for title, rows in sections:
        print(f"\n{title}")
        for row in rows:
            value = f"{row.value_text()} {row.unit}".strip()
            low = f"min {row.minimum_text()}" if row.passes > 1 else ""
            line = f"  {row.name:<{width}}  {value:>14} {low:>16}  {row.target:<24} {row.ok_text()}"
            print(line + (f"  ({row.note})" if row.note else ""))


def figure_lines(sections: list[tuple[str, list[Row]]]) -> list[str]:
    lines = [FIGURES_HEADER, "|---|---:|---:|---:|---|---|---|"]
    for title, rows in sections:
        lines.append(f"| **{title}** | | | | | | |")
        for row in rows:
            value = f"{row.value_text()} {row.unit}".strip()
            note = row.note.replace("|", "\\|")
            low = row.minimum_text() if row.passes > 1 else ""
            lines.append(
                f"| {row.name} | {value} | {low} | {row.passes} | {row.target} "
                f"| {row.ok_text()} | {note} |"
            )
    return lines


def method_lines(households: int, bench_now: str) -> list[str]:
    return [
        "- Passes: every section runs `--passes` times (3 by default) in the same process, one "
        "pass after the other; « Médiane » is the median pass (the lower middle one for an even "
        "count: its verdict and note are shown), « Min » the lowest, « Passes » how many passes "
        "measured the row (1: a section that builds its data, or too long to repeat, see "
        "SINGLE_PASS in run.py). A ratio is computed inside each pass against a baseline "
        "measured in that pass (raw FTS5 query, bare Textual app, key bound to nothing), then "
        "its median is taken like any figure.",
        f"- The database is a fresh SQLite file (WAL) in a temporary directory, built by "
        f"`build_demo(households={households})`; every later section uses it.",
        "- Search: a few hundred queries drawn from the data (last-name prefixes of 1–6 "
        "letters, first names, first + last name, communes, phone prefixes spaced and "
        "compact, dossier numbers full and bare), each timed through `find_households` "
        "(own read session), `search_households` (session kept open) and the raw FTS5 "
        "statement `SELECT rowid FROM household_fts WHERE household_fts MATCH ? LIMIT 50` "
        "on a plain sqlite3 connection, interleaved, after one warm-up pass; each query's "
        "figure is the median of its passes, p50 / p95 are taken over the queries.",
        "- The machine is shared (other engineers' test suites run on the same 2 cores): "
        "the load average above says how busy it was; figures are upper bounds.",
        "- PostgreSQL (only with `--pg URL`): the same households and members are copied "
        "(COPY) from the SQLite file into a scratch database, indexed by `rebuild_index`, "
        "then searched with the same queries. The raw statement is "
        "`SELECT household_id FROM household_search WHERE tsv @@ CAST(? AS tsquery) "
        "LIMIT 50` with every term (a term of at most 5 characters is its prefix lexeme, "
        "migration 0017); `find_households` runs the same index query for the listings "
        "and is never prepared (a generic plan cannot tell « a », best read by a scan "
        "that stops at 50 rows, from « hermite », best read through the index).",
        "- rebuild_index on PostgreSQL: it runs for the demo build and bulk imports only (a "
        "household edit re-indexes that household alone; an import indexes the imported "
        "households only). Since migration 0017 each row's generated tsvector also holds "
        "the prefixes of its words (about 85 µs a row) and the GIN index about four times "
        "the entries (PostgreSQL 15 builds GIN on one core): 49–72 s at 200 000 households "
        "where it was 30–36 s, measured by the change's author on this machine.",
        "- FTS5 prefix indexes cover 1 to 5 characters since migration 0005 (they were "
        "1 to 3): a bare 4-digit phone prefix such as « 0466 » (a third of the synthetic "
        "households) went from 8 ms to 0.01 ms. Migration 0017 gives PostgreSQL the same "
        "prefixes as lexemes (« ^0466 »): « 0466 » went from 23–30 ms to an exact lexeme "
        "lookup. Since migration 0016 the index carries what the list shows, so a search "
        "reads the index alone.",
        f"- Bookings: the seed enrolment (Jeannot, Restauration scolaire Mons) with a clock "
        f"frozen at {bench_now} (before the period, so every school day is open); "
        "validation books the Mon/Tue/Thu/Fri pattern over 01/09/2020–06/07/2021 and the "
        "next run cancels it again.",
        "- « Interface (TUI) » comes from `benchmarks/tui.py` and « Listes des écoles » "
        "from `benchmarks/staff.py` (its own database: children, a school year of "
        "bookings, pointage); see their docstrings.",
    ]


def markdown(
    sections: list[tuple[str, list[Row]]],
    command: str,
    machine_rows: dict[str, str],
    notes: list[str],
    method: list[str],
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{command}` (the file is rewritten at every full run; not a test:",
        "the figures depend on the machine). Every figure below comes from that one run.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in machine_rows.items()]
    lines += ["", "## Figures", "", *figure_lines(sections)]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in notes]
    lines += ["", "## Method", "", *method, ""]
    return "\n".join(lines)


def kept_by_hand(old: str) -> str:
    """The sections measured by hand (from the load test on), kept when the file is rewritten."""
    start = old.find(HAND_SECTION)
    return "" if start < 0 else "\n" + old[start:].lstrip("\n")


# ---------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: float | None
    unit: str


_NUMBER = re.compile(r"^(-?[0-9][0-9\u202f\u00a0 ]*(?:[.,][0-9]+)?)\s*(.*)$")


def parse_value(text: str) -> tuple[float | None, str]:
    """« 6.92 s » → (6.92, "s"); « 200 001 foyers » → (200001.0, "foyers"); « non mesuré »
    → (None, "")."""
    text = text.strip()
    if not text or text.startswith(NOT_MEASURED):
        return None, ""
    match = _NUMBER.match(text)
    if match is None:
        return None, text
    digits = re.sub(r"[\u202f\u00a0 ]", "", match.group(1)).replace(",", ".")
    return float(digits), match.group(2).strip()


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1] if line.strip().endswith("|") else line.strip()[1:]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def parse_figures(text: str) -> list[Figure]:
    """The rows of the « Figures » table of a docs/benchmarks.md, old layout (« Valeur »)
    or new (« Médiane | Min | Passes »)."""
    figures: list[Figure] = []
    column, section = None, ""
    for line in text.splitlines():
        if not line.startswith("|"):
            if column is not None and figures:
                break  # the end of the table
            continue
        cells = _cells(line)
        if cells and cells[0] == "Mesure":
            column = next((i for i, c in enumerate(cells) if c in ("Valeur", "Médiane")), None)
            continue
        if column is None or set(line) <= set("|-: "):
            continue
        if cells[0].startswith("**") and cells[0].endswith("**"):
            section = cells[0].strip("*")
            continue
        value, unit = parse_value(cells[column]) if len(cells) > column else (None, "")
        figures.append(Figure(section, cells[0], value, unit))
    return figures


_SCALE = {"s": 1000.0, "ms": 1.0}


def change_lines(old: list[Figure], new: list[Figure]) -> list[str]:
    """Per figure of `new` also in `old` (same section and name): old → new and the change."""
    before = {(f.section, f.name): f for f in old}
    lines = []
    for figure in new:
        earlier = before.get((figure.section, figure.name))
        if earlier is None or earlier.value is None or figure.value is None:
            continue
        old_value, new_value = earlier.value, figure.value
        if earlier.unit != figure.unit:
            if earlier.unit not in _SCALE or figure.unit not in _SCALE:
                continue
            old_value = old_value * _SCALE[earlier.unit] / _SCALE[figure.unit]
        change = (
            "="
            if old_value == new_value
            else ("∞" if old_value == 0 else f"{(new_value - old_value) / old_value * 100:+.0f} %")
        )
        lines.append(
            f"{figure.section} — {figure.name} : {old_value:g} → {new_value:g} {figure.unit} "
            f"({change})"
        )
    return lines


def compare_texts(old_text: str, new_text: str) -> list[str]:
    return change_lines(parse_figures(old_text), parse_figures(new_text))
