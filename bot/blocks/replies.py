"""What the admin sees after a command: ephemeral replies."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.common import context, escape, excerpt, fmt_date, header, message, section, who
from vpabot.bot.labels import source_label, step_label
from vpabot.bot.blocks.consultation import ask_button
from vpabot.bot.blocks.stops import stop_button
from vpabot.bot.mrkdwn import Mrkdwn
from vpabot.bot.i18n import Translator
from vpabot.bot.results.cases import LoggedViolation
from vpabot.policy.catalogue import Source, TagCatalogue
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import LadderStep


def error_text(t: Translator, error: PolicyError) -> str:
    params = {k: fmt_date(v, t.lang) if isinstance(v, date) else v for k, v in error.params.items()}
    if t.has(f"status.{params.get('status')}"):  # a raw code like "gekuendigt" reads "gekündigt"
        params["status"] = t(f"status.{params['status']}")
    return t(f"error.{error.code}", **params)


def build_error(t: Translator, error: PolicyError) -> dict[str, Any]:
    text = error_text(t, error)
    return message(text, [section(f":warning: {text}")])


def build_notice(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def build_help(t: Translator, tags: TagCatalogue) -> dict[str, Any]:
    tag_lines = ", ".join(
        f"`{tag.key}`" + (f" ({t('help.severe_mark')})" if tag.severe else "") for tag in tags.tags
    )
    sources = ", ".join(f"`{s.value}`" for s in Source)
    blocks = [
        header(t("help.title")),
        section(t("help.commands")),
        section(t("help.roster")),
        section(t("cg.help")),
        section(t("help.sources", sources=sources)),
        section(t("help.tags", tags=tag_lines)),
        context(t("help.footer")),
    ]
    return message(t("help.title"), blocks)


def build_violation_logged(t: Translator, logged: LoggedViolation) -> dict[str, Any]:
    decision = logged.decision
    title = step_label(t, decision.step, decision.severe)
    named = who(logged.name, logged.handle)
    blocks = [
        section(t("reply.violation.title", title=title, who=named)),
        section(
            t(
                "reply.violation.filed",
                tag=logged.tag.label,
                source=source_label(t, logged.source),
                note=excerpt(logged.note),
            )
        ),
    ]
    if decision.severe:
        blocks.append(section(t("reply.violation.next.severe", name=escape(logged.name))))
    else:
        next_key = f"reply.violation.next.{int(decision.step or 1)}"
        blocks.append(section(t(next_key, name=escape(logged.name))))
    if decision.step in (LadderStep.REMINDER, LadderStep.ERMAHNUNG) and not decision.severe:
        draft = t(
            f"assistant.draft.step{int(decision.step)}",
            name=logged.name.split()[0],
            tag=logged.tag.label,
        )
        blocks.append(section(t("reply.draft.title", name=escape(logged.name))))
        blocks.append(section("> " + escape(draft).replace("\n", "\n> ")))
        blocks.append(context(t("reply.draft.footer")))
    blocks.append(
        ActionsBlock(
            elements=[
                stop_button(t, handle=logged.handle, violation_id=logged.violation_id),
                ask_button(t, logged.handle),
            ]
        )
    )
    return message(Mrkdwn(f"{title}: {escape(logged.name)}"), blocks)


def build_note_added(t: Translator, handle: str, name: str) -> dict[str, Any]:
    return build_notice(t("reply.note.added", who=who(name, handle)))


def build_assistant_added(t: Translator, handle: str, name: str) -> dict[str, Any]:
    text = t("reply.assistant.added", who=who(name, handle), handle=handle)
    blocks = [
        section(text),
        context(t("reply.assistant.onboarding_stop")),
        ActionsBlock(elements=[stop_button(t, handle=handle, onboarding=True)]),
    ]
    return message(text, blocks)


def build_notice_modal(t: Translator, text: str) -> dict[str, Any]:
    """A form replaced by a message (``response_action: update``): for a submission the bot
    could not read, so Slack does not close it as if it had been saved."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": t("modal.notice_title")},
        "close": {"type": "plain_text", "text": t("modal.close")},
        "blocks": [section(text).to_dict()],
    }
