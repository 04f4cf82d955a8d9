"""What the reliability scenarios send that no Slack client would: the hypothesis strategy of
signed but malformed requests (commands, payloads, button values, form submissions) with the
note that names a fuzzed request, the stop form with an impossible date, and the mention and
link texts of the injection scan.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bench.payloads import ADMIN, Req, click, command, interaction

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

MENTIONS = ["<!channel>", "<!here>", "<@U999>", "<https://x.example|klick>"]
EVIL = " ".join(MENTIONS)


def malformed_requests(url: str) -> SearchStrategy[Req]:
    """Signed requests that are wrong inside: ``url`` is the fake Slack's, for response_urls.
    Needs hypothesis (the test extra)."""
    from hypothesis import strategies as st

    actions = ["approval_approve", "approval_reject", "review_lift", "review_extend",
               "review_convert", "severe_confirm", "severe_decline", "file_page_next",
               "file_page_prev", "open_file", "stop_open", "cg_stop_set", "cg_stop_lift",
               "communicated", "consult_ask", "consult_answer", "outbox_retry"]
    callbacks = ["violation_modal", "note_modal", "assistant_modal", "stop_modal",
                 "lift_modal", "extend_modal", "reject_modal", "question_modal", "answer_modal"]
    words = st.sampled_from(["verstoss", "akte", "stop", "notiz", "zurueckziehen", "cg",
                             "verlaengern", "aufheben", "frage", "assistent", "neu", "schwer",
                             "voll", "kunden", "bench.0299", "31.04.2027", "14t", "2w",
                             "99999999999999999999999", "\x00", "deadline", "kontakt"])
    text = st.text(min_size=0, max_size=40)
    value = st.one_of(text, st.integers().map(str), st.just('"abc"'), st.just("x:y"),
                      st.just("{}"), st.just("bench.0299:zz"))
    return st.one_of(
        st.lists(st.one_of(words, text), max_size=8).map(
            lambda parts: command(" ".join(parts), url)),
        text.map(lambda t: Req(("payload=" + t).encode())),  # not JSON at all
        st.one_of(st.lists(st.integers()), st.integers(), st.text(), st.none()).map(
            lambda j: Req(f"payload={json.dumps(j)}".encode())),  # JSON, not an object
        st.tuples(st.sampled_from(actions), value).map(
            lambda av: click(av[0], av[1], url)),
        st.tuples(st.sampled_from(callbacks), st.dictionaries(
            st.sampled_from(["assistant", "kind", "until", "reason", "note", "source", "tag",
                             "handle", "name", "violation", "answer", "question"]),
            value, max_size=5), st.booleans(), st.booleans()).map(view_submission),
    )


def stop_form_with_impossible_date(handle: str) -> Req:
    """A stop_modal submission for ``handle`` whose until is 31.04.2027: refused in the ack."""
    values = {
        "assistant": {"v": {"type": "external_select", "selected_option": {"value": handle}}},
        "kind": {"v": {"type": "radio_buttons", "selected_option": {"value": "voll"}}},
        "reason": {"v": {"type": "radio_buttons", "selected_option": {"value": "newbie"}}},
        "until": {"v": {"type": "plain_text_input", "value": "31.04.2027"}},
    }
    return interaction({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": ADMIN},
                        "api_app_id": "A1", "trigger_id": "t-refused", "view": {
                            "id": "VREFUSED", "hash": "h", "type": "modal",
                            "callback_id": "stop_modal", "private_metadata": "",
                            "state": {"values": values}}})


def view_submission(args: tuple[str, dict[str, str], bool, bool]) -> Req:
    """A fuzzed form submission: (callback_id, field values, with a type?, with a state?)."""
    callback, values, with_type, with_state = args
    state = {block: {"value": {"type": "plain_text_input", "value": v}} for block, v in values.items()}
    view: dict[str, Any] = {"id": "VFUZZ", "callback_id": callback, "private_metadata": ""}
    if with_type:
        view["type"] = "modal"
    if with_state:
        view["state"] = {"values": state}
    return interaction({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": ADMIN},
                        "api_app_id": "A1", "trigger_id": "t", "view": view})


def kind_of(req: Req) -> str:
    """What a fuzzed request was, for the note: the command's verb, the payload's type/id."""
    from urllib.parse import parse_qs

    form = parse_qs(req.body.decode(errors="replace"))
    if "command" in form:
        return "/vpa " + (form.get("text", [""])[0].split() or ["(empty)"])[0]
    raw = form.get("payload", [""])[0]
    try:
        payload = json.loads(raw)
    except ValueError:
        return "payload not JSON"
    if not isinstance(payload, dict):
        return "payload not an object"
    if payload.get("type") == "block_actions":
        return "click " + str(payload["actions"][0].get("action_id"))
    return f"{payload.get('type')} {payload.get('view', {}).get('callback_id', '')}".strip()
