"""The figures of a benchmark run and how passes are folded into one figure (pure code).

A benchmark returns rows; run.py runs it several times ("passes") and keeps, for
each row, the median pass (its value, target verdict and note) and the lowest value.
tests/benchmarks/test_harness.py covers this module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

NOT_MEASURED = "non mesuré"


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median_low(values: list[float]) -> float:
    """The median of an odd count, the lower middle value of an even one: always a value
    that was measured (so that its pass's verdict and note go with it)."""
    if not values:
        raise ValueError("median of nothing")
    return sorted(values)[(len(values) - 1) // 2]


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def figure_text(value: float | None) -> str:
    if value is None:
        return NOT_MEASURED
    if value >= 100 or float(value).is_integer():
        return thousands(round(value))
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass
class Row:
    name: str
    value: float | None
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""
    minimum: float | None = None  # lowest value over the passes
    passes: int = 1

    def value_text(self) -> str:
        return figure_text(self.value)

    def minimum_text(self) -> str:
        if self.value is None:
            return ""
        low = self.value if self.minimum is None else self.minimum
        return f"{figure_text(low)} {self.unit}".strip()

    def ok_text(self) -> str:
        return {True: "oui", False: "NON", None: "—"}[self.ok]


def as_row(row: Row | tuple[object, ...]) -> Row:
    return row if isinstance(row, Row) else Row(*row)  # type: ignore[arg-type]


def merge_passes(passes: list[list[Row]]) -> list[Row]:
    """One row per figure from the rows of every pass.

    Rows are matched by position (a pass may word a row differently: a count in
    its name). The row kept is the median pass's (lower middle for an even count),
    with the lowest value as `minimum` and the number of passes that measured it.
    Passes that did not return the same number of rows cannot be matched: the
    first pass is kept as it is and says so.
    """
    if not passes:
        return []
    first = passes[0]
    if len(passes) == 1:
        return [
            replace(row, minimum=row.value, passes=1 if row.value is not None else 0)
            for row in first
        ]
    if any(len(rows) != len(first) for rows in passes):
        note = "passes incomparables (nombre de lignes différent) : première passe seule"
        return [replace(row, note=(row.note + " ; " if row.note else "") + note) for row in first]
    merged = []
    for rows in zip(*passes, strict=True):
        measured = [row for row in rows if row.value is not None]
        if not measured:
            merged.append(replace(rows[0], passes=0))
            continue
        ordered = sorted(measured, key=lambda row: row.value)  # type: ignore[arg-type, return-value]
        middle = ordered[(len(ordered) - 1) // 2]
        merged.append(replace(middle, minimum=ordered[0].value, passes=len(measured)))
    return merged
