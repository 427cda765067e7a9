"""Registration on the electoral lists: deadline and age.

Registration for an election closes on the 6th Friday before the first round
when made at the mairie, and on the Wednesday two days earlier when made
online (code électoral, art. L17). The elector must be 18 by the eve of the
first round at the latest. Citizens of another EU country may register on the
complementary lists, for the municipal and European elections only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mairie_tui.domain import fr

FRIDAY = 4
NATIONALITIES = {"francaise": "Française", "ue": "D'un autre pays de l'Union européenne"}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


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
