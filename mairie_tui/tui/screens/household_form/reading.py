"""Reading the household form: its fields at the start, the household it describes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from mairie_tui.domain import menus
from mairie_tui.domain.household_rules import (
    CIVILITY_WORDS,
    FieldError,
    HouseholdInput,
    PersonInput,
    parse_form_date,
    parse_quotient,
)
from mairie_tui.tui.screens.household_form.checks import DATE_PLACEHOLDER
from mairie_tui.tui.screens.household_form.widgets import PersonBlock, field_text, household_field

if TYPE_CHECKING:
    from mairie_tui.tui.screens.household_form.screen import HouseholdFormScreen
    from mairie_tui.tui.widgets.form_fields import LabelledField


T = TypeVar("T")


@dataclass
class Collected:
    data: HouseholdInput
    errors: list[FieldError]


def household_fields(data: HouseholdInput | None) -> dict[str, LabelledField]:
    """The address, contact and quotient fields, filled from `data` when editing."""
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
    return {
        "address": household_field(
            "address",
            "Adresse *",
            field_text(values.get("address")),
            classes="w-address",
            person=False,
        ),
        "commune": household_field(
            "commune",
            "Commune *",
            field_text(values.get("commune")),
            placeholder="Alès, Mons…",
            classes="w-commune",
            person=False,
        ),
        "postcode": household_field(
            "postcode",
            "Code postal",
            field_text(values.get("postcode")),
            classes="w-postcode",
            person=False,
        ),
        "phone": household_field(
            "phone",
            "Téléphone du foyer",
            field_text(values.get("phone")),
            placeholder="celui du représentant",
            classes="w-phone-home",
            person=False,
        ),
        "email": household_field(
            "email",
            "E-mail du foyer",
            field_text(values.get("email")),
            placeholder="celui du représentant",
            classes="w-email",
            person=False,
        ),
        "quotient_familial": household_field(
            "quotient_familial",
            "Quotient familial",
            field_text(values.get("quotient_familial")),
            classes="w-qf",
            person=False,
        ),
        "qf_valid_until": household_field(
            "qf_valid_until",
            "Valable jusqu'au",
            field_text(values.get("qf_valid_until")),
            placeholder=DATE_PLACEHOLDER,
            classes="w-qfdate",
            person=False,
        ),
    }


def collect_form(screen: HouseholdFormScreen) -> Collected:
    """The household the form describes, and the fields that cannot even be read."""
    errors: list[FieldError] = []

    def read_date(path: str, text: str) -> date | None:
        if not text.strip():
            return None
        try:
            return parse_form_date(text)
        except ValueError as exc:
            errors.append(FieldError(path, str(exc)))
            return None

    def parsed(path: str, text: str, parse: Callable[[str], T], empty: T) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            reason = str(exc)
            errors.append(FieldError(path, reason[:1].upper() + reason[1:] + "."))
            return empty

    def person(block: PersonBlock) -> PersonInput:
        where = screen.path_of(block)
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
            allergens=parsed(
                f"{where}.allergens", values.get("allergens", ""), menus.parse_allergens, ()
            ),
            diet=parsed(f"{where}.diet", values.get("diet", ""), menus.parse_diet, None),
            pai_until=read_date(f"{where}.pai_until", values.get("pai_until", "")),
            pai_document=values.get("pai_document") or None,
        )

    representative = person(screen.representative)
    co = tuple(person(b) for b in screen.blocks("co_representative"))
    children = tuple(person(b) for b in screen.blocks("child"))
    authorised = tuple(person(b) for b in screen.blocks("authorised"))
    quotient: int | None = None
    try:
        quotient = parse_quotient(screen.fields["quotient_familial"].value)
    except ValueError as exc:
        errors.append(FieldError("quotient_familial", str(exc)))
    initial = screen.initial
    data = HouseholdInput(
        representative=representative,
        address=screen.fields["address"].value,
        commune=screen.fields["commune"].value.strip(),
        postcode=screen.fields["postcode"].value.strip(),
        # Left empty: the representative's.
        phone=screen.fields["phone"].value.strip() or None,
        email=screen.fields["email"].value.strip() or None,
        quotient_familial=quotient,
        qf_valid_until=read_date("qf_valid_until", screen.fields["qf_valid_until"].value),
        external_id=initial.external_id if initial is not None else None,
        co_representatives=co,
        children=children,
        authorised=authorised,
    )
    return Collected(data, errors)
