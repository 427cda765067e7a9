"""Inscrire un enfant (dossier unique / pré-inscription) and Valider une pré-inscription."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from mairie_tui.domain import fr
from mairie_tui.domain.communes import find_commune
from mairie_tui.services.enrolments import enrol_child, list_activities, school_year
from mairie_tui.tui.screens.base import MairieModal, MairieScreen
from mairie_tui.tui.text import content, markup
from mairie_tui.tui.widgets.checks import TickBox
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.bookings import EnrolmentSummary
    from mairie_tui.services.enrolments import ActivityOption
    from mairie_tui.services.households import HouseholdView


class ActivityFilter(Field):
    """The activity filter: `down` goes into the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "into_list", "Liste", show=False, id="enrol.into_list"),
    ]

    def action_into_list(self) -> None:
        self.screen.query_one("#enrol-activities", OptionList).focus()


class EnrolScreen(MairieScreen):
    """Inscrire un enfant.

    | Key | Action |
    | :- | :- |
    | enter | Choisir l'enfant / l'activité, puis inscrire. |
    | ctrl+s | Inscrire. |
    | escape | Retour au foyer. |
    """

    TITLE_TEXT = "Inscrire un enfant"
    HELP = (
        "**Dossier unique** : choisissez l'**enfant**, puis l'**activité** (tapez quelques "
        "lettres pour filtrer : « mons », « alsh »…, les activités de la commune du foyer "
        "d'abord), et la **période** (l'année scolaire par défaut, JJ/MM/AAAA).\n\n"
        "L'inscription est enregistrée en **pré-inscription** : un agent la valide ensuite "
        "depuis le foyer (`v`), après les contrôles (âge, places de la crèche). Cochez "
        "« Valider tout de suite » pour l'inscrire directement."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "enrol", "Inscrire", priority=True, id="enrol.save"),
        Binding("escape", "back", "Retour au foyer", id="enrol.back"),
    ]

    def __init__(self, household: HouseholdView) -> None:
        super().__init__()
        self.household = household
        self.activities: list[ActivityOption] = []
        self.shown: list[ActivityOption] = []
        self.chosen_activity: ActivityOption | None = None
        self._saving = False
        self.enrolment_id: int | None = None

    def compose(self) -> ComposeResult:
        start, end = school_year(self.mairie.clock.today())
        yield AppHeader(self.TITLE_TEXT)
        with Vertical(id="enrol-body"):
            yield Static(
                markup(
                    "DOSSIER UNIQUE — INSCRIRE UN ENFANT   [dim]Dossier $dossier[/]",
                    dossier=self.household.dossier,
                ),
                classes="panel-title",
            )
            yield Static("1. Enfant", classes="section-title")
            yield OptionList(
                *[
                    Option(self._child_label(child.id), id=str(child.id))
                    for child in self.household.children
                ],
                id="enrol-children",
            )
            yield Static("2. Activité", classes="section-title")
            yield ActivityFilter(
                placeholder="tapez pour filtrer : restauration mons, alsh…",
                id="enrol-filter",
                compact=True,
            )
            yield OptionList(id="enrol-activities")
            yield Static("3. Période", classes="section-title")
            with Horizontal(id="enrol-period"):
                yield Static("du ", classes="inline-label")
                yield Field(fr.short_date(start), id="enrol-start", max_length=10, compact=True)
                yield Static(" au ", classes="inline-label")
                yield Field(fr.short_date(end), id="enrol-end", max_length=10, compact=True)
                yield Static(
                    f"  [dim]année scolaire {start.year}-{end.year} par défaut[/]",
                    classes="inline-label",
                )
            yield TickBox(
                "Valider tout de suite (sinon : pré-inscription, à valider par un agent)",
                id="enrol-activate",
                compact=True,
            )
            yield Static("", id="enrol-status")
            with Horizontal(classes="buttons"):
                yield Button("Retour (échap)", id="enrol-cancel", compact=True)
                yield Button("Inscrire (ctrl+s)", id="enrol-save", compact=True, variant="primary")
        yield KeyBar()

    def _child_label(self, child_id: int) -> Content:
        child = next(c for c in self.household.children if c.id == child_id)
        text = content(child.full_name)
        if child.birth_date is not None:
            text += "  " + content(f"né(e) le {fr.short_date(child.birth_date)}", "dim")
        current = [e.activity_name for e in self.household.enrolments if e.child_id == child_id]
        if current:
            text += "  " + content(f"· déjà : {', '.join(current)}", "dim")
        return text

    def on_mount(self) -> None:
        children = self.query_one("#enrol-children", OptionList)
        if self.household.children:
            children.highlighted = 0
            children.focus()
        else:
            self.set_error("Aucun enfant dans ce foyer : ajoutez-le d'abord (e).")
        app = self.mairie
        commune = find_commune(self.household.commune_name)
        insee = commune.insee if commune is not None else None

        def call() -> list[ActivityOption]:
            return list_activities(app.engine, commune_insee=insee)

        self.call_service("activities", call, self._activities_loaded)

    def _activities_loaded(self, activities: list[ActivityOption]) -> None:
        self.activities = activities
        self._filter(self.query_one("#enrol-filter", Input).value)

    def _filter(self, text: str) -> None:
        words = fr.fold(text, separators="-'’").split()
        self.shown = [
            a
            for a in self.activities
            if all(
                word in fr.fold(f"{a.name} {a.site} {a.code}", separators="-'’") for word in words
            )
        ]
        option_list = self.query_one("#enrol-activities", OptionList)
        option_list.clear_options()
        option_list.add_options(
            [
                Option(markup("$name  [dim]$site[/]", name=a.name, site=a.site), id=str(a.id))
                for a in self.shown
            ]
        )
        if self.shown:
            option_list.highlighted = 0

    @on(Input.Changed, "#enrol-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.chosen_activity = None
        self._filter(event.value)

    @on(Input.Submitted, "#enrol-filter")
    def _filter_submitted(self) -> None:
        if self.shown:
            self._choose_activity(self.shown[0])

    @on(OptionList.OptionSelected, "#enrol-children")
    def _child_selected(self) -> None:
        self.query_one("#enrol-filter", Input).focus()

    @on(OptionList.OptionSelected, "#enrol-activities")
    def _activity_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = next((a for a in self.shown if str(a.id) == event.option.id), None)
        if chosen is not None:
            self._choose_activity(chosen)

    def _choose_activity(self, activity: ActivityOption) -> None:
        self.chosen_activity = activity
        self.set_status(
            markup("Activité : [b]$name[/] · $site", name=activity.name, site=activity.site)
        )
        self.query_one("#enrol-start", Input).focus()

    @on(Input.Submitted, "#enrol-start")
    def _start_submitted(self) -> None:
        self.query_one("#enrol-end", Input).focus()

    @on(Input.Submitted, "#enrol-end")
    @on(Button.Pressed, "#enrol-save")
    def _submit(self) -> None:
        self.action_enrol()

    @on(Button.Pressed, "#enrol-cancel")
    def _cancel(self) -> None:
        self.action_back()

    def set_status(self, text: Content) -> None:
        self.query_one("#enrol-status", Static).update(text)

    def set_error(self, message: str) -> None:
        self.set_status(content(message, "b red"))

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        self._saving = False
        self.set_error(message)

    def _child_id(self) -> int | None:
        children = self.query_one("#enrol-children", OptionList)
        if children.highlighted is None or not self.household.children:
            return None
        option_id = children.get_option_at_index(children.highlighted).id
        return int(option_id) if option_id is not None else None

    def _date(self, selector: str, label: str) -> date | None:
        field = self.query_one(selector, Input)
        try:
            value = fr.parse_date(field.value)
        except ValueError:
            self.set_error(f"Date de {label} invalide : « {field.value} » (JJ/MM/AAAA).")
            field.add_class("-invalid")
            field.focus()
            return None
        field.remove_class("-invalid")
        return value

    def action_enrol(self) -> None:
        if self._saving:
            return
        child_id = self._child_id()
        if child_id is None:
            self.set_error("Choisissez l'enfant à inscrire.")
            return
        activity = self.chosen_activity
        if activity is None:
            if len(self.shown) == 1:
                activity = self.shown[0]
            else:
                self.set_error("Choisissez l'activité (entrée sur une ligne de la liste).")
                self.query_one("#enrol-filter", Input).focus()
                return
        start = self._date("#enrol-start", "début")
        end = self._date("#enrol-end", "fin") if start is not None else None
        if start is None or end is None:
            return
        if end < start:
            self.set_error("La fin de la période précède son début.")
            self.query_one("#enrol-end", Input).focus()
            return
        activate = self.query_one("#enrol-activate", Checkbox).value
        app = self.mairie
        actor = app.actor
        assert actor is not None
        self._saving = True
        self.set_status(content("Inscription…"))
        chosen = activity

        def call() -> int:
            return enrol_child(
                app.engine,
                child_id=child_id,
                activity_id=chosen.id,
                actor=actor,
                clock=app.clock,
                start=start,
                end=end,
                activate=activate,
            )

        def done(enrolment_id: int) -> None:
            self._saving = False
            self.enrolment_id = enrolment_id
            child = next(c for c in self.household.children if c.id == child_id)
            state = "inscription validée" if activate else "pré-inscription à valider (v)"
            self.app.notify(
                f"{child.first_name} · {chosen.name} {fr.period(start, end)} : {state}.",
                title="Inscription enregistrée",
            )
            self.app.pop_screen()
            self.mairie.reload_household()

        self.call_service("enrol", call, done)

    def action_back(self) -> None:
        self.app.pop_screen()


class PendingModal(MairieModal[int | None]):
    """Valider une pré-inscription: choose the pending enrolment (enter), escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="pending.cancel"),
    ]

    def __init__(self, pending: list[EnrolmentSummary]) -> None:
        super().__init__()
        self.pending = pending

    def compose(self) -> ComposeResult:
        with Vertical(id="pending-box", classes="dialog"):
            yield Static("VALIDER UNE PRÉ-INSCRIPTION", classes="panel-title")
            yield Static("Après vérification du dossier, la pré-inscription devient « Inscrit ».")
            yield OptionList(
                *[
                    Option(
                        markup(
                            "[b]$child[/] · $activity\n  [dim]$site · $period[/]",
                            child=e.child_name,
                            activity=e.activity_name,
                            site=e.site,
                            period=e.period_text,
                        ),
                        id=str(e.id),
                    )
                    for e in self.pending
                ],
                id="pending-list",
            )
            yield Static("[dim]entrée : valider · échap : annuler[/]")

    def on_mount(self) -> None:
        option_list = self.query_one("#pending-list", OptionList)
        option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected, "#pending-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
