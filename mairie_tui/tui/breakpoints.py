"""Terminal sizes where the layout changes (App.HORIZONTAL/VERTICAL_BREAKPOINTS, the month grid).

Below `SHORT_HEIGHT` rows the screen carries the class `-short` (compact layout:
no spacing lines, the month grid without rules between weeks); below
`NARROW_WIDTH` columns it carries `-narrow` (shorter header, wrapped texts).
80×24 is the smallest terminal every screen must work in.
"""

from __future__ import annotations

SHORT_HEIGHT = 34
NARROW_WIDTH = 100
WIDE_WIDTH = 160

HORIZONTAL = [(0, "-narrow"), (NARROW_WIDTH, "-medium"), (WIDE_WIDTH, "-wide")]
VERTICAL = [(0, "-short"), (SHORT_HEIGHT, "-tall")]


def classes_for(width: int, height: int) -> tuple[str, ...]:
    """The breakpoint classes Textual gives a screen of this size (Screen._on_resize's rule:
    the highest breakpoint at or below the dimension, for each direction)."""

    def pick(dimension: int, points: list[tuple[int, str]]) -> list[str]:
        return [name for at, name in sorted(points, reverse=True) if dimension >= at][:1]

    return (*pick(width, HORIZONTAL), *pick(height, VERTICAL))
