"""Listes: the contacts of a child (authorised people and their phones)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from mairie_tui.domain import fr
from mairie_tui.tui.screens.base import MairieModal
from mairie_tui.tui.text import content, markup

if TYPE_CHECKING:
    from mairie_tui.services.lists import ChildLine, DayList


class ContactsModal(MairieModal[None]):
    """The child's authorised persons and their phones (what a list needs, no more)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,enter", "close", "Fermer", id="contacts.close"),
    ]

    def __init__(self, child: ChildLine, listed: DayList) -> None:
        super().__init__()
        self.child = child
        self.listed = listed

    def compose(self) -> ComposeResult:
        child = self.child
        born = f"né(e) le {fr.short_date(child.birth_date)}" if child.birth_date else ""
        details = " · ".join(
            part for part in (child.school_class and f"classe {child.school_class}", born) if part
        )
        with Vertical(id="contacts-box", classes="dialog"):
            yield Static(
                content(f"CONTACTS — {child.first_name} {child.last_name}"), classes="panel-title"
            )
            yield Static(content(details or " "), classes="muted")
            yield Static(
                content(
                    f"{fr.long_date(self.listed.day)} · {self.listed.unit_name} : "
                    f"{child.booking_label}"
                    + (f" · absence : {child.absence.label}" if child.absence else "")
                )
            )
            if child.menu_alert:
                yield Static(content(child.menu_alert, "b red"))
            if child.diet_label:
                yield Static(content(child.diet_label[:1].upper() + child.diet_label[1:], "yellow"))
            with VerticalScroll(id="contacts-list"):
                if not child.contacts:
                    yield Static("Aucune personne à appeler n'est enregistrée.", classes="muted")
                for contact in child.contacts:
                    yield Static(
                        markup(
                            "[b]$name[/] — $role\n   ☎ $phone"
                            if contact.phone
                            else "[b]$name[/] — $role\n   ☎ [dim]pas de téléphone[/]",
                            name=contact.name,
                            role=contact.role_label,
                            phone=contact.phone,
                        ),
                        classes="contact",
                    )
            yield Static("[dim]échap : fermer[/]")

    def action_close(self) -> None:
        self.dismiss(None)
