"""Foyer: the household as the families' portal shows it, and what to do for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mairie_tui.domain import fr
from mairie_tui.services.enrolments import activate_enrolment
from mairie_tui.services.household_edit import household_input
from mairie_tui.services.households import get_household
from mairie_tui.services.regie import household_balance
from mairie_tui.services.rgpd import export_to_data_dir
from mairie_tui.tui.errors import french_message
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.enrol import PendingModal
from mairie_tui.tui.text import content, lines, markup
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.domain.household_rules import HouseholdInput
    from mairie_tui.services.agenda import FamilyAgenda
    from mairie_tui.services.common import Actor
    from mairie_tui.services.households import HouseholdView, PersonView
    from mairie_tui.services.regie import Balance
    from mairie_tui.services.rgpd import AccessExport
    from mairie_tui.tui.app import MairieApp

FAMILY_ACTIONS = (
    ("reservations", "Modifier les réservations"),
    ("absence", "Signaler une absence"),
    ("tarifs", "Simulation des tarifs"),
    ("carte", "J'ai perdu ma carte"),
    ("inscrire", "Inscrire un enfant (i)"),
    ("valider", "Valider une pré-inscription (v)"),
)
DASHBOARD_ACTIONS = (
    ("demandes", "Demandes"),
    ("factures", "Factures et paiements"),
    ("documents", "Mes documents"),
    ("coordonnees", "Coordonnées"),
)
DEMARCHES = (
    ("informations", "Demande d'informations"),
    ("acte-naissance", "Demander un acte de naissance"),
    ("acte-mariage", "Demander un acte de mariage"),
    ("acte-deces", "Demander un acte de décès"),
    ("rendez-vous", "Prise de rendez-vous"),
    ("toutes", "TOUTES LES DÉMARCHES"),
)
# Menu entry → démarche of the catalogue (data/demarches/*.toml).
DEMARCHE_CODES = {
    "absence": "absence",
    "tarifs": "simulation_tarifs",
    "carte": "carte_perdue",
    "informations": "demande_informations",
    "acte-naissance": "acte_naissance",
    "acte-mariage": "acte_mariage",
    "acte-deces": "acte_deces",
    "rendez-vous": "rdv_titres",
}


def person_line(person: PersonView) -> Content:
    parts = [content(person.full_name)]
    if person.role == "child":
        school = " · ".join(part for part in (person.school_class, person.school) if part)
        if school:
            parts.append("  " + content(school, "dim"))
        if person.birth_date is not None:
            parts.append("  " + content(f"né(e) le {fr.short_date(person.birth_date)}", "dim"))
    elif person.phone:
        parts.append("  " + content(person.phone, "dim"))
    return lines(parts)


NONE = content("aucun", "dim")


@dataclass(frozen=True)
class HouseholdLoad:
    """What the Foyer shows, read in one worker: the household, and its balance or the
    French reason it could not be read (the household is shown all the same)."""

    household: HouseholdView
    balance: Balance | None
    balance_error: str | None = None


def load_household(app: MairieApp, household_id: int, *, actor: Actor) -> HouseholdLoad:
    """Runs in a worker: the household, then its balance (two read transactions)."""
    household = get_household(app.engine, household_id, actor=actor)
    try:
        balance = household_balance(app.engine, household_id, actor=actor)
    except Exception as error:  # shown as a notification; the household is shown anyway
        return HouseholdLoad(household, None, french_message(error))
    return HouseholdLoad(household, balance)


def _my_space(household: HouseholdView) -> Content:
    """MON ESPACE: representative, address, phone, e-mail, quotient familial."""
    rep = household.representative
    parts = [content(rep.full_name, "b")] if rep is not None else []
    parts.append(content(household.address.upper()))
    parts.append(content(f"{household.postcode} {household.commune_name.upper()}"))
    parts.append(
        content(household.phone) if household.phone else content("pas de téléphone", "dim")
    )
    parts.append(content(household.email) if household.email else content("pas d'e-mail", "dim"))
    if household.quotient_familial is not None:
        qf = f"QF {household.quotient_familial}"
        if household.qf_valid_until is not None:
            qf += f" (jusqu'au {fr.short_date(household.qf_valid_until)})"
        parts.append(content(qf, "dim"))
    return lines(parts)


class HouseholdScreen(MairieScreen):
    """Foyer.

    | Key | Action |
    | :- | :- |
    | r | Modifier les réservations. |
    | g | Agenda de la famille : tous les enfants et activités, une périodicité, une validation. |
    | e | Modifier le foyer. |
    | i | Inscrire un enfant (pré-inscription). |
    | v | Valider une pré-inscription. |
    | x | Export RGPD (droit d'accès ; superviseurs). |
    | p | Régler (encaissement au guichet). |
    | h | Historique du foyer (superviseurs). |
    | t | Chronologie : historique de la famille (réservations, factures, paiements…). |
    | tab | Bloc suivant (MA FAMILLE, DÉMARCHES…). |
    | enter | Choisir l'entrée en surbrillance. |
    | c | Courriels du foyer (état, renvoi). |
    | m | Menus de la semaine (allergies signalées). |
    | escape | Retour à la recherche. |
    """

    TITLE_TEXT = "Foyer"
    HELP = (
        "À gauche, le foyer tel que la famille le voit sur son portail : **MON ESPACE**, "
        "**CO-REPRÉSENTANTS**, **MEMBRES FOYER**. Au milieu, **MON TABLEAU DE BORD**, "
        "**MA FAMILLE** et **DÉMARCHES** ; à droite les inscriptions et les dernières "
        "demandes.\n\n`r` ouvre **Modifier les réservations**, `g` l'**Agenda de la famille** "
        "(tous les enfants et activités dans un même mois, une périodicité pour tous, "
        "un seul récapitulatif), "
        "`e` **modifie le foyer** (aussi : Coordonnées), `i` **inscrit un enfant** à une "
        "activité (pré-inscription), `v` **valide une pré-inscription**, `p` **règle** les "
        "factures (le solde du foyer est en haut, à droite du dossier), `c` montre les "
        "**courriels** envoyés à la famille (en attente, envoyé, échec et son motif ; "
        "renvoi, adresse corrigée), `m` les **menus de la semaine** des cantines où "
        "mangent les enfants (un enfant dont un allergène est au menu est signalé). "
        "Les entrées marquées "
        "« bientôt disponible » arrivent avec les prochaines versions."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reservations", "Modifier les réservations", id="household.reservations"),
        Binding("g", "agenda", "Agenda de la famille", id="household.agenda"),
        Binding("e", "edit", "Modifier le foyer", id="household.edit"),
        # i and v are in MA FAMILLE too (left out of the key bar: it would overflow).
        Binding("i", "enrol", "Inscrire un enfant", show=False, id="household.enrol"),
        Binding(
            "v", "activate", "Valider une pré-inscription", show=False, id="household.activate"
        ),
        Binding("p", "pay", "Régler", id="household.pay"),
        Binding("h", "history", "Historique", id="household.history"),
        # Historique de la famille: bookings, pointages, requests, invoices, payments, mails.
        Binding("t", "timeline", "Chronologie", id="household.timeline"),
        # The family's mails and their state (screens/mails.py); in the help, not the key bar.
        Binding("c", "mails", "Courriels", show=False, id="household.mails"),
        Binding("m", "week_menus", "Menus", id="household.menus"),
        Binding("escape", "back", "Retour à la recherche", id="household.back"),
        # Supervisors only (check_action hides it from the others).
        Binding("x", "rgpd_export", "Export RGPD", id="household.rgpd_export"),
    ]

    def __init__(self, household_id: int, loaded: HouseholdLoad | None = None) -> None:
        """`loaded`: the household already read by the screen that opens this one (the
        search), shown at once: one layout of the screen instead of one empty, then one
        per result."""
        super().__init__()
        self.household_id = household_id
        self._loaded = loaded
        self.household: HouseholdView | None = None
        self.greeting: Content = content("")
        self.balance: Balance | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(self.TITLE_TEXT)
        yield Static("Chargement du foyer…", id="household-greeting")
        with Horizontal(id="household-body"):
            with VerticalScroll(id="household-left", can_focus=False):
                yield Static("MON ESPACE", classes="panel-title")
                yield Static("", id="my-space", classes="panel")
                yield Static("CO-REPRÉSENTANTS", classes="panel-title")
                yield Static("", id="co-representatives", classes="panel")
                yield Static("MEMBRES FOYER", classes="panel-title")
                yield Static("", id="members", classes="panel")
            with VerticalScroll(id="household-middle", can_focus=False):
                yield Static("MON TABLEAU DE BORD", classes="panel-title")
                yield OptionList(
                    *[Option(label, id=key) for key, label in DASHBOARD_ACTIONS],
                    id="dashboard",
                    classes="menu",
                )
                yield Static("MA FAMILLE", classes="panel-title")
                yield OptionList(
                    *[Option(label, id=key) for key, label in FAMILY_ACTIONS],
                    id="family",
                    classes="menu",
                )
                yield Static("DÉMARCHES", classes="panel-title")
                yield OptionList(
                    *[Option(label, id=key) for key, label in DEMARCHES],
                    id="demarches",
                    classes="menu",
                )
            # Focusable: its list scrolls with the keys (below 100 columns, the page scrolls to it).
            with VerticalScroll(id="household-right"):
                yield Static("INSCRIPTIONS", classes="panel-title")
                yield Static("", id="enrolments", classes="panel")
                yield Static("DERNIÈRES DEMANDES", classes="panel-title")
                yield Static("", id="requests", classes="panel")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#family", OptionList).focus()
        if self._loaded is not None:
            self._show_load(self._loaded)
            self._loaded = None
        else:
            self.reload()

    def reload(self) -> None:
        app = self.mairie
        household_id = self.household_id
        actor = app.actor
        assert actor is not None, "the Foyer screen needs a signed-in agent"

        def call() -> HouseholdLoad:
            return load_household(app, household_id, actor=actor)

        self.call_service("household", call, self._show_load)

    def _show_load(self, loaded: HouseholdLoad) -> None:
        self.balance = loaded.balance
        self._show(loaded.household)
        if loaded.balance_error is not None:
            self._notify_error(loaded.balance_error)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self.query_one("#household-greeting", Static).update(content(message, "b red"))

    def _show(self, household: HouseholdView) -> None:
        self.household = household
        rep = household.representative
        civility = {"Mme": "Madame", "M.": "Monsieur"}.get(rep.civility or "", "") if rep else ""
        greeting = content(f"Foyer {household.dossier}")
        if rep is not None:
            hello = f"Bonjour {civility} {rep.last_name}.".replace("  ", " ")
            greeting = markup(
                "$hello   [dim]Dossier $dossier[/]", hello=hello, dossier=household.dossier
            )
        self.greeting = greeting
        self._show_greeting()
        self.query_one("#my-space", Static).update(_my_space(household))
        co = household.co_representatives
        self.query_one("#co-representatives", Static).update(
            lines(person_line(person) for person in co) if co else NONE
        )
        members = [person_line(person) for person in household.children]
        members += [
            person_line(p) + " " + content("(entourage)", "dim") for p in household.authorised
        ]
        self.query_one("#members", Static).update(lines(members) if members else NONE)
        enrolments = [
            markup(
                "[b]$child[/] · $activity\n[dim]$site\n$period · $status[/]",
                child=item.child_name,
                activity=item.activity_name,
                site=item.site,
                period=item.period_text,
                status=item.status_label,
            )
            for item in household.enrolments
        ]
        self.query_one("#enrolments", Static).update(
            Content("\n\n").join(enrolments) if enrolments else content("aucune inscription", "dim")
        )
        requests = [
            markup(
                "$number · $kind\n  [dim]$day · $status[/]",
                number=item.number,
                kind=item.type_label,
                day=fr.short_date(fr.local_date(item.created_at)),
                status=item.status_label,
            )
            for item in household.requests[:6]
        ]
        self.query_one("#requests", Static).update(
            lines(requests) if requests else content("aucune demande", "dim")
        )
        count = len(household.requests)
        self.query_one("#dashboard", OptionList).replace_option_prompt(
            "demandes", f"Demandes ({count}{'+' if count >= 20 else ''})"
        )

    def _show_greeting(self) -> None:
        greeting = self.greeting
        if self.balance is not None:
            style = "b red" if self.balance.due_cents > 0 else "b"
            greeting += content("   ") + content(self.balance.label(), style)
        self.query_one("#household-greeting", Static).update(greeting)

    # ------------------------------------------------------------ actions

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        if key == "reservations":
            self.action_reservations()
            return
        if key == "coordonnees":
            self.action_edit()
            return
        if key == "inscrire":
            self.action_enrol()
            return
        if key == "valider":
            self.action_activate()
            return
        if key == "factures":
            self.mairie.open_household_account(self.household_id)
            return
        if self._open_demarches(key or ""):  # démarches, demandes, documents
            return
        self.mairie.coming_soon(str(event.option.prompt))

    def _open_demarches(self, key: str) -> bool:
        """Démarches (the wizard), Demandes (the household's requests), Mes documents."""
        dossier = self.household.dossier if self.household is not None else ""
        if key in DEMARCHE_CODES:
            self.mairie.open_demarche(DEMARCHE_CODES[key], self.household_id)
        elif key == "toutes":
            self.mairie.open_catalogue(self.household_id)
        elif key == "demandes":
            self.mairie.open_household_requests(self.household_id, dossier)
        elif key == "documents":
            self.mairie.open_household_documents(self.household_id, dossier)
        else:
            return False
        return True

    def action_reservations(self) -> None:
        if self.household is None:
            self.notify("Le foyer est encore en cours de chargement.", severity="warning")
            return
        if not self.household.enrolments:
            self.notify("Aucune inscription dans ce foyer : rien à réserver.", severity="warning")
            return
        self.mairie.open_enrolments(self.household)

    def action_agenda(self) -> None:
        """g: Agenda de la famille, every child × activity read in one go."""
        app = self.mairie
        actor, household_id = app.actor, self.household_id
        assert actor is not None

        def call() -> FamilyAgenda:
            from mairie_tui.services.agenda import open_agenda

            return open_agenda(app.engine, household_id, app.clock, actor=actor)

        self.call_service("household-agenda", call, app.open_agenda, failed=self._notify_error)

    def action_edit(self) -> None:
        """e: the household form, filled in from the database (its version kept for the save)."""
        app = self.mairie
        household_id = self.household_id

        def call() -> tuple[HouseholdInput, int]:
            return household_input(app.engine, household_id, actor=app.actor)

        def loaded(result: tuple[HouseholdInput, int]) -> None:
            data, version = result
            dossier = self.household.dossier if self.household is not None else ""
            self.mairie.edit_household(household_id, data, version, dossier=dossier)

        self.call_service("household-edit", call, loaded, failed=self._notify_error)

    def action_enrol(self) -> None:
        """i: Inscrire un enfant (dossier unique / pré-inscription)."""
        if self.household is None:
            self.notify("Le foyer est encore en cours de chargement.", severity="warning")
            return
        if not self.household.children:
            self.notify("Aucun enfant dans ce foyer : ajoutez-le d'abord (e).", severity="warning")
            return
        self.mairie.open_enrol(self.household)

    def action_activate(self) -> None:
        """v: Valider une pré-inscription (pending → active, after the service's checks)."""
        if self.household is None:
            self.notify("Le foyer est encore en cours de chargement.", severity="warning")
            return
        pending = [e for e in self.household.enrolments if e.status == "pending"]
        if not pending:
            self.notify("Aucune pré-inscription à valider dans ce foyer.", severity="warning")
            return
        app = self.mairie
        actor = app.actor
        assert actor is not None

        def chosen(enrolment_id: int | None) -> None:
            if enrolment_id is None:
                return
            item = next(e for e in pending if e.id == enrolment_id)

            def call() -> None:
                activate_enrolment(app.engine, enrolment_id, actor=actor, clock=app.clock)

            def done(_: None) -> None:
                self.notify(
                    f"{item.child_name} · {item.activity_name} : inscription validée.",
                    title="Inscrit",
                )
                self.reload()

            self.call_service("household-activate", call, done, failed=self._notify_error)

        self.app.push_screen(PendingModal(pending), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rgpd_export":
            actor = self.mairie.actor
            return actor is not None and actor.is_supervisor
        if action == "history":  # h is offered to supervisors only
            return self.mairie.actor is not None and self.mairie.actor.is_supervisor
        return True

    def action_rgpd_export(self) -> None:
        """x (supervisors): droit d'accès, written into <data dir>/rgpd/; the path is shown."""
        app = self.mairie
        actor, household_id = app.actor, self.household_id
        assert actor is not None

        def call() -> AccessExport:
            return export_to_data_dir(
                app.engine,
                household_id,
                data_dir=app.settings.data_dir,
                actor=actor,
                clock=app.clock,
            )

        def done(result: AccessExport) -> None:
            self.notify(
                f"Dossier {result.dossier} : {result.folder}",
                title="Export RGPD écrit",
                timeout=15,
                markup=False,  # a path is shown as written
            )

        self.call_service("household-rgpd", call, done, failed=self._notify_error)

    def action_history(self) -> None:
        """h: Historique du foyer (supervisors): the family's audit trail."""
        if self.household is None:
            self.notify("Le foyer est encore en cours de chargement.", severity="warning")
            return
        self.mairie.open_household_history(self.household.dossier)

    def action_timeline(self) -> None:
        """t: Historique de la famille (every agent): the household's events, newest first."""
        self.mairie.open_household_timeline(self.household_id)

    def action_mails(self) -> None:
        """c: Courriels du foyer, each mail's state; resend, correct the address."""
        if self.household is not None:
            self.mairie.open_household_mails(self.household_id, self.household.dossier)

    def action_week_menus(self) -> None:
        """m: the week's menus of the children's canteens, allergies flagged."""
        if self.household is not None:
            self.mairie.open_week_menus(self.household_id, self.household.dossier)

    def action_pay(self) -> None:
        """p: Régler (the household's invoices; the receipt brings the agent back here)."""
        self.mairie.open_payment(self.household_id)

    def _notify_error(self, message: str, error: BaseException | None = None) -> None:
        self.notify(message, title="Erreur", severity="error", timeout=8)

    def action_back(self) -> None:
        self.app.pop_screen()
