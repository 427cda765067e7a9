"""Who may obtain which civil-status act (état civil).

Rules (code civil, décret n° 2017-890): a copie intégrale or an extrait avec
filiation of a birth or marriage act is delivered only to the person concerned,
their ascendants and descendants, their spouse and their legal
representative; anyone may obtain an extrait sans filiation. A death act is
open to all. The extrait plurilingue carries the filiation: it follows the
copie intégrale's rule.
"""

from __future__ import annotations

from enum import StrEnum


class ActKind(StrEnum):
    BIRTH = "naissance"
    MARRIAGE = "mariage"
    DEATH = "deces"


class ActFormat(StrEnum):
    FULL_COPY = "copie_integrale"
    WITH_PARENTAGE = "extrait_filiation"
    WITHOUT_PARENTAGE = "extrait_sans_filiation"
    MULTILINGUAL = "extrait_plurilingue"


FORMAT_LABELS = {
    ActFormat.FULL_COPY: "Copie intégrale",
    ActFormat.WITH_PARENTAGE: "Extrait avec filiation",
    ActFormat.WITHOUT_PARENTAGE: "Extrait sans filiation",
    ActFormat.MULTILINGUAL: "Extrait plurilingue",
}

# The requester's relationship to the person named in the act.
RELATIONSHIPS = {
    "interesse": "La personne concernée (moi-même)",
    "conjoint": "Son époux ou son épouse",
    "pere_mere": "Son père ou sa mère",
    "grand_parent": "Son grand-père ou sa grand-mère (ou ascendant plus éloigné)",
    "enfant": "Son fils ou sa fille",
    "petit_enfant": "Son petit-fils ou sa petite-fille (ou descendant plus éloigné)",
    "representant_legal": "Son représentant légal (tuteur, parent d'un mineur)",
    "frere_soeur": "Son frère ou sa sœur",
    "autre_famille": "Autre membre de la famille (cousin, oncle, tante…)",
    "tiers": "Aucun lien (tiers)",
}
ENTITLED = frozenset(
    {
        "interesse",
        "conjoint",
        "pere_mere",
        "grand_parent",
        "enfant",
        "petit_enfant",
        "representant_legal",
    }
)
FORMATS_BY_ACT = {
    ActKind.BIRTH: (
        ActFormat.FULL_COPY,
        ActFormat.WITH_PARENTAGE,
        ActFormat.WITHOUT_PARENTAGE,
        ActFormat.MULTILINGUAL,
    ),
    ActKind.MARRIAGE: (
        ActFormat.FULL_COPY,
        ActFormat.WITH_PARENTAGE,
        ActFormat.WITHOUT_PARENTAGE,
        ActFormat.MULTILINGUAL,
    ),
    # A death act has no extrait: the copie intégrale, open to all, or the plurilingual form.
    ActKind.DEATH: (ActFormat.FULL_COPY, ActFormat.MULTILINGUAL),
}
RESTRICTED = frozenset({ActFormat.FULL_COPY, ActFormat.WITH_PARENTAGE, ActFormat.MULTILINGUAL})
ACT_NAMES = {
    ActKind.BIRTH: "acte de naissance",
    ActKind.MARRIAGE: "acte de mariage",
    ActKind.DEATH: "acte de décès",
}


def is_entitled(relationship: str) -> bool:
    """The person concerned, an ascendant, a descendant, the spouse, the legal representative."""
    return relationship in ENTITLED


def allowed_formats(act: ActKind, relationship: str) -> tuple[ActFormat, ...]:
    """The formats this requester may obtain, in the order the form offers them."""
    formats = FORMATS_BY_ACT[act]
    if act is ActKind.DEATH or is_entitled(relationship):
        return formats
    return tuple(f for f in formats if f not in RESTRICTED)


def refusal(act: ActKind, format_code: str, relationship: str) -> str | None:
    """Why this requester may not obtain this format (French), or None."""
    if relationship not in RELATIONSHIPS:
        return f"Lien avec la personne concernée inconnu : « {relationship} »."
    try:
        fmt = ActFormat(format_code)
    except ValueError:
        return f"Type de document inconnu : « {format_code} »."
    if fmt not in FORMATS_BY_ACT[act]:
        return f"Un {ACT_NAMES[act]} ne se délivre pas en « {FORMAT_LABELS[fmt]} »."
    allowed = allowed_formats(act, relationship)
    if fmt in allowed:
        return None
    offered = " ou ".join(f"l'{FORMAT_LABELS[f].lower()}" for f in allowed)
    return (
        f"{FORMAT_LABELS[fmt]} d'un {ACT_NAMES[act]} : réservé à la personne concernée, "
        "à ses ascendants et descendants, à son conjoint et à son représentant légal ; "
        f"seul {offered} peut être délivré ({RELATIONSHIPS[relationship]})."
    )
