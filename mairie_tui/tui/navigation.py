"""Every move from one screen to another: the one module that knows the screens.

`MairieApp` inherits these methods; a screen asks `self.mairie.open_household(42)`
instead of importing the Foyer screen, so that screens never import each other.

The screen modules are imported here on first use, deliberately and only here:
each one pulls in its services (SQLAlchemy…), and the sign-in screen must be up
as fast as a bare Textual app (benchmarks/tui.py, cold start ≤ 2×).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from mairie_tui.domain.household_rules import HouseholdInput
    from mairie_tui.services.agenda import FamilyAgenda, FamilyValidationResult
    from mairie_tui.services.bookings import BookingSession, ValidationResult
    from mairie_tui.services.common import Actor
    from mairie_tui.services.households import HouseholdView
    from mairie_tui.services.news import NewsView
    from mairie_tui.services.regie import Receipt
    from mairie_tui.tui.screens.household import HouseholdLoad


class Navigation(App[None]):
    """The moves between screens (a base of MairieApp; `self` is the app)."""

    actor: Actor | None
    offline_copy: bool

    # ------------------------------------------------------------ session

    def login_screen(self) -> Screen[Any]:
        from mairie_tui.tui.screens.login import LoginScreen

        return LoginScreen()

    def sign_in(
        self,
        actor: Actor,
        *,
        offline_copy: bool = False,
        news: Sequence[NewsView] | None = None,
        news_error: str | None = None,
    ) -> None:
        """After sign-in: households for counter agents, the lists for school staff.

        `news`: the day's news already read (by the sign-in's worker), for the search screen.
        """
        self.actor = actor
        self.offline_copy = offline_copy
        if actor.is_staff or self.offline_copy:
            from mairie_tui.tui.screens.lists import ListsScreen

            self.switch_screen(ListsScreen())
        else:
            from mairie_tui.tui.screens.search import SearchScreen

            self.switch_screen(SearchScreen(news=news, news_error=news_error))
            self._warm_up()
            self._start_mail_sender()

    def _warm_up(self) -> None:
        """Overridden by MairieApp: the first booking's one-off costs, paid in a worker."""

    def _start_mail_sender(self) -> None:
        """Overridden by MairieApp: the outbox's sender, while an agent is signed in."""

    def _stop_mail_sender(self) -> None:
        """Overridden by MairieApp."""

    def sign_out(self) -> None:
        """Back to the sign-in screen (a booking in progress is dropped: the palette asks first)."""
        self.actor = None
        self._stop_mail_sender()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(self.login_screen())

    def go_to_search(self) -> None:
        """Back to the household search, whatever is open above it."""
        from mairie_tui.tui.screens.search import SearchScreen

        if self.actor is None or self.actor.is_staff or self.offline_copy:
            self.notify(
                "La recherche de foyer est réservée aux agents d'accueil.", severity="warning"
            )
            return

        def leave() -> None:
            while len(self.screen_stack) > 2 and not isinstance(self.screen, SearchScreen):
                self.pop_screen()
            if isinstance(self.screen, SearchScreen):
                self.screen.focus_search()

        self.confirm_leaving(leave)

    def confirm_leaving(self, then: Callable[[], None]) -> None:
        """Overridden by MairieApp: run `then`, after asking about unsaved changes."""
        then()

    def show_help(self, title: str, text: str, screen: Screen[Any]) -> None:
        """f1: the explanations and keys of `screen` (Markdown is loaded on the first help)."""
        from mairie_tui.tui.screens.help import HelpModal

        self.push_screen(HelpModal(title, text, screen))

    # ------------------------------------------------------------ palette and function keys

    def open_lists(self) -> None:
        """Listes (f6, palette): over the current screen for agents; staff are on it already."""
        from mairie_tui.tui.screens.lists import ListsScreen

        if self.actor is None:
            return
        if any(isinstance(screen, ListsScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, ListsScreen):
                self.pop_screen()
            return
        self.push_screen(ListsScreen(can_go_back=True))

    def open_inbox(self) -> None:
        """The agents' inbox of requests, above the search or the Foyer."""
        from mairie_tui.tui.screens.inbox import InboxScreen

        if self.actor is None or self.actor.is_staff:
            self.notify("Les demandes sont réservées aux agents d'accueil.", severity="warning")
            return
        if isinstance(self.screen, InboxScreen) and self.screen.household_id is None:
            return
        self.push_screen(InboxScreen())

    def open_agents(self) -> None:
        """Agents (palette, supervisors): the accounts, to unlock a locked one."""
        from mairie_tui.tui.screens.agents import AgentsScreen

        if self.actor is None or not self.actor.is_supervisor:
            self.notify("La gestion des agents est réservée aux superviseurs.", severity="warning")
            return
        if not isinstance(self.screen, AgentsScreen):
            self.push_screen(AgentsScreen())

    def open_news(self) -> None:
        """Actualités (palette, supervisors): publish or withdraw the news of the counter."""
        from mairie_tui.tui.screens.news import NewsScreen

        if self.actor is None or not self.actor.is_supervisor:
            self.notify(
                "La publication des actualités est réservée aux superviseurs.", severity="warning"
            )
            return
        if not isinstance(self.screen, NewsScreen):
            self.push_screen(NewsScreen())

    # ------------------------------------------------------------ households

    def open_household(self, household_id: int, loaded: HouseholdLoad | None = None) -> None:
        """The Foyer; `loaded` when the opening screen has read it already (the search)."""
        from mairie_tui.tui.screens.household import HouseholdScreen

        self.push_screen(HouseholdScreen(household_id, loaded))

    def new_household(self) -> None:
        from mairie_tui.tui.screens.household_form import HouseholdFormScreen

        self.push_screen(HouseholdFormScreen())

    def edit_household(
        self, household_id: int, data: HouseholdInput, version: int, *, dossier: str
    ) -> None:
        from mairie_tui.tui.screens.household_form import HouseholdFormScreen

        self.push_screen(HouseholdFormScreen(household_id, data, version, dossier=dossier))

    def reload_household(self, household_id: int | None = None) -> None:
        """The Foyer on top reloads (only that household's, when `household_id` is given)."""
        from mairie_tui.tui.screens.household import HouseholdScreen

        screen = self.screen
        if isinstance(screen, HouseholdScreen) and household_id in (None, screen.household_id):
            screen.reload()

    def back_to_household(self) -> None:
        """Close what is open above the Foyer, which reloads."""
        from mairie_tui.tui.screens.household import HouseholdScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HouseholdScreen):
            self.pop_screen()
        self.reload_household()

    def open_household_history(self, dossier: str) -> None:
        from mairie_tui.tui.screens.history import HouseholdHistoryScreen

        self.push_screen(HouseholdHistoryScreen(dossier))

    def open_household_timeline(self, household_id: int) -> None:
        from mairie_tui.tui.screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen(household_id))

    def open_household_mails(self, household_id: int, dossier: str) -> None:
        from mairie_tui.tui.screens.mails import HouseholdMailsScreen

        self.push_screen(HouseholdMailsScreen(household_id, dossier))

    def open_week_menus(self, household_id: int, dossier: str) -> None:
        from mairie_tui.tui.screens.week_menus import WeekMenusScreen

        self.push_screen(WeekMenusScreen(household_id, dossier))

    def open_enrol(self, household: HouseholdView) -> None:
        from mairie_tui.tui.screens.enrol import EnrolScreen

        self.push_screen(EnrolScreen(household))

    # ------------------------------------------------------------ bookings

    def open_enrolments(self, household: HouseholdView) -> None:
        from mairie_tui.tui.screens.enrolments import EnrolmentsScreen

        self.push_screen(EnrolmentsScreen(household))

    def open_booking(self, booking: BookingSession) -> None:
        from mairie_tui.tui.screens.booking import BookingScreen

        self.push_screen(BookingScreen(booking))

    def open_recap(self, booking: BookingSession) -> None:
        from mairie_tui.tui.screens.recap import RecapScreen

        self.push_screen(RecapScreen(booking))

    def back_to_booking(self, message: str | None) -> None:
        """From the recap back to step 1 (with the reason, after a refusal)."""
        from mairie_tui.tui.screens.booking import BookingScreen

        self.pop_screen()
        screen = self.screen
        if isinstance(screen, BookingScreen):
            screen.back_from_recap(message)

    def open_confirmation(self, booking: BookingSession, result: ValidationResult) -> None:
        from mairie_tui.tui.screens.confirmation import ConfirmationScreen

        self.push_screen(ConfirmationScreen(booking, result))

    # ------------------------------------------------------------ family agenda

    def open_agenda(self, agenda: FamilyAgenda) -> None:
        from mairie_tui.tui.screens.agenda import AgendaScreen

        self.push_screen(AgendaScreen(agenda))

    def open_agenda_recap(self, agenda: FamilyAgenda) -> None:
        from mairie_tui.tui.screens.agenda_recap import AgendaRecapScreen

        self.push_screen(AgendaRecapScreen(agenda))

    def back_to_agenda(self, message: str | None) -> None:
        """From the family recap back to the agenda (with the reason, after a refusal)."""
        from mairie_tui.tui.screens.agenda import AgendaScreen

        self.pop_screen()
        screen = self.screen
        if isinstance(screen, AgendaScreen):
            screen.back_from_recap(message)

    def open_agenda_confirmation(
        self, agenda: FamilyAgenda, result: FamilyValidationResult
    ) -> None:
        from mairie_tui.tui.screens.agenda_recap import AgendaConfirmationScreen

        self.push_screen(AgendaConfirmationScreen(agenda, result))

    # ------------------------------------------------------------ démarches and requests

    def open_demarche(self, code: str, household_id: int | None) -> None:
        from mairie_tui.tui.screens.demarche import DemarcheScreen

        self.push_screen(DemarcheScreen(code, household_id))

    def open_catalogue(self, household_id: int | None) -> None:
        from mairie_tui.tui.screens.demarche import CatalogueScreen

        self.push_screen(CatalogueScreen(household_id))

    def open_household_requests(self, household_id: int, dossier: str) -> None:
        from mairie_tui.tui.screens.inbox import InboxScreen

        self.push_screen(InboxScreen(household_id, dossier))

    def open_household_documents(self, household_id: int, dossier: str) -> None:
        from mairie_tui.tui.screens.request_page import HouseholdDocumentsScreen

        self.push_screen(HouseholdDocumentsScreen(household_id, dossier))

    def open_request(self, request_id: int, *, replace: bool = False) -> None:
        """A request's page (`replace`: instead of the screen on top)."""
        from mairie_tui.tui.screens.request_page import RequestPageScreen

        screen = RequestPageScreen(request_id)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # ------------------------------------------------------------ régie

    def open_household_account(self, household_id: int) -> None:
        """Factures et paiements of a household (from the Foyer)."""
        from mairie_tui.tui.screens.regie import AccountScreen

        self.push_screen(AccountScreen(household_id))

    def open_payment(self, household_id: int) -> None:
        """Régler: take a payment for the household's invoices."""
        from mairie_tui.tui.screens.regie import PaymentScreen

        self.push_screen(PaymentScreen(household_id))

    def open_receipt(self, receipt: Receipt) -> None:
        """The receipt of the payment just taken, instead of the payment screen."""
        from mairie_tui.tui.screens.regie import ReceiptScreen

        self.switch_screen(ReceiptScreen(receipt))

    def _supervisor_only(self, what: str) -> bool:
        if self.actor is None or not self.actor.is_supervisor or self.offline_copy:
            self.notify(f"{what} est réservée au régisseur (superviseur).", severity="warning")
            return False
        return True

    def open_till(self) -> None:
        """Caisse (supervisors): a day's payments by agent and mode, the closing."""
        from mairie_tui.tui.screens.regie import TillScreen

        if self._supervisor_only("La caisse") and not isinstance(self.screen, TillScreen):
            self.push_screen(TillScreen())

    def open_invoicing(self) -> None:
        """Facturation (supervisors): a month's dry run, then its invoices."""
        from mairie_tui.tui.screens.regie import InvoicingScreen

        if self._supervisor_only("La facturation") and not isinstance(self.screen, InvoicingScreen):
            self.push_screen(InvoicingScreen())

    # ------------------------------------------------------------ lists

    def open_headcounts(self, site: str | None, day: date) -> None:
        from mairie_tui.tui.screens.headcounts import HeadcountsScreen

        self.push_screen(HeadcountsScreen(site=site, day=day))
