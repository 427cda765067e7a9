"""Nouveau foyer / Modifier le foyer: one scrolling form, checked field by field.

Sections top to bottom (REPRÉSENTANT, ADRESSE, QUOTIENT FAMILIAL,
CO-REPRÉSENTANTS, ENFANTS, PERSONNES AUTORISÉES); `tab` follows that order.
Each field is checked when it loses the focus (phones normalised, dates
JJ/MM/AAAA, commune completed and its postcode filled in) and every error is
said in French right under its field; `ctrl+s` checks everything, focuses the
first error, warns about possible duplicates and saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import Suggester
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from mairie_tui.domain import fr
from mairie_tui.domain.communes import Commune, communes, find_commune
from mairie_tui.domain.household_rules import (
    FieldError,
    HouseholdInput,
    PersonInput,
    normalise_email,
    normalise_phone,
    validate_household,
)
from mairie_tui.tui.screens.base import MairieModal, MairieScreen
from mairie_tui.tui.widgets.fields import Field
from mairie_tui.tui.widgets.header import AppHeader
from mairie_tui.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from mairie_tui.services.household_edit import DuplicateCandidate, SavedHousehold

DATE_PLACEHOLDER = "JJ/MM/AAAA"

# (key, label, placeholder, width class) of each person's fields, by role.
PERSON_FIELDS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "representative": (
        ("civility", "Civilité", "Mme / M.", "w-civility"),
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom *", "", "w-name"),
        ("birth_date", "Né(e) le", DATE_PLACEHOLDER, "w-date"),
        ("phone", "Téléphone", "04 66 83 10 74", "w-phone"),
        ("email", "E-mail", "", "w-email"),
    ),
    "co_representative": (
        ("civility", "Civilité", "Mme / M.", "w-civility"),
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom", "celui du foyer", "w-name"),
        ("birth_date", "Né(e) le", DATE_PLACEHOLDER, "w-date"),
        ("phone", "Téléphone", "04 66 83 10 74", "w-phone"),
        ("email", "E-mail", "", "w-email"),
    ),
    "child": (
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom", "celui du foyer", "w-name"),
        ("birth_date", "Né(e) le *", DATE_PLACEHOLDER, "w-date"),
        ("school", "École", "", "w-school"),
        ("school_class", "Classe", "CP, CE1…", "w-class"),
    ),
    "authorised": (
        ("first_name", "Prénom *", "", "w-name"),
        ("last_name", "Nom *", "", "w-name"),
        ("phone", "Téléphone", "04 66 83 10 74", "w-phone"),
    ),
}
# Rows of fields per role (a row is one line of the form at 120 columns).
PERSON_ROWS: dict[str, tuple[int, ...]] = {
    "representative": (4, 2),
    "co_representative": (4, 2),
    "child": (5,),
    "authorised": (3,),
}
ROLE_TITLES = {
    "co_representative": "Co-représentant",
    "child": "Enfant",
    "authorised": "Personne autorisée",
}
ROLE_PATHS = {
    "co_representative": "co_representatives",
    "child": "children",
    "authorised": "authorised",
}
CIVILITY_WORDS = {
    "mme": "Mme",
    "madame": "Mme",
    "mlle": "Mme",
    "m": "M.",
    "m.": "M.",
    "mr": "M.",
    "monsieur": "M.",
}


def _key(text: str) -> str:
    from mairie_tui.domain.communes import _key as commune_key

    return commune_key(text)


def matching_communes(text: str) -> list[Commune]:
    """Communes whose name starts with `text` (accents, case and hyphens ignored)."""
    typed = _key(text)
    if not typed:
        return []
    return [commune for commune in communes() if _key(commune.name).startswith(typed)]


class CommuneSuggester(Suggester):
    """Completes a commune's name, whatever accents or case were typed."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        found = matching_communes(value)
        if not found:
            return None
        name = found[0].name
        return value + name[len(value) :] if len(name) > len(value) else None


def parse_form_date(text: str) -> date:
    """`12031985` or `12/03/1985` (or ISO); ValueError with the French message."""
    value = text.strip()
    if value.isdigit() and len(value) == 8:
        value = f"{value[:2]}/{value[2:4]}/{value[4:]}"
    return fr.parse_date(value)


def check_value(key: str, text: str, today: date) -> tuple[str, str | None]:
    """One field on its own: (value to show, French error or None). Empty is fine here."""
    value = text.strip()
    if not value:
        return "", None
    if key == "civility":
        civility = CIVILITY_WORDS.get(value.lower())
        if civility is None:
            return text, f"Civilité invalide : « {value} » (Mme ou M.)."
        return civility, None
    if key == "phone":
        try:
            return normalise_phone(value) or "", None
        except ValueError:
            return text, f"Téléphone invalide : « {value} » (ex. 04 66 83 10 74)."
    if key == "email":
        try:
            return normalise_email(value) or "", None
        except ValueError:
            return text, f"Adresse e-mail invalide : « {value} »."
    if key in ("birth_date", "qf_valid_until"):
        try:
            day = parse_form_date(value)
        except ValueError as exc:
            message = str(exc)
            return text, message[0].upper() + message[1:] + "."
        if key == "birth_date" and day > today:
            return fr.short_date(day), f"Date de naissance dans le futur : {fr.short_date(day)}."
        return fr.short_date(day), None
    if key == "quotient_familial":
        if not value.isdigit():
            return text, f"Quotient familial invalide : « {value} » (un nombre entier)."
        return str(int(value)), None
    if key == "commune":
        commune = find_commune(value)
        if commune is None:
            found = matching_communes(value)
            if len(found) == 1:
                commune = found[0]
            elif found:
                names = ", ".join(c.name for c in found[:4]) + (" …" if len(found) > 4 else "")
                return text, f"Précisez la commune : {names}."
            else:
                return text, f"Commune inconnue : « {value} » (communes d'Alès Agglomération)."
        return commune.name, None
    return text, None


class FormField(Vertical):
    """A label, its input and, right under it, its French error."""

    def __init__(
        self, key: str, label: str, value: str = "", *, placeholder: str = "", classes: str = ""
    ) -> None:
        super().__init__(classes=f"form-field {classes}".strip())
        self.key = key
        self.label = label
        self.input = Field(value, placeholder=placeholder, compact=True, classes="form-input")
        if key in ("birth_date", "qf_valid_until"):
            self.input.max_length = 10
        if key == "commune":
            self.input.suggester = CommuneSuggester()
        self.message: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="field-label")
        yield self.input

    @property
    def value(self) -> str:
        return self.input.value

    def set_error(self, message: str | None) -> None:
        """Show (or clear) this field's error on the line under its row."""
        if message == self.message:
            return
        self.message = message
        self.input.set_class(bool(message), "-has-error")
        row = self.parent.parent if self.parent is not None else None
        if isinstance(row, FormRow):
            row.show_errors()


class FormRow(Vertical):
    """A line of fields and, right under it, their errors (full width, so they never wrap)."""

    def __init__(self, *fields: FormField) -> None:
        super().__init__(classes="form-row")
        self.fields = fields
        self.errors = Static("", classes="row-error")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-fields"):
            yield from self.fields
        yield self.errors

    def show_errors(self) -> None:
        messages = [f.message for f in self.fields if f.message]
        self.errors.update("\n".join(f"↑ {m}" for m in dict.fromkeys(messages)))
        self.errors.set_class(bool(messages), "-shown")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return fr.short_date(value)
    return str(value)


class PersonBlock(Vertical):
    """One person of the household: its fields in one or two rows."""

    def __init__(self, role: str, person: PersonInput | None = None) -> None:
        super().__init__(classes=f"person-block person-{role}")
        self.role = role
        self.person_id = person.id if person is not None else None
        self.title = Static("", classes="person-title")
        self.fields: dict[str, FormField] = {
            key: FormField(
                key,
                label,
                _text(getattr(person, key)) if person is not None else "",
                placeholder=placeholder,
                classes=width,
            )
            for key, label, placeholder, width in PERSON_FIELDS[role]
        }

    def compose(self) -> ComposeResult:
        if self.role != "representative":
            yield self.title
        fields = list(self.fields.values())
        start = 0
        for size in PERSON_ROWS[self.role]:
            yield FormRow(*fields[start : start + size])
            start += size

    def first_input(self) -> Input:
        return next(iter(self.fields.values())).input


@dataclass
class Collected:
    data: HouseholdInput
    errors: list[FieldError]


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
        "qui ressemble à un foyer existant (même nom et date de naissance, même e-mail ou "
        "téléphone) est signalé avant l'enregistrement."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
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
        values: dict[str, object] = {}
        if data is not None:
            values = {
                "address": data.address,
                "commune": data.commune,
                "postcode": data.postcode,
                "phone": data.phone,
                "email": data.email,
                "quotient_familial": data.quotient_familial,
                "qf_valid_until": data.qf_valid_until,
            }
        self.fields: dict[str, FormField] = {
            "address": FormField(
                "address", "Adresse *", _text(values.get("address")), classes="w-address"
            ),
            "commune": FormField(
                "commune",
                "Commune *",
                _text(values.get("commune")),
                placeholder="Alès, Mons…",
                classes="w-commune",
            ),
            "postcode": FormField(
                "postcode", "Code postal", _text(values.get("postcode")), classes="w-postcode"
            ),
            "phone": FormField(
                "phone",
                "Téléphone du foyer",
                _text(values.get("phone")),
                placeholder="celui du représentant",
                classes="w-phone-home",
            ),
            "email": FormField(
                "email",
                "E-mail du foyer",
                _text(values.get("email")),
                placeholder="celui du représentant",
                classes="w-email",
            ),
            "quotient_familial": FormField(
                "quotient_familial",
                "Quotient familial",
                _text(values.get("quotient_familial")),
                classes="w-qf",
            ),
            "qf_valid_until": FormField(
                "qf_valid_until",
                "Valable jusqu'au",
                _text(values.get("qf_valid_until")),
                placeholder=DATE_PLACEHOLDER,
                classes="w-qfdate",
            ),
        }
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
        from mairie_tui.tui.screens.modals import HelpModal

        self.app.push_screen(HelpModal(self.form_title, self.HELP, self))

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield AppHeader(self.form_title)
        title = self.form_title.upper()
        if self.dossier:
            title += f"   [dim]Dossier {self.dossier}[/]"
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
        errors: list[FieldError] = []

        def read_date(path: str, text: str) -> date | None:
            if not text.strip():
                return None
            try:
                return parse_form_date(text)
            except ValueError as exc:
                message = str(exc)
                errors.append(FieldError(path, message[0].upper() + message[1:] + "."))
                return None

        def person(block: PersonBlock) -> PersonInput:
            where = self.path_of(block)
            values = {key: f.value.strip() for key, f in block.fields.items()}
            civility = values.get("civility") or None
            if civility is not None:
                civility = CIVILITY_WORDS.get(civility.lower(), civility)
            return PersonInput(
                role=block.role,
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                civility=civility,
                birth_date=read_date(f"{where}.birth_date", values.get("birth_date", "")),
                phone=values.get("phone") or None,
                email=values.get("email") or None,
                school=values.get("school") or None,
                school_class=values.get("school_class") or None,
                id=block.person_id,
            )

        representative = person(self.representative)
        co = tuple(person(b) for b in self.blocks("co_representative"))
        children = tuple(person(b) for b in self.blocks("child"))
        authorised = tuple(person(b) for b in self.blocks("authorised"))
        qf_text = self.fields["quotient_familial"].value.strip()
        quotient: int | None = None
        if qf_text:
            if qf_text.isdigit():
                quotient = int(qf_text)
            else:
                errors.append(
                    FieldError(
                        "quotient_familial",
                        f"Quotient familial invalide : « {qf_text} » (un nombre entier).",
                    )
                )
        initial = self.initial
        data = HouseholdInput(
            representative=representative,
            address=self.fields["address"].value,
            commune=self.fields["commune"].value.strip(),
            postcode=self.fields["postcode"].value.strip(),
            # Left empty: the representative's.
            phone=self.fields["phone"].value.strip() or None,
            email=self.fields["email"].value.strip() or None,
            quotient_familial=quotient,
            qf_valid_until=read_date("qf_valid_until", self.fields["qf_valid_until"].value),
            external_id=initial.external_id if initial is not None else None,
            co_representatives=co,
            children=children,
            authorised=authorised,
        )
        return Collected(data, errors)

    def validate(self) -> list[FieldError]:
        """Every error of the form, in the services' words (nothing is saved while one remains)."""
        collected = self.collect()
        _clean, report = validate_household(collected.data, self.mairie.clock.today())
        unreadable = {error.field for error in collected.errors}
        # A date that cannot be read is said once, with the reading error.
        return collected.errors + [e for e in report.errors if e.field not in unreadable]

    def field_at(self, path: str) -> FormField | None:
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

    def form_fields(self) -> list[FormField]:
        return list(self.query(FormField))

    def show_field_errors(self, errors: list[FieldError]) -> None:
        """Each message under its field, the first one (top to bottom) focused."""
        by_field: dict[FormField, list[str]] = {}
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
        status = (
            f"[b red]{count} erreur{'s' if count > 1 else ''} : corrigez les champs en rouge.[/]"
        )
        if loose:
            status += "\n[red]" + "\n".join(loose) + "[/]"
        self.set_status(status)
        first = next((f for f in order if f in by_field), None)
        if first is not None:
            first.input.focus()
            first.scroll_visible(animate=False)

    def set_status(self, text: str) -> None:
        self.query_one("#form-status", Static).update(text)

    # ------------------------------------------------------------ field by field

    def _form_field(self, widget: Input) -> FormField | None:
        parent = widget.parent
        return parent if isinstance(parent, FormField) else None

    @on(Input.Blurred, ".form-input")
    def _left_field(self, event: Input.Blurred) -> None:
        form_field = self._form_field(event.input)
        if form_field is None or not self.is_mounted:
            return
        today = self.mairie.clock.today()
        shown, error = check_value(form_field.key, event.value, today)
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

    def _path_of_field(self, form_field: FormField) -> str | None:
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
            from mairie_tui.services.household_edit import create_household, update_household

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
        from mairie_tui.tui.screens.household import HouseholdScreen

        self._saving = False
        self.saved = saved
        created = self.household_id is None
        self.app.pop_screen()
        if created:
            self.app.notify(f"Foyer créé : dossier {saved.dossier}.", title="Enregistré")
            self.app.push_screen(HouseholdScreen(saved.id))
            return
        self.app.notify(f"Foyer {saved.dossier} enregistré.", title="Enregistré")
        below = self.app.screen
        if isinstance(below, HouseholdScreen) and below.household_id == saved.id:
            below.reload()

    def _save_failed(self, message: str, error: BaseException | None) -> None:
        from mairie_tui.services.errors import ConflictError, ServiceError
        from mairie_tui.services.household_edit import InvalidHousehold, PossibleDuplicates

        self._saving = False
        if isinstance(error, InvalidHousehold):
            self.show_field_errors(error.errors)
            return
        if isinstance(error, PossibleDuplicates):
            self.set_status("[b yellow]Doublon possible : choisissez.[/]")
            self.app.push_screen(DuplicatesModal(error.candidates), self._duplicates_answered)
            return
        if isinstance(error, ConflictError):
            self.set_status(
                f"[b red]{message}[/]\nctrl+r : recharger la fiche enregistrée par l'autre poste "
                "(vos modifications seront à ressaisir)."
            )
            self.notify(message, title="Modification concurrente", severity="error", timeout=10)
            return
        if isinstance(error, ServiceError) and error.field:
            self.show_field_errors([FieldError(error.field, message)])
            return
        self.set_status(f"[b red]{message}[/]")

    def _duplicates_answered(self, answer: tuple[str, int | None] | None) -> None:
        if answer is None:
            self.set_status("Enregistrement suspendu : vérifiez la fiche, puis ctrl+s.")
            return
        choice, household_id = answer
        if choice == "save":
            self.action_save(allow_duplicates=True)
        elif choice == "open" and household_id is not None:
            from mairie_tui.tui.screens.household import HouseholdScreen

            self.saved = None
            self._initial_raw = ()  # the agent chose to drop this form
            self.app.pop_screen()
            self.app.push_screen(HouseholdScreen(household_id))

    def action_reload(self) -> None:
        """ctrl+r: the household as saved now (after another desk saved it), asking first."""
        household_id = self.household_id
        if household_id is None:
            return
        from mairie_tui.tui.screens.modals import ConfirmModal

        app = self.mairie

        def call() -> tuple[HouseholdInput, int]:
            from mairie_tui.services.household_edit import household_input

            return household_input(app.engine, household_id)

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
        from mairie_tui.tui.screens.modals import ConfirmModal

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


class DuplicatesModal(MairieModal[tuple[str, int | None] | None]):
    """Doublon possible: save anyway, open the existing household, or go back to the form.

    | Key | Action |
    | :- | :- |
    | enter | Ouvrir le foyer en surbrillance. |
    | ctrl+s | Enregistrer quand même. |
    | escape | Revenir à la fiche. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Revenir à la fiche", id="duplicates.back"),
        Binding("ctrl+s", "save", "Enregistrer quand même", priority=True, id="duplicates.save"),
    ]

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__()
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        count = len(self.candidates)
        with Vertical(id="duplicates-box", classes="dialog"):
            yield Static("DOUBLON POSSIBLE", classes="panel-title")
            yield Static(
                f"Ce foyer ressemble à {count} foyer{'s' if count > 1 else ''} déjà enregistré"
                f"{'s' if count > 1 else ''} :"
            )
            yield OptionList(
                *[
                    Option(
                        f"[b]{c.dossier}[/] · {c.representative} · {c.commune}\n"
                        f"  [dim]{c.reason}[/]",
                        id=str(c.household_id),
                    )
                    for c in self.candidates
                ],
                id="duplicates-list",
            )
            with Horizontal(classes="buttons"):
                yield Button("Revenir (échap)", id="back", compact=True)
                yield Button("Ouvrir le foyer (entrée)", id="open", compact=True)
                yield Button(
                    "Enregistrer quand même (ctrl+s)", id="save", compact=True, variant="warning"
                )

    def on_mount(self) -> None:
        option_list = self.query_one("#duplicates-list", OptionList)
        option_list.highlighted = 0
        option_list.focus()

    def _highlighted_id(self) -> int | None:
        option_list = self.query_one("#duplicates-list", OptionList)
        if option_list.highlighted is None:
            return None
        option_id = option_list.get_option_at_index(option_list.highlighted).id
        return int(option_id) if option_id is not None else None

    @on(OptionList.OptionSelected, "#duplicates-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(("open", int(event.option.id)))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "open":
            self.dismiss(("open", self._highlighted_id()))
        else:
            self.action_back()

    def action_save(self) -> None:
        self.dismiss(("save", None))

    def action_back(self) -> None:
        self.dismiss(None)
