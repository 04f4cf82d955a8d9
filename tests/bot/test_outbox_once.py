"""Effectively-once delivery (issue 10, item 6): an ambiguous send is looked up, not repeated.

Every chat.postMessage carries its outbox id in ``metadata``. After a timeout, a reset, a 5xx
or a crash mid-send, the next attempt reads the channel's history first. The scenario of the
issue (Slack hanging 11.5 s, client timeout 10 s) runs here at a tenth of the scale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta

from slack_sdk import WebClient

from tests.bot.outbox_support import TOKEN, Rig, rig  # noqa: F401 - fixture
from vpabot.bot import outbox_lookup
from vpabot.bot.outbox import backoff
from vpabot.storage import outbox as store
from vpabot.storage.db import session_scope
from vpabot.storage.models import OutboxMessage, OutboxStatus
from vpabot.storage.outbox_claim import LEASE, claim_next
from vpabot.storage.outbox_settle import mark_sent


def after_backoff(rig: Rig) -> None:
    rig.clock.advance(backoff(1))


def test_a_post_that_hangs_past_the_client_timeout_arrives_once(rig: Rig) -> None:
    [row_id] = rig.announce(1)
    rig.fake.delay("chat.postMessage", 1.15)  # Slack posts, but answers after the timeout
    dispatcher = rig.dispatcher(timeout=1.0)

    assert dispatcher.dispatch_due() == 0
    (row,) = rig.rows()
    assert row.status == OutboxStatus.SENDING and row.last_error.startswith("network")  # in doubt

    rig.fake.delay("chat.postMessage", 0)
    after_backoff(rig)
    assert dispatcher.dispatch_due() == 1

    (message,) = rig.fake.messages("CTEAM")  # exactly one in the channel
    assert message["metadata"] == {"event_type": "vpabot_outbox", "event_payload": {"outbox_id": row_id}}
    (row,) = rig.rows()
    assert (row.status, row.slack_channel, row.slack_ts) == (OutboxStatus.SENT, "CTEAM", message["ts"])
    assert len(rig.fake.calls_to("chat.postMessage")) == 1
    assert len(rig.fake.calls_to("conversations.history")) == 1


def test_a_reset_connection_after_slack_posted_is_not_posted_again(rig: Rig) -> None:
    rig.announce(1)
    rig.fake.drop("chat.postMessage")
    dispatcher = rig.dispatcher()

    assert dispatcher.dispatch_due() == 0
    after_backoff(rig)
    assert dispatcher.dispatch_due() == 1
    assert len(rig.fake.messages("CTEAM")) == 1
    assert [r.status for r in rig.rows()] == [OutboxStatus.SENT]


def test_a_post_slack_never_got_is_sent_after_the_lookup_finds_nothing(rig: Rig) -> None:
    rig.announce(1)
    rig.fake.fail("chat.postMessage", status=500)  # may or may not have posted: here, not
    dispatcher = rig.dispatcher()

    assert dispatcher.dispatch_due() == 0
    after_backoff(rig)
    assert dispatcher.dispatch_due() == 1
    assert rig.texts("CTEAM") == ["VT-Stop 0"]
    assert len(rig.fake.calls_to("conversations.history")) == 1
    assert len(rig.fake.calls_to("chat.postMessage")) == 2


def test_a_crashed_senders_row_is_taken_over_after_its_lease_and_found(rig: Rig) -> None:
    """A sender claimed the row, Slack posted it, the sender died before writing it down."""
    [row_id] = rig.announce(1)
    claimed = claim_next(rig.sessions, now=rig.clock.now(), wall=rig.clock.now())
    WebClient(token=TOKEN, base_url=rig.fake.base_url).chat_postMessage(
        channel="CTEAM", text="VT-Stop 0", metadata=outbox_lookup.metadata(row_id)
    )
    dispatcher = rig.dispatcher()

    rig.clock.advance(LEASE - timedelta(seconds=1))
    assert dispatcher.dispatch_due() == 0  # still the dead sender's lease
    assert rig.fake.calls_to("conversations.history") == []
    rig.clock.advance(timedelta(seconds=1))
    assert dispatcher.dispatch_due() == 1  # taken over within LEASE (25 s), not 2 minutes

    assert len(rig.fake.messages("CTEAM")) == 1
    (row,) = rig.rows()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2) and claimed is not None
    assert mark_sent(rig.sessions, claimed, now=rig.clock.now(), channel="C", ts="1") is False


def test_a_dm_in_doubt_is_looked_up_in_the_users_dm(rig: Rig) -> None:
    with session_scope(rig.sessions) as session:
        store.enqueue(session, method="chat.postMessage", payload={"channel": "UMANAGER1", "text": "FYI"},
                      purpose="fyi", now=rig.clock.now())
    rig.fake.drop("chat.postMessage")
    dispatcher = rig.dispatcher()
    dispatcher.dispatch_due()
    after_backoff(rig)
    assert dispatcher.dispatch_due() == 1
    assert rig.texts("UMANAGER1") == ["FYI"]
    (history,) = rig.fake.calls_to("conversations.history")
    assert history.args["channel"] == "DUMANAGER1"


def test_the_lookup_pages_through_a_busy_channel(rig: Rig) -> None:
    [row_id] = rig.announce(1)
    rig.fake.drop("chat.postMessage")
    dispatcher = rig.dispatcher()
    dispatcher.dispatch_due()
    client = WebClient(token=TOKEN, base_url=rig.fake.base_url)
    for i in range(outbox_lookup.PAGE_SIZE + 10):  # others talk in the channel meanwhile
        client.chat_postMessage(channel="CTEAM", text=f"chatter {i}")
    after_backoff(rig)
    assert dispatcher.dispatch_due() == 1
    assert len(rig.fake.calls_to("conversations.history")) == 2
    assert rig.texts("CTEAM").count("VT-Stop 0") == 1 and row_id


def test_sigkill_mid_send_then_a_restart_posts_nothing_twice(rig: Rig, db_url: str) -> None:
    """A real process is killed with SIGKILL while Slack holds its post; the next instance
    takes the row over once the lease has run out and finds the message."""
    [row_id] = rig.announce(1)
    rig.fake.delay("chat.postMessage", 30)  # the answer never comes before the kill
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            from vpabot.bot.app import make_client
            from vpabot.bot.outbox import OutboxDispatcher
            from vpabot.policy.clock import SystemClock
            from vpabot.storage.db import make_engine, make_session_factory
            sessions = make_session_factory(make_engine({db_url!r}))
            client = make_client({TOKEN!r}, {rig.fake.base_url!r}, retries=False)
            OutboxDispatcher(sessions, client, SystemClock()).dispatch_due()
        """)],
        env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        rig.fake.wait_for("chat.postMessage", timeout=30)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    rig.fake.delay("chat.postMessage", 0)
    (row,) = rig.rows()
    assert row.status == OutboxStatus.SENDING and row.lease_token  # the dead process's claim

    dispatcher = rig.dispatcher()
    rig.clock.set(row.next_attempt_at)  # the lease runs out (<= 25 s after the last renewal)
    assert dispatcher.dispatch_due() == 1
    (message,) = rig.fake.messages("CTEAM")
    assert message["metadata"]["event_payload"] == {"outbox_id": row_id}
    assert len(rig.fake.calls_to("chat.postMessage")) == 1
    assert rig.rows()[0].status == OutboxStatus.SENT


def test_a_thread_reply_in_doubt_is_looked_up_among_the_threads_replies(rig: Rig) -> None:
    """A reply that is not broadcast is not in the channel's history: looked up in the thread."""
    [parent_id] = rig.announce(1)
    with session_scope(rig.sessions) as session:
        parent = session.get(OutboxMessage, parent_id)
        store.enqueue(
            session, method="chat.postMessage", payload={"channel": "CTEAM", "text": "geändert"},
            purpose="stop_announcement", now=rig.clock.now(), thread_of=parent,
        )
    dispatcher = rig.dispatcher(per_channel=0)
    assert dispatcher.dispatch_due(limit=1) == 1  # the parent; the reply's answer is lost next
    rig.fake.drop("chat.postMessage")
    assert dispatcher.dispatch_due() == 0
    after_backoff(rig)
    assert dispatcher.dispatch_due() == 1

    first, reply = rig.fake.messages("CTEAM")  # the reply once, in the thread
    assert reply["thread_ts"] == first["ts"] and reply["text"] == "geändert"
    assert len(rig.fake.calls_to("conversations.replies")) == 1
    assert [r.status for r in rig.rows()] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert rig.rows()[1].slack_ts == reply["ts"]
