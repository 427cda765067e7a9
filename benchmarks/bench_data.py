"""Synthetic households for the search benchmark when build_demo() creates too few."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def words(names: str) -> list[str]:
    return names.split()


FIRST_NAMES = words(
    "Léa Emma Chloé Manon Inès Camille Zoé Jade Louise Alice Lucie Élodie Clémence Noémie "
    "Maëlys Océane Anaïs Hélène Françoise Cécile Sophie Nathalie Isabelle Sylvie Amélie "
    "Lucas Hugo Louis Nathan Gabriel Jules Noé Théo Raphaël Arthur Léo Mathéo Timothée "
    "Jérôme François Frédéric Stéphane Sébastien Benoît Grégoire Loïc Rémi André Joël"
)
LAST_NAMES = words(
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefèbvre Michel García Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent "
    "Müller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand "
    "Gauthier Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson "
    "Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard "
    "Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martínez Gérard Roche Renard "
    "Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas "
    "Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sánchez Dupuis "
    "Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam "
    "Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard "
    "Baron Bertin Bailly Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien "
    "Prévost Millet Perrot Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy "
    "Le Goff Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon "
    "Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin Poulain "
    "Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard Maréchal "
    "Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert "
    "Lamy Delaunay Pasquier Carlier Laporte D'Artagnan Œillet"
)


def communes() -> list[tuple[str, str, str]]:
    path = ROOT / "mairie_tui" / "data" / "communes.tsv"
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return [(name, insee, postcodes.split(",")[0]) for name, insee, postcodes, *_ in rows if name]


def fill_synthetic(db_path: Path, total: int) -> int:
    """Add synthetic households (with members) until the database holds `total`.

    Only used while build_demo() does not create them itself, so that search
    can be measured at full size; executemany on one raw transaction.
    """
    rng = random.Random(20200901)
    places = communes()
    conn = sqlite3.connect(db_path)
    try:
        existing = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM household").fetchone()
        missing = int(total - existing[0])
        if missing <= 0:
            return 0
        next_id = existing[1] + 1
        stamp = "2020-08-27 10:30:00.000000"  # SQLAlchemy's SQLite DateTime format
        households: list[tuple[Any, ...]] = []
        people: list[tuple[Any, ...]] = []
        for household_id in range(next_id, next_id + missing):
            name, insee, postcode = rng.choice(places)
            last = rng.choice(LAST_NAMES)
            phone = f"0{rng.choice('4679')} {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d}"
            first = rng.choice(FIRST_NAMES)
            email = f"{normal_ascii(first)}.{normal_ascii(last)}{rng.randrange(100)}@exemple.fr"
            households.append(
                (household_id, f"F-{household_id:06d}", f"{rng.randrange(1, 120)} rue des Écoles",
                 postcode, insee, name, phone, email, stamp, stamp)
            )  # fmt: skip
            people.append((household_id, "representative", first, last, phone, email, 0))
            position = 1
            if rng.random() < 0.6:
                people.append(
                    (
                        household_id,
                        "co_representative",
                        rng.choice(FIRST_NAMES),
                        last,
                        None,
                        None,
                        1,
                    )
                )
                position = 2
            for offset in range(rng.choice((0, 1, 1, 2, 2, 2, 3))):
                people.append(
                    (
                        household_id,
                        "child",
                        rng.choice(FIRST_NAMES),
                        last,
                        None,
                        None,
                        position + offset,
                    )
                )
        with conn:
            conn.executemany(
                "INSERT INTO household (id, dossier, address, postcode, commune_insee, commune_name, "
                "phone, email, version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,1,?,?)",
                households,
            )
            conn.executemany(
                "INSERT INTO person (household_id, role, first_name, last_name, phone, email, position) "
                "VALUES (?,?,?,?,?,?,?)",
                people,
            )
        return missing
    finally:
        conn.close()


def normal_ascii(value: str) -> str:
    from mairie_tui.services.search import normalise

    return normalise(value).replace(" ", "")
