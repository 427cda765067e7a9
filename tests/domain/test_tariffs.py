"""Quotient familial (CAF parts) and tariff grids."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mairie_tui.domain.tariffs import (
    GridRow,
    TariffGrid,
    compare,
    euros,
    family_parts,
    quotient_familial,
)

D = Decimal
GRID = TariffGrid.of(
    [
        GridRow(0, 622, D("1.00")),
        GridRow(623, 1000, D("3.30")),
        GridRow(1001, 1500, D("3.40")),
        GridRow(1501, None, D("3.50")),
    ]
)


def test_worked_example_couple_two_children():
    parts = family_parts(couple=True, children=2)
    assert parts == D(3)
    assert quotient_familial(annual_income=D(30000), monthly_benefits=D(140), parts=parts) == 880
    assert GRID.price_for(880) == D("3.30")


@pytest.mark.parametrize(
    ("couple", "children", "aeeh", "parts"),
    [
        (True, 0, 0, "2"),
        (False, 0, 0, "1"),
        (False, 1, 0, "2.5"),  # single parent: 2 + 0.5
        (True, 1, 0, "2.5"),
        (True, 3, 0, "4"),  # third child counts 1
        (True, 4, 0, "4.5"),
        (True, 5, 0, "5"),
        (True, 2, 1, "3.5"),  # AEEH: +0.5
    ],
)
def test_parts(couple, children, aeeh, parts):
    assert family_parts(couple=couple, children=children, aeeh_children=aeeh) == D(parts)


def test_qf_is_rounded_down_and_checks_its_inputs():
    assert quotient_familial(annual_income=D(10000), monthly_benefits=D(0), parts=D(3)) == 277
    with pytest.raises(ValueError):
        quotient_familial(annual_income=D(1), monthly_benefits=D(0), parts=D(0))
    with pytest.raises(ValueError):
        family_parts(couple=True, children=1, aeeh_children=2)


@pytest.mark.parametrize(
    ("qf", "price"),
    [
        (0, "1.00"),
        (622, "1.00"),
        (623, "3.30"),
        (1000, "3.30"),
        (1001, "3.40"),
        (1500, "3.40"),
        (1501, "3.50"),
        (9999, "3.50"),
    ],
)
def test_grid_brackets_are_inclusive(qf, price):
    assert GRID.price_for(qf) == D(price)


def test_grid_problems_and_one_euro_canteen():
    assert GRID.problems() == []
    assert GRID.qualifies_for_one_euro_canteen()
    gap = TariffGrid.of([GridRow(0, 600, D(1)), GridRow(650, None, D(3))])
    assert any("trou" in p for p in gap.problems())
    closed = TariffGrid.of([GridRow(0, 600, D(1)), GridRow(601, 900, D(3))])
    assert any("ouverte" in p for p in closed.problems())
    two = TariffGrid.of([GridRow(0, 1000, D(1)), GridRow(1001, None, D(3))])
    assert not two.qualifies_for_one_euro_canteen()


def test_side_by_side_current_and_new_qf():
    side = compare(GRID, current_qf=1200, new_qf=880)
    assert (side.current_price, side.new_price, side.difference) == (
        D("3.40"),
        D("3.30"),
        D("-0.10"),
    )
    assert side.new_bracket == "QF 623 à 1000"
    unknown = compare(GRID, current_qf=None, new_qf=500)
    assert unknown.current_price == D("3.50") and unknown.new_price == D("1.00")
    assert euros(D("3.3")) == "3,30 €"
