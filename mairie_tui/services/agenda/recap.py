"""The family recap: the changes grouped by child and activity, with an estimated cost."""

from __future__ import annotations

from datetime import date

from mairie_tui.domain.billing import TariffMissing, month_bounds
from mairie_tui.domain.draft import ChangeKind, RecapLine
from mairie_tui.services.agenda.views import AgendaRow, FamilyAgenda, FamilyRecapGroup
from mairie_tui.services.regie.invoicing import _qf_basis


def family_recap(agenda: FamilyAgenda) -> list[FamilyRecapGroup]:
    """One group per child × activity with changes, in agenda order (child, then activity)."""
    groups = []
    for row in agenda.rows:
        lines = row.booking.draft.recap()
        if not lines:
            continue
        groups.append(
            FamilyRecapGroup(
                child_name=row.booking.enrolment.child_name,
                activity_name=row.booking.enrolment.activity_name,
                enrolment_id=row.enrolment_id,
                lines=lines,
                added=sum(1 for line in lines if line.kind is ChangeKind.ADD),
                removed=sum(1 for line in lines if line.kind is ChangeKind.REMOVE),
                estimated_cost_cents=estimated_cost(agenda, row, lines),
            )
        )
    return groups


def estimated_cost(agenda: FamilyAgenda, row: AgendaRow, lines: list[RecapLine]) -> int | None:
    """What the changes add to (or take off) the family's bills, in cents, at the price the
    invoicing run would use (the household's QF bracket, or the outside-commune price);
    None when a changed day has no tariff (no régie, or a gap in its tariffs)."""
    if agenda.tariffs is None or agenda.pricing is None or not lines:
        return None
    pricing = agenda.pricing
    summary = row.booking.enrolment
    resident = pricing.commune_insee == summary.commune_insee
    total = 0
    for line in lines:
        try:
            tariff = agenda.tariffs.find(
                summary.activity_code, line.unit_name, line.day, kind=summary.kind
            )
        except TariffMissing:
            return None
        qf = _month_qf(pricing.quotient_familial, pricing.qf_valid_until, line.day)
        price = tariff.prices(qf=qf, resident=resident).unit_price
        total += price if line.kind is ChangeKind.ADD else -price
    return total


def _month_qf(qf: int | None, valid_until: date | None, day: date) -> int | None:
    """The QF the month of `day` is billed with (None when missing or expired by then)."""
    first, _last = month_bounds(day.year, day.month)
    return _qf_basis(qf, valid_until, first)[0]
