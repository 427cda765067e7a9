"""Effectifs (kitchen headcounts): per site and unit, for a day, a week or a month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from mairie_tui.domain import fr
from mairie_tui.services.lists import headcounts
from mairie_tui.tui.breakpoints import NARROW_WIDTH
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.lists import OFFLINE_TITLE, is_offline
from mairie_tui.tui.text import content, plain
from mairie_tui.tui.widgets.columns import Width, fit_widths, table_room
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.lists import HeadcountRow

MODES = {"day": "Jour", "week": "Semaine", "month": "Mois"}


def period_of(mode: str, day: date) -> tuple[date, date]:
    if mode == "day":
        return day, day
    if mode == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def period_title(mode: str, day: date) -> str:
    start, end = period_of(mode, day)
    if mode == "day":
        return fr.long_date(day)
    if mode == "week":
        return f"Semaine {start.isocalendar()[1]} — {fr.period(start, end)}"
    return fr.month_title(day.year, day.month)


def shift(mode: str, day: date, step: int) -> date:
    if mode == "day":
        return day + timedelta(days=step)
    if mode == "week":
        return day + timedelta(days=7 * step)
    month = day.month - 1 + step
    return date(day.year + month // 12, month % 12 + 1, 1)


class HeadcountsScreen(MairieScreen):
    """Effectifs pour la cuisine.

    | Key | Action |
    | :- | :- |
    | j / s / m | Jour, semaine, mois. |
    | left / right | Période précédente / suivante. |
    | t | Ce site / tous les sites. |
    | escape | Retour à la liste. |
    """

    TITLE_TEXT = "Effectifs"
    HELP = (
        "Les **effectifs** à préparer par site et par unité : les repas (ou places) "
        "**réservés**, les demandes **en attente**, et pour les jours passés le "
        "pointage (présents, absents, imprévus). `j` un jour, `s` une semaine (un "
        "chiffre par jour), `m` un mois (un total par semaine) ; `←` / `→` changent "
        "de période, `t` montre ce site ou tous les sites."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "mode('day')", "Jour", id="headcounts.day"),
        Binding("s", "mode('week')", "Semaine", id="headcounts.week"),
        Binding("m", "mode('month')", "Mois", id="headcounts.month"),
        Binding("left", "shift(-1)", "Préc.", key_display="←", id="headcounts.prev"),
        Binding("right", "shift(1)", "Suiv.", key_display="→", id="headcounts.next"),
        Binding("t", "all_sites", "Ce site / tous", id="headcounts.sites"),
        Binding("escape", "back", "Retour à la liste", id="headcounts.back"),
    ]

    def __init__(self, *, site: str | None, day: date, mode: str = "day") -> None:
        super().__init__()
        self.site = site
        self.all_sites = site is None
        self.day = day
        self.mode = mode

    def compose(self) -> ComposeResult:
        title = self.TITLE_TEXT + (f" — {OFFLINE_TITLE}" if is_offline(self.app) else "")
        yield AppHeader(title)
        with Vertical(id="headcounts-body"):
            yield Static("", id="headcounts-title", classes="panel-title")
            yield Static("", id="headcounts-status", classes="muted")
            yield DataTable(id="headcounts-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="headcounts-total")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#headcounts-table", DataTable).focus()

    def scope(self) -> str:
        return "tous les sites" if self.all_sites or self.site is None else self.site

    def load(self) -> None:
        start, end = period_of(self.mode, self.day)
        site = None if self.all_sites else self.site
        mode, day = self.mode, self.day
        self.query_one("#headcounts-title", Static).update(
            f"EFFECTIFS — {MODES[mode].upper()} · {period_title(mode, day)}"
        )
        self.query_one("#headcounts-status", Static).update(
            content(f"{self.scope()} · chargement…")
        )
        app = self.mairie

        def call() -> list[HeadcountRow]:
            return headcounts(
                app.engine, start=start, end=end, clock=app.clock, site=site, actor=app.actor
            )

        def done(rows: list[HeadcountRow]) -> None:
            if (mode, day) == (self.mode, self.day):
                self.show(rows, start, end)

        self.call_service("headcounts", call, done)

    def show(self, rows: list[HeadcountRow], start: date, end: date) -> None:
        table = self.query_one("#headcounts-table", DataTable)
        table.clear(columns=True)
        many_sites = len({row.site for row in rows}) > 1
        many_activities = len({row.activity_name for row in rows}) > 1
        narrow = self.app.size.width < NARROW_WIDTH
        columns = self._columns(start, end, short=narrow) if self.mode != "day" else []
        counts = [8] * 6 if self.mode == "day" else [5 if narrow else 9] * len(columns) + [6]
        if self.mode == "week":
            counts = [6] * len(columns) + [6]
        # The label takes the room the counts leave (a long one wraps: rows of auto height).
        room = table_room(table, self.app.size.width, 2, 1 + len(counts)) - sum(counts)
        wanted = Width(48 if many_sites else 30, 12, True)
        table.add_column(
            "Site · unité" if many_sites else "Unité", width=fit_widths([wanted], room)[0]
        )

        def label(row: HeadcountRow) -> str:
            if many_sites:
                return f"{row.site} · {row.unit_name}"
            if many_activities:
                return f"{row.activity_name} — {row.unit_name}"
            return row.unit_name

        if self.mode == "day":
            for title in ("Réservés", "Attente", "Présents", "Absents", "Imprévus", "Clôture"):
                table.add_column(title, width=8)
            for row in rows:
                table.add_row(
                    plain(label(row)),
                    Text(str(row.booked), style="bold"),
                    str(row.pending),
                    "—" if row.present is None else str(row.present),
                    "—" if row.absent is None else str(row.absent),
                    "—" if row.unexpected is None else str(row.unexpected),
                    "clôturée" if row.closed else "",
                    height=None,
                )
        else:
            for (title, _), width in zip(columns, counts, strict=False):
                table.add_column(title, width=width)
            table.add_column("Total", width=6)
            per_unit: dict[tuple[str, int], dict[date, HeadcountRow]] = defaultdict(dict)
            labels: dict[tuple[str, int], str] = {}
            for row in rows:
                key = (row.site, row.unit_id)
                per_unit[key][row.day] = row
                labels[key] = label(row)
            for key, days in per_unit.items():
                cells: list[str | Text] = [plain(labels[key])]
                for _title, span in columns:
                    found = [days[d] for d in span if d in days]
                    booked = sum(r.booked for r in found)
                    cells.append(str(booked) if found else Text("·", style="dim"))
                cells.append(Text(str(sum(r.booked for r in days.values())), style="bold"))
                table.add_row(*cells, height=None)
        booked = sum(r.booked for r in rows)
        pending = sum(r.pending for r in rows)
        self.query_one("#headcounts-status", Static).update(
            content(f"{self.scope()} · réservés, {fr.period(start, end)}")
        )
        self.query_one("#headcounts-total", Static).update(
            f"Total : [b]{booked}[/] réservé{'s' if booked > 1 else ''}"
            f" · {pending} en attente · {len({(r.site, r.unit_id) for r in rows})} unité(s)"
        )

    def _columns(
        self, start: date, end: date, *, short: bool = False
    ) -> list[tuple[str, list[date]]]:
        """The week's days, or the month's weeks (`S38 14-20`; `S38` below 100 columns)."""
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        if self.mode == "week":
            return [(f"{fr.day_name(d)[:3]} {d:%d}", [d]) for d in days]
        weeks: dict[int, list[date]] = defaultdict(list)
        for d in days:
            weeks[d.isocalendar()[1]].append(d)
        return [
            (f"S{number}" if short else f"S{number} {span[0]:%d}-{span[-1]:%d}", span)
            for number, span in weeks.items()
        ]

    def action_mode(self, mode: str) -> None:
        self.mode = mode
        self.load()

    def action_shift(self, step: int) -> None:
        self.day = shift(self.mode, self.day, step)
        self.load()

    def action_all_sites(self) -> None:
        if self.site is None:
            self.notify("Aucun site choisi : tous les sites sont montrés.")
            return
        self.all_sites = not self.all_sites
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
