"""The mails to families, rendered from Jinja2 templates: a plain text part and an HTML part.

Templates live in ``mairie_tui/templates/mails/``: ``NAME.txt.j2`` (what the family reads
in any client, byte for byte the text the outbox keeps) and ``NAME.html.j2`` (the same
text laid out, with the mairie's name and contact in the footer). The HTML templates
escape every value (autoescape), so a name such as ``<b>`` stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mails"

# Who the family hears from, at the bottom of every mail.
MAIRIE_NAME = "Mairie Prim' — Alès Agglomération"
MAIRIE_CONTACT = "Guichet unique Mairie Prim' — mairieprim@ales.fr"


@dataclass(frozen=True)
class RenderedMail:
    """A mail's two parts: the plain text kept in the outbox, and its HTML."""

    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=StrictUndefined,
    )


def render_mail(name: str, **context: Any) -> RenderedMail:
    """Render ``NAME.txt.j2`` and ``NAME.html.j2`` with `context` (plus the mairie's
    name and contact)."""
    values = {"mairie": MAIRIE_NAME, "contact": MAIRIE_CONTACT, **context}
    environment = _environment()
    text = environment.get_template(f"{name}.txt.j2").render(values)
    html = environment.get_template(f"{name}.html.j2").render(values)
    return RenderedMail(text=text, html=html)
