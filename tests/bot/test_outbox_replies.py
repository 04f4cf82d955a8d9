"""Durable replies: answer through the response_url, or as a DM once Slack calls it gone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.webhook import WebhookClient

from tests.bot.outbox_support import Rig, rig  # noqa: F401 - fixture
from vpabot.bot.i18n import Translator
from vpabot.bot.outbox import RESPONSE_URL_VALIDITY, backoff, with_note
from vpabot.storage import outbox as store
from vpabot.storage.db import session_scope
from vpabot.storage.models import OutboxStatus

ADMIN = "UADMIN1"
ANSWER = {"text": "Verstoß erfasst", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}]}


def reply(rig: Rig, key: str | None, *, replace_original: bool = False) -> int:
    with session_scope(rig.sessions) as session:
        row = store.enqueue_reply(
            session, response_url=rig.fake.response_url(key) if key else None, user_id=ADMIN,
            payload=ANSWER, replace_original=replace_original, now=rig.clock.now(),
        )
        session.flush()
        return row.id


def test_a_reply_goes_to_the_response_url(rig: Rig) -> None:
    reply(rig, "k1", replace_original=True)
    assert rig.dispatcher().dispatch_due() == 1
    (call,) = rig.fake.calls_to("response_url")
    assert call.args == {**ANSWER, "replace_original": True, "_key": "k1"}
    assert rig.fake.messages(ADMIN) == []
    assert [r.status for r in rig.rows()] == [OutboxStatus.SENT]


@pytest.mark.parametrize("gone", ["expired_url", "used_url"])
def test_a_gone_response_url_becomes_a_dm_with_the_same_message(rig: Rig, gone: str) -> None:
    row_id = reply(rig, "k2")
    if gone == "expired_url":
        rig.fake.expire_response_url("k2")
    else:  # Slack accepts five posts to one response_url
        rig.fake.response_url_uses = 5
        for _ in range(5):
            assert WebhookClient(rig.fake.response_url("k2")).send(text="earlier").status_code == 200

    dispatcher = rig.dispatcher()
    dispatcher.late_reply_note = Translator("de")("outbox.reply.late_dm")
    assert dispatcher.dispatch_due() == 1

    (dm,) = rig.fake.messages(ADMIN)
    assert dm["text"] == ANSWER["text"] and dm["blocks"][1:] == ANSWER["blocks"]
    assert dm["blocks"][0]["elements"][0]["text"].startswith("Nachgereicht")  # says why
    assert dm["metadata"]["event_payload"] == {"outbox_id": row_id}  # effectively once, too
    (row,) = rig.rows()
    assert (row.status, row.method, row.slack_channel) == (OutboxStatus.SENT, "chat.postMessage", f"D{ADMIN}")


def test_a_reply_older_than_slacks_30_minutes_is_a_dm_without_trying_the_url(rig: Rig) -> None:
    reply(rig, "k3")
    rig.clock.advance(RESPONSE_URL_VALIDITY + timedelta(seconds=1))
    assert rig.dispatcher().dispatch_due() == 1
    assert rig.fake.calls_to("response_url") == []
    assert rig.texts(ADMIN) == [ANSWER["text"]]


def test_the_late_note_never_breaks_a_slack_limit() -> None:
    long_text = {"text": "x" * 3001}
    assert with_note(long_text, "Nachgereicht") == long_text  # no section over 3,000
    full = {"text": "t", "blocks": [{"type": "divider"}] * 50}
    assert with_note(full, "Nachgereicht") == full  # no 51st block
    assert with_note({"text": "t"}, "N")["blocks"][1]["text"]["text"] == "t"


def test_without_a_response_url_the_reply_is_a_dm(rig: Rig) -> None:
    reply(rig, None)
    assert rig.dispatcher().dispatch_due() == 1
    assert rig.texts(ADMIN) == [ANSWER["text"]]


def test_a_failing_response_url_is_retried_there(rig: Rig) -> None:
    reply(rig, "k4")
    rig.fake.fail("response_url", status=503)
    dispatcher = rig.dispatcher()
    assert dispatcher.dispatch_due() == 0
    assert [(r.status, r.last_error) for r in rig.rows()] == [(OutboxStatus.PENDING, "response_url http 503")]
    rig.clock.advance(backoff(1))
    assert dispatcher.dispatch_due() == 1
    assert len(rig.fake.calls_to("response_url")) == 2 and rig.fake.messages(ADMIN) == []


def test_a_dm_fallback_that_hangs_is_not_sent_twice(rig: Rig) -> None:
    """After the switch to a DM the row is a DM: an ambiguous failure is looked up."""
    reply(rig, "k5")
    rig.fake.expire_response_url("k5")
    rig.fake.drop("chat.postMessage")
    dispatcher = rig.dispatcher()
    assert dispatcher.dispatch_due() == 0
    rig.clock.advance(backoff(1))
    assert dispatcher.dispatch_due() == 1
    assert rig.texts(ADMIN) == [ANSWER["text"]]
    assert len(rig.fake.calls_to("response_url")) == 1  # not tried again once gone


def test_replies_to_one_user_keep_their_order(rig: Rig) -> None:
    for key in ("a", "b", "c"):
        reply(rig, key)
    rig.fake.fail("response_url", status=429, retry_after=1)
    assert rig.dispatcher(per_channel=0.01).dispatch_due(limit=None) == 3
    keys = [c.args["_key"] for c in rig.fake.calls_to("response_url")]
    assert keys == ["a", "a", "b", "c"]
