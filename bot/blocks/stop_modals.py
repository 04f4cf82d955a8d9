"""Modals for VT-Stops: set (from /vpa stop or a button), lift and extend/convert a review."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)

from vpabot.bot.blocks.common import MAX_BUTTON, clip, context, escape, section
from vpabot.bot.blocks.consultation import ask_button
from vpabot.bot.blocks.modals import assistant_input, assistant_option, build_modal
from vpabot.bot.blocks.stops import kind_label, kind_meaning
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action, Block, Callback
from vpabot.policy.stops import CHOOSABLE_REASONS, StopKind, StopReason
from vpabot.policy.text import MAX_TEXT


def kind_options(t: Translator) -> list[Option]:
    return [
        Option(value=kind.value, label=kind_label(t, kind), description=clip(kind_meaning(t, kind), MAX_BUTTON))
        for kind in StopKind
    ]


def date_input(t: Translator, initial: date, label_key: str = "modal.until") -> InputBlock:
    return InputBlock(
        block_id=Block.UNTIL,
        label=t(label_key),
        element=DatePickerElement(action_id="value", initial_date=initial.isoformat()),
    )


def build_stop_modal(
    t: Translator,
    *,
    metadata: str,
    default_until: date,
    assistant: tuple[str, str] | None = None,
    kind: StopKind = StopKind.FULL,
    reason: StopReason | None = None,
    violation: tuple[int, str] | None = None,
) -> dict[str, Any]:
    reasons = {r: Option(value=r.value, text=t(f"stop.reason.{r.value}")) for r in CHOOSABLE_REASONS}
    options = kind_options(t)
    blocks: list[Any] = [
        assistant_input(t, assistant_option(*assistant) if assistant else None),
        InputBlock(
            block_id=Block.KIND,
            label=t("modal.kind"),
            element=RadioButtonsElement(
                action_id="value", options=options, initial_option=options[list(StopKind).index(kind)]
            ),
        ),
        date_input(t, default_until),
        InputBlock(
            block_id=Block.REASON,
            label=t("modal.reason"),
            element=StaticSelectElement(
                action_id="value",
                options=list(reasons.values()),
                initial_option=reasons[reason] if reason else None,
            ),
        ),
        InputBlock(
            block_id=Block.VIOLATION,
            label=t("modal.violation"),
            optional=True,
            hint=t("modal.violation_hint_stop"),
            element=ExternalDataSelectElement(
                action_id=Action.VIOLATION_SELECT,
                placeholder=t("modal.violation_placeholder"),
                min_query_length=0,
                initial_option=Option(value=str(violation[0]), text=clip(violation[1], MAX_BUTTON)) if violation else None,
            ),
        ),
        InputBlock(
            block_id=Block.NOTE,
            label=t("modal.stop_note"),
            optional=True,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_TEXT),
        ),
        context(t("modal.stop_hint")),
        ActionsBlock(elements=[ask_button(t, assistant[0] if assistant else "")]),
    ]
    return build_modal(t, Callback.STOP_MODAL, t("modal.stop_title"), blocks, metadata)


def build_lift_modal(t: Translator, *, metadata: str, name: str) -> dict[str, Any]:
    blocks = [
        section(t("modal.lift_intro", name=escape(name))),
        InputBlock(
            block_id=Block.NOTE,
            label=t("modal.lift_note"),
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_TEXT),
        ),
    ]
    return build_modal(t, Callback.LIFT_MODAL, t("modal.lift_title"), blocks, metadata)


def build_extend_modal(
    t: Translator, *, metadata: str, name: str, default_until: date, convert_to: StopKind | None = None
) -> dict[str, Any]:
    if convert_to is None:
        intro = t("modal.extend_intro", name=escape(name))
        title = t("modal.extend_title")
    else:
        intro = t("modal.convert_intro", name=escape(name), kind=kind_label(t, convert_to), meaning=kind_meaning(t, convert_to))
        title = t("modal.convert_title")
    blocks = [section(intro), date_input(t, default_until, "modal.new_until"), context(t("modal.stop_hint"))]
    return build_modal(t, Callback.EXTEND_MODAL, title, blocks, metadata)
