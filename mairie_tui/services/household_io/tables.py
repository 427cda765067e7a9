"""CSV and XLSX files: a header line naming the columns, then one row per line.

The header decides the layout (`membre` present: one line per person; else the
former one line per household). Duplicate, unnamed or unknown columns refuse
the file (ImportFileError naming the header's line); each bad row is reported
with its line number and the row's household is not imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time

from mairie_tui.domain import fr
from mairie_tui.services.errors import ImportFileError
from mairie_tui.services.household_io.cells import shown, unneutralise
from mairie_tui.services.household_io.columns import (
    LEGACY_COLUMNS,
    MEMBER,
    PERSON_COLUMNS,
    PERSON_REQUIRED,
    REQUIRED,
)
from mairie_tui.services.household_io.report import ImportReport
from mairie_tui.services.household_io.source import (
    Row,
    SourceHousehold,
    from_legacy,
    group_person_rows,
)

Cells = list[str] | str  # the row's cells, or why the line cannot be read


def check_header(line: int, names: list[str]) -> bool:
    """True for the one-line-per-person layout; ImportFileError for a bad header."""
    person = MEMBER in names
    allowed = PERSON_COLUMNS if person else LEGACY_COLUMNS
    required = PERSON_REQUIRED if person else REQUIRED
    seen: set[str] = set()
    for name in names:
        if not name:
            raise ImportFileError(f"Ligne {line} : une colonne de l'en-tête n'a pas de nom.")
        if name in seen:
            raise ImportFileError(
                f"Ligne {line} : colonne « {shown(name)} » en double dans l'en-tête."
            )
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        raise ImportFileError(
            f"Colonnes obligatoires absentes de l'en-tête : {', '.join(missing)}."
        )
    unknown = [shown(name) for name in names if name not in allowed]
    if unknown:
        raise ImportFileError(
            f"Ligne {line} : colonnes inconnues dans l'en-tête : {', '.join(unknown)}."
        )
    return person


def households(
    header_line: int, header: list[str], rows: Iterable[tuple[int, Cells]], report: ImportReport
) -> Iterator[SourceHousehold]:
    person = check_header(header_line, header)
    table = _rows(header, rows, report)
    if person:
        yield from group_person_rows(table)
    else:
        yield from (from_legacy(row) for row in table)


def _rows(
    header: list[str], rows: Iterable[tuple[int, Cells]], report: ImportReport
) -> Iterator[Row]:
    key_at = header.index("id_externe")
    for line, cells in rows:
        if isinstance(cells, list) and not any(cells):
            report.empty_lines += 1
            continue
        report.lines += 1
        if isinstance(cells, str):
            yield Row(line, {}, [("", cells)])
            continue
        if len(cells) != len(header):
            key = cells[key_at] if key_at < len(cells) else ""
            problem = f"{len(cells)} colonnes au lieu de {len(header)}"
            yield Row(line, {"id_externe": key}, [("", problem)])
            continue
        yield Row(line, dict(zip(header, cells, strict=True)))


# ---------------------------------------------------------------- CSV


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep])


def _csv_cells(text: str, separator: str) -> Cells:
    try:
        (values,) = list(csv.reader([text], delimiter=separator, strict=True))
    except (csv.Error, ValueError) as exc:
        if "field larger" in str(exc):
            return f"ligne illisible (champ de plus de {csv.field_size_limit()} caractères)"
        return "ligne illisible (guillemets mal placés ou non fermés)"
    return [unneutralise(value.strip()) for value in values]


def read_csv(raw: bytes, report: ImportReport) -> Iterator[SourceHousehold]:
    header_line, names, rows = csv_table(raw)
    yield from households(header_line, names, rows, report)


def csv_table(raw: bytes) -> tuple[int, list[str], Iterator[tuple[int, Cells]]]:
    """A CSV file's header line number, its column names (lower case) and its numbered rows."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.splitlines()
    header_at = next((i for i, chunk in enumerate(lines) if chunk.strip()), None)
    if header_at is None:
        raise ImportFileError("Fichier vide : la première ligne doit nommer les colonnes.")
    try:
        header_text = lines[header_at].decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFileError(
            f"Ligne {header_at + 1} : en-tête illisible, enregistrez le fichier en CSV UTF-8."
        ) from None
    separator = _separator(header_text)
    header = _csv_cells(header_text, separator)
    if isinstance(header, str):
        raise ImportFileError(f"Ligne {header_at + 1} : en-tête illisible.")
    names = [name.lower() for name in header]

    def rows() -> Iterator[tuple[int, Cells]]:
        for number, chunk in enumerate(lines[header_at + 1 :], start=header_at + 2):
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError:
                yield number, "encodage invalide : enregistrez le fichier en CSV UTF-8"
                continue
            if not text.strip() or not text.strip(separator + " "):
                yield number, []
                continue
            yield number, _csv_cells(text, separator)

    return header_at + 1, names, rows()


# ---------------------------------------------------------------- XLSX


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text the CSV would hold; ValueError if it has no such text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unneutralise(value.strip())
    if isinstance(value, bool):
        raise ValueError("valeur VRAI/FAUX au lieu d'un texte")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise ValueError(f"nombre non entier « {value} »")
    if isinstance(value, datetime):
        if value.time() != time(0, 0):
            raise ValueError(f"date avec une heure « {value} »")
        return fr.short_date(value.date())
    if isinstance(value, date):
        return fr.short_date(value)
    raise ValueError(f"cellule illisible ({type(value).__name__})")


def _xlsx_cells(values: tuple[object, ...], header: list[str]) -> Cells:
    cells = list(values)
    while cells and cells[-1] is None and len(cells) > len(header):
        cells.pop()
    texts: list[str] = []
    for index, value in enumerate(cells):
        try:
            texts.append(_cell_text(value))
        except ValueError as exc:
            column = header[index] if index < len(header) else f"n° {index + 1}"
            return f"colonne {column} : {exc}"
    if len(texts) < len(header) and texts:
        texts += [""] * (len(header) - len(texts))
    return texts


def _xlsx_rows(raw: bytes) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook  # a second of import time: only for .xlsx files

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl and zipfile raise many kinds on a damaged file
        raise ImportFileError(f"Classeur .xlsx illisible ({type(exc).__name__}).") from None
    try:
        if not book.worksheets:
            raise ImportFileError("Classeur .xlsx sans feuille.")
        return list(book.worksheets[0].iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"Classeur .xlsx illisible ({type(exc).__name__}).") from None
    finally:
        book.close()


def read_xlsx(raw: bytes, report: ImportReport) -> Iterator[SourceHousehold]:
    header_line, names, numbered = xlsx_table(raw)
    yield from households(header_line, names, numbered, report)


def xlsx_table(raw: bytes) -> tuple[int, list[str], Iterator[tuple[int, Cells]]]:
    """The first sheet's header line number, its column names (lower case) and numbered rows."""
    rows = _xlsx_rows(raw)
    header_at = next(
        (i for i, values in enumerate(rows) if any(v not in (None, "") for v in values)), None
    )
    if header_at is None:
        raise ImportFileError("Classeur vide : la première ligne doit nommer les colonnes.")
    header_cells = list(rows[header_at])
    while header_cells and header_cells[-1] in (None, ""):
        header_cells.pop()
    try:
        names = [_cell_text(value).lower() for value in header_cells]
    except ValueError as exc:
        raise ImportFileError(f"Ligne {header_at + 1} : en-tête illisible ({exc}).") from None
    numbered = (
        (number, _xlsx_cells(values, names))
        for number, values in enumerate(rows[header_at + 1 :], start=header_at + 2)
    )
    return header_at + 1, names, numbered
