"""The serving processes keep their start-up heap out of later garbage collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from vpabot.bot.cli import service


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite collects as usual


def test_a_start_freezes_what_it_built_so_a_full_collection_skips_it(unfrozen: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    built = [object() for _ in range(1000)]  # stands in for what Runtime() builds
    monkeypatch.setattr("vpabot.bot.runtime.Runtime", lambda settings, **kw: built)
    monkeypatch.setattr(service, "open_engine", lambda settings, create: None)

    assert service._start(settings=None) is built  # type: ignore[arg-type]
    assert gc.get_freeze_count() >= len(built)
    assert not any(o is built for o in gc.get_objects())  # a full collection no longer walks it


def test_the_freeze_runs_no_collection_that_would_unshare_the_read_process_pages(unfrozen: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("vpabot.bot.runtime.Runtime", lambda settings, **kw: object())
    monkeypatch.setattr(service, "open_engine", lambda settings, create: None)
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.disable()  # only a collection the start asks for counts, not one the allocator starts
    gc.callbacks.append(seen)
    try:
        service._start(settings=None)  # type: ignore[arg-type]
    finally:
        gc.callbacks.remove(seen)
        gc.enable()
    assert full == []
