"""The régie's tariffs: read from the database as a domain TariffBook, written from a TOML file.

A tariff file (``data/tarifs/*.toml``) holds one ``[[tarif]]`` table per
activity (or unit) and period::

    [[tarif]]
    activite = "RS-MONS"          # code of the activity, or:
    # type = "canteen"            # every canteen (periscolaire, alsh, creche) without its own
    unite = "Repas"               # optional: only this unit
    du = "2020-09-01"
    au = "2020-12-31"             # optional: open-ended
    hors_commune = "5,20"
    majoration = "1,00"           # added to the price of a presence without booking
    annulation_tardive = "2,85"   # optional: otherwise the household's own price
    tranches = [
      { qf_min = 0, qf_max = 622, prix = "1,00" },
      { qf_min = 623, prix = "3,30" },
    ]

Importing replaces nothing: a tariff whose activity, unit and first day
already exist is refused, so that an issued invoice's prices never change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.db import read_session
from mairie_tui.domain.billing import PriceBracket, TariffBook
from mairie_tui.domain.billing import Tariff as TariffRule
from mairie_tui.domain.money import AmountError, parse_euros
from mairie_tui.models import ACTIVITY_KINDS, Activity, Tariff, TariffPrice, Unit
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import PermissionDenied, RuleViolation
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import writing


def load_book(session: Session) -> TariffBook:
    """Every tariff of the database, keyed by activity code and unit name."""
    activities = {a.id: a.code for a in session.exec(select(Activity))}
    units = {u.id: u.name for u in session.exec(select(Unit))}
    prices: dict[int, list[PriceBracket]] = {}
    for row in session.exec(select(TariffPrice).order_by(col(TariffPrice.min_qf))):
        prices.setdefault(row.tariff_id, []).append(
            PriceBracket(row.min_qf, row.max_qf, row.price_cents)
        )
    rules = []
    for tariff in session.exec(select(Tariff).order_by(col(Tariff.valid_from), col(Tariff.id))):
        assert tariff.id is not None
        scope = (
            activities[tariff.activity_id]
            if tariff.activity_id is not None
            else f"*{tariff.activity_kind}"
        )
        rules.append(
            TariffRule(
                activity=scope,
                unit=units.get(tariff.unit_id) if tariff.unit_id is not None else None,
                valid_from=tariff.valid_from,
                valid_to=tariff.valid_to,
                brackets=tuple(prices.get(tariff.id, ())),
                outside_commune=tariff.outside_cents,
                surcharge=tariff.surcharge_cents,
                late_cancellation=tariff.late_cancel_cents,
            )
        )
    return TariffBook(tuple(rules))


def list_tariffs(engine: Engine) -> list[TariffRule]:
    """Every tariff, by period (the prices are public: no personal data)."""
    with read_session(engine) as session:
        return list(load_book(session).tariffs)


def _cents(value: Any, where: str) -> int:
    try:
        return parse_euros(str(value))
    except AmountError as exc:
        raise RuleViolation(f"{where} : {exc}") from None


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleViolation(f"{where} : date invalide « {value} » (AAAA-MM-JJ).") from None


def parse_tariffs(data: Mapping[str, Any]) -> list[TariffRule]:
    """The tariffs of a TOML document, checked (French errors with the table's rank)."""
    rules: list[TariffRule] = []
    for rank, entry in enumerate(data.get("tarif", []), start=1):
        where = f"tarif n° {rank}"
        try:
            brackets = tuple(
                PriceBracket(
                    int(b["qf_min"]),
                    int(b["qf_max"]) if "qf_max" in b else None,
                    _cents(b["prix"], where),
                )
                for b in entry["tranches"]
            )
            late = entry.get("annulation_tardive")
            if ("activite" in entry) == ("type" in entry):
                raise RuleViolation(f"{where} : indiquez « activite » ou « type », un seul.")
            scope = str(entry["activite"]) if "activite" in entry else f"*{entry['type']}"
            rule = TariffRule(
                activity=scope,
                unit=str(entry["unite"]) if "unite" in entry else None,
                valid_from=_day(entry["du"], where),
                valid_to=_day(entry["au"], where) if "au" in entry else None,
                brackets=brackets,
                outside_commune=_cents(entry["hors_commune"], where),
                surcharge=_cents(entry["majoration"], where),
                late_cancellation=_cents(late, where) if late is not None else None,
            )
        except KeyError as exc:
            raise RuleViolation(f"{where} : champ manquant « {exc.args[0]} ».") from None
        problems = rule.problems()
        if problems:
            raise RuleViolation(f"{where} : " + " ; ".join(problems), problems=problems)
        rules.append(rule)
    if not rules:
        raise RuleViolation("Aucun tarif dans le fichier (tables [[tarif]]).")
    return rules


@requires("tarifs.modifier")
def import_tariffs(engine: Engine, path: Path, *, actor: Actor, now: Any) -> int:
    """Add the tariffs of a TOML file (supervisor); returns how many were added."""
    if not actor.is_supervisor:
        raise PermissionDenied("Seul un superviseur peut importer des tarifs.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleViolation(f"Fichier de tarifs illisible : {exc}") from None
    rules = parse_tariffs(data)
    with writing(engine, "import de tarifs") as session:
        added = add_tariffs(session, rules)
        audit(
            session,
            at=now,
            actor=actor,
            action="tariff.import",
            entity="tariff",
            entity_id=None,
            details={"file": path.name, "added": added},
        )
    return added


def demo_tariffs() -> list[TariffRule]:
    """The tariffs shipped with the application (data/tarifs/*.toml), for the demo."""
    folder = resources.files("mairie_tui").joinpath("data/tarifs")
    rules: list[TariffRule] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            rules.extend(parse_tariffs(tomllib.loads(entry.read_text(encoding="utf-8"))))
    return rules


def _scope(
    session: Session, activities: Mapping[str, Activity], rule: TariffRule
) -> tuple[int | None, str | None, int | None]:
    """(activity id, kind, unit id) of a tariff; a kind's unit is kept by name only."""
    if rule.activity.startswith("*"):
        kind = rule.activity[1:]
        if kind not in ACTIVITY_KINDS:
            raise RuleViolation(
                f"Type d'activité inconnu : « {kind} » ({', '.join(ACTIVITY_KINDS)})."
            )
        if rule.unit is not None:
            raise RuleViolation(f"{kind} : un tarif par type vaut pour toutes ses unités.")
        return None, kind, None
    activity = activities.get(rule.activity)
    if activity is None or activity.id is None:
        raise RuleViolation(f"Activité inconnue : « {rule.activity} ».")
    if rule.unit is None:
        return activity.id, None, None
    unit = session.exec(
        select(Unit).where(Unit.activity_id == activity.id, Unit.name == rule.unit)
    ).first()
    if unit is None:
        raise RuleViolation(f"{rule.activity} : unité inconnue « {rule.unit} ».")
    return activity.id, None, unit.id


def add_tariffs(session: Session, rules: list[TariffRule]) -> int:
    """Write tariffs inside the caller's transaction; overlapping periods are refused."""
    activities = {a.code: a for a in session.exec(select(Activity))}
    book = TariffBook((*load_book(session).tariffs, *rules))
    problems = book.problems()
    if problems:
        raise RuleViolation("Tarifs refusés : " + " ; ".join(problems), problems=problems)
    for rule in rules:
        activity_id, kind, unit_id = _scope(session, activities, rule)
        tariff = Tariff(
            activity_id=activity_id,
            activity_kind=kind,
            unit_id=unit_id,
            valid_from=rule.valid_from,
            valid_to=rule.valid_to,
            outside_cents=rule.outside_commune,
            surcharge_cents=rule.surcharge,
            late_cancel_cents=rule.late_cancellation,
        )
        session.add(tariff)
        session.flush()
        assert tariff.id is not None
        for bracket in rule.brackets:
            session.add(
                TariffPrice(
                    tariff_id=tariff.id,
                    min_qf=bracket.min_qf,
                    max_qf=bracket.max_qf,
                    price_cents=bracket.price,
                )
            )
    session.flush()
    return len(rules)
