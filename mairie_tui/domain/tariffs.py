"""Quotient familial and tariff grids (Simulation des tarifs).

QF = (annual taxable income / 12 + monthly family benefits) / parts, with the
CAF's parts: 2 for a couple or a single parent (1 for a person alone with no
child), +0.5 for each of the first two children, +1 for the third, +0.5 for
each further child, +0.5 for each child with AEEH. The QF is rounded down to
the euro. A grid gives the price of one unit (a meal) per QF bracket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol


class Bracket(Protocol):
    @property
    def min_qf(self) -> int: ...

    @property
    def max_qf(self) -> int | None: ...

    @property
    def price(self) -> Decimal: ...


HALF = Decimal("0.5")


def family_parts(*, couple: bool, children: int, aeeh_children: int = 0) -> Decimal:
    """The number of parts of a household (CAF rule)."""
    if children < 0 or aeeh_children < 0 or aeeh_children > children:
        raise ValueError("nombre d'enfants invalide")
    parts = Decimal(2) if couple or children > 0 else Decimal(1)
    for rank in range(1, children + 1):
        parts += Decimal(1) if rank == 3 else HALF
    return parts + HALF * aeeh_children


def quotient_familial(*, annual_income: Decimal, monthly_benefits: Decimal, parts: Decimal) -> int:
    """(annual income / 12 + monthly benefits) / parts, rounded down to the euro."""
    if parts <= 0:
        raise ValueError("nombre de parts invalide")
    if annual_income < 0 or monthly_benefits < 0:
        raise ValueError("montant négatif")
    value = (annual_income / 12 + monthly_benefits) / parts
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class GridRow:
    min_qf: int
    max_qf: int | None
    price: Decimal

    def label(self) -> str:
        if self.max_qf is None:
            return f"QF ≥ {self.min_qf}"
        return f"QF {self.min_qf} à {self.max_qf}"


@dataclass(frozen=True)
class TariffGrid:
    rows: tuple[GridRow, ...]

    @classmethod
    def of(cls, brackets: Sequence[Bracket]) -> TariffGrid:
        rows = sorted(
            (GridRow(b.min_qf, b.max_qf, b.price) for b in brackets), key=lambda r: r.min_qf
        )
        return cls(tuple(rows))

    def problems(self) -> list[str]:
        """Gaps, overlaps and open ends: a grid must cover every QF from 0 exactly once."""
        found: list[str] = []
        if not self.rows:
            return ["grille vide"]
        if self.rows[0].min_qf != 0:
            found.append("la première tranche doit commencer à 0")
        for row, following in zip(self.rows, self.rows[1:], strict=False):
            if row.max_qf is None:
                found.append(f"tranche ouverte ({row.label()}) avant la dernière")
            elif following.min_qf != row.max_qf + 1:
                found.append(f"trou ou chevauchement entre {row.label()} et {following.label()}")
        for row in self.rows:
            if row.max_qf is not None and row.max_qf < row.min_qf:
                found.append(f"tranche à l'envers ({row.label()})")
            if row.price < 0:
                found.append(f"prix négatif ({row.label()})")
        if self.rows[-1].max_qf is not None:
            found.append("la dernière tranche doit être ouverte (QF ≥ …)")
        return found

    def row_for(self, qf: int) -> GridRow:
        for row in self.rows:
            if row.min_qf <= qf and (row.max_qf is None or qf <= row.max_qf):
                return row
        raise ValueError(f"aucune tranche pour le QF {qf}")

    def price_for(self, qf: int | None) -> Decimal:
        """Price of one unit; with no QF known, the highest bracket."""
        if qf is None:
            return self.rows[-1].price
        return self.row_for(qf).price

    def qualifies_for_one_euro_canteen(self) -> bool:
        """The State's « cantine à 1 € »: ≥ 3 brackets and a price ≤ 1 € below QF 1000."""
        return len(self.rows) >= 3 and any(
            row.price <= 1 and row.min_qf < 1000 for row in self.rows
        )


@dataclass(frozen=True)
class Comparison:
    """Side by side: the price at the household's current QF and at the simulated one."""

    current_qf: int | None
    new_qf: int
    current_price: Decimal
    new_price: Decimal
    current_bracket: str
    new_bracket: str

    @property
    def difference(self) -> Decimal:
        return self.new_price - self.current_price


def compare(grid: TariffGrid, *, current_qf: int | None, new_qf: int) -> Comparison:
    return Comparison(
        current_qf=current_qf,
        new_qf=new_qf,
        current_price=grid.price_for(current_qf),
        new_price=grid.price_for(new_qf),
        current_bracket=grid.rows[-1].label()
        if current_qf is None
        else grid.row_for(current_qf).label(),
        new_bracket=grid.row_for(new_qf).label(),
    )


def euros(amount: Decimal) -> str:
    """`3,30 €`."""
    return f"{amount.quantize(Decimal('0.01'))} €".replace(".", ",")
