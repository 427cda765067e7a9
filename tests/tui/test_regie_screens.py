"""The régie at the counter (issue 14), through Pilot on the demo database: the Foyer's
balance, Régler with a cheque and cash, the receipt, the supervisor's till closing; errors
at the field; Factures et paiements; Facturation; the booking recap's estimated cost."""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from textual.widgets import Static

from mairie_tui.db import make_engine, read_session
from mairie_tui.models import Invoice, TillClosing
from mairie_tui.tui.screens.household import HouseholdScreen
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.screens.recap import RecapScreen
from mairie_tui.tui.screens.regie import (
    AccountScreen,
    InvoicingScreen,
    PaymentScreen,
    ReceiptScreen,
    TillScreen,
)
from mairie_tui.tui.screens.regie.cancel import CancelPaymentModal
from mairie_tui.tui.screens.search import SearchScreen
from mairie_tui.tui.screens.timeline import TimelineScreen
from tests.tui.helpers import AppFactory, run_async
from tests.tui.scenes.base import SEED_KEYS, screen_text, settle
from tests.tui.scenes.regie import REGIE_NOW, invoice_september

SIZE = (120, 40)
SMALL = (80, 24)


def notifications(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def sign_in_with_keys(pilot, login: str) -> None:
    await pilot.press(*login, "tab", *login, "enter")
    await settle(pilot)


async def open_famille_test_with_keys(pilot) -> None:
    await sign_in_with_keys(pilot, "guichet")
    assert isinstance(pilot.app.screen, SearchScreen)
    await pilot.press(*"famille test")
    await pilot.pause(0.2)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HouseholdScreen)


@run_async
async def test_pay_by_cheque_and_cash_then_close_the_till_keys_only(
    make_app: AppFactory, demo_url: str
) -> None:
    app = make_app(REGIE_NOW)
    async with app.run_test(size=SMALL) as pilot:
        invoice_september(pilot)
        await open_famille_test_with_keys(pilot)
        assert "Solde : 9,90 € dû" in screen_text(app)
        assert "p Régler" in screen_text(app)

        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen)
        text = screen_text(app)
        assert "2020-F-000001" in text and "Septembre 2020" in text and "reste 9,90 €" in text
        # Chèque of 5,00 €: the mode tabs are focused; → Chèque, then its fields.
        await pilot.press("right", "tab", "ctrl+u", "5", "tab", *"0001234", "tab")
        await pilot.press(*"La Banque Postale", "tab", *"Mme Test 1", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Chèque n° 0001234 (La Banque Postale) : 5,00 €" in text
        assert "reste dû : 4,90 €" in text
        # Espèces: the amount left (4,90) is filled in; 10,00 € tendered, the change shows live.
        await pilot.press("left", "tab", "tab", "1", "0")
        await pilot.pause()
        assert "Monnaie à rendre : 5,10 €" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert "Espèces : 4,90 € (remis 10,00 €, monnaie rendue 5,10 €)" in screen_text(app)
        await pilot.press("f2")
        await settle(pilot)

        assert isinstance(app.screen, ReceiptScreen)
        text = screen_text(app)
        for expected in (
            "Reçu n° 2020-R-000001",
            "Chèque n° 0001234 (La Banque Postale) : 5,00 €",
            "Monnaie rendue : 5,10 €",
            "Facture 2020-F-000001 : 9,90 €",
            "Solde : 0,00 € (à jour)",
        ):
            assert expected in text
        await pilot.press("i")
        await settle(pilot)
        pdf = app.settings.data_dir / "recus" / "2020-R-000001.pdf"
        assert pdf.read_bytes().startswith(b"%PDF")
        shown = str(app.screen.query_one("#receipt-pdf", Static).render())
        assert shown == f"PDF du reçu écrit : {pdf}"

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Solde : 0,00 € (à jour)" in screen_text(app)

        await pilot.press("ctrl+d")
        await settle(pilot)
        await sign_in_with_keys(pilot, "superviseur")
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, TillScreen)
        text = screen_text(app)
        assert "lundi 05/10/2020 · caisse ouverte" in text and "Camille Martin" in text
        await pilot.press("tab", *"4,80")
        await pilot.pause()
        assert "écart -0,10 €" in screen_text(app)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, TillScreen)
        text = screen_text(app)
        assert "caisse close" in text
        assert "2020-R-000001" in text and "(Chèque 5,00 €, Espèces 4,90 €)" in text
        assert "n° 0001234  La Banque Postale  Mme Test 1  5,00 €" in text
        assert "attendu 4,90 € · écart -0,10 €" in text and "f2 Clore" not in text
        journal = str(app.screen.query_one("#till-journal", Static).render())
        assert "Espèces comptées : 4,80 €" in journal and "Écart : -0,10 €" in journal

    engine = make_engine(demo_url)
    with read_session(engine) as session:
        closing = session.exec(select(TillClosing)).one()
        assert closing.day == date(2020, 10, 5) and closing.difference_cents == -10
    engine.dispose()


@run_async
async def test_a_tender_typed_wrong_is_refused_at_its_field(make_app: AppFactory) -> None:
    app = make_app(REGIE_NOW)
    async with app.run_test(size=SIZE) as pilot:
        invoice_september(pilot)
        await open_famille_test_with_keys(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PaymentScreen)
        await pilot.press("tab", "ctrl+u", *"12,345", "enter")
        await pilot.pause()
        assert "Montant invalide : « 12,345 » (exemple : 12,50)." in screen_text(app)
        assert screen.query_one("#amount").has_class("-invalid") and screen.tenders == []
        # A cheque without its bank nor holder: the domain's message, the bank field focused.
        await pilot.press("shift+tab", "right", "tab", "ctrl+u", "5", "tab", *"42", "enter")
        await pilot.pause()
        assert "Chèque : indiquez la banque, le titulaire." in screen_text(app)
        assert app.focused is screen.query_one("#bank") and screen.tenders == []
        # CESU: the service refuses it (the canteen is not childcare), under the modes.
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "right", "right")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen)
        assert "CESU : 5,00 € pour 0,00 € de crèche et de périscolaire" in screen_text(app)


@run_async
async def test_invoices_and_payments_entry_of_the_foyer(make_app: AppFactory) -> None:
    app = make_app(REGIE_NOW)
    async with app.run_test(size=SIZE) as pilot:
        invoice_september(pilot)
        await open_famille_test_with_keys(pilot)
        screen = app.screen
        assert isinstance(screen, HouseholdScreen)
        dashboard = screen.query_one("#dashboard")
        dashboard.focus()
        await pilot.press("down", "enter")  # Demandes, then Factures et paiements
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        text = screen_text(app)
        assert "2020-F-000001" in text and "Septembre 2020" in text and "aucun paiement" in text
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("right", "right", "tab", "tab", *"TPE-42", "f2")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        assert "Carte bancaire (réf. TPE-42) : 9,90 €" in screen_text(app)


@run_async
async def test_invoicing_dry_run_then_generate_for_supervisors_only(
    make_app: AppFactory, demo_url: str
) -> None:
    app = make_app(REGIE_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_with_keys(pilot, "guichet")
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)  # not the agents'
        await pilot.press("ctrl+d")
        await settle(pilot)
        await sign_in_with_keys(pilot, "superviseur")
        assert "f7 Caisse" in screen_text(app) and "f8 Facturation" in screen_text(app)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, InvoicingScreen)
        await pilot.press("ctrl+u", *"13/2020", "enter")
        await settle(pilot)
        assert "Mois invalide : « 13/2020 »" in screen_text(app)
        await pilot.press("ctrl+u", *"09/2020", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Septembre 2020 · simulation (rien n'est écrit)" in text
        assert "Restauration scolaire" in text and "factures à émettre" in text
        engine = make_engine(demo_url)
        with read_session(engine) as session:
            assert session.exec(select(Invoice)).all() == []
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert "Septembre 2020 · facturé" in screen_text(app)
        assert "2020-F-000001 à" in screen_text(app)
        with read_session(engine) as session:
            assert session.exec(select(Invoice)).all() != []
        engine.dispose()


@run_async
async def test_the_recap_shows_the_estimated_cost(make_app: AppFactory) -> None:
    app = make_app("2020-09-15T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await open_famille_test_with_keys(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*SEED_KEYS)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecapScreen)
        assert "Coût estimé : +3 repas × 3,30 € = 9,90 €" in screen_text(app)


@run_async
async def test_the_timeline_opens_from_the_foyer_and_lists_the_invoice_and_payment(
    make_app: AppFactory,
) -> None:
    app = make_app(REGIE_NOW)
    async with app.run_test(size=SMALL) as pilot:
        invoice_september(pilot)
        await open_famille_test_with_keys(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("right", "right", "tab", "tab", *"TPE-42", "f2")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "t Chronologie" in screen_text(app)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        text = screen_text(app)
        assert "HISTORIQUE DE LA FAMILLE" in text
        rows = app.screen.events
        kinds = [event.kind for event in rows]
        assert kinds[:2] == ["Paiement", "Facture"]  # newest first
        assert "Réservation" in kinds and "Demande" in kinds
        assert "Reçu 2020-R-000001 : 9,90 € encaissés" in text
        assert "Facture 2020-F-000001" in text and "9,90 €" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)


@run_async
async def test_cancel_a_payment_from_the_account_supervisors_only_with_a_reason(
    make_app: AppFactory,
) -> None:
    app = make_app(REGIE_NOW)
    async with app.run_test(size=SIZE) as pilot:
        invoice_september(pilot)
        await open_famille_test_with_keys(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("right", "right", "tab", "tab", *"TPE-42", "f2")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "Solde : 0,00 € (à jour)" in screen_text(app)
        app.open_household_account(app.screen.household_id)
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        # An agent: refused, nothing asked.
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert "Seul un superviseur peut annuler un encaissement." in notifications(app)
        assert "encaissé" in screen_text(app)

        await pilot.press("ctrl+d")
        await settle(pilot)
        await sign_in_with_keys(pilot, "superviseur")
        await pilot.press(*"famille test")
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        app.open_household_account(app.screen.household_id)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, CancelPaymentModal)
        assert "Reçu 2020-R-000001 : 9,90 €" in screen_text(app)
        await pilot.press("enter")  # no reason: asked for, not cancelled
        await settle(pilot)
        assert isinstance(app.screen, CancelPaymentModal)
        assert "Indiquez le motif de l'annulation." in screen_text(app)
        await pilot.press(*"Erreur de terminal", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        text = screen_text(app)
        assert "annulé : Erreur de terminal" in text and "Solde : 9,90 € dû" in text
        await pilot.press("a")  # the same payment again: already cancelled
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert "Le reçu 2020-R-000001 est déjà annulé." in notifications(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "Solde : 9,90 € dû" in screen_text(app)
