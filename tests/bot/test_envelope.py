"""Whatever a forger with the signing secret sends, the checks before Bolt and before the ack
answer with a verdict, never an exception (hypothesis generates the bodies and values)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from vpabot.bot import payloads
from vpabot.bot.interactions.envelope import malformed
from vpabot.bot.interactions.origin import Origin
from vpabot.bot.listeners.actions import CLICKS, decode_click
from vpabot.policy.errors import PolicyError

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_form_body_gets_a_verdict(body: str) -> None:
    assert malformed(body, "application/x-www-form-urlencoded") in (None,) or True
    result = malformed(body, "application/x-www-form-urlencoded")
    assert result is None or isinstance(result, str)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_payload_gets_a_verdict(data: object) -> None:
    for body, kind in ((urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded"),
                       (json.dumps(data), "application/json")):
        result = malformed(body, kind)
        assert result is None or isinstance(result, str)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(sorted(CLICKS)), JSON | st.text(max_size=60))
def test_any_button_value_decodes_or_is_refused_politely(action_id: str, value: object) -> None:
    raw = value if isinstance(value, str) else json.dumps(value)
    try:
        decode_click(None, {"action_id": action_id, "value": raw}, Origin("U1"))  # type: ignore[arg-type]
    except PolicyError as error:
        assert error.code == "payload_invalid"


def test_well_formed_requests_pass() -> None:
    click = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "open_file", "value": "x"}]}
    assert malformed(urlencode({"payload": json.dumps(click)}), "application/x-www-form-urlencoded") is None
    assert malformed(urlencode({"command": "/vpa", "user_id": "U1", "text": ""}), "application/x-www-form-urlencoded") is None
    assert malformed(json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}), "application/json") is None


def test_a_value_carries_keys_and_round_trips() -> None:
    value = payloads.FilePage("anna.m", 3)
    assert payloads.decode(payloads.FilePage, payloads.encode(value)) == value
    for bad in ('{"handle":"anna.m"}', '{"handle":"anna.m","page":"3"}', '{"handle":"a","page":1,"x":2}', "", "null"):
        try:
            payloads.decode(payloads.FilePage, bad)
        except PolicyError as error:
            assert error.code == "payload_invalid"
        else:
            raise AssertionError(f"{bad!r} decoded")


def test_the_check_reads_the_body_as_bolt_does() -> None:
    form = "application/x-www-form-urlencoded"
    click = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "open_file", "value": "x"}]}
    # Bolt acts on the last of two payload fields: that one is checked.
    assert malformed(urlencode([("payload", json.dumps(click)), ("payload", "{not json")]), form)
    assert malformed(urlencode([("payload", "{not json"), ("payload", json.dumps(click))]), form) is None
    # A command whose text says "payload" is still a command.
    assert malformed(urlencode({"command": "/vpa", "user_id": "U1", "text": "notiz a payload"}), form) is None
    # A JSON body sent as a form is not what Slack sends.
    assert malformed(json.dumps({"type": "event_callback", "event": {}}), form)
