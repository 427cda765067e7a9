"""The demo's reference data: communes (data/communes.tsv) and names (data/demo_names.tsv)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postcode: str
    population: int


@cache
def load_communes() -> tuple[Commune, ...]:
    """The communes of Alès Agglomération (INSEE code, name, postcode, population)."""
    communes: list[Commune] = []
    lines = (DATA_DIR / "communes.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        name, insee, postcodes, population = line.split("\t")
        communes.append(Commune(insee, name, postcodes.split(",")[0].strip(), int(population)))
    return tuple(communes)


@dataclass(frozen=True)
class Names:
    female_adult: tuple[str, ...]
    female_senior: tuple[str, ...]
    female_child: tuple[str, ...]
    male_adult: tuple[str, ...]
    male_senior: tuple[str, ...]
    male_child: tuple[str, ...]
    last: tuple[str, ...]
    street: tuple[str, ...]


@cache
def load_names() -> Names:
    """First names (adults, grandparents, children), last names and streets."""
    lists: dict[str, list[str]] = defaultdict(list)
    lines = (DATA_DIR / "demo_names.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if line.strip():
            kind, value = line.split("\t")
            lists[kind].append(value)
    return Names(**{name: tuple(values) for name, values in lists.items()})
