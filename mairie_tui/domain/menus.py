"""Canteen menus and children's diets: pure rules.

- The 14 allergens whose presence a menu must declare (règlement UE 1169/2011,
  annexe II), each with a short code stored in the database and its French name
  (« arachide », « fruits à coque »…). `parse_allergens` reads what a kitchen or
  an agent types (codes, names, plurals, a few common words) and refuses the rest.
- The menus' labels (bio, local, végétarien) and the diets a child may have
  (sans porc, végétarien).
- The law EGalim (2019): at least one vegetarian meal a week in school canteens;
  `weeks_without_vegetarian` names the weeks of a site that have none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from mairie_tui.domain import fr

# Code → French name, in the order of the regulation's annex II.
ALLERGENS: dict[str, str] = {
    "gluten": "gluten",
    "crustaces": "crustacés",
    "oeufs": "œufs",
    "poisson": "poisson",
    "arachide": "arachide",
    "soja": "soja",
    "lait": "lait",
    "fruits_a_coque": "fruits à coque",
    "celeri": "céleri",
    "moutarde": "moutarde",
    "sesame": "sésame",
    "sulfites": "sulfites",
    "lupin": "lupin",
    "mollusques": "mollusques",
}
# Other words (folded) people write for an allergen.
_SYNONYMS = {
    "arachides": "arachide",
    "cacahuete": "arachide",
    "cacahuetes": "arachide",
    "ble": "gluten",
    "cereales": "gluten",
    "cereales contenant du gluten": "gluten",
    "crustace": "crustaces",
    "oeuf": "oeufs",
    "poissons": "poisson",
    "lactose": "lait",
    "produits laitiers": "lait",
    "fruit a coque": "fruits_a_coque",
    "noix": "fruits_a_coque",
    "graines de sesame": "sesame",
    "sulfite": "sulfites",
    "anhydride sulfureux": "sulfites",
    "anhydride sulfureux et sulfites": "sulfites",
    "mollusque": "mollusques",
}
LABELS: dict[str, str] = {"bio": "bio", "local": "local", "vegetarien": "végétarien"}
DIETS: dict[str, str] = {"sans_porc": "sans porc", "vegetarien": "végétarien"}
VEGETARIAN = "vegetarien"


def _lookup(text: str, names: dict[str, str], synonyms: dict[str, str]) -> str | None:
    folded = " ".join(fr.fold(text).replace("_", " ").replace("-", " ").split())
    for code, name in names.items():
        if folded in (code.replace("_", " "), fr.fold(name)):
            return code
    return synonyms.get(folded)


def _split(text: str) -> list[str]:
    for separator in ";/+|":
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_allergens(text: str) -> tuple[str, ...]:
    """The allergen codes of « Arachides, lait ; œuf » in the regulation's order.

    ValueError (in French) naming what is not one of the 14 allergens.
    """
    found: set[str] = set()
    unknown: list[str] = []
    for part in _split(text):
        code = _lookup(part, ALLERGENS, _SYNONYMS)
        if code is None:
            unknown.append(part)
        else:
            found.add(code)
    if unknown:
        shown = ", ".join(f"« {part[:40]} »" for part in unknown[:3])
        raise ValueError(
            f"allergène inconnu {shown} (les 14 allergènes : {', '.join(ALLERGENS.values())})"
        )
    return tuple(code for code in ALLERGENS if code in found)


def parse_labels(text: str) -> tuple[str, ...]:
    """The label codes of « Bio, végétarien »; ValueError for another word."""
    found: set[str] = set()
    for part in _split(text):
        code = _lookup(part, LABELS, {"vegetarienne": "vegetarien", "veggie": "vegetarien"})
        if code is None:
            raise ValueError(f"label inconnu « {part[:40]} » (bio, local, végétarien)")
        found.add(code)
    return tuple(code for code in LABELS if code in found)


def parse_diet(text: str) -> str | None:
    """`sans_porc`, `vegetarien` or None for an empty text; ValueError otherwise."""
    if not text.strip():
        return None
    code = _lookup(text, DIETS, {"sans viande": "vegetarien", "vegetarienne": "vegetarien"})
    if code is None:
        raise ValueError(f"régime inconnu « {text.strip()[:40]} » (sans porc, végétarien)")
    return code


def join_codes(codes: Iterable[str]) -> str:
    """How codes are stored: `arachide,lait`."""
    return ",".join(codes)


def split_codes(stored: str | None) -> tuple[str, ...]:
    return tuple(code for code in (stored or "").split(",") if code)


def allergen_names(codes: Iterable[str]) -> str:
    """`arachide, lait`."""
    return ", ".join(ALLERGENS.get(code, code) for code in codes)


def label_names(codes: Iterable[str]) -> str:
    return ", ".join(LABELS.get(code, code) for code in codes)


def diet_name(code: str | None) -> str:
    return DIETS.get(code, code) if code else ""


def allergens_in_menu(child: Iterable[str], menu: Iterable[str]) -> tuple[str, ...]:
    """The child's allergens that the day's menu contains, in the regulation's order."""
    menu_codes = set(menu)
    return tuple(code for code in ALLERGENS if code in menu_codes and code in set(child))


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def weeks_without_vegetarian(menus: Iterable[tuple[date, Iterable[str]]]) -> list[date]:
    """The Mondays of the weeks whose menus (day, labels) hold no vegetarian meal.

    Only the weeks whose Monday to Friday lie between the first and the last menu are
    judged: a week cut by the start or end of a month's file may have its vegetarian
    meal in the other file.
    """
    weeks: dict[date, bool] = {}
    days: list[date] = []
    for day, labels in menus:
        days.append(day)
        monday = week_start(day)
        weeks[monday] = weeks.get(monday, False) or VEGETARIAN in set(labels)
    if not days:
        return []
    first, last = min(days), max(days)
    return sorted(
        monday
        for monday, vegetarian in weeks.items()
        if not vegetarian and first <= monday and monday + timedelta(days=4) <= last
    )


def diet_counts(children: Iterable[tuple[Iterable[str], str | None]]) -> dict[str, int]:
    """Special diets of the children (allergens, diet) by French name: {« arachide »: 1}."""
    counts: dict[str, int] = {}
    for allergens, diet in children:
        for code in allergens:
            name = ALLERGENS.get(code, code)
            counts[name] = counts.get(name, 0) + 1
        if diet:
            name = diet_name(diet)
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class MenuDay:
    site: str
    day: date
    starter: str
    main_course: str
    dessert: str
    snack: str
    allergens: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def dishes(self) -> str:
        """`Carottes râpées · Poulet basquaise · Yaourt` (the snack apart)."""
        return " · ".join(d for d in (self.starter, self.main_course, self.dessert) if d)

    @property
    def allergen_names(self) -> str:
        return allergen_names(self.allergens)

    @property
    def label_names(self) -> str:
        return label_names(self.labels)

    @property
    def line(self) -> str:
        """The menu on one line: dishes, snack, allergens, labels."""
        parts = [self.dishes or "menu non communiqué"]
        if self.snack:
            parts.append(f"goûter : {self.snack}")
        if self.allergens:
            parts.append(f"allergènes : {self.allergen_names}")
        if self.labels:
            parts.append(self.label_names)
        return " — ".join(parts)
