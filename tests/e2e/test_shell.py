"""The interaction shell's promises, over signed HTTP: Slack's retries are not acted on twice,
acknowledged work survives the process, malformed values are polite refusals, user text
never turns into a mention anywhere a payload reaches Slack."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from vpabot.bot.payloads import ReplyTo, encode
from vpabot.bot.testing.harness import ADMIN, MANAGER, OUTSIDER, BotUnderTest
from vpabot.bot.testing.transcript import render
from vpabot.policy.clock import SettableClock
from vpabot.storage.models import Assistant, InboundRequest, InboxState, SevereQuestion, Violation
from tests.e2e.conftest import acknowledged, count, seconds_until_a_form_opens_behind_slow_reads, waiting


def say(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    ack, key = bot.slack.command(text, user=user)
    assert ack.status == 200, ack
    return render(ack.json()) if ack.body else render(bot.slack.reply(key).args)


def settle(bot: BotUnderTest, seconds: float = 0.5) -> None:
    """Give the inbox workers a moment, then make sure nothing is left queued."""
    deadline = time.monotonic() + 10
    time.sleep(seconds)
    while waiting(bot) and time.monotonic() < deadline:
        time.sleep(0.05)


def count_where(bot: BotUnderTest, state: InboxState) -> int:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            query = select(func.count()).select_from(InboundRequest).where(InboundRequest.state == state)
            return session.scalar(query) or 0
    finally:
        engine.dispose()


# --- Slack delivers twice, vpabot acts once ------------------------------------------------


def test_a_retried_command_logs_one_violation(anna: BotUnderTest) -> None:
    body = anna.slack.command_body("verstoss anna.m deadline deadline zu spät", user=ADMIN, key="retry1")
    first = anna.slack.post(body)
    anna.slack.reply("retry1")
    # Slack did not see the first ack in time and sends the very same request again
    again = anna.slack.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status == again.status == 200
    settle(anna)
    assert count(anna, Violation) == 1
    assert len([c for c in anna.fake.calls_to("response_url") if c.args.get("_key") == "retry1"]) == 1


def test_the_same_form_submission_twice_logs_one_violation(anna: BotUnderTest) -> None:
    values = {
        "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
        "source": {"type": "static_select", "selected_option": {"value": "deadline"}},
        "tag": {"type": "static_select", "selected_option": {"value": "deadline"}},
        "note": {"type": "plain_text_input", "value": "Angebot zu spät"},
    }
    for _ in range(2):
        ack = anna.slack.submit_view("violation_modal", values, view_id="VSAME", view_hash="hSAME")
        assert ack.status == 200 and not ack.body
    settle(anna)
    assert count(anna, Violation) == 1


def test_a_double_click_on_really_severe_logs_once(anna: BotUnderTest) -> None:
    reply = anna.slack.reply(anna.slack.command("verstoss anna.m kontakt kommunikation schwer laut geworden")[1])
    confirm = next(e for b in reply.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "severe_confirm")
    keys = [anna.slack.click("severe_confirm", confirm["value"])[1] for _ in range(2)]
    answers = [render(anna.slack.reply(k).args) for k in keys]
    settle(anna)
    assert count(anna, Violation) == 1
    assert any("schon" in a for a in answers)


# --- values carry keys, never content --------------------------------------------------------


def test_a_long_note_on_a_severe_case_is_kept_whole(anna: BotUnderTest) -> None:
    note = "Kunde hat sich beschwert. " * 78  # ~1,960 characters, as in the report
    reply = anna.slack.reply(anna.slack.command(f"verstoss anna.m kontakt kommunikation schwer {note}")[1])
    values = [e["value"] for b in reply.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values and all(len(v) < 100 for v in values)
    anna.slack.reply(anna.slack.click("severe_confirm", values[0])[1])
    settle(anna)
    (violation,) = rows(anna, Violation)
    assert violation.note == note.strip() and violation.severe
    assert count(anna, SevereQuestion) == 1


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("approval_approve", '"abc"'),
        ("approval_approve", "abc"),
        ("review_lift", "x:y"),
        ("severe_confirm", "{}"),
        ("file_page_next", '{"handle":"anna.m","page":"zz"}'),
        ("open_file", "[1,2]"),
        ("approval_approve", '{"violation_id":99999999999999999999999}'),
        ("unknown_button", "1"),
    ],
)
def test_a_value_that_does_not_decode_is_a_polite_no(anna: BotUnderTest, action_id: str, value: str) -> None:
    user = MANAGER if action_id.startswith("approval") else ADMIN
    ack, key = anna.slack.click(action_id, value, user=user)
    assert ack.status == 200
    assert "lässt sich nichts mehr anfangen" in render(anna.slack.reply(key).args)
    assert count(anna, Violation) == 0


def test_a_refused_form_runs_nothing_after_the_ack(anna: BotUnderTest) -> None:
    values = {
        "assistant": {"type": "external_select", "selected_option": {"value": "anna.m"}},
        "kind": {"type": "radio_buttons", "selected_option": {"value": "voll"}},
        "until": {"type": "plain_text_input", "value": "31.04.2027"},
        "reason": {"type": "static_select", "selected_option": {"value": "sonstiges"}},
    }
    before = acknowledged(anna)
    metadata = encode(ReplyTo(anna.fake.response_url("late")))
    ack = anna.slack.submit_view("stop_modal", values, metadata=metadata)
    assert ack.json()["response_action"] == "errors"
    time.sleep(0.5)
    assert not [c for c in anna.fake.calls_to("response_url") if c.args.get("_key") == "late"]
    assert acknowledged(anna) == before  # nothing was accepted


# --- acknowledged means durable --------------------------------------------------------------


def test_work_acknowledged_before_a_crash_is_done_after_the_restart(db_url: str) -> None:
    clock = SettableClock(datetime_now())
    with BotUnderTest(db_url, clock=clock) as first:
        say(first, "assistent neu anna.m Anna Müller")
        first.runtime.runner.stop()  # the process dies right after acking: nobody works
        ack, _key = first.slack.command("verstoss anna.m deadline deadline zu spät")
        assert ack.status == 200 and not ack.body
        assert count(first, Violation) == 0 and waiting(first) == 1
    # its response_url is gone with it (the fake that served it stopped): the answer is a DM
    with BotUnderTest(db_url, clock=clock) as restarted:
        dm = restarted.fake.wait_for(
            "chat.postMessage", timeout=20, predicate=lambda c: c.args.get("channel") == ADMIN
        )[0]
        assert "Erinnerung" in render(dm.args)
        assert count(restarted, Violation) == 1
        settle(restarted)
        assert count_where(restarted, InboxState.DONE) == 2


def datetime_now() -> Any:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


# --- user text never turns into a mention ---------------------------------------------------

HOSTILE = "<!channel> <!here> <@U999> <https://x.example|klick>"
RAW = re.compile(r"<(!channel|!here|@U999|https://x\.example)")


def test_no_user_text_reaches_slack_as_a_mention_or_link(bot: BotUnderTest) -> None:
    say(bot, f"assistent neu evil.x Eve {HOSTILE}")
    say(bot, f"verstoss evil.x kontakt kommunikation {HOSTILE}")
    say(bot, f"notiz evil.x {HOSTILE}")
    say(bot, f"frage evil.x {HOSTILE}")
    say(bot, f"stop evil.x voll 14t {HOSTILE}")
    say(bot, "verlaengern evil.x 21t")
    say(bot, "akte evil.x")
    say(bot, "stops")
    for _ in range(2):
        say(bot, f"verstoss evil.x kontakt kommunikation {HOSTILE}")  # step 3: to the manager
    say(bot, "offen", user=MANAGER)
    say(bot, f"aufheben evil.x {HOSTILE}")
    bot.dispatch_outbox()
    bot.slack.open_home(ADMIN)
    bot.fake.wait_for("views.publish", predicate=lambda c: c.args.get("user_id") == ADMIN)
    payloads = [json.dumps(c.args, ensure_ascii=False) for c in bot.fake.calls]
    assert any("Eve" in p for p in payloads)
    leaked = [p for p in payloads if RAW.search(p)]
    assert leaked == []
    assert count(bot, Assistant) == 1


def test_outsiders_learn_nothing(bot: BotUnderTest) -> None:
    assert "nur das Admin-Team" in say(bot, "verstoss", user=OUTSIDER)
    assert "nur das Admin-Team" in say(bot, "kaputt kaputt", user=OUTSIDER)


def rows(bot: BotUnderTest, model: type) -> list[Any]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    engine = create_engine(bot.settings.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


# --- malformed but signed requests ------------------------------------------------------------

MALFORMED = {
    "payload is not JSON": "payload={not json",
    "payload is a list": "payload=%5B1%2C2%5D",
    "payload is a string": "payload=%22x%22",
    "view without type": "payload=" + json.dumps({"type": "view_submission", "user": {"id": ADMIN}, "view": {"callback_id": "stop_modal"}}),
    "actions not a list": "payload=" + json.dumps({"type": "block_actions", "user": {"id": ADMIN}, "actions": "x"}),
    "empty body": "",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_malformed_request_is_a_400_not_a_500(bot: BotUnderTest, body: str) -> None:
    result = bot.slack.post(body)
    assert result.status == 400 and "malformed_request" in result.body


def test_a_json_body_that_is_not_an_object_is_a_400(bot: BotUnderTest) -> None:
    assert bot.slack.post("[1]", content_type="application/json").status == 400


def test_the_same_malformed_body_unsigned_is_refused_as_unsigned(bot: BotUnderTest) -> None:
    assert bot.slack.post("payload={not json", signature="v0=forged").status == 401


def test_garbage_inside_a_well_formed_form_is_acked_and_writes_nothing(anna: BotUnderTest) -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": ADMIN},
        "view": {"type": "modal", "callback_id": "violation_modal", "id": "V9", "state": {"values": {"note": "x"}}},
    }
    assert anna.slack.interaction(payload).status == 200
    assert anna.slack.click("approval_approve", 5, user=MANAGER)[0].status == 200  # type: ignore[arg-type]
    settle(anna)
    assert count(anna, Violation) == 0


# --- bounded: a full queue says so -------------------------------------------------------------


def test_a_full_inbox_makes_the_ack_say_busy_and_stores_nothing(anna: BotUnderTest) -> None:
    anna.runtime.runner.max_backlog = 0
    before = acknowledged(anna)
    ack, _key = anna.slack.command("verstoss anna.m deadline deadline zu spät")
    assert ack.status == 200 and "versuch es in einer Minute noch einmal" in render(ack.json())
    assert acknowledged(anna) == before and count(anna, Violation) == 0


def test_the_backlog_limit_holds_between_counts_and_across_a_restart(db_url: str) -> None:
    """Reported (break test): the count of waiting requests started at 0 and was refreshed
    once a second, so each start accepted a second of writes past the limit (1,034, then
    2,130 and 3,152 waiting for a limit of 500). Now the count is read before the first ack
    and raised by every write accepted in between."""
    busy = "versuch es in einer Minute noch einmal"
    clock = SettableClock(datetime_now())
    with BotUnderTest(db_url, clock=clock) as first:
        first.runtime.runner.stop()  # nobody works: every write waits
        first.runtime.runner.max_backlog = 3
        answers = [first.slack.command(f"assistent neu anna.{n} Anna Nr. {n}")[0] for n in range(5)]
        assert [busy in a.body for a in answers] == [False, False, False, True, True]
        assert waiting(first) == 3
    with BotUnderTest(db_url, clock=clock, role="web") as restarted:  # no workers either
        restarted.runtime.runner.max_backlog = 3
        ack, _key = restarted.slack.command("assistent neu anna.neu Anna nach dem Neustart")
        assert busy in ack.body and waiting(restarted) == 3


def test_the_pool_for_reads_refuses_instead_of_queueing_without_end() -> None:
    import threading

    from vpabot.bot.interactions.pools import BoundedPool

    release = threading.Event()
    pool = BoundedPool(workers=1, queue=1, name="t")
    assert pool.try_submit(release.wait) and pool.try_submit(release.wait)
    assert not pool.try_submit(release.wait)
    release.set()
    pool.shutdown()


def test_a_form_goes_ahead_of_file_pages_waiting_for_the_threads(anna: BotUnderTest) -> None:
    """One process (``--role all``): slow file pages fill the reads' threads and queue; a
    form asked for after them opens within its trigger_id's 3 s, on threads of its own."""
    assert seconds_until_a_form_opens_behind_slow_reads(anna) < 2


def test_a_worker_that_overran_its_lease_does_not_do_the_work_a_second_time(db_url: str) -> None:
    from datetime import timedelta

    from vpabot.storage import inbox

    clock = SettableClock(datetime_now())
    with BotUnderTest(db_url, clock=clock) as bot:
        say(bot, "assistent neu anna.m Anna Müller")
        runner = bot.runtime.runner
        runner.stop()  # we play the workers by hand
        bot.slack.command("verstoss anna.m deadline deadline zu spät")
        (slow,) = inbox.claim(bot.runtime.ctx.sessions, now=clock.now())
        clock.advance(inbox.LEASE + timedelta(seconds=1))  # the first worker hangs past its lease
        (takeover,) = inbox.claim(bot.runtime.ctx.sessions, now=clock.now())
        runner.carry_out(takeover)
        runner.carry_out(slow)  # wakes up late: must not log the violation again
        assert count(bot, Violation) == 1


def test_a_fresh_process_knows_every_stored_command_before_the_app_is_built() -> None:
    """A restart with rows left in the inbox: the workers start before Bolt is set up."""
    import subprocess
    import sys

    from vpabot.bot.interactions.registry import command_types

    code = "from vpabot.bot.interactions.registry import command_types; print(sorted(command_types()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(sorted(command_types())) and "LogViolation" in out


def test_a_retried_home_event_renders_once(bot: BotUnderTest) -> None:
    import json as _json

    now = int(time.time())
    envelope = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                "event_id": "EvSAME", "event_time": now,
                "event": {"type": "app_home_opened", "user": ADMIN, "channel": "D1", "tab": "home",
                          "event_ts": f"{now}.1"}}
    body = _json.dumps(envelope)
    bot.slack.post(body, content_type="application/json")
    bot.fake.wait_for("views.publish")
    time.sleep(bot.runtime.runner.home.min_interval + 0.5)  # past the Home's render interval: a second render would happen now
    bot.slack.post(body, content_type="application/json", headers={"X-Slack-Retry-Num": "1"})
    time.sleep(0.5)
    assert len(bot.fake.calls_to("views.publish")) == 1


@pytest.mark.parametrize("timestamp", ["", "abc"])
def test_a_request_without_a_usable_timestamp_is_a_401_not_a_500(bot: BotUnderTest, timestamp: str) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(bot.url + "/slack/events", data=b"x=1", method="POST",
                                     headers={"X-Slack-Request-Timestamp": timestamp})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
