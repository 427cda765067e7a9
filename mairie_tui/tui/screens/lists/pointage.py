"""Listes: pointage (p / a / i, written in order by one worker), printing, closing the day."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.widgets import DataTable

from mairie_tui.domain import fr
from mairie_tui.services.lists import close_day, mark_attendance
from mairie_tui.services.reports import print_day_list
from mairie_tui.tui.screens.lists.cells import (
    PendingMark,
    PointageTable,
    mark_cell,
    slug,
)
from mairie_tui.tui.screens.lists.contacts import ContactsModal
from mairie_tui.tui.screens.lists.view import ListsView
from mairie_tui.tui.screens.modals import ConfirmModal

if TYPE_CHECKING:
    from mairie_tui.services.lists import ChildLine, ClosingInfo, Mark
    from mairie_tui.services.reports import PrintedList


class ListsScreen(ListsView):
    """Listes (see ListsView for its keys): pointage, contacts, printing, closing the day."""

    # ------------------------------------------------------------ pointage

    def current_child(self) -> ChildLine | None:
        table = self.query_one("#lists-table", PointageTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._children.get(int(key)) if key is not None else None

    def day_refusal(self) -> str | None:
        """Why no child of the list shown can be ticked (closed, to come, no service), or None."""
        listed = self.day_list
        if listed is None:
            return None
        day = fr.long_date(listed.day)
        if listed.closed:
            return (
                f"La journée du {day} ({listed.unit_name}) est clôturée : "
                "le pointage est verrouillé."
            )
        if listed.day > self.mairie.clock.today():
            return f"Impossible de pointer un jour à venir ({day})."
        if listed.note:
            return f"Pas de pointage le {day} : {listed.note}"
        return None

    def action_pointage_refused(self) -> None:
        """p / a / i on a day that cannot be ticked (the key bar no longer offers them)."""
        refused = self.day_refusal()
        if refused is not None:
            self.show_error(refused)

    def refusal(self, child: ChildLine, present: bool, unexpected: bool) -> str | None:
        """Why this tick cannot be made (the services' own words), or None."""
        listed = self.day_list
        assert listed is not None
        day = fr.long_date(listed.day)
        refused = self.day_refusal()
        if refused is not None:
            return refused
        name = f"{child.first_name} {child.last_name}"
        if present and not unexpected and child.booking != "booked":
            return f"{name} n'a pas de réservation le {day} : notez une présence imprévue (i)."
        if unexpected and child.booking == "booked":
            return f"{name} est réservé(e) le {day} : pointez-le présent (p)."
        return None

    def tick(self, present: bool, unexpected: bool = False) -> None:
        listed = self.day_list
        child = self.current_child()
        if listed is None or child is None:
            self.notify(
                "Aucun enfant à pointer : choisissez un site et une unité.", severity="warning"
            )
            return
        refused = self.refusal(child, present, unexpected)
        if refused is not None:
            self.show_error(refused)
            return
        pending = PendingMark(
            child.enrolment_id,
            listed.day,
            listed.unit_id,
            present,
            unexpected,
            f"{child.first_name} {child.last_name}",
        )
        self._pending[child.enrolment_id] = pending
        self._queue.append(pending)
        table = self.query_one("#lists-table", PointageTable)
        table.set_mark_cell(str(child.enrolment_id), mark_cell(None, pending))
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._write_next()

    def action_mark_present(self) -> None:
        self.tick(True)

    def action_mark_absent(self) -> None:
        self.tick(False)

    def action_mark_unexpected(self) -> None:
        self.tick(True, unexpected=True)

    def _write_next(self) -> None:
        """One worker writes the ticks in the order typed (never two at once)."""
        if self._writing or not self._queue:
            return
        pending = self._queue.popleft()
        self._writing = True
        app = self.mairie

        def call() -> Mark:
            assert app.actor is not None
            return mark_attendance(
                app.engine,
                enrolment_id=pending.enrolment_id,
                day=pending.day,
                unit_id=pending.unit_id,
                present=pending.present,
                unexpected=pending.unexpected,
                actor=app.actor,
                clock=app.clock,
            )

        def done(mark: Mark) -> None:
            self._writing = False
            if self._pending.get(pending.enrolment_id) is pending:
                del self._pending[pending.enrolment_id]
            self._apply_mark(pending, mark)
            self._write_next()

        def failed(message: str, error: BaseException | None) -> None:
            self._writing = False
            dropped = len(self._queue)
            self._queue.clear()
            self._pending.clear()
            more = f"\n{dropped} autre(s) pointage(s) non enregistré(s)." if dropped else ""
            self.show_error(f"{pending.name} : {message}{more}")
            self.load()

        self.call_service("pointage", call, done, failed=failed)

    def _apply_mark(self, pending: PendingMark, mark: Mark) -> None:
        listed = self.day_list
        if listed is None or (listed.day, listed.unit_id) != (pending.day, pending.unit_id):
            return
        if pending.enrolment_id not in self._children:
            return
        self._marks[pending.enrolment_id] = mark
        if pending.enrolment_id not in self._pending:
            table = self.query_one("#lists-table", PointageTable)
            table.set_mark_cell(str(pending.enrolment_id), mark_cell(mark))
        self._show_counts()

    # ------------------------------------------------------------ other actions

    def action_contacts(self) -> None:
        child = self.current_child()
        if child is None or self.day_list is None:
            return
        self.app.push_screen(ContactsModal(child, self.day_list))

    @on(DataTable.RowSelected, "#lists-table")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        """A click on the highlighted row (enter is bound to the contacts already)."""
        self.action_contacts()

    def action_headcounts(self) -> None:
        self.mairie.open_headcounts(self.site, self.day)

    def action_print(self) -> None:
        if self.site is None or self.unit_id is None:
            self.notify("Choisissez d'abord un site et une unité.", severity="warning")
            return
        site, unit_id, day = self.site, self.unit_id, self.day
        unit_name = next((u.name for u in self.units() if u.id == unit_id), str(unit_id))
        app = self.mairie
        folder = app.settings.data_dir / "listes"
        out = folder / f"liste-{slug(site)}-{slug(unit_name)}-{day.isoformat()}.pdf"
        self.notify("Impression de la liste…", timeout=2)

        def call() -> PrintedList:
            assert app.actor is not None
            folder.mkdir(parents=True, exist_ok=True)
            return print_day_list(
                app.engine, site=site, unit=unit_id, day=day, out=out,
                clock=app.clock, actor=app.actor,
            )  # fmt: skip

        def done(printed: PrintedList) -> None:
            pages = f"{printed.pages} page{'s' if printed.pages > 1 else ''}"
            self.notify(
                f"Liste du {fr.long_date(printed.day)} ({printed.children} enfants, {pages}) "
                f"enregistrée dans :\n{printed.path}",
                title="Liste imprimée (PDF)",
                timeout=12,
            )

        self.call_service("print", call, done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        actor = self.mairie.actor
        if action == "close_day":
            return actor is not None and actor.is_supervisor
        if action == "back":
            return self.can_go_back
        if action == "sign_out":
            return not self.can_go_back
        if action in ("mark_present", "mark_absent", "mark_unexpected"):
            # Not offered on a closed day, a day to come or a day without service: the keys
            # then reach `pointage_refused`, which says why.
            return self.day_refusal() is None
        return True

    def action_close_day(self) -> None:
        listed = self.day_list
        actor = self.mairie.actor
        if actor is None or not actor.is_supervisor:
            self.show_error("Seul un superviseur peut clôturer une journée.")
            return
        if listed is None:
            return
        if listed.closed:
            self.show_error(f"La journée du {fr.long_date(listed.day)} est déjà clôturée.")
            return
        marks = [m for m in self._marks.values() if m is not None]
        unmarked = sum(
            1 for c in self._children.values()
            if c.booking == "booked" and self._marks.get(c.enrolment_id) is None
        )  # fmt: skip
        question = (
            f"Clôturer la journée du {fr.long_date(listed.day)} — {listed.site}, "
            f"{listed.unit_name} ?\n\n"
            f"{sum(1 for m in marks if m.present)} présent(s), "
            f"{sum(1 for m in marks if not m.present)} absent(s), "
            f"{unmarked} enfant(s) réservé(s) non pointé(s).\n"
            "Le pointage de cette journée sera ensuite verrouillé."
        )
        day, unit_id = listed.day, listed.unit_id

        def answered(yes: bool | None) -> None:
            if yes:
                self._close(day, unit_id)

        self.app.push_screen(
            ConfirmModal("CLÔTURER LA JOURNÉE", question, yes="Clôturer", no="Annuler"), answered
        )

    def _close(self, day: date, unit_id: int) -> None:
        app = self.mairie

        def call() -> ClosingInfo:
            assert app.actor is not None
            return close_day(app.engine, unit_id=unit_id, day=day, actor=app.actor, clock=app.clock)

        def done(info: ClosingInfo) -> None:
            self.notify(
                f"Journée du {fr.long_date(info.day)} clôturée : {info.present} présent(s), "
                f"{info.absent} absent(s), {info.unmarked} non pointé(s).",
                title="Clôture",
            )
            self.load()

        self.call_service("close", call, done)

    def action_back(self) -> None:
        if not self.can_go_back:
            return
        if self._pending:
            self.notify("Pointage en cours d'enregistrement : un instant…", severity="warning")
            return
        self.app.pop_screen()

    def action_sign_out(self) -> None:
        if self._pending:
            self.notify("Pointage en cours d'enregistrement : un instant…", severity="warning")
            return
        self.mairie.sign_out()


# ---------------------------------------------------------------- contacts
