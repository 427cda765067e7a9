"""Who may obtain which civil-status act."""

from __future__ import annotations

import pytest

from mairie_tui.domain.civil_status import (
    RELATIONSHIPS,
    ActFormat,
    ActKind,
    allowed_formats,
    refusal,
)

RESTRICTED = ("copie_integrale", "extrait_filiation", "extrait_plurilingue")
ENTITLED = (
    "interesse",
    "conjoint",
    "pere_mere",
    "grand_parent",
    "enfant",
    "petit_enfant",
    "representant_legal",
)
OTHERS = ("frere_soeur", "autre_famille", "tiers")


@pytest.mark.parametrize("act", [ActKind.BIRTH, ActKind.MARRIAGE])
@pytest.mark.parametrize("relationship", ENTITLED)
@pytest.mark.parametrize("fmt", RESTRICTED)
def test_the_family_in_direct_line_gets_the_full_acts(act, relationship, fmt):
    assert refusal(act, fmt, relationship) is None


def test_a_grandchild_may_get_a_grandparents_full_birth_act():
    assert refusal(ActKind.BIRTH, "copie_integrale", "petit_enfant") is None
    assert ActFormat.FULL_COPY in allowed_formats(ActKind.BIRTH, "petit_enfant")


@pytest.mark.parametrize("act", [ActKind.BIRTH, ActKind.MARRIAGE])
@pytest.mark.parametrize("relationship", OTHERS)
def test_a_cousin_or_a_stranger_is_only_offered_the_extract_without_parentage(act, relationship):
    assert allowed_formats(act, relationship) == (ActFormat.WITHOUT_PARENTAGE,)
    for fmt in RESTRICTED:
        reason = refusal(act, fmt, relationship)
        assert reason is not None
        assert "seul l'extrait sans filiation peut être délivré" in reason
    assert refusal(act, "extrait_sans_filiation", relationship) is None


def test_the_cousins_refusal_says_why():
    assert refusal(ActKind.BIRTH, "extrait_filiation", "autre_famille") == (
        "Extrait avec filiation d'un acte de naissance : réservé à la personne concernée, "
        "à ses ascendants et descendants, à son conjoint et à son représentant légal ; "
        "seul l'extrait sans filiation peut être délivré "
        "(Autre membre de la famille (cousin, oncle, tante…))."
    )


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
def test_a_death_act_full_copy_is_open_to_all(relationship):
    assert refusal(ActKind.DEATH, "copie_integrale", relationship) is None


def test_a_death_act_has_no_extract():
    reason = refusal(ActKind.DEATH, "extrait_sans_filiation", "tiers")
    assert reason is not None and "ne se délivre pas" in reason


def test_unknown_relationship_or_format_is_refused():
    assert "inconnu" in (refusal(ActKind.BIRTH, "copie_integrale", "voisin") or "")
    assert "inconnu" in (refusal(ActKind.BIRTH, "photocopie", "interesse") or "")
