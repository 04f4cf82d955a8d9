"""Composed text on the way in, folded words for the assistant search."""

from __future__ import annotations

import pytest

from vpabot.policy.text import fold_term, nfc, search_key, search_words


def test_nfc_composes_a_decomposed_umlaut() -> None:
    assert nfc("Mu\u0308ller") == "Müller" and len(nfc("Mu\u0308ller")) == 6


@pytest.mark.parametrize(
    ("typed", "folded"),
    [("Müller", "mueller"), ("MU\u0308LLER", "mueller"), ("Strauß", "strauss"), ("Çelik", "celik"),
     ("José", "jose"), ("anna.m", "anna.m")],
)
def test_a_searched_word_is_folded_like_admins_spell_it(typed: str, folded: str) -> None:
    assert fold_term(typed) == folded


def test_a_name_is_found_with_umlauts_spelled_out_or_stripped_and_by_handle_parts() -> None:
    words = search_words("Anna Mu\u0308ller-Lüdenscheid", "anna.m")

    assert {"anna", "mueller-luedenscheid", "muller-ludenscheid", "mueller", "muller",
            "luedenscheid", "anna.m", "m"} <= set(words)
    assert search_key("Anna Müller", "anna.m").startswith(" anna ")


def test_cleaned_input_is_composed_and_keeps_its_line_breaks() -> None:
    # clean() is the door every typed or imported text passes (grammar, forms, CSV cells).
    from vpabot.policy.text import clean

    assert clean("Jo\u0308rg\x00 Ko\u0308nig\r\nzweite Zeile") == "Jörg König\nzweite Zeile"
