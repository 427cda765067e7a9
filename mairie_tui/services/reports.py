"""Printed lists (PDF, fpdf2): the list of a day for a site and unit, with boxes to tick by hand."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import Engine

from mairie_tui.clock import PARIS, Clock
from mairie_tui.domain import fr, menus
from mairie_tui.domain.safe_text import clean_control
from mairie_tui.files import write_private
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.lists import ChildLine, DayList, day_list
from mairie_tui.services.permissions import requires

# Column widths in mm (A4 portrait, 12 mm margins: 186 mm).
COLUMNS = (
    ("N°", 9),
    ("Nom et prénom", 60),
    ("Classe", 14),
    ("Réservation", 24),
    ("Absence / remarque", 43),
    ("Présent", 18),
    ("Absent", 18),
)
ROW_HEIGHT = 7.0
# The PDF core fonts speak Latin-1: what falls outside is spelt with close letters.
_SPELLING = str.maketrans(
    {"œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-",
     "…": "...", "\u202f": " ", "\u00a0": " ", "€": "EUR"}
)  # fmt: skip


@dataclass(frozen=True)
class PrintedList:
    path: Path
    pages: int
    children: int
    site: str
    unit_name: str
    day: date


def pdf_text(text: str) -> str:
    """The text as the core fonts can print it (Latin-1), without losing letters.

    Control characters (ESC, NUL, C1 — all Latin-1, so fpdf would write them — and the
    bidirectional overrides) are replaced first (domain/safe_text.py): « ? » in the PDF.
    """
    spelt = clean_control(text).translate(_SPELLING)
    try:
        spelt.encode("latin-1")
        return spelt
    except UnicodeEncodeError:
        out = []
        for char in spelt:
            try:
                char.encode("latin-1")
                out.append(char)
            except UnicodeEncodeError:
                base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
                out.append(base or "?")
        return "".join(out)


class FooterPdf(FPDF):
    """An A4 page whose footer says what the document is and the page number."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, pdf_text(f"{self.footer_text} — page {self.page_no()}/{{nb}}"), align="C")


def _table_header(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(225, 225, 225)
    for title, width in COLUMNS:
        pdf.cell(width, ROW_HEIGHT, pdf_text(title), border=1, align="C", fill=True)
    pdf.ln(ROW_HEIGHT)
    pdf.set_font("Helvetica", "", 9)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = pdf_text(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _box(pdf: FPDF, x: float, y: float, width: float, ticked: bool) -> None:
    side = 4.0
    left = x + (width - side) / 2
    top = y + (ROW_HEIGHT - side) / 2
    pdf.rect(left, top, side, side)
    if ticked:
        pdf.line(left, top, left + side, top + side)
        pdf.line(left, top + side, left + side, top)


def _row(pdf: FPDF, number: int, child: ChildLine) -> None:
    remark = child.absence.reason if child.absence else ""
    if child.mark is not None and child.mark.unexpected:
        remark = (remark + " " if remark else "") + "(présence inattendue)"
    if child.menu_allergens:
        remark = f"ALLERGIE : {menus.allergen_names(child.menu_allergens)}" + (
            f" ; {remark}" if remark else ""
        )
    values = (
        str(number),
        child.full_name,
        child.school_class or "",
        child.booking_label,
        remark,
    )
    x, y = pdf.get_x(), pdf.get_y()
    for (_title, width), value in zip(COLUMNS[:5], values, strict=True):
        pdf.cell(width, ROW_HEIGHT, _fit(pdf, value, width), border=1)
    for index, (_title, width) in enumerate(COLUMNS[5:]):
        cell_x = pdf.get_x()
        pdf.cell(width, ROW_HEIGHT, "", border=1)
        mark = child.mark
        ticked = mark is not None and mark.present == (index == 0)
        _box(pdf, cell_x, y, width, ticked)
    pdf.set_xy(x, y + ROW_HEIGHT)


def _menu_and_allergies(pdf: FPDF, listed: DayList) -> None:
    """The day's menu, then each child whose allergens it contains, in bold."""
    if listed.menu is not None:
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(
            0, 5, pdf_text(f"Menu : {listed.menu.line}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    for child in listed.flagged:
        pdf.set_font("Helvetica", "B", 10)
        pai = f" (PAI jusqu'au {fr.short_date(child.pai_until)})" if child.pai_until else ""
        line = f"{child.menu_alert} - {child.full_name}{pai}"
        pdf.multi_cell(0, 5, pdf_text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_day_list(
    listed: DayList, out: Path, *, printed_at: datetime, compress: bool = True
) -> int:
    """Write the PDF of a day list; returns its number of pages."""
    stamp = printed_at.astimezone(PARIS)
    pdf = FooterPdf(
        f"{listed.site} — {listed.unit_name} — {fr.long_date(listed.day)} — imprimé le "
        f"{stamp:%d/%m/%Y à %Hh%M}"
    )
    pdf.set_compression(compress)
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    pdf.set_title(pdf_text(f"Liste du {fr.long_date(listed.day)} — {listed.site}"))
    pdf.set_creator("mairie-tui")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, pdf_text(f"{listed.site}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(
        0,
        6,
        pdf_text(f"{listed.activity_name} — {listed.unit_name} — {fr.long_date(listed.day)}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    counts = listed.counts
    pdf.cell(
        0,
        6,
        pdf_text(
            f"Réservés : {counts.booked}   En attente : {counts.pending}   "
            f"Inscrits non réservés : {counts.not_booked}   Absences signalées : {counts.absences}"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    notes = []
    if listed.note:
        notes.append(listed.note)
    if listed.closed:
        notes.append(f"Journée clôturée par {listed.closed_by or 'un superviseur'}.")
    for note in notes:
        pdf.set_font("Helvetica", "I", 10)
        pdf.cell(0, 6, pdf_text(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _menu_and_allergies(pdf, listed)
    pdf.ln(2)
    _table_header(pdf)
    ordered = listed.booked + listed.pending + listed.not_booked
    for number, child in enumerate(ordered, start=1):
        if pdf.will_page_break(ROW_HEIGHT):
            pdf.add_page()
            _table_header(pdf)
        _row(pdf, number, child)
    if not ordered:
        pdf.set_font("Helvetica", "I", 10)
        pdf.cell(0, ROW_HEIGHT, pdf_text("Aucun enfant inscrit ce jour."), border=1)
        pdf.ln(ROW_HEIGHT)

    # Who to call: representatives and authorised persons, with their phones.
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, pdf_text("Personnes à appeler"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 9)
    for child in ordered:
        phones = [
            f"{contact.name} ({contact.role_label}) : {contact.phone}"
            for contact in child.contacts
            if contact.phone
        ]
        line = f"{child.full_name} — " + ("; ".join(phones) if phones else "aucun téléphone")
        pdf.multi_cell(0, 5, pdf_text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    try:
        write_private(out, bytes(pdf.output()))  # 0600: children's names and phones
    except OSError as exc:
        raise ServiceError(f"Impossible d'écrire {out} : {exc.strerror}.", field="out") from None
    return int(pdf.pages_count)


@requires("listes.lire")
def print_day_list(
    engine: Engine,
    *,
    site: str,
    unit: int | str,
    day: date,
    out: Path,
    clock: Clock,
    actor: Actor,
    compress: bool = True,
) -> PrintedList:
    """The printable list (PDF) of a unit of a site for a day, written to `out`."""
    out = Path(out)
    if not out.parent.is_dir():
        raise ServiceError(f"Le dossier {out.parent} n'existe pas.", field="out")
    listed = day_list(engine, site=site, unit=unit, day=day, clock=clock, actor=actor)
    pages = render_day_list(listed, out, printed_at=clock.now(), compress=compress)
    return PrintedList(
        path=out,
        pages=pages,
        children=len(listed.children),
        site=listed.site,
        unit_name=listed.unit_name,
        day=day,
    )
