"""Import and export of households (CSV as French spreadsheets write it, or JSON).

Layout: one line per household, header required, columns named in COLUMNS (see
data/foyers-exemple.csv and the README). `id_externe` is the idempotency key:
a household whose external id (or dossier number) is already in the database
is not imported again. The separator (; , or tab) is detected, a UTF-8 BOM is
accepted, and every bad line is reported with its number and reason: nothing
of a bad line is written, and with all_or_nothing nothing at all.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain import fr
from mairie_tui.domain.household_rules import (
    CleanHousehold,
    HouseholdInput,
    PersonInput,
    validate_household,
)
from mairie_tui.models import Household, Person
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.household_edit import next_dossiers
from mairie_tui.services.offline import ensure_writable
from mairie_tui.services.search import rebuild_index
from mairie_tui.services.transactions import write_use_case

MAX_CHILDREN = 4
MAX_AUTHORISED = 2
PERSON_FIELDS = ("civilite", "nom", "prenom", "date_naissance", "telephone", "email")
CHILD_FIELDS = ("prenom", "nom", "date_naissance", "ecole", "classe")
AUTHORISED_FIELDS = ("prenom", "nom", "telephone")
COLUMNS: tuple[str, ...] = (
    "id_externe",
    *PERSON_FIELDS,
    "adresse",
    "commune",
    "code_postal",
    "telephone_foyer",
    "email_foyer",
    "quotient_familial",
    "qf_valide_jusqu_au",
    *(f"co_{name}" for name in PERSON_FIELDS),
    *(f"enfant{i}_{name}" for i in range(1, MAX_CHILDREN + 1) for name in CHILD_FIELDS),
    *(f"autorise{i}_{name}" for i in range(1, MAX_AUTHORISED + 1) for name in AUTHORISED_FIELDS),
)
REQUIRED = ("id_externe", "nom", "prenom", "adresse", "commune")
CHUNK = 2000


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


@dataclass
class ImportReport:
    lines: int = 0
    good: int = 0
    imported: int = 0
    already_present: int = 0
    empty_lines: int = 0
    bad: list[BadLine] = field(default_factory=list)
    applied: bool = False

    def summary(self) -> str:
        verb = (
            "importés" if self.applied else "à importer (essai : rien n'est écrit, ajoutez --apply)"
        )
        count = self.imported if self.applied else self.good
        text = f"{self.lines} lignes lues : {count} foyers {verb}, {len(self.bad)} lignes en erreur"
        if self.already_present:
            text += f", {self.already_present} déjà présents (ignorés)"
        if self.empty_lines:
            text += f", {self.empty_lines} lignes vides ignorées"
        return text + "."


class ImportFileError(ServiceError):
    """The file as a whole cannot be read (header, format)."""


# ---------------------------------------------------------------- reading


def _decoded_lines(raw: bytes) -> Iterator[tuple[int, str | None]]:
    """(line number, text or None when the line is not UTF-8)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for number, chunk in enumerate(raw.splitlines(), start=1):
        try:
            yield number, chunk.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep])


def _date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return fr.parse_date(value)
    except ValueError:
        raise ValueError(f"{label} invalide « {value} » (JJ/MM/AAAA)") from None


def _int(value: str, label: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.replace(" ", ""))
    except ValueError:
        raise ValueError(f"{label} invalide « {value} » (nombre entier)") from None


def _or_none(value: str) -> str | None:
    return value.strip() or None


def row_to_input(row: dict[str, str]) -> HouseholdInput:
    """One line (column → text) as a form; ValueError for unreadable values."""

    def person(prefix: str, role: str) -> PersonInput:
        return PersonInput(
            role=role,
            civility=_or_none(row.get(f"{prefix}civilite", "")),
            first_name=row.get(f"{prefix}prenom", ""),
            last_name=row.get(f"{prefix}nom", ""),
            birth_date=_date(row.get(f"{prefix}date_naissance", ""), "date de naissance"),
            phone=_or_none(row.get(f"{prefix}telephone", "")),
            email=_or_none(row.get(f"{prefix}email", "")),
        )

    co = person("co_", "co_representative")
    children = []
    for i in range(1, MAX_CHILDREN + 1):
        prefix = f"enfant{i}_"
        if not any(row.get(prefix + name, "").strip() for name in CHILD_FIELDS):
            continue
        children.append(
            PersonInput(
                role="child",
                first_name=row.get(prefix + "prenom", ""),
                last_name=row.get(prefix + "nom", ""),
                birth_date=_date(
                    row.get(prefix + "date_naissance", ""), f"date de naissance de l'enfant {i}"
                ),
                school=_or_none(row.get(prefix + "ecole", "")),
                school_class=_or_none(row.get(prefix + "classe", "")),
            )
        )
    authorised = [
        PersonInput(
            role="authorised",
            first_name=row.get(f"autorise{i}_prenom", ""),
            last_name=row.get(f"autorise{i}_nom", ""),
            phone=_or_none(row.get(f"autorise{i}_telephone", "")),
        )
        for i in range(1, MAX_AUTHORISED + 1)
        if any(row.get(f"autorise{i}_{name}", "").strip() for name in AUTHORISED_FIELDS)
    ]
    has_co = any(row.get(f"co_{name}", "").strip() for name in PERSON_FIELDS)
    return HouseholdInput(
        representative=person("", "representative"),
        address=row.get("adresse", ""),
        commune=row.get("commune", ""),
        postcode=row.get("code_postal", ""),
        phone=_or_none(row.get("telephone_foyer", "")),
        email=_or_none(row.get("email_foyer", "")),
        quotient_familial=_int(row.get("quotient_familial", ""), "quotient familial"),
        qf_valid_until=_date(row.get("qf_valide_jusqu_au", ""), "date de validité du QF"),
        external_id=_or_none(row.get("id_externe", "")),
        co_representatives=(co,) if has_co else (),
        children=tuple(children),
        authorised=tuple(authorised),
    )


def _rows_from_csv(raw: bytes, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    lines = list(_decoded_lines(raw))
    header_at = next(
        (i for i, (_, text) in enumerate(lines) if text is not None and text.strip()), None
    )
    if header_at is None:
        raise ImportFileError("Fichier vide : la première ligne doit nommer les colonnes.")
    header_number, header_text = lines[header_at]
    assert header_text is not None
    separator = _separator(header_text)
    header = [name.strip().lower() for name in next(csv.reader([header_text], delimiter=separator))]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            f"Colonnes obligatoires absentes de l'en-tête : {', '.join(missing)}."
        )
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise ImportFileError(f"Colonnes inconnues dans l'en-tête : {', '.join(unknown)}.")
    for number, text in lines[header_at + 1 :]:
        report.lines += 1
        if text is None:
            report.bad.append(
                BadLine(number, "encodage invalide : enregistrez le fichier en CSV UTF-8")
            )
            continue
        if not text.strip() or not text.strip(separator + " "):
            report.lines -= 1
            report.empty_lines += 1
            continue
        try:
            (values,) = list(csv.reader([text], delimiter=separator, strict=True))
        except (csv.Error, ValueError) as exc:
            report.bad.append(BadLine(number, f"ligne illisible ({exc})"))
            continue
        if len(values) != len(header):
            report.bad.append(
                BadLine(
                    number,
                    f"{len(values)} colonnes au lieu de {len(header)} (séparateur « {separator} »)",
                )
            )
            continue
        yield number, dict(zip(header, (value.strip() for value in values), strict=True))


def _rows_from_json(raw: bytes, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"JSON illisible : {exc}") from None
    if not isinstance(data, list):
        raise ImportFileError("JSON attendu : une liste de foyers.")
    for number, item in enumerate(data, start=1):
        report.lines += 1
        if not isinstance(item, dict):
            report.bad.append(BadLine(number, "élément qui n'est pas un foyer"))
            continue
        unknown = [key for key in item if key not in COLUMNS]
        if unknown:
            report.bad.append(BadLine(number, f"champs inconnus : {', '.join(unknown)}"))
            continue
        yield number, {key: "" if value is None else str(value) for key, value in item.items()}


# ---------------------------------------------------------------- import


# A concurrent import of the same households: the unique external id refuses
# the second desk's rows; the retry re-reads them as already present.
@write_use_case(retry_on_duplicate=True)
def import_households(
    engine: Engine,
    path: Path,
    *,
    actor: Actor,
    clock: Clock,
    apply: bool = False,
    all_or_nothing: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Read, check and (with apply) import the good lines in one transaction."""
    require_counter_agent(actor)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Fichier illisible : {path} ({exc.strerror})") from None
    report = ImportReport()
    reader = _rows_from_json if path.suffix.lower() == ".json" else _rows_from_csv
    rows = list(reader(raw, report))
    today = clock.today()
    good: list[tuple[int, CleanHousehold]] = []
    seen: dict[str, int] = {}
    for done, (number, row) in enumerate(rows, start=1):
        if progress and done % 500 == 0:
            progress(done, len(rows))
        try:
            data = row_to_input(row)
        except ValueError as exc:
            report.bad.append(BadLine(number, str(exc)))
            continue
        if not data.external_id:
            report.bad.append(BadLine(number, "id_externe manquant"))
            continue
        if data.external_id in seen:
            report.bad.append(
                BadLine(
                    number,
                    f"id_externe « {data.external_id} » déjà présent ligne {seen[data.external_id]}",
                )
            )
            continue
        seen[data.external_id] = number
        clean, checks = validate_household(data, today)
        if clean is None:
            report.bad.append(BadLine(number, checks.text()))
            continue
        good.append((number, clean))
    report.bad.sort(key=lambda bad: bad.line)
    if progress:
        progress(len(rows), len(rows))
    with read_session(engine) as session:
        present = _present(session, [clean.data.external_id or "" for _, clean in good])
    fresh = [(number, clean) for number, clean in good if clean.data.external_id not in present]
    report.already_present = len(good) - len(fresh)
    report.good = len(fresh)
    if not apply or (all_or_nothing and report.bad) or not fresh:
        return report
    now = clock.now()
    with unit_of_work(engine) as session:
        ensure_writable(session, "import de foyers")
        # Re-read inside the transaction: another desk may have imported meanwhile.
        present = _present(session, [clean.data.external_id or "" for _, clean in fresh])
        fresh = [(n, c) for n, c in fresh if c.data.external_id not in present]
        for start in range(0, len(fresh), CHUNK):
            _insert_chunk(session, [clean for _, clean in fresh[start : start + CHUNK]], now)
        rebuild_index(session)
        audit(
            session,
            at=now,
            actor=actor,
            action="household.import",
            entity="household",
            entity_id=None,
            details={"file": path.name, "imported": len(fresh), "bad_lines": len(report.bad)},
        )
    report.imported = len(fresh)
    report.applied = True
    return report


def _present(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for external_id, dossier in session.exec(
            select(col(Household.external_id), col(Household.dossier)).where(
                or_(col(Household.external_id).in_(chunk), col(Household.dossier).in_(chunk))
            )
        ):
            found.update(value for value in (external_id, dossier) if value in chunk)
    return found


def _insert_chunk(session: Session, chunk: list[CleanHousehold], now: Any) -> None:
    dossiers = next_dossiers(session, len(chunk))
    households = [
        {
            "dossier": dossier,
            "address": clean.data.address,
            "postcode": clean.postcode,
            "commune_insee": clean.commune_insee,
            "commune_name": clean.commune_name,
            "phone": clean.data.phone,
            "email": clean.data.email,
            "quotient_familial": clean.data.quotient_familial,
            "qf_valid_until": clean.data.qf_valid_until,
            "external_id": clean.data.external_id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for dossier, clean in zip(dossiers, chunk, strict=True)
    ]
    session.execute(insert(Household), households)
    ids: dict[str, int] = {
        dossier: household_id
        for dossier, household_id in session.exec(
            select(col(Household.dossier), col(Household.id)).where(
                col(Household.dossier).in_(dossiers)
            )
        )
        if household_id is not None
    }
    people = []
    for dossier, clean in zip(dossiers, chunk, strict=True):
        for position, member in enumerate(clean.data.members()):
            people.append(
                {
                    "household_id": ids[dossier],
                    "role": member.role,
                    "civility": member.civility,
                    "first_name": member.first_name,
                    "last_name": member.last_name,
                    "birth_date": member.birth_date,
                    "phone": member.phone,
                    "email": member.email,
                    "school": member.school,
                    "school_class": member.school_class,
                    "position": position,
                }
            )
    session.execute(insert(Person), people)


# ---------------------------------------------------------------- export


def _fmt(value: date | None) -> str:
    return fr.short_date(value) if value else ""


def export_rows(engine: Engine, *, actor: Actor) -> list[dict[str, str]]:
    """Every household as import lines (the import reads them back identically)."""
    require_counter_agent(actor)
    # Plain column tuples, not ORM objects: 200 000 households export in seconds.
    person_columns = (
        col(Person.household_id),
        col(Person.role),
        col(Person.civility),
        col(Person.first_name),
        col(Person.last_name),
        col(Person.birth_date),
        col(Person.phone),
        col(Person.email),
        col(Person.school),
        col(Person.school_class),
    )
    household_columns = (
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
    )
    with read_session(engine) as session:
        members: dict[int, list[Any]] = {}
        for person in session.execute(
            sa_select(*person_columns).order_by(
                col(Person.household_id), col(Person.position), col(Person.id)
            )
        ):
            members.setdefault(person[0], []).append(person)
        households = session.execute(
            sa_select(*household_columns).order_by(col(Household.id))
        ).all()
    rows: list[dict[str, str]] = []
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
        qf_until,
    ) in households:
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            id_externe=external_id or dossier,
            adresse=address,
            commune=commune,
            code_postal=postcode,
            telephone_foyer=phone or "",
            email_foyer=email or "",
            quotient_familial="" if qf is None else str(qf),
            qf_valide_jusqu_au=_fmt(qf_until),
        )
        by_role: dict[str, list[Any]] = {
            "representative": [],
            "co_representative": [],
            "child": [],
            "authorised": [],
        }
        for person in members.get(hid, []):
            by_role[person[1]].append(person)
        for prefix, role in (("", "representative"), ("co_", "co_representative")):
            if by_role[role]:
                _, _, civility, first, last, birth, p_phone, p_email, _, _ = by_role[role][0]
                row.update(
                    {
                        f"{prefix}civilite": civility or "",
                        f"{prefix}nom": last,
                        f"{prefix}prenom": first,
                        f"{prefix}date_naissance": _fmt(birth),
                        f"{prefix}telephone": p_phone or "",
                        f"{prefix}email": p_email or "",
                    }
                )
        for i, child in enumerate(by_role["child"][:MAX_CHILDREN], start=1):
            row.update(
                {
                    f"enfant{i}_prenom": child[3],
                    f"enfant{i}_nom": child[4],
                    f"enfant{i}_date_naissance": _fmt(child[5]),
                    f"enfant{i}_ecole": child[8] or "",
                    f"enfant{i}_classe": child[9] or "",
                }
            )
        for i, person in enumerate(by_role["authorised"][:MAX_AUTHORISED], start=1):
            row.update(
                {
                    f"autorise{i}_prenom": person[3],
                    f"autorise{i}_nom": person[4],
                    f"autorise{i}_telephone": person[6] or "",
                }
            )
        rows.append(row)
    return rows


def export_households(
    engine: Engine,
    *,
    actor: Actor,
    clock: Clock,
    fmt: str = "csv",
    destination: str | None = None,
) -> str:
    """The export file's text: CSV with ; as French spreadsheets expect, or JSON.

    Every export is audited ("household.export") with its scope: all the
    households, the format, how many, and where it went when known.
    """
    if fmt not in ("csv", "json"):
        raise ServiceError(f"Format inconnu : « {fmt} » (csv ou json).")
    rows = export_rows(engine, actor=actor)
    with unit_of_work(engine) as session:
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
                "count": len(rows),
                "destination": destination or "sortie standard",
            },
        )
    if fmt == "json":
        return (
            json.dumps(
                [{k: v for k, v in row.items() if v != ""} for row in rows],
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
