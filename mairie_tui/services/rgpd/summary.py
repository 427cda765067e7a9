"""The readable summary (PDF, French) of a household's access export.

Everything a person or a file wrote (names, reasons, answers, file names) is
printed as plain text: cell() and multi_cell() without markdown, control
characters replaced by a space. The core font (Helvetica, Latin-1) prints every
French accent; other characters are spelt with close letters (reports.pdf_text).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import date, datetime
from typing import Any

from fpdf.enums import XPos, YPos

from mairie_tui.clock import PARIS
from mairie_tui.domain import fr
from mairie_tui.services.reports import FooterPdf, pdf_text
from mairie_tui.services.rgpd.collect import HouseholdRecord

ROLE_LABELS = {
    "representative": "Représentant légal",
    "co_representative": "Co-représentant",
    "child": "Enfant",
    "authorised": "Personne autorisée",
}
BOOKING_LABELS = {"booked": "réservé", "pending": "en attente", "cancelled": "annulé"}
ENROLMENT_LABELS = {"pending": "pré-inscription", "active": "inscrit", "ended": "terminée"}
SIGNATURE = "Mairie Prim' — Alès Agglomération"


def literal(value: Any) -> str:
    """Text as printed: control and format characters become spaces; Latin-1 spelling."""
    text = "" if value is None else str(value)
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )
    return pdf_text(cleaned)


def _day(value: Any) -> str:
    if not value:
        return ""
    day = date.fromisoformat(str(value)[:10])
    return fr.short_date(day)


def _moment(value: Any) -> str:
    if not value:
        return ""
    return fr.date_time(datetime.fromisoformat(str(value)))


class _SummaryPdf(FooterPdf):
    def title_line(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 12)
        self.cell(0, 7, literal(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 9)

    def paragraph(self, text: str) -> None:
        self.multi_cell(0, 4.6, literal(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def lines(self, items: list[str], empty: str) -> None:
        for item in items or [empty]:
            self.paragraph(item)


def _person(row: dict[str, Any]) -> str:
    name = " ".join(
        p for p in (row.get("civility"), row.get("first_name"), row.get("last_name")) if p
    )
    parts = [f"{ROLE_LABELS.get(row['role'], row['role'])} : {name}"]
    if row.get("birth_date"):
        parts.append(f"né(e) le {_day(row['birth_date'])}")
    for key, label in (("phone", "tél."), ("email", "e-mail")):
        if row.get(key):
            parts.append(f"{label} {row[key]}")
    school = " ".join(p for p in (row.get("school_class"), row.get("school")) if p)
    if school:
        parts.append(school)
    return " — ".join(parts)


def _household_lines(record: HouseholdRecord) -> list[str]:
    h = record.household
    lines = [
        f"Adresse : {h.get('address') or '(aucune)'}, {h.get('postcode') or ''} {h.get('commune_name') or ''}",
        f"Téléphone : {h.get('phone') or '(aucun)'}   E-mail : {h.get('email') or '(aucun)'}",
    ]
    if h.get("quotient_familial") is not None:
        until = (
            f" (valable jusqu'au {_day(h['qf_valid_until'])})" if h.get("qf_valid_until") else ""
        )
        lines.append(f"Quotient familial : {h['quotient_familial']}{until}")
    lines.append(f"Dossier créé le {_moment(h.get('created_at'))}")
    return lines


def _names(record: HouseholdRecord) -> dict[int, str]:
    return {
        int(p["id"]): " ".join(x for x in (p.get("first_name"), p.get("last_name")) if x)
        for p in record.members
    }


def _enrolment_lines(record: HouseholdRecord) -> list[str]:
    names = _names(record)
    return [
        f"{names.get(int(e['person_id']), '?')} — {e['activity_name']} ({e['site']}) — "
        f"du {_day(e['start_date'])} au {_day(e['end_date'])} — "
        f"{ENROLMENT_LABELS.get(e['status'], e['status'])}"
        for e in record.enrolments
    ]


def _booking_lines(record: HouseholdRecord) -> list[str]:
    lines = []
    for b in record.bookings:
        day = date.fromisoformat(b["day"])
        text = f"{fr.day_name(day)} {fr.short_date(day)} — {b['unit_name']} — "
        text += str(BOOKING_LABELS.get(b["status"], b["status"]))
        if b.get("request_number"):
            text += f" (demande {b['request_number']})"
        if b.get("forced_reason"):
            text += f" — motif : {b['forced_reason']}"
        lines.append(text)
    return lines


def _request_lines(record: HouseholdRecord) -> list[str]:
    from mairie_tui.services.requests import status_label, type_label

    lines = []
    for r in record.requests:
        lines.append(
            f"N° {r['number']} — {type_label(r['type'])} — "
            f"{status_label(r['status'], r['type'])} — déposée le {_moment(r['created_at'])}"
        )
        for event in r["events"]:
            comment = f" : {event['comment']}" if event.get("comment") else ""
            lines.append(
                f"    {_moment(event['at'])} — {status_label(event['status'], r['type'])}{comment}"
            )
    return lines


def _other_sections(pdf: _SummaryPdf, record: HouseholdRecord) -> None:
    marks = [
        f"{_day(a['day'])} — {a['unit_name']} — {'présent' if a['present'] else 'absent'}"
        + (" (sans réservation)" if a.get("unexpected") else "")
        for a in record.attendance
    ]
    pdf.title_line(f"Pointage ({len(marks)})")
    pdf.lines(marks, "Aucun pointage.")
    names = _names(record)
    absences = [
        f"{names.get(int(a['person_id']), '?')} — du {_day(a['start_date'])} au "
        f"{_day(a['end_date'])} — {a['reason']} — {'justifiée' if a['justified'] else 'non justifiée'}"
        for a in record.absences
    ]
    pdf.title_line(f"Absences ({len(absences)})")
    pdf.lines(absences, "Aucune absence.")
    pdf.title_line(f"Demandes et leur suivi ({len(record.requests)})")
    pdf.lines(_request_lines(record), "Aucune demande.")
    appointments = [
        f"{_moment(a['starts_at'])} — {a.get('name') or ''}"
        + (f" — annulé le {_moment(a['cancelled_at'])}" if a.get("cancelled_at") else "")
        for a in record.appointments
    ]
    pdf.title_line(f"Rendez-vous ({len(appointments)})")
    pdf.lines(appointments, "Aucun rendez-vous.")
    documents = [
        f"{d['kind']} — « {d['original_name']} » — déposée le {_moment(d['created_at'])} — "
        + (f"copie : {d['export_file']}" if d.get("export_file") else "fichier introuvable")
        for d in record.documents
    ]
    pdf.title_line(f"Pièces justificatives ({len(documents)})")
    pdf.lines(documents, "Aucune pièce.")
    mails = [
        f"{_moment(m['created_at'])} — à {m['recipient']} — « {m['subject']} » — "
        + (f"envoyé le {_moment(m['sent_at'])}" if m.get("sent_at") else "non envoyé")
        for m in record.mails
    ]
    pdf.title_line(f"Mails envoyés ({len(mails)})")
    pdf.lines(mails, "Aucun mail.")
    actions = Counter(str(a["action"]) for a in record.audit)
    pdf.title_line(f"Journal des opérations ({len(record.audit)})")
    pdf.lines(
        [f"{action} : {count}" for action, count in sorted(actions.items())],
        "Aucune opération enregistrée.",
    )


def render_summary(
    record: HouseholdRecord, *, json_name: str, printed_at: datetime, compress: bool = True
) -> bytes:
    """The PDF bytes of the summary of `record`."""
    stamp = printed_at.astimezone(PARIS)
    pdf = _SummaryPdf(f"Droit d'accès — dossier {record.dossier} — édité le {stamp:%d/%m/%Y}")
    pdf.set_compression(compress)
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    pdf.set_title(literal(f"Droit d'accès — dossier {record.dossier}"))
    pdf.set_creator("mairie-tui")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(
        0,
        9,
        literal(f"Vos données — dossier {record.dossier}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", "", 9)
    pdf.paragraph(
        f"{SIGNATURE}. Édité le {stamp:%d/%m/%Y à %Hh%M} au titre du droit d'accès (RGPD, "
        f"article 15). Ce résumé reprend les données que la mairie détient sur votre foyer ; "
        f"le détail complet est dans le fichier {json_name}, avec les copies de vos pièces "
        "justificatives."
    )
    pdf.title_line("Foyer")
    pdf.lines(_household_lines(record), "")
    pdf.title_line(f"Membres du foyer ({len(record.members)})")
    pdf.lines([_person(p) for p in record.members], "Aucun membre.")
    pdf.title_line(f"Inscriptions ({len(record.enrolments)})")
    pdf.lines(_enrolment_lines(record), "Aucune inscription.")
    pdf.title_line(f"Réservations ({len(record.bookings)})")
    pdf.lines(_booking_lines(record), "Aucune réservation.")
    _other_sections(pdf, record)
    return bytes(pdf.output())
