"""Export of every household with every member, in a layout the import reads back.

CSV and XLSX: one line per person (PERSON_COLUMNS), the household's columns on
its representative's line. JSON: one object per household with its `membres`.
Export → import into an empty database → export gives the same file. CSV and
XLSX cells that a spreadsheet would run as a formula are neutralised (cells.py).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import col

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.models import Household, Person
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.household_io.cells import neutralise
from mairie_tui.services.household_io.columns import (
    HOUSEHOLD_FIELDS,
    MEMBER,
    MEMBER_FIELDS,
    MEMBERS,
    PERSON_COLUMNS,
    ROLE_NAMES,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.uow import writing

_ROLE_ORDER = {role: rank for rank, role in enumerate(ROLE_NAMES)}
_ESCAPE_START = frozenset("=+-@\t\r'")
EXPORT_FORMATS = ("csv", "json", "xlsx")


@dataclass(frozen=True)
class ExportedHousehold:
    household: tuple[str, ...]  # id_externe, then HOUSEHOLD_FIELDS
    members: list[tuple[str, ...]]  # membre, then MEMBER_FIELDS


def _day(value: date | None) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value else ""


def _members(session: Any) -> dict[int, list[tuple[int, int, tuple[str, ...]]]]:
    people = session.execute(
        sa_select(
            col(Person.household_id),
            col(Person.role),
            col(Person.position),
            col(Person.id),
            col(Person.civility),
            col(Person.last_name),
            col(Person.first_name),
            col(Person.birth_date),
            col(Person.phone),
            col(Person.email),
            col(Person.school),
            col(Person.school_class),
        )
    )
    found: dict[int, list[tuple[int, int, tuple[str, ...]]]] = {}
    for hid, role, position, pid, civ, last, first, birth, phone, email, school, klass in people:
        member = (
            ROLE_NAMES[role], civ or "", last, first, _day(birth),
            phone or "", email or "", school or "", klass or "",
        )  # fmt: skip
        found.setdefault(hid, []).append((_ROLE_ORDER[role] * 1_000_000 + position, pid, member))
    return found


@requires("foyers.exporter")
def export_data(engine: Engine, *, actor: Actor) -> list[ExportedHousehold]:
    """Every household and its members, in dossier order, members in their order."""
    require_counter_agent(actor)
    # Plain column tuples, not ORM objects: 200 000 households export in seconds.
    with read_session(engine) as session:
        members = _members(session)
        households = session.execute(
            sa_select(
                col(Household.id),
                col(Household.dossier),
                col(Household.external_id),
                col(Household.address),
                col(Household.commune_name),
                col(Household.postcode),
                col(Household.phone),
                col(Household.email),
                col(Household.quotient_familial),
                col(Household.qf_valid_until),
            ).order_by(col(Household.id))
        ).all()
    result = []
    for (
        hid,
        dossier,
        external_id,
        address,
        commune,
        postcode,
        phone,
        email,
        qf,
        until,
    ) in households:
        values = (
            external_id or dossier, address, commune, postcode, phone or "", email or "",
            "" if qf is None else str(qf), _day(until),
        )  # fmt: skip
        people = sorted(members.get(hid, []), key=lambda m: (m[0], m[1]))
        result.append(ExportedHousehold(values, [member for _, _, member in people]))
    return result


def person_rows(data: list[ExportedHousehold]) -> list[list[str]]:
    """The CSV/XLSX lines (PERSON_COLUMNS order), cells not yet neutralised."""
    blank = [""] * len(HOUSEHOLD_FIELDS)
    rows: list[list[str]] = []
    for household in data:
        key, *fields = household.household
        for index, member in enumerate(household.members):
            rows.append([key, *member, *(fields if index == 0 else blank)])
    return rows


@requires("foyers.exporter")
def export_rows(engine: Engine, *, actor: Actor) -> list[dict[str, str]]:
    """Every person as an import line (one line per person)."""
    rows = person_rows(export_data(engine, actor=actor))
    return [dict(zip(PERSON_COLUMNS, row, strict=True)) for row in rows]


def _safe(row: list[str]) -> list[str]:
    return [neutralise(v) if v and v[0] in _ESCAPE_START else v for v in row]


def to_csv(data: list[ExportedHousehold]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(PERSON_COLUMNS)
    writer.writerows(_safe(row) for row in person_rows(data))
    return out.getvalue()


def to_json(data: list[ExportedHousehold]) -> str:
    names = ("id_externe", *HOUSEHOLD_FIELDS)
    member_names = (MEMBER, *MEMBER_FIELDS)
    items = []
    for household in data:
        item: dict[str, Any] = {k: v for k, v in zip(names, household.household, strict=True) if v}
        item[MEMBERS] = [
            {k: v for k, v in zip(member_names, member, strict=True) if v}
            for member in household.members
        ]
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=1) + "\n"


def to_xlsx(data: list[ExportedHousehold]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Foyers")
    sheet.append(list(PERSON_COLUMNS))
    for row in person_rows(data):
        try:
            sheet.append(_safe(row))
        except IllegalCharacterError:
            raise ServiceError(
                f"Export .xlsx impossible : le foyer « {row[0]} » contient un caractère de "
                "contrôle ; exportez en CSV ou JSON, ou corrigez la fiche."
            ) from None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@requires("foyers.exporter")
def export_households_bytes(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    fmt: str = "csv",
    destination: str | None = None,
) -> bytes:
    """The export file's content: CSV (; as French spreadsheets expect), JSON or XLSX.

    Every export is audited ("household.export") with its scope: all the
    households, the format, how many, and where it went when known.
    """
    if fmt not in EXPORT_FORMATS:
        raise ServiceError(f"Format inconnu : « {fmt} » (csv, json ou xlsx).")
    data = export_data(engine, actor=actor)
    # Only an audit row: an offline copy may write its journal.
    with writing(engine, "export de foyers", allowed_on_copy=True) as session:
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="household.export",
            entity="household",
            entity_id=None,
            details={
                "scope": "tous les foyers",
                "format": fmt,
                "count": len(data),
                "destination": destination or "sortie standard",
            },
        )
    if fmt == "xlsx":
        return to_xlsx(data)
    return (to_json(data) if fmt == "json" else to_csv(data)).encode("utf-8")


@requires("foyers.exporter")
def export_households(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    fmt: str = "csv",
    destination: str | None = None,
) -> str:
    """The export file's text (CSV or JSON; XLSX is binary: export_households_bytes)."""
    if fmt not in ("csv", "json"):
        raise ServiceError(f"Format texte inconnu : « {fmt} » (csv ou json).")
    content = export_households_bytes(
        engine, actor=actor, clock=clock, fmt=fmt, destination=destination
    )
    return content.decode("utf-8")
