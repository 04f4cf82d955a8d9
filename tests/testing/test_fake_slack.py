"""Tests for vpabot.bot.testing.fake_slack, driven by the real slack_sdk WebClient.

Why real slack_sdk: the fake is only useful if the SDK accepts its answers, so
these tests pin the wire format (base_url shape, JSON vs form bodies, error
statuses and headers) rather than the fake's internals.
"""
import json
import threading
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from vpabot.bot.testing.fake_slack import FakeSlack

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
def fake():
    with FakeSlack(token="xoxb-test") as f:
        yield f


@pytest.fixture
def client(fake):
    # retry_handlers=[] so failures reach the test instead of being retried by the SDK.
    return WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])


def test_base_url_shape(fake):
    assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/api/")


def test_post_message_returns_ts_and_records_decoded_blocks(fake, client):
    r1 = client.chat_postMessage(channel="C1", text="hello", blocks=BLOCKS)
    r2 = client.chat_postMessage(channel="U42", text="dm")
    assert r1["channel"] == "C1" and r2["channel"] == "DU42"
    assert abs(float(r1["ts"]) - time.time()) < 60 and float(r2["ts"]) > float(r1["ts"])
    assert r1["message"]["blocks"] == BLOCKS
    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == BLOCKS and call.args["text"] == "hello"
    assert call.headers["Authorization"] == "Bearer xoxb-test" and call.token == "xoxb-test"


def test_form_encoded_json_strings_are_decoded(fake):
    body = "channel=C1&blocks=" + urllib.parse.quote(json.dumps(BLOCKS))
    req = urllib.request.Request(fake.base_url + "chat.postMessage", data=body.encode(),
                                 headers={"Authorization": "Bearer xoxb-test",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    assert json.load(urllib.request.urlopen(req))["ok"] is True
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == BLOCKS


def test_auth_test_and_users_info(client):
    assert client.auth_test()["user_id"] == "UBOT"
    user = client.users_info(user="U7")["user"]
    assert user["real_name"] == "User U7" and user["tz"] == "Europe/Berlin"


def test_wrong_token_is_invalid_auth(fake):
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="xoxb-wrong", base_url=fake.base_url).auth_test()
    assert exc.value.response["error"] == "invalid_auth"


def test_ratelimited_surfaces_status_and_retry_after(fake, client):
    fake.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"
    assert exc.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]  # failure consumed


def test_server_error_then_success(fake, client):
    fake.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_sdk_retry_handler_sees_503_then_success(fake):
    fake.fail("chat.postMessage", status=503, times=2)
    handler = ServerErrorRetryHandler(max_retry_count=2,
                                      interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    client = WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[handler])
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 3


def test_channel_not_found(fake, client):
    fake.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C404", text="x")
    assert exc.value.response.status_code == 200
    assert exc.value.response["error"] == "channel_not_found"


def test_a_failure_for_one_channel_leaves_other_channels_alone(fake, client):
    fake.fail("chat.postMessage", error="channel_not_found", channel="CTEAM")
    assert client.chat_postMessage(channel="U1", text="dm")["ok"]  # not the team channel
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="CTEAM", text="announcement")
    assert err.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="CTEAM", text="again")["ok"]  # used up
    assert [c.ok for c in fake.calls_to("chat.postMessage")] == [True, False, True]


def test_response_url_post_is_recorded(fake):
    payload = {"text": "done", "replace_original": True}
    req = urllib.request.Request(fake.response_url("abc"), data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200 and resp.read() == b"ok"
    (call,) = fake.wait_for("response_url")
    assert call.args == {**payload, "_key": "abc"}


def test_wait_for_times_out_with_clear_message(fake, client):
    client.auth_test()
    start = time.monotonic()
    with pytest.raises(AssertionError) as exc:
        fake.wait_for("chat.postMessage", timeout=0.2)
    assert time.monotonic() - start < 2
    msg = str(exc.value)
    assert "chat.postMessage" in msg and "auth.test x1" in msg and "0.2s" in msg


def test_wait_for_wakes_on_call_from_another_thread(fake, client):
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="later")).start()
    calls = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("text") == "later")
    assert calls[0].args["channel"] == "C1"


def test_delay_and_reset(fake, client):
    fake.delay("auth.test", 0.3)
    start = time.monotonic()
    client.auth_test()
    assert time.monotonic() - start >= 0.3
    fake.fail("auth.test", error="boom")
    fake.reset()
    assert fake.calls == [] and client.auth_test()["ok"]


def test_files_upload_v2_end_to_end(fake, client):
    resp = client.files_upload_v2(channel="C1", filename="report.txt", content=b"hello bytes",
                                  title="Report")
    assert resp["file"]["id"].startswith("F")
    (upload,) = fake.calls_to("upload")
    assert upload.args["content"] == b"hello bytes"
    assert upload.args["file_id"] == resp["file"]["id"]
    (complete,) = fake.calls_to("files.completeUploadExternal")
    assert complete.args["files"][0]["title"] == "Report" and complete.args["channel_id"] == "C1"


def test_views_open_returns_view(fake, client):
    view = {"type": "modal", "callback_id": "cb", "title": {"type": "plain_text", "text": "T"},
            "blocks": BLOCKS}
    resp = client.views_open(trigger_id="123.456", view=view)
    assert resp["view"]["id"].startswith("V") and resp["view"]["callback_id"] == "cb"
    assert fake.calls_to("views.open")[0].args["view"] == view
    assert client.conversations_open(users="U9")["channel"]["id"] == "DU9"
