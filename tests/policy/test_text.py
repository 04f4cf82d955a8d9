"""Composed text on the way in (the search folds it further: tests/storage/test_search_fold.py)."""

from __future__ import annotations

from vpabot.policy.text import nfc


def test_nfc_composes_a_decomposed_umlaut() -> None:
    assert nfc("Mu\u0308ller") == "Müller" and len(nfc("Mu\u0308ller")) == 6


def test_cleaned_input_is_composed_and_keeps_its_line_breaks() -> None:
    # clean() is the door every typed or imported text passes (grammar, forms, CSV cells).
    from vpabot.policy.text import clean

    assert clean("Jo\u0308rg\x00 Ko\u0308nig\r\nzweite Zeile") == "Jörg König\nzweite Zeile"
