"""fr.fold: the one accent and case folding, for each use its former copies had.

The lists compared site and unit names and sorted children; the catalogue
sorted categories and titles; the communes matched a typed name with hyphens
and apostrophes; the demo made e-mail addresses from names; the search index
cuts the folded text into words. fr.PARIS is the one Europe/Paris zone.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from mairie_tui import clock
from mairie_tui.domain import fr
from mairie_tui.domain.communes import find_commune
from mairie_tui.services.demo.synthetic import _ascii
from mairie_tui.services.search import normalise

FRENCH_LETTERS = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
# ASCII, French letters, other Latin letters, and what sits between words.
LATIN_TEXT = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x20, 0x7F)]
        + [chr(c) for c in range(0xC0, 0x180)]
        + list(" \t\n-'’«»")
    ),
    max_size=30,
)


def test_case_accents_and_spaces_are_folded_as_the_lists_compare_names() -> None:
    assert (
        fr.fold("  Restaurant scolaire   Alès JEAN MACÉ ") == "restaurant scolaire ales jean mace"
    )
    assert fr.fold("Repas") == fr.fold("REPAS") == "repas"
    assert sorted(["Ezra", "Écrivain", "Eber"], key=fr.fold) == ["Eber", "Écrivain", "Ezra"]


def test_categories_sort_in_french_order_as_the_catalogue_shows_them() -> None:
    categories = ["Vie pratique", "État civil", "Enfance", "Citoyenneté"]
    assert sorted(categories, key=fr.fold) == [
        "Citoyenneté",
        "Enfance",
        "État civil",
        "Vie pratique",
    ]


def test_every_french_letter_folds_to_plain_ascii_letters() -> None:
    for letter in FRENCH_LETTERS:
        folded = fr.fold(letter)
        assert folded.isascii() and folded.isalpha(), (letter, folded)
    assert fr.fold("Œdipe, Lætitia, Straße") == "oedipe, laetitia, strasse"


def test_compatibility_forms_unfold_and_stay_lower_case() -> None:
    assert fr.fold("ﬁlle") == "fille"
    assert fr.fold("Ｊｅａｎ") == "jean"
    # NFKD turns this one into capitals: folded again afterwards.
    assert fr.fold("㎒") == "mhz"


def test_other_scripts_keep_their_letters_without_marks() -> None:
    assert fr.fold("Ἀθῆναι") == "αθηναι"
    assert fr.fold("Ёлка") == "елка"


def test_separators_count_as_spaces_only_when_asked() -> None:
    assert fr.fold("Saint-Étienne-de-l'Olm") == "saint-etienne-de-l'olm"
    assert fr.fold("Saint-Étienne-de-l'Olm", separators="-'’") == "saint etienne de l olm"
    assert fr.fold("Sainte-Cécile-d’Andorge", separators="-'’") == "sainte cecile d andorge"


def test_a_commune_is_found_whatever_its_hyphens_accents_and_apostrophes() -> None:
    for typed in (
        "saint christol lez ales",
        "SAINT-CHRISTOL-LEZ-ALÈS",
        " Saint Christol-lez Ales ",
    ):
        commune = find_commune(typed)
        assert commune is not None and commune.insee == "30243", typed
    commune = find_commune("sainte cecile d’andorge")
    assert commune is not None and commune.insee == "30239"


def test_demo_addresses_spell_out_ligatures_instead_of_dropping_them() -> None:
    assert _ascii("D'Artagnan") == "dartagnan"
    assert _ascii("Jean-Noël") == "jean-noel"
    assert _ascii("Lætitia") == "laetitia"


def test_the_search_index_words_are_the_folded_words() -> None:
    assert normalise("ŒDIPE Cœur-de-Lion") == "oedipe coeur de lion"
    assert normalise("Ἀθῆναι, Ёлка!") == "αθηναι елка"


@given(LATIN_TEXT)
def test_fold_matches_the_plain_unicode_recipe_on_latin_text(text: str) -> None:
    # The reference: lower case, ligatures spelt out, NFKD, every combining mark dropped.
    spelt = text.lower().translate(str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o"}))
    spelt = spelt.translate(str.maketrans({"ð": "d", "þ": "th", "ł": "l", "đ": "d", "ı": "i"}))
    decomposed = unicodedata.normalize("NFKD", spelt)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    assert fr.fold(text) == " ".join(plain.split())


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30))
def test_the_ascii_shortcut_agrees_with_the_full_path(text: str) -> None:
    # Adding "é" sends the same ASCII text through the Unicode path.
    assert fr.fold(text + " é") == (fr.fold(text) + " e").strip()


@given(LATIN_TEXT)
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fr.fold(fr.fold(text)) == fr.fold(text)


def test_paris_is_one_zone_shared_by_the_clock_and_the_dates() -> None:
    assert clock.PARIS is fr.PARIS
    assert str(fr.PARIS) == "Europe/Paris"
