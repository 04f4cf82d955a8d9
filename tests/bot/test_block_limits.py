"""No user text pushes a rendered Slack payload past a Slack limit (issue 10, item 2).

Every Block Kit builder in ``bot/blocks`` is rendered with maximum-length inputs (name 100,
handle 64, free texts 3,000 characters, made of ``&<>`` so that escaping grows them) and long
lists. slack_sdk's model classes validate many limits while building; :func:`violations`
checks the rest on the JSON (section 3,000, header 150, button/option 75, title 24, 50 blocks
per message, 100 per view). A new builder that is not rendered here fails the last test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import vpabot.bot.blocks as blocks_package
from vpabot.bot.blocks import admin, cg, consultation, file, home, manager, modals, replies, reviews
from vpabot.bot.blocks import paging, roster, severe, stop_modals, stops
from vpabot.bot.payloads import HomePages
from vpabot.bot.commands.grammar import LogViolation
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Callback
from vpabot.bot.results.roster import StatusChange
from vpabot.bot.results.cases import Case, Further
from vpabot.bot.results.cg import AcceptanceOutcome, CgEntry
from vpabot.bot.results.files import AssistantFile, AuditEntry, NoteEntry, StopEntry, ViolationEntry
from vpabot.bot.results.home import DeadMessage, Home, Overview, RecentViolation
from vpabot.bot.results.listing import Listing
from vpabot.bot.results.stops import ActiveStop, StopList
from vpabot.bot.services.stops import ReviewToken
from vpabot.bot.results.cases import LoggedViolation
from vpabot.policy.catalogue import DEFAULT_TAGS, Source
from vpabot.policy.cg import CgState, CgStatus
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus, LadderStep, ViolationDecision
from vpabot.policy.notes import NoteKind
from vpabot.policy.stops import StopKind, StopReason
from vpabot.policy.text import MAX_HANDLE, MAX_NAME, MAX_TEXT
from vpabot.storage.models import Note, Violation

T = Translator("de")
TZ = ZoneInfo("Europe/Berlin")
AT = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
DAY = date(2026, 11, 26)
NAME = ("Ä&<>" * MAX_NAME)[:MAX_NAME]
HANDLE = ("h." * MAX_HANDLE)[:MAX_HANDLE]
TEXT = ("Wort &<> lang " * MAX_TEXT)[:MAX_TEXT]
WORD = "&" * MAX_TEXT  # no space to cut at: escaping makes it 15,000 characters
MAX_ID = 2_147_483_647
USER = "U" + "X" * 10
MANY = 60
TAG = DEFAULT_TAGS.parse("kommunikation")

LIMITS = {"section": 3000, "header": 150, "button": 75, "option": 75, "title": 24, "context": 3000}


def case(note: str = TEXT, **changes: Any) -> Case:
    values = dict(
        violation_id=2_147_483_647, handle=HANDLE, name=NAME, step=4, severe=False, tag=TAG.label,
        source="kontakt", note=note, logged_by=USER, history=TEXT,
    )  # fmt: skip
    values.update(changes)
    return Case(**values)


def further() -> list[Further]:
    return [Further(i, DAY, 4, i % 2 == 0, TAG.label, WORD) for i in range(MANY)]


def active(n: int = MANY) -> list[ActiveStop]:
    return [
        ActiveStop(HANDLE, NAME, StopKind.FULL, DAY, DAY, USER, i % 2 == 0, stop_id=MAX_ID, due=i % 2 == 0)
        for i in range(n)
    ]


def cg_entries() -> list[CgEntry]:
    return [
        CgEntry(HANDLE, NAME, None, CgStatus(CgState.NEVER, None), False, False)
        for _ in range(MANY)
    ]


def violation_rows() -> list[Violation]:
    return [
        Violation(id=i, source="kontakt", tag=TAG.key, severe=False, step=4, state="recorded",
                  note=WORD if i % 2 else TEXT, logged_by=USER, logged_at=AT, logged_on=DAY)
        for i in range(20)
    ]  # fmt: skip


def note_rows() -> list[Note]:
    return [Note(text=WORD, author=USER, created_at=AT, kind=NoteKind.NOTE) for _ in range(20)]


def assistant_file(page: int = 0) -> AssistantFile:
    entry = ViolationEntry(
        1, AT, "kontakt", TAG.key, False, 4, "rejected", WORD, USER, TEXT, USER, AT
    )
    return AssistantFile(
        handle=HANDLE, name=NAME, status="aktiv", joined_on=DAY, counting=4,
        violations=[entry] * 10, notes=[NoteEntry(AT, TEXT, USER, NoteKind.QUESTION)] * 5,
        audit=[AuditEntry(AT, USER, "violation.logged", {"note": TEXT})] * 5,
        stop=StopEntry("voll", DAY, None), total_violations=10, total_notes=5, page=page, pages=3,
        cg=CgStatus(CgState.OVERDUE, DAY), cg_accepted_on=DAY, cg_stop=True,
    )  # fmt: skip


def overview() -> Overview:
    recent = [RecentViolation(HANDLE, NAME, 4, False, TAG.label, "recorded", USER, DAY)] * MANY
    dead = [DeadMessage(i, "approval_update", "D" + USER, TEXT, AT, 9) for i in range(MANY)]
    return Overview(
        overdue_reviews=Listing(active(), MANY),
        upcoming_reviews=Listing(active(), MANY),
        active_stops=StopList(active(), MANY, overdue=MANY // 2),
        cg_due=Listing(cg_entries(), MANY * 2),
        cg_overdue=MANY,
        violations_this_week=Listing(recent, MANY),
        dead=Listing(dead, MANY),
    )


def logged() -> LoggedViolation:
    decision = ViolationDecision(
        step=LadderStep.ERMAHNUNG, severe=False, needs_approval=False, informs_manager=True
    )
    return LoggedViolation(1, HANDLE, NAME, Source.CONTACT, TAG, TEXT, decision)


BUILDERS: dict[str, Callable[[], Any]] = {
    "admin.build_admin_outcome": lambda: admin.build_admin_outcome(
        T, case(), approved=False, by=USER, reason=WORD
    ),
    "cg.build_acceptance_reply": lambda: cg.build_acceptance_reply(
        T,
        AcceptanceOutcome(
            HANDLE, NAME, DAY, True, CgStatus(CgState.OVERDUE, DAY), ReviewToken(1, DAY)
        ),
    ),
    "cg.build_cg_digest": lambda: cg.build_cg_digest(
        T, overdue=Listing(cg_entries(), MANY), due_soon=Listing(cg_entries(), MANY), today=DAY
    ),
    "cg.cg_file_blocks": lambda: cg.cg_file_blocks(
        T, handle=HANDLE, accepted_on=None, status=CgStatus(CgState.NEVER, None), cg_stop=False
    ),
    "cg.cg_overdue_blocks": lambda: cg.cg_overdue_blocks(
        T, Listing(cg_entries(), MANY), max_blocks=50, with_buttons=True
    ),
    "consultation.build_question": lambda: consultation.build_question(
        T, question_id=1, handle=HANDLE, name=NAME, by=USER, question=WORD, history=TEXT
    ),
    "consultation.build_answer": lambda: consultation.build_answer(
        T, handle=HANDLE, name=NAME, by=USER, question=WORD, answer=WORD
    ),
    "consultation.build_question_modal": lambda: consultation.build_question_modal(
        T, metadata="{}", assistant=(HANDLE, NAME)
    ),
    "consultation.build_answer_modal": lambda: consultation.build_answer_modal(
        T, metadata="{}", question=WORD
    ),
    "consultation.build_reject_modal": lambda: consultation.build_reject_modal(
        T, metadata="{}", step="x", name=NAME
    ),
    "file.build_file": lambda: file.build_file(T, assistant_file(), tags=DEFAULT_TAGS, tz=TZ),
    "file.build_file_modal": lambda: file.build_file_modal(T, assistant_file(), tags=DEFAULT_TAGS, tz=TZ),
    "home.build_home": lambda: home.build_home(
        T, Home(USER, True, Listing([case()] * MANY, MANY), overview()), tz=TZ, now=AT,
        admin_channel="C1",
    ),
    "home.build_outsider": lambda: home.build_outsider(T, admin_channel="C1"),
    "home.build_overview": lambda: home.build_overview(T, overview(), tz=TZ, is_admin=True),
    "home.build_pending_approvals": lambda: home.build_pending_approvals(
        T, Listing([case(WORD)] * MANY, MANY)
    ),
    "home.build_overdue_reviews": lambda: home.build_overdue_reviews(T, Listing(active(), MANY)),
    "home.build_upcoming_reviews": lambda: home.build_upcoming_reviews(T, Listing(active(), MANY)),
    "home.build_active_stops": lambda: home.build_active_stops(T, StopList(active(), MANY, 30)),
    "home.build_cg_due": lambda: home.build_cg_due(T, Listing(cg_entries(), MANY * 2, MANY), MANY, can_stop=True),
    "paging.page_blocks": lambda: {"blocks": [b.to_dict() for b in paging.page_blocks(
        T, offset=MAX_ID - 10, shown=5, total=MAX_ID, page_size=5, action="a", value=lambda at: HomePages(cg=at),
    )]},
    "home.build_violations_this_week": lambda: home.build_violations_this_week(
        T, overview().violations_this_week
    ),
    "home.build_dead_messages": lambda: home.build_dead_messages(
        T, overview().dead, tz=TZ, can_retry=True
    ),
    "manager.build_ermahnung_fyi": lambda: manager.build_ermahnung_fyi(T, case(WORD)),
    "manager.build_approval_request": lambda: manager.build_approval_request(
        T, case(WORD), reminder=True, further=further()
    ),
    "manager.build_approval_outcome": lambda: manager.build_approval_outcome(
        T, case(WORD), approved=False, by=USER, at="26.11.2026 10:00", reason=WORD
    ),
    "manager.build_pending_list": lambda: manager.build_pending_list(
        T, Listing([case(WORD)] * MANY, MANY), with_buttons=True
    ),
    "manager.build_restep_notice": lambda: manager.build_restep_notice(
        T, case(WORD, step=2), for_manager=False
    ),
    "manager.build_settled_notice": lambda: manager.build_settled_notice(T, case(WORD)),
    "manager.build_withdrawn_notice": lambda: manager.build_withdrawn_notice(
        T, case(WORD), by=USER
    ),
    "modals.build_modal": lambda: modals.build_modal(
        T,
        Callback.NOTE_MODAL,
        NAME,
        [modals.assistant_input(T, modals.assistant_option(HANDLE, NAME))],
        "{}",
    ),
    "modals.build_violation_modal": lambda: modals.build_violation_modal(
        T, DEFAULT_TAGS, metadata="{}"
    ),
    "modals.build_note_modal": lambda: modals.build_note_modal(T, metadata="{}"),
    "modals.build_assistant_modal": lambda: modals.build_assistant_modal(T, metadata="{}"),
    "modals.build_assistant_options": lambda: {
        "options": modals.build_assistant_options([(HANDLE, NAME)] * 200)
    },
    "modals.build_assistant_choices": lambda: modals.build_assistant_choices(
        T, [(HANDLE, NAME)] * 200, more=True
    ),
    "replies.build_error": lambda: replies.build_error(
        T, PolicyError("unknown_command", word=WORD)
    ),
    "replies.build_notice": lambda: replies.build_notice(WORD),
    "replies.build_notice_modal": lambda: replies.build_notice_modal(T, WORD),
    "replies.build_help": lambda: replies.build_help(T, DEFAULT_TAGS),
    "replies.build_violation_logged": lambda: replies.build_violation_logged(T, logged()),
    "replies.build_note_added": lambda: replies.build_note_added(T, HANDLE, NAME),
    "replies.build_assistant_added": lambda: replies.build_assistant_added(T, HANDLE, NAME),
    "reviews.build_review_reminder": lambda: reviews.build_review_reminder(
        T,
        name=NAME,
        handle=HANDLE,
        kind=StopKind.FULL,
        starts_on=DAY,
        until=DAY,
        overdue=True,
        today=DAY,
        violations=violation_rows(),
        notes=note_rows(),
        tags=DEFAULT_TAGS,
        tz=TZ,
        token="1:2026-11-26",
    ),  # fmt: skip
    "reviews.build_stops_list": lambda: reviews.build_stops_list(
        T, StopList(active(200), 200, overdue=100), cg_overdue=Listing(cg_entries(), MANY),
        with_buttons=True,
    ),
    "roster.build_status_changed": lambda: roster.build_status_changed(
        T, StatusChange(HANDLE, NAME, AssistantStatus.NEW, AssistantStatus.ACTIVE)
    ),
    "severe.build_severe_question": lambda: severe.build_severe_question(
        T,
        LogViolation(HANDLE, Source.CONTACT, TAG, True, TEXT, severe_word="schwer"),
        question_id=MAX_ID,
    ),
    "stop_modals.build_stop_modal": lambda: stop_modals.build_stop_modal(
        T,
        metadata="{}",
        default_until=DAY,
        assistant=(HANDLE, NAME),
        reason=StopReason.VIOLATION,
        violation=(1, TEXT),
    ),  # fmt: skip
    "stop_modals.build_lift_modal": lambda: stop_modals.build_lift_modal(
        T, metadata="{}", name=NAME
    ),
    "stop_modals.build_extend_modal": lambda: stop_modals.build_extend_modal(
        T, metadata="{}", name=NAME, default_until=DAY, convert_to=StopKind.CUSTOMERS
    ),
    "stops.build_announcement": lambda: stops.build_announcement(
        T, action="set", name=NAME, handle=HANDLE, kind=StopKind.FULL, until=DAY, by=USER
    ),
    "stops.build_stop_reply": lambda: stops.build_stop_reply(
        T, action="set", name=NAME, handle=HANDLE, kind=StopKind.FULL, until=None
    ),
    "stops.build_resign_question": lambda: stops.build_resign_question(T, handle=HANDLE, name=NAME),
}


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj or "")


def violations(payload: Any, *, path: str = "") -> list[str]:
    """Every Slack limit the JSON payload passes, as readable strings."""
    found: list[str] = []

    def over(what: str, value: str, limit: int) -> None:
        if len(value) > limit:
            found.append(f"{path}{what}: {len(value)} > {limit}")

    if isinstance(payload, list):  # App Home parts are lists of blocks: a view holds 100
        if payload and all(isinstance(b, dict) and "type" in b for b in payload):
            over("list of blocks", "x" * len(payload), 100)
        for i, item in enumerate(payload):
            found += violations(item, path=f"{path}[{i}]")
        return found
    if not isinstance(payload, dict):
        return found
    kind = payload.get("type")
    if kind in ("modal", "home"):
        over("view blocks", "x" * len(payload.get("blocks", [])), 100)
        for key in ("title", "submit", "close"):
            if key in payload:
                over(f"view {key}", _text(payload[key]), LIMITS["title"])
        over("private_metadata", payload.get("private_metadata", ""), 3000)
    elif "blocks" in payload and "text" in payload:  # a message
        over("message blocks", "x" * len(payload["blocks"]), 50)
        over("message text", payload["text"], 40_000)
    if kind == "section":
        over("section text", _text(payload.get("text")), LIMITS["section"])
    if kind == "header":
        over("header text", _text(payload.get("text")), LIMITS["header"])
    if kind == "context":
        for element in payload.get("elements", []):
            over("context text", _text(element), LIMITS["context"])
    if kind == "button":
        over("button text", _text(payload.get("text")), LIMITS["button"])
        over("button value", payload.get("value", ""), 2000)
    if "value" in payload and "text" in payload and kind is None:  # an option
        over("option text", _text(payload["text"]), LIMITS["option"])
        over("option value", payload["value"], 150)
        over("option description", _text(payload.get("description")), LIMITS["option"])
    for key, value in payload.items():
        if isinstance(value, dict | list) and key not in ("text",):
            found += violations(value, path=f"{path}.{key}")
    return found


def _rendered(built: Any) -> Any:
    if isinstance(built, list) and built and hasattr(built[0], "to_dict"):
        return [b.to_dict() for b in built]
    return built


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_maximum_inputs_stay_within_every_slack_limit(name: str) -> None:
    payload = _rendered(BUILDERS[name]())  # slack_sdk validates its models while building
    assert violations(payload) == []


def test_long_texts_are_shortened_with_an_ellipsis_and_the_file_shows_them_whole() -> None:
    request = manager.build_approval_request(T, case(TEXT))
    body = request["blocks"][0]["text"]["text"]
    assert body.endswith("…") or "…" in body
    page = file.build_file(T, assistant_file(), tags=DEFAULT_TAGS, tz=TZ)
    shown = "".join(b["text"]["text"] for b in page["blocks"] if b["type"] == "section")
    assert "Wort &amp;&lt;&gt; lang" in shown and len(page["blocks"]) <= 50


def test_a_file_page_with_one_long_entry_shows_it_whole_over_several_sections() -> None:
    entry = ViolationEntry(
        1, AT, "kontakt", TAG.key, False, 1, "recorded", WORD, USER, None, None, None
    )
    one = AssistantFile(
        handle=HANDLE, name=NAME, status="aktiv", joined_on=DAY, counting=1, violations=[entry],
        notes=[], audit=[], stop=None, total_violations=1, total_notes=0,
    )  # fmt: skip
    page = file.build_file(T, one, tags=DEFAULT_TAGS, tz=TZ)
    shown = "".join(b["text"]["text"] for b in page["blocks"] if b["type"] == "section")
    assert shown.count("&amp;") == MAX_TEXT and "…" not in shown


def test_the_checker_sees_what_slack_would_refuse() -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    button = {"type": "button", "text": {"type": "plain_text", "text": "x" * 76}, "value": "v"}
    message = {"text": "t", "blocks": [too_long, {"type": "actions", "elements": [button]}] * 26}
    found = violations(message)
    assert len(found) == 1 + 26 + 26  # 52 blocks; 26 sections; 26 buttons
    assert "message blocks: 52 > 50" in found


def test_every_builder_is_rendered_here() -> None:
    public = set()
    for module in pkgutil.iter_modules(blocks_package.__path__):
        mod = importlib.import_module(f"vpabot.bot.blocks.{module.name}")
        for fname, function in inspect.getmembers(mod, inspect.isfunction):
            if function.__module__ == mod.__name__ and (
                fname.startswith("build_") or fname.endswith("_blocks")
            ):
                if not fname.startswith("_"):
                    public.add(f"{module.name}.{fname}")
    assert public - set(BUILDERS) == set()
