"""Finding assistants the way admins type them: any case, a leading @, typos."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.storage.builders import assistant
from vpabot.storage import repositories as repo

ROSTER = {
    "anna.m": "Anna Müller",
    "anne.b": "Anne Berg",
    "ben.k": "Benjamin Kranz",
    "j.lind": "Johanna Lind",
    "oezdemir": "Ömer Özdemir",
}


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    with Session(migrated_engine) as seeding, seeding.begin():
        seeding.add_all(assistant(handle, name) for handle, name in ROSTER.items())
    with Session(migrated_engine) as session:
        yield session


def handles(found: list) -> list[str]:  # type: ignore[type-arg]
    return [a.handle for a in found]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ANNA", ["anna.m"]),  # a word starts with it: "Johanna" does not
        ("jo", ["j.lind"]),  # the start of a name
        ("kRANZ", ["ben.k"]),  # name only
        ("BEN.K", ["ben.k"]),  # handle only
        ("  Anne ", ["anne.b"]),
        ("müller", ["anna.m"]),
        ("nobody", []),
    ],
)
def test_search_matches_handle_and_name_in_any_case(
    session: Session, typed: str, expected: list[str]
) -> None:
    assert handles(repo.search_assistants(session, typed)) == expected


@pytest.mark.parametrize("typed", ["mueller", "muller", "Müller", "MÜLLER", "Mu\u0308ller", "anna mü"])
def test_search_finds_a_german_name_however_it_is_typed(session: Session, typed: str) -> None:
    assert handles(repo.search_assistants(session, typed)) == ["anna.m"]


def test_search_folds_sharp_s_and_accents(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session, session.begin():
        session.add_all([assistant("s.strauss", "Sabine Strauß"), assistant("c.celik", "Can Çelik")])
    with Session(migrated_engine) as session:
        assert handles(repo.search_assistants(session, "strauss")) == ["s.strauss"]
        assert handles(repo.search_assistants(session, "Straß")) == []  # "strass" is no prefix
        assert handles(repo.search_assistants(session, "celik")) == ["c.celik"]


def test_a_renamed_assistant_is_found_by_the_new_name_only(session: Session) -> None:
    anna = repo.get_assistant(session, "anna.m")
    anna.name = "Anna Schäfer"
    session.commit()

    assert handles(repo.search_assistants(session, "schaefer")) == ["anna.m"]
    assert handles(repo.search_assistants(session, "müller")) == []


def test_search_folds_case_of_non_ascii_capitals(session: Session) -> None:
    # German names start with Ä/Ö/Ü; admins type them in lower case.
    assert handles(repo.search_assistants(session, "özdemir")) == ["oezdemir"]
    assert handles(repo.search_assistants(session, "ÖMER")) == ["oezdemir"]


def test_search_is_ordered_by_handle_and_limited(session: Session) -> None:
    assert handles(repo.search_assistants(session, "")) == sorted(ROSTER)
    assert handles(repo.search_assistants(session, "", limit=2)) == ["anna.m", "anne.b"]


@pytest.mark.parametrize("typed", ["ana.m", "@Ana.M "])
def test_similar_handles_suggests_the_close_one(session: Session, typed: str) -> None:
    assert repo.similar_handles(session, typed) == ["anna.m"]


@pytest.mark.parametrize("typed", ["xyz.q", "zzzz", "@", ""])
def test_similar_handles_stays_quiet_for_unrelated_text(session: Session, typed: str) -> None:
    assert repo.similar_handles(session, typed) == []


@pytest.mark.parametrize("typed", ["@Anna.M ", "anna.m", " ANNA.M", "@anna.m"])
def test_get_assistant_normalises_the_handle(session: Session, typed: str) -> None:
    found = repo.get_assistant(session, typed)

    assert found is not None
    assert (found.handle, found.name) == ("anna.m", "Anna Müller")


def test_get_assistant_does_not_guess(session: Session) -> None:
    assert repo.get_assistant(session, "anna") is None
    assert repo.get_assistant(session, "ana.m") is None


def test_get_assistant_can_lock_on_both_databases(session: Session) -> None:
    found = repo.get_assistant(session, "@Anna.M ", lock=True)

    assert found is not None and found.handle == "anna.m"


def test_the_inbox_claims_a_request_once_and_forgets_it_after_a_day(migrated_engine) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta, timezone

    from vpabot.storage import inbox
    from vpabot.storage.db import make_session_factory

    sessions = make_session_factory(migrated_engine)
    now = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    first = inbox.accept(sessions, dedup_key="command:t1", kind="ShowHelp", command={}, origin={}, now=now)
    assert first is not None
    assert inbox.accept(sessions, dedup_key="command:t1", kind="ShowHelp", command={}, origin={}, now=now) is None
    (claimed,) = inbox.claim(sessions, now=now, limit=5)
    assert claimed.kind == "ShowHelp" and inbox.claim(sessions, now=now, limit=5) == []
    # the worker died: after its lease another one takes the row over
    (again,) = inbox.claim(sessions, now=now + inbox.LEASE + timedelta(seconds=1), limit=5)
    assert again.id == claimed.id and again.attempts == 2
    inbox.mark_done(sessions, claimed.id)
    assert inbox.accept(sessions, dedup_key="command:t1", kind="ShowHelp", command={}, origin={}, now=now) is None
    assert inbox.purge(sessions, now=now + timedelta(hours=23)) == 0
    assert inbox.purge(sessions, now=now + inbox.KEEP + timedelta(seconds=1)) == 1


def test_search_says_there_is_more_instead_of_counting(session: Session) -> None:
    found = repo.find_assistants(session, "", limit=2)
    assert handles(found.rows) == ["anna.m", "anne.b"] and found.more
    found = repo.find_assistants(session, "anna", limit=2)
    assert handles(found.rows) == ["anna.m"] and not found.more


def test_a_name_with_two_matching_words_is_listed_once(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session, session.begin():
        session.add(assistant("anna.a", "Anna Annabell"))
    with Session(migrated_engine) as session:
        found = repo.find_assistants(session, "ann", limit=1)
        assert handles(found.rows) == ["anna.a"] and not found.more
