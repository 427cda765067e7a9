"""Registration on the electoral lists: deadline and age.

Registration for an election closes on the 6th Friday before the first round
when made at the mairie, and on the Wednesday two days earlier when made
online (code électoral, art. L17). The elector must be 18 by the eve of the
first round at the latest. Citizens of another EU country may register on the
complementary lists, for the municipal and European elections only.

The elections offered at the counter come from `data/elections.tsv` (first round,
name, municipal or European), relative to the service's clock: those not yet held
whose first round is at most `HORIZON_DAYS` ahead.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

from mairie_tui.domain import fr

FRIDAY = 4
HORIZON_DAYS = 2 * 365
NATIONALITIES = {"francaise": "Française", "ue": "D'un autre pays de l'Union européenne"}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass(frozen=True)
class Election:
    first_round: date
    name: str
    municipal_or_european: bool

    def label(self, today: date) -> str:
        """`Élections municipales (1er tour le 15/03/2026, inscription jusqu'au 06/02/2026)`."""
        deadline = registration_deadline(self.first_round)
        state = "inscription close le" if today > deadline else "inscription jusqu'au"
        return (
            f"{self.name} (1er tour le {fr.short_date(self.first_round)}, "
            f"{state} {fr.short_date(deadline)})"
        )


def parse_elections(text: str) -> tuple[Election, ...]:
    """The rows of an elections file (tab-separated, with a header), by first round."""
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    found = [
        Election(
            first_round=date.fromisoformat(row["premier_tour"].strip()),
            name=row["scrutin"].strip(),
            municipal_or_european=row["municipales_ou_europeennes"].strip() == "oui",
        )
        for row in rows
    ]
    return tuple(sorted(found, key=lambda election: election.first_round))


@lru_cache(maxsize=1)
def known_elections() -> tuple[Election, ...]:
    """The elections shipped in data/elections.tsv."""
    text = resources.files("mairie_tui").joinpath("data/elections.tsv").read_text(encoding="utf-8")
    return parse_elections(text)


def offered_elections(
    today: date, elections: tuple[Election, ...] | None = None
) -> tuple[Election, ...]:
    """The elections not yet held whose first round is within the horizon, soonest first
    (one whose registration is closed stays, so the agent can tell the family why)."""
    horizon = today + timedelta(days=HORIZON_DAYS)
    return tuple(
        election
        for election in (known_elections() if elections is None else elections)
        if today < election.first_round <= horizon
    )


def election_on(first_round: date) -> Election | None:
    for election in known_elections():
        if election.first_round == first_round:
            return election
    return None


def registration_deadline(first_round: date, *, online: bool = False) -> date:
    """Last day to register: 6th Friday before the first round (online: the Wednesday before)."""
    days_back = (first_round.weekday() - FRIDAY) % 7 or 7
    first_friday = first_round - timedelta(days=days_back)
    deadline = first_friday - timedelta(weeks=5)
    return deadline - timedelta(days=2) if online else deadline


def eighteenth_birthday(birth_date: date) -> date:
    """The 18th birthday; someone born on 29 February comes of age on 1 March."""
    try:
        return birth_date.replace(year=birth_date.year + 18)
    except ValueError:
        return date(birth_date.year + 18, 3, 1)


def old_enough(birth_date: date, first_round: date) -> bool:
    """18 years old by the eve of the first round."""
    return eighteenth_birthday(birth_date) <= first_round - timedelta(days=1)


def registration_problems(
    *,
    birth_date: date,
    first_round: date | None,
    filed_on: date,
    online: bool = False,
    nationality: str = "francaise",
    municipal_or_european: bool = True,
) -> list[Problem]:
    """Every reason to refuse the registration, in French (empty: accepted).

    With no election announced (`first_round` None), the elector must be 18 on
    the day of the request.
    """
    problems: list[Problem] = []
    if nationality not in NATIONALITIES:
        problems.append(Problem("nationalite", f"Nationalité inconnue : « {nationality} »."))
    elif nationality == "ue" and not municipal_or_european:
        problems.append(
            Problem(
                "nationalite",
                "Un citoyen d'un autre pays de l'Union européenne ne peut voter qu'aux élections "
                "municipales et européennes.",
            )
        )
    if first_round is None:
        if eighteenth_birthday(birth_date) > filed_on:
            problems.append(
                Problem(
                    "date_naissance",
                    f"Il faut avoir 18 ans pour s'inscrire : majorité le "
                    f"{fr.short_date(eighteenth_birthday(birth_date))}.",
                )
            )
        return problems
    deadline = registration_deadline(first_round, online=online)
    where = "en ligne" if online else "en mairie"
    if filed_on > deadline:
        problems.append(
            Problem(
                "scrutin",
                f"Inscription close pour le scrutin du {fr.short_date(first_round)} : la date "
                f"limite {where} était le {fr.long_date(deadline)}.",
            )
        )
    if not old_enough(birth_date, first_round):
        problems.append(
            Problem(
                "date_naissance",
                f"Il faut avoir 18 ans au plus tard la veille du premier tour "
                f"({fr.short_date(first_round - timedelta(days=1))}) : majorité le "
                f"{fr.short_date(eighteenth_birthday(birth_date))}.",
            )
        )
    return problems
