"""The pure parts of the benchmark harness (benchmarks/bench_rows.py, bench_report.py):
folding passes into one figure, reading an earlier docs/benchmarks.md, comparing runs.
No timing is asserted: the rows are made up."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_report import (  # noqa: E402
    Figure,
    change_lines,
    compare_texts,
    figure_lines,
    kept_by_hand,
    parse_figures,
    parse_value,
)
from bench_rows import Row, median_low, merge_passes, percentile  # noqa: E402

OLD_LAYOUT = """# Benchmarks

## Figures

| Mesure | Valeur | Objectif | Tenu | Remarque |
|---|---:|---|---|---|
| **Index de recherche** | | | | |
| rebuild_index (200 001 foyers, SQLite) | 6.92 s | quelques secondes (≤ 10 s) | oui |  |
| **Interface (TUI)** | | | | |
| CPU d'une coche (espace), net du pilote | 2.30 ms | ≤ 3 ms | oui | a \\| b |
| résultats affichés pour « guerin helene » | 21 foyers |  | oui |  |
| build_demo(households=200 000) (SQLite) | 19.8 s | ≤ 60 s | oui | 200\u202f001 foyers créés |
| absent | non mesuré |  | — | code absent |

## Notes

| not | a | figure |
"""


def test_median_low_is_a_measured_value() -> None:
    assert median_low([3.0, 1.0, 2.0]) == 2.0
    assert median_low([4.0, 1.0, 3.0, 2.0]) == 2.0  # not 2.5: a pass that happened
    with pytest.raises(ValueError):
        median_low([])


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 51.0  # round(49.5) = 50 → the 51st value
    assert percentile([7.0], 0.95) == 7.0


def test_merge_keeps_the_median_pass_and_the_lowest_value() -> None:
    passes = [
        [Row("tick", 3.4, "ms", "≤ 3 ms", False, "passe 1"), Row("ratio", 1.9, "×")],
        [Row("tick", 2.1, "ms", "≤ 3 ms", True, "passe 2"), Row("ratio", 2.4, "×")],
        [Row("tick", 2.8, "ms", "≤ 3 ms", True, "passe 3"), Row("ratio", 2.0, "×")],
    ]
    tick, ratio = merge_passes(passes)
    assert (tick.value, tick.minimum, tick.passes) == (2.8, 2.1, 3)
    assert tick.ok is True and tick.note == "passe 3"  # the verdict of the median pass
    assert (ratio.value, ratio.minimum) == (2.0, 1.9)


def test_merge_skips_passes_that_did_not_measure_and_names_follow_the_median() -> None:
    passes = [
        [Row("import (435 ajoutés)", 0.30, "s")],
        [Row("import (0 ajouté)", None, "s")],
        [Row("import (435 ajoutés)", 0.20, "s")],
    ]
    (row,) = merge_passes(passes)
    assert (row.value, row.minimum, row.passes) == (0.20, 0.20, 2)
    (none,) = merge_passes([[Row("x", None, "s")], [Row("x", None, "s")]])
    assert none.value is None and none.passes == 0


def test_merge_of_unmatched_passes_keeps_the_first_and_says_so() -> None:
    rows = merge_passes([[Row("a", 1.0, "s"), Row("b", 2.0, "s")], [Row("a", 5.0, "s")]])
    assert [r.value for r in rows] == [1.0, 2.0]
    assert all("incomparables" in r.note for r in rows)


def test_single_pass_row_shows_its_value_as_minimum() -> None:
    (row,) = merge_passes([[Row("build", 19.8, "s")]])
    assert row.passes == 1 and row.minimum == 19.8


def test_parse_value() -> None:
    assert parse_value("6.92 s") == (6.92, "s")
    assert parse_value("200\u202f001 foyers") == (200001.0, "foyers")
    assert parse_value("3.18 ×") == (3.18, "×")
    assert parse_value("252 ms") == (252.0, "ms")
    assert parse_value("non mesuré") == (None, "")
    assert parse_value("") == (None, "")


def test_parse_figures_of_the_old_layout() -> None:
    figures = parse_figures(OLD_LAYOUT)
    assert figures[0] == Figure(
        "Index de recherche", "rebuild_index (200 001 foyers, SQLite)", 6.92, "s"
    )
    assert figures[1] == Figure(
        "Interface (TUI)", "CPU d'une coche (espace), net du pilote", 2.30, "ms"
    )
    assert figures[2].value == 21.0 and figures[2].unit == "foyers"
    assert figures[-1] == Figure("Interface (TUI)", "absent", None, "")
    assert len(figures) == 5  # the table after « Notes » is not read


def test_parse_figures_of_the_new_layout_reads_the_median_column() -> None:
    sections = [
        ("Interface (TUI)", [Row("coche", 1.9, "ms", "≤ 3 ms", True, minimum=1.5, passes=3)])
    ]
    text = "## Figures\n\n" + "\n".join(figure_lines(sections)) + "\n"
    assert parse_figures(text) == [Figure("Interface (TUI)", "coche", 1.9, "ms")]


def test_compare_prints_the_change_and_converts_seconds() -> None:
    old = [Figure("S", "a", 2.0, "ms"), Figure("S", "b", 1.0, "s"), Figure("S", "gone", 1.0, "s")]
    new = [
        Figure("S", "a", 1.0, "ms"),
        Figure("S", "b", 1500.0, "ms"),
        Figure("S", "new", 1.0, "s"),
        Figure("T", "a", 9.0, "ms"),  # another section: not the same figure
    ]
    assert change_lines(old, new) == ["S — a : 2 → 1 ms (-50 %)", "S — b : 1000 → 1500 ms (+50 %)"]


def test_compare_two_files() -> None:
    newer = OLD_LAYOUT.replace("6.92 s", "12.2 s")
    lines = compare_texts(OLD_LAYOUT, newer)
    assert (
        lines[0]
        == "Index de recherche — rebuild_index (200 001 foyers, SQLite) : 6.92 → 12.2 s (+76 %)"
    )
    assert lines[1].endswith("(=)")


def test_kept_by_hand() -> None:
    old = "# Benchmarks\n\n## Figures\n\nx\n\n## Test de charge (plusieurs guichets)\n\nby hand\n"
    assert kept_by_hand(old) == "\n## Test de charge (plusieurs guichets)\n\nby hand\n"
    assert kept_by_hand("# Benchmarks\n") == ""
