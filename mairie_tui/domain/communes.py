"""The communes of Alès Agglomération (data/communes.tsv), looked up by name or INSEE code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from mairie_tui.domain import fr


@dataclass(frozen=True)
class Commune:
    name: str
    insee: str
    postcodes: tuple[str, ...]
    population: int

    @property
    def postcode(self) -> str:
        return self.postcodes[0]


def _key(text: str) -> str:
    """`saint christol lez ales` for « Saint-Christol-lez-Alès »: hyphens and apostrophes as spaces."""
    return fr.fold(text, separators="-'’")


@lru_cache(maxsize=1)
def communes() -> tuple[Commune, ...]:
    """Every commune, sorted by name (French collation is close enough with the key)."""
    text = resources.files("mairie_tui").joinpath("data/communes.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    found = [
        Commune(
            name=row["nom"],
            insee=row["code_insee"],
            postcodes=tuple(
                code.strip() for code in row["codes_postaux"].split(",") if code.strip()
            ),
            population=int(row["pop_municipale"] or 0),
        )
        for row in rows
    ]
    return tuple(sorted(found, key=lambda commune: _key(commune.name)))


@lru_cache(maxsize=1)
def _index() -> dict[str, Commune]:
    index: dict[str, Commune] = {}
    for commune in communes():
        index[_key(commune.name)] = commune
        index[commune.insee] = commune
    return index


def find_commune(text: str) -> Commune | None:
    """A commune by its name (accents, case, hyphens ignored) or INSEE code."""
    return _index().get(_key(text)) if text and text.strip() else None
