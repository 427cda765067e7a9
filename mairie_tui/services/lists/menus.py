"""The menus of the sites and days a list shows (services/menus.py imports and lists them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from mairie_tui.domain import menus
from mairie_tui.domain.menus import MenuDay
from mairie_tui.models import Menu


def menu_day(row: Menu) -> MenuDay:
    return MenuDay(
        site=row.site,
        day=row.day,
        starter=row.starter,
        main_course=row.main_course,
        dessert=row.dessert,
        snack=row.snack,
        allergens=menus.split_codes(row.allergens),
        labels=menus.split_codes(row.labels),
    )


def menus_of(
    session: Session, sites: Iterable[str], start: date, end: date
) -> dict[tuple[str, date], MenuDay]:
    """(site, day) → menu, for the sites and days given."""
    wanted = sorted(set(sites))
    if not wanted:
        return {}
    rows = session.exec(
        select(Menu).where(col(Menu.site).in_(wanted), Menu.day >= start, Menu.day <= end)
    ).all()
    return {(row.site, row.day): menu_day(row) for row in rows}
