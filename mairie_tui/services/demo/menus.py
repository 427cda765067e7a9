"""The demo's menus (data/menus/demo-septembre-2020.csv) and Jeannot's peanut PAI.

The central kitchen's month is written for every canteen site (starter, main
course, dessert) and every périscolaire site (the snack); on mardi 15/09/2020,
the demo's day, the dessert holds peanuts, and Jeannot FAMILLE TEST (Mons) has
a peanut allergy with a PAI: the staff list flags him that day.
"""

from __future__ import annotations

import csv
from datetime import date, datetime

from sqlmodel import Session, col, select

from mairie_tui.domain import fr, menus
from mairie_tui.models import Activity, Menu, Person
from mairie_tui.services.demo.reference import DATA_DIR

MENUS_FILE = DATA_DIR / "menus" / "demo-septembre-2020.csv"
PAI_UNTIL = date(2021, 7, 6)


def add_demo_menus(session: Session, seed_child_id: int, now: datetime) -> int:
    """Write the month's menus for the canteen and périscolaire sites; returns the rows."""
    with MENUS_FILE.open(encoding="utf-8") as handle:
        days = list(csv.DictReader(handle, delimiter=";"))
    sites = session.exec(
        select(Activity.site, Activity.kind)
        .where(col(Activity.kind).in_(("canteen", "periscolaire")))
        .distinct()
        .order_by(col(Activity.site))
    ).all()
    rows = []
    for site, kind in sites:
        for day in days:
            canteen = kind == "canteen"
            rows.append(
                Menu(
                    site=site,
                    day=fr.parse_date(day["date"]),
                    starter=day["entree"] if canteen else "",
                    main_course=day["plat"] if canteen else "",
                    dessert=day["dessert"] if canteen else "",
                    snack="" if canteen else day["gouter"],
                    allergens=menus.join_codes(menus.parse_allergens(day["allergenes"])),
                    labels=menus.join_codes(menus.parse_labels(day["labels"]) if canteen else ()),
                    updated_at=now,
                )
            )
    session.add_all(rows)
    child = session.get(Person, seed_child_id)
    if child is not None:
        child.allergens = "arachide"
        child.pai_until = PAI_UNTIL
        child.pai_document = "PAI signé le 01/09/2020 (dossier papier)"
        session.add(child)
    return len(rows)
