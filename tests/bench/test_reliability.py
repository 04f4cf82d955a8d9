"""The scenarios of ``python -m bench.reliability`` that fit a test's time, against a real
``vpabot serve`` process and the fake Slack (both started once for this module).

Those that fail on today's main are ``xfail(strict=True)`` naming the issue item: when the
fix lands they XPASS, the strict marker turns that into a failure, and the marker goes. One is
a race and so not strict (see its comment).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.payloads import ADMIN, Req, click, command, interaction
from bench.reliability.scenarios import Scenarios
from bench.reliability.world import Row




@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenarios]:
    scenarios = Scenarios(quick=True, workdir=Path(tmp_path_factory.mktemp("reliability")))
    try:
        yield scenarios
    finally:
        scenarios.close()


def row(world: Scenarios, name: str) -> Row:
    return next(r for r in reversed(world.rows) if r.scenario.startswith(name))


def test_forged_stale_and_replayed_requests_are_refused(world: Scenarios) -> None:
    world.signatures()
    r = row(world, "forged")
    assert r.refused_ok == f"{r.tried}/{r.tried}" and r.delivered == 0 and r.ok()


def test_twenty_concurrent_violations_on_sqlite_get_steps_1_2_3_4(world: Scenarios) -> None:
    world.concurrent(world.main, "SQLite", world.fresh())
    assert row(world, "20 concurrent").ok()


def test_twenty_concurrent_violations_on_postgresql_get_steps_1_2_3_4(world: Scenarios) -> None:
    world.concurrent_pg()
    r = row(world, "20 concurrent violations, PostgreSQL")
    if r.ok() is None:
        pytest.skip(r.note)
    assert r.ok()


def test_a_refused_modal_sends_nothing_afterwards(world: Scenarios) -> None:
    world.refused_then_lazy()
    r = row(world, "stop_modal with until")
    assert r.refused_ok == "1/1" and r.delivered == 0


@pytest.fixture(scope="module")
def duplicates(world: Scenarios) -> dict[str, Row]:
    """Each kind delivered once (baseline) and twice, as Slack's retries do."""
    world.duplicates()
    return {name: row(world, f"duplicate {name}") for name in ("command", "view", "click", "event")}


ACTS_TWICE = "issue 10 item 3: Slack delivers twice, vpabot acts twice"


def test_a_retried_command_logs_one_violation(duplicates: dict[str, Row]) -> None:
    assert duplicates["command"].duplicated == 0 and duplicates["command"].lost == 0


def test_a_resubmitted_view_logs_one_violation(duplicates: dict[str, Row]) -> None:
    assert duplicates["view"].duplicated == 0 and duplicates["view"].lost == 0


def test_a_repeated_click_decides_once(duplicates: dict[str, Row]) -> None:
    assert duplicates["click"].ok()


def test_a_repeated_event_publishes_home_once(duplicates: dict[str, Row]) -> None:
    assert duplicates["event"].duplicated == 0 and duplicates["event"].lost == 0


def test_no_payload_carries_an_unescaped_mention(world: Scenarios) -> None:
    world.injection()
    r = row(world, "injection scan")
    assert r.tried > 0 and r.refused_ok == f"{r.tried}/{r.tried}"


MALFORMED = [
    Req(b"payload={not json"),
    Req(b"payload=%5B1%2C2%5D"),  # a JSON list, not an object
    interaction({"type": "view_submission", "user": {"id": ADMIN},
                 "view": {"id": "V1", "callback_id": "violation_modal", "state": {"values": {}}}}),
    interaction({"type": "view_submission", "user": {"id": ADMIN},
                 "view": {"id": "V1", "type": "modal", "callback_id": "violation_modal"}}),
    interaction({"type": "view_submission", "user": {"id": ADMIN}, "view": {
        "id": "V1", "type": "modal", "callback_id": "stop_modal", "private_metadata": "",
        "state": {"values": {
            "assistant": {"v": {"type": "external_select", "selected_option": {"value": "bench.0299"}}},
            "kind": {"v": {"type": "radio_buttons", "selected_option": {"value": "XX"}}},
            "reason": {"v": {"type": "radio_buttons", "selected_option": {"value": "nonsense"}}},
            "until": {"v": {"type": "plain_text_input", "value": "14t"}}}}}}),
]


def test_malformed_signed_requests_never_answer_5xx_nor_log_a_traceback(world: Scenarios) -> None:
    url = world.fake.url
    requests = MALFORMED + [
        click("approval_approve", '"abc"', url), click("review_lift", "x:y", url),
        click("severe_confirm", "{}", url), click("file_page_next", "bench.0299:zz", url),
        command("zurueckziehen bench.0299 99999999999999999999999 grund", url),
        command("assistent neu nul.x Nu\x00ll Name", url),
    ]
    world.main.new_tracebacks()
    statuses = [world.main.send(req).status for req in requests]
    time.sleep(2)  # the lazy halves run after the ack
    assert all(0 < s < 500 for s in statuses), json.dumps(statuses)
    assert world.main.new_tracebacks() == 0


# Was a race until the workers knew every command before the app was built: 1–2 of 10 were
# dropped after the restart ("inbox row … no longer decodes").
def test_acknowledged_violations_survive_sigkill(world: Scenarios) -> None:
    # 40 s: a row the killed process had claimed is taken over when its 30 s lease runs out.
    world.sigkill_after_acks(10, settle_s=40)
    r = row(world, "SIGKILL right after acks")
    assert r.lost == 0 and r.duplicated == 0
