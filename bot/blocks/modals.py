"""Modals opened when a command is typed without arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from vpabot.bot.blocks.common import MAX_BUTTON, MAX_TITLE, clip, context, escape
from vpabot.bot.labels import source_label
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action, Block, Callback
from vpabot.policy.catalogue import Source, TagCatalogue
from vpabot.policy.text import MAX_HANDLE, MAX_NAME, MAX_TEXT


NOTE_FIELD_MAX = MAX_TEXT  # the note limit (policy/text.py); Slack enforces it in the form


def build_modal(
    t: Translator, callback: Callback, title: str, blocks: list[Any], metadata: str
) -> dict[str, Any]:
    """Every form: Slack caps titles at 24 characters; ``metadata`` rides along to the submit."""
    return View(
        type="modal",
        callback_id=callback.value,
        title=clip(title, MAX_TITLE),
        submit=t("modal.submit"),
        close=t("modal.cancel"),
        blocks=blocks,
        private_metadata=metadata,
    ).to_dict()


def assistant_input(t: Translator, initial: Option | None = None) -> InputBlock:
    return InputBlock(
        block_id=Block.ASSISTANT,
        label=t("modal.assistant"),
        element=ExternalDataSelectElement(
            action_id=Action.ASSISTANT_SELECT,
            placeholder=t("modal.assistant_placeholder"),
            min_query_length=1,
            initial_option=initial,
        ),
    )


def assistant_option(handle: str, name: str) -> Option:
    # plain_text, but Slack still decodes entities: escaped like every user text
    return Option(value=handle, text=clip(escape(f"{name} ({handle})"), MAX_BUTTON))


@dataclass(frozen=True)
class Prefill:
    """What a form opens with: the assistant typed after the command, or the message a
    shortcut was used on (its text and permalink as the note, a likely source)."""

    assistant: tuple[str, str] | None = None  # (handle, name)
    note: str = ""
    source: Source | None = None


def build_violation_modal(
    t: Translator, tags: TagCatalogue, *, metadata: str, prefill: Prefill = Prefill()
) -> dict[str, Any]:
    sources = [Option(value=s.value, text=source_label(t, s.value)) for s in Source]
    chosen = next((o for o in sources if prefill.source and o.value == prefill.source.value), None)
    tag_options = [
        Option(value=tag.key, text=clip(tag.label + (f" ({t('help.severe_mark')})" if tag.severe else ""), MAX_BUTTON))
        for tag in tags.tags
    ]
    blocks = [
        assistant_input(t, _chosen(prefill)),
        InputBlock(
            block_id=Block.SOURCE,
            label=t("modal.source"),
            element=StaticSelectElement(action_id="value", options=sources, initial_option=chosen),
        ),
        InputBlock(
            block_id=Block.TAG,
            label=t("modal.tag"),
            element=StaticSelectElement(action_id="value", options=tag_options),
        ),
        InputBlock(
            block_id=Block.SEVERE,
            label=t("modal.severe"),
            optional=True,
            element=CheckboxesElement(
                action_id="value", options=[Option(value="severe", text=t("modal.severe_option"))]
            ),
        ),
        InputBlock(
            block_id=Block.NOTE,
            label=t("modal.note"),
            element=_note_input(prefill),
        ),
        context(t("modal.violation_hint")),
    ]
    return build_modal(t, Callback.VIOLATION_MODAL, t("modal.violation_title"), blocks, metadata)


def _chosen(prefill: Prefill) -> Option | None:
    return assistant_option(*prefill.assistant) if prefill.assistant else None


def _note_input(prefill: Prefill) -> PlainTextInputElement:
    # Slack refuses an initial value longer than the field's own limit: clip, never fail.
    initial = prefill.note[:NOTE_FIELD_MAX] or None
    return PlainTextInputElement(action_id="value", multiline=True, max_length=NOTE_FIELD_MAX, initial_value=initial)


def build_note_modal(t: Translator, *, metadata: str, prefill: Prefill = Prefill()) -> dict[str, Any]:
    blocks = [
        assistant_input(t, _chosen(prefill)),
        InputBlock(
            block_id=Block.NOTE,
            label=t("modal.note_text"),
            element=_note_input(prefill),
        ),
        context(t("modal.note_hint")),
    ]
    return build_modal(t, Callback.NOTE_MODAL, t("modal.note_title"), blocks, metadata)


def build_assistant_modal(t: Translator, *, metadata: str) -> dict[str, Any]:
    blocks = [
        InputBlock(
            block_id=Block.HANDLE,
            label=t("modal.handle"),
            hint=t("modal.handle_hint"),
            element=PlainTextInputElement(action_id="value", max_length=MAX_HANDLE),
        ),
        InputBlock(
            block_id=Block.NAME,
            label=t("modal.name"),
            element=PlainTextInputElement(action_id="value", max_length=MAX_NAME),
        ),
    ]
    return build_modal(t, Callback.ASSISTANT_MODAL, t("modal.assistant_title"), blocks, metadata)


def build_assistant_options(assistants: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [_option_dict(handle, name) for handle, name in assistants[:100]]


def _option_dict(handle: str, name: str) -> dict[str, Any]:
    # What ``assistant_option(...).to_dict()`` gives, without building and validating a
    # model object per option inside the ack.
    text = clip(escape(f"{name} ({handle})"), MAX_BUTTON)
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": handle}


def build_assistant_choices(t: Translator, assistants: list[tuple[str, str]], *, more: bool) -> dict[str, Any]:
    """The picker's answer (``ack(**...)``): the options, and when more matched than are
    shown, one group whose label says so, since Slack shows a group label above the options."""
    options = build_assistant_options(assistants)
    if not more:
        return {"options": options}
    label = clip(str(t.plural("search.more", len(options))), MAX_OPTION_GROUP_LABEL)
    return {"option_groups": [{"label": {"type": "plain_text", "text": label}, "options": options}]}


MAX_OPTION_GROUP_LABEL = 75  # Slack's limit for an option group's label
