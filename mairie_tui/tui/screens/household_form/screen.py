"""Nouveau foyer / Modifier le foyer: one scrolling form, checked field by field.

Sections top to bottom (REPRÉSENTANT, ADRESSE, QUOTIENT FAMILIAL,
CO-REPRÉSENTANTS, ENFANTS, PERSONNES AUTORISÉES); `tab` follows that order.
Each field is checked when it loses the focus (phones normalised, dates
JJ/MM/AAAA, commune completed and its postcode filled in) and every error is
said in French right under its field; `ctrl+s` checks everything, focuses the
first error, warns about possible duplicates and saves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

from mairie_tui.domain.communes import find_commune
from mairie_tui.domain.household_rules import (
    FieldError,
    HouseholdInput,
    check_field,
    validate_household,
)
from mairie_tui.services.errors import (
    ConflictError,
    InvalidHousehold,
    PossibleDuplicates,
    ServiceError,
)
from mairie_tui.services.household_edit import (
    create_household,
    household_input,
    update_household,
)
from mairie_tui.services.schema_limits import schema_limits
from mairie_tui.tui.screens.base import MairieScreen
from mairie_tui.tui.screens.household_form.checks import ROLE_PATHS, ROLE_TITLES
from mairie_tui.tui.screens.household_form.duplicates import DuplicatesModal
from mairie_tui.tui.screens.household_form.reading import Collected, collect_form, household_fields
from mairie_tui.tui.screens.household_form.widgets import PersonBlock
from mairie_tui.tui.screens.modals import ConfirmModal
from mairie_tui.tui.text import content
from mairie_tui.tui.widgets.form_fields import FormRow, LabelledField
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.household_edit import SavedHousehold


class HouseholdFormScreen(MairieScreen):
    """Nouveau foyer / Modifier le foyer.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Champ suivant / précédent. |
    | ctrl+s | Enregistrer. |
    | f2 | Ajouter un enfant. |
    | f3 | Ajouter une personne autorisée. |
    | f4 | Ajouter un co-représentant. |
    | f8 | Retirer la personne où se trouve le curseur. |
    | ctrl+r | Recharger la fiche (modification : après un autre poste). |
    | escape | Retour (demande avant d'abandonner la saisie). |
    """

    HELP = (
        "Une seule fiche, de haut en bas : **REPRÉSENTANT**, **ADRESSE** (et contact du foyer, "
        "celui du représentant s'il est laissé vide), **QUOTIENT "
        "FAMILIAL**, **CO-REPRÉSENTANTS**, **ENFANTS**, **PERSONNES AUTORISÉES** (l'entourage "
        "qui peut venir chercher un enfant). `tab` passe au champ suivant.\n\n"
        "Les dates se tapent JJ/MM/AAAA (ou 8 chiffres : 12031985). Le téléphone est mis "
        "en forme (04 66 83 10 74) quand on quitte le champ. La commune se complète "
        "(`→` accepte la suggestion) et remplit le code postal.\n\n"
        "`f2` ajoute un enfant, `f3` une personne autorisée, `f4` un co-représentant, "
        "`f8` retire la personne où se trouve le curseur. `ctrl+s` enregistre : les "
        "erreurs s'affichent sous chaque champ, le curseur va sur la première. Un foyer "
        "qui ressemble à un foyer existant (même nom et date de naissance, même nom et "
        "adresse, même e-mail ou téléphone) est signalé avant l'enregistrement."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", priority=True, id="household_form.save"),
        Binding("f2", "add('child')", "Ajouter un enfant", id="household_form.add_child"),
        Binding(
            "f3", "add('authorised')", "Personne autorisée", id="household_form.add_authorised"
        ),
        # Shown in its section's title (the key bar would overflow at 120 columns).
        Binding(
            "f4",
            "add('co_representative')",
            "Ajouter un co-représentant",
            show=False,
            id="household_form.add_co",
        ),
        Binding("f8", "remove_person", "Retirer", id="household_form.remove"),
        Binding("ctrl+r", "reload", "Recharger la fiche", show=False, id="household_form.reload"),
        Binding("escape", "back", "Retour", id="household_form.back"),
    ]

    def __init__(
        self,
        household_id: int | None = None,
        data: HouseholdInput | None = None,
        version: int | None = None,
        *,
        dossier: str = "",
    ) -> None:
        super().__init__()
        self.household_id = household_id
        self.version = version
        self.dossier = dossier
        self.initial = data
        self.form_title = "Modifier le foyer" if household_id is not None else "Nouveau foyer"
        self.representative = PersonBlock(
            "representative", data.representative if data is not None else None
        )
        self.fields: dict[str, LabelledField] = household_fields(data)
        self._start_blocks: dict[str, list[PersonBlock]] = {
            role: [PersonBlock(role, person) for person in people]
            for role, people in (
                ("co_representative", data.co_representatives if data else ()),
                ("child", data.children if data else ()),
                ("authorised", data.authorised if data else ()),
            )
        }
        self._initial_raw: tuple[Any, ...] = ()
        self._saving = False
        self.saved: SavedHousehold | None = None

    TITLE_TEXT = "Fiche foyer"

    def action_help(self) -> None:
        self.mairie.show_help(self.form_title, self.HELP, self)

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield AppHeader(self.form_title)
        title = content(self.form_title.upper())
        if self.dossier:
            title += "   " + content(f"Dossier {self.dossier}", "dim")
        yield Static(title, id="form-title", classes="panel-title")
        yield Static(
            "[dim]* obligatoire · dates JJ/MM/AAAA · ctrl+s enregistrer[/]", id="form-status"
        )
        with VerticalScroll(id="household-form"):
            yield Static("REPRÉSENTANT", classes="section-title")
            yield self.representative
            yield Static("ADRESSE", classes="section-title")
            yield FormRow(self.fields["address"], self.fields["commune"], self.fields["postcode"])
            yield FormRow(self.fields["phone"], self.fields["email"])
            yield Static("QUOTIENT FAMILIAL", classes="section-title")
            yield FormRow(self.fields["quotient_familial"], self.fields["qf_valid_until"])
            for role, title_text, key in (
                ("co_representative", "CO-REPRÉSENTANTS", "f4"),
                ("child", "ENFANTS", "f2"),
                ("authorised", "PERSONNES AUTORISÉES", "f3"),
            ):
                yield Static(
                    f"{title_text}   [dim]{key} ajouter · f8 retirer[/]", classes="section-title"
                )
                with Vertical(id=f"people-{role}", classes="people"):
                    yield from self._start_blocks[role]
                    yield Static(f"[dim]aucun — {key} pour ajouter[/]", classes="people-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self._renumber()
        self.representative.first_input().focus()
        self._initial_raw = self._raw()

    # ------------------------------------------------------------ reading the form

    def blocks(self, role: str) -> list[PersonBlock]:
        return list(self.query_one(f"#people-{role}", Vertical).query_children(PersonBlock))

    def all_blocks(self) -> list[PersonBlock]:
        return [self.representative, *(b for r in ROLE_PATHS for b in self.blocks(r))]

    def _raw(self) -> tuple[Any, ...]:
        people = tuple(
            (block.role, block.person_id, tuple(f.value.strip() for f in block.fields.values()))
            for block in self.all_blocks()
        )
        return people + tuple(f.value.strip() for f in self.fields.values())

    def unsaved_changes(self) -> int:
        """1 while the form differs from what was loaded (app.confirm_leaving asks)."""
        if self.saved is not None or not self._initial_raw:
            return 0
        return int(self._raw() != self._initial_raw)

    def path_of(self, block: PersonBlock) -> str:
        if block.role == "representative":
            return "representative"
        return f"{ROLE_PATHS[block.role]}.{self.blocks(block.role).index(block)}"

    def collect(self) -> Collected:
        """The household the form describes, and the fields that cannot even be read."""
        return collect_form(self)

    def validate(self) -> list[FieldError]:
        """Every error of the form, in the services' words (nothing is saved while one remains)."""
        collected = self.collect()
        today = self.mairie.clock.today()
        _clean, report = validate_household(collected.data, today, schema_limits())
        unreadable = {error.field for error in collected.errors}
        # A date that cannot be read is said once, with the reading error.
        return collected.errors + [e for e in report.errors if e.field not in unreadable]

    def field_at(self, path: str) -> LabelledField | None:
        """The field a FieldError names (`representative.phone`, `children.0.birth_date`…)."""
        if path in self.fields:
            return self.fields[path]
        parts = path.split(".")
        if parts[0] == "representative" and len(parts) == 2:
            return self.representative.fields.get(parts[1])
        roles = {v: k for k, v in ROLE_PATHS.items()}
        if parts[0] in roles and len(parts) == 3 and parts[1].isdigit():
            blocks = self.blocks(roles[parts[0]])
            index = int(parts[1])
            if index < len(blocks):
                return blocks[index].fields.get(parts[2])
        return None

    def form_fields(self) -> list[LabelledField]:
        return list(self.query(LabelledField))

    def show_field_errors(self, errors: list[FieldError]) -> None:
        """Each message under its field, the first one (top to bottom) focused."""
        by_field: dict[LabelledField, list[str]] = {}
        loose: list[str] = []
        for error in errors:
            target = self.field_at(error.field)
            if target is None:
                loose.append(error.message)
            else:
                by_field.setdefault(target, []).append(error.message)
        order = self.form_fields()
        for form_field in order:
            messages = by_field.get(form_field)
            form_field.set_error("\n".join(dict.fromkeys(messages)) if messages else None)
        count = len(errors)
        status = content(
            f"{count} erreur{'s' if count > 1 else ''} : corrigez les champs en rouge.", "b red"
        )
        if loose:
            status += content("\n" + "\n".join(loose), "red")
        self.set_status(status)
        first = next((f for f in order if f in by_field), None)
        if first is not None:
            first.input.focus()
            first.scroll_visible(animate=False)

    def set_status(self, text: str | Content) -> None:
        """A `str` is plain text (it may quote names); `Content` for emphasis."""
        self.query_one("#form-status", Static).update(
            text if isinstance(text, Content) else content(text)
        )

    # ------------------------------------------------------------ field by field

    def _form_field(self, widget: Input) -> LabelledField | None:
        parent = widget.parent
        return parent if isinstance(parent, LabelledField) else None

    @on(Input.Blurred, ".form-input")
    def _left_field(self, event: Input.Blurred) -> None:
        form_field = self._form_field(event.input)
        if form_field is None or not self.is_mounted:
            return
        today = self.mairie.clock.today()
        shown, error = check_field(form_field.key, event.value, today)
        if error is None and shown != event.value.strip() and shown:
            form_field.input.value = shown
        if form_field.key == "commune" and error is None and shown:
            self._fill_postcode(shown)
        if error is None and event.value.strip():
            # Cross-field checks (a child born before its parent…) for this field only.
            path = self._path_of_field(form_field)
            errors = [e.message for e in self.validate() if self.field_at(e.field) is form_field]
            if path is not None and errors:
                error = "\n".join(dict.fromkeys(errors))
        form_field.set_error(error)

    def _path_of_field(self, form_field: LabelledField) -> str | None:
        for block in self.all_blocks():
            if form_field in block.fields.values():
                return f"{self.path_of(block)}.{form_field.key}"
        return form_field.key if form_field.key in self.fields else None

    @on(Input.Changed, ".form-input")
    def _typed(self, event: Input.Changed) -> None:
        form_field = self._form_field(event.input)
        if form_field is None:
            return
        # Typing clears the field's error (not the value put back by the check on leaving it).
        if form_field.keeps_error(event.value):
            return
        if form_field.message and form_field.key != "commune" and event.input.has_focus:
            form_field.set_error(None)
        if form_field.key == "commune":
            commune = find_commune(event.value)
            if commune is not None:
                form_field.set_error(None)
                self._fill_postcode(commune.name)

    def _fill_postcode(self, name: str) -> None:
        commune = find_commune(name)
        if commune is None:
            return
        postcode = self.fields["postcode"]
        if postcode.value.strip() not in commune.postcodes:
            postcode.input.value = commune.postcode
            postcode.set_error(None)

    # ------------------------------------------------------------ people

    def _renumber(self) -> None:
        for role in ROLE_PATHS:
            blocks = self.blocks(role)
            for index, block in enumerate(blocks, start=1):
                block.title.update(f"{ROLE_TITLES[role]} {index}")
            self.query_one(f"#people-{role}", Vertical).query_children(".people-empty").set(
                display=not blocks
            )

    async def action_add(self, role: str) -> None:
        block = PersonBlock(role)
        container = self.query_one(f"#people-{role}", Vertical)
        empty = container.query_children(".people-empty").first()
        await container.mount(block, before=empty)
        self._renumber()
        block.first_input().focus()
        block.scroll_visible(animate=False)

    def _focused_block(self) -> PersonBlock | None:
        node = self.focused
        while node is not None:
            if isinstance(node, PersonBlock):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

    async def action_remove_person(self) -> None:
        block = self._focused_block()
        if block is None or block.role == "representative":
            self.notify(
                "Placez le curseur dans un co-représentant, un enfant ou une personne autorisée "
                "pour le retirer.",
                severity="warning",
            )
            return
        blocks = self.blocks(block.role)
        index = blocks.index(block)
        await block.remove()
        self._renumber()
        remaining = self.blocks(block.role)
        if remaining:
            remaining[min(index, len(remaining) - 1)].first_input().focus()
        else:
            self.representative.first_input().focus()
        name = " ".join(
            part
            for part in (block.fields["first_name"].value, block.fields["last_name"].value)
            if part
        )
        self.set_status(
            f"{ROLE_TITLES[block.role]} retiré{'e' if block.role == 'authorised' else ''}"
            f"{' : ' + name if name else ''} (enregistrez pour confirmer)."
        )

    # ------------------------------------------------------------ saving

    def action_save(self, allow_duplicates: bool = False) -> None:
        if self._saving:
            return
        errors = self.validate()
        if errors:
            self.show_field_errors(errors)
            return
        for form_field in self.form_fields():
            form_field.set_error(None)
        data = self.collect().data
        app = self.mairie
        actor = app.actor
        assert actor is not None, "the household form needs a signed-in agent"
        household_id, version = self.household_id, self.version
        self._saving = True
        self.set_status("Enregistrement…")

        def call() -> SavedHousehold:
            if household_id is None:
                return create_household(
                    app.engine,
                    data,
                    actor=actor,
                    clock=app.clock,
                    allow_duplicates=allow_duplicates,
                )
            assert version is not None
            return update_household(
                app.engine,
                household_id,
                data,
                expected_version=version,
                actor=actor,
                clock=app.clock,
                allow_duplicates=allow_duplicates,
            )

        self.call_service("household-save", call, self._saved, failed=self._save_failed)

    def _saved(self, saved: SavedHousehold) -> None:
        self._saving = False
        self.saved = saved
        created = self.household_id is None
        self.app.pop_screen()
        if created:
            self.app.notify(f"Foyer créé : dossier {saved.dossier}.", title="Enregistré")
            self.mairie.open_household(saved.id)
            return
        self.app.notify(f"Foyer {saved.dossier} enregistré.", title="Enregistré")
        self.mairie.reload_household(saved.id)

    def _save_failed(self, message: str, error: BaseException | None) -> None:
        self._saving = False
        if isinstance(error, InvalidHousehold):
            self.show_field_errors(error.errors)
            return
        if isinstance(error, PossibleDuplicates):
            self.set_status(content("Doublon possible : choisissez.", "b yellow"))
            self.app.push_screen(DuplicatesModal(error.candidates), self._duplicates_answered)
            return
        if isinstance(error, ConflictError):
            self.set_status(
                content(message, "b red")
                + "\nctrl+r : recharger la fiche enregistrée par l'autre poste "
                "(vos modifications seront à ressaisir)."
            )
            self.notify(message, title="Modification concurrente", severity="error", timeout=10)
            return
        if isinstance(error, ServiceError) and error.field:
            self.show_field_errors([FieldError(error.field, message)])
            return
        self.set_status(content(message, "b red"))

    def _duplicates_answered(self, answer: tuple[str, int | None] | None) -> None:
        if answer is None:
            self.set_status("Enregistrement suspendu : vérifiez la fiche, puis ctrl+s.")
            return
        choice, household_id = answer
        if choice == "save":
            self.action_save(allow_duplicates=True)
        elif choice == "open" and household_id is not None:
            self.saved = None
            self._initial_raw = ()  # the agent chose to drop this form
            self.app.pop_screen()
            self.mairie.open_household(household_id)

    def action_reload(self) -> None:
        """ctrl+r: the household as saved now (after another desk saved it), asking first."""
        household_id = self.household_id
        if household_id is None:
            return
        app = self.mairie

        def call() -> tuple[HouseholdInput, int]:
            return household_input(app.engine, household_id, actor=app.actor)

        def loaded(result: tuple[HouseholdInput, int]) -> None:
            data, version = result
            self._initial_raw = ()
            self.app.switch_screen(
                HouseholdFormScreen(household_id, data, version, dossier=self.dossier)
            )
            self.app.notify("Fiche rechargée : ressaisissez vos modifications.", title="Foyer")

        def answered(reload: bool | None) -> None:
            if reload:
                self.call_service("household-reload", call, loaded)

        if not self.unsaved_changes():
            answered(True)
            return
        self.app.push_screen(
            ConfirmModal(
                "RECHARGER LA FICHE",
                "Recharger le foyer tel qu'il est enregistré ? Vos modifications seront perdues.",
                yes="Recharger",
                no="Garder la saisie",
            ),
            answered,
        )

    # ------------------------------------------------------------ leaving

    def action_back(self) -> None:
        if not self.unsaved_changes():
            self.app.pop_screen()
            return

        def answered(drop: bool | None) -> None:
            if drop:
                self._initial_raw = ()
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmModal(
                "ABANDONNER LA SAISIE",
                "Le foyer n'est pas enregistré : abandonner les modifications ?",
                yes="Abandonner",
                no="Continuer la saisie",
            ),
            answered,
        )
