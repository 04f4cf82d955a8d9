"""What the admin who logged a case hears once the VPA manager decided."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from vpabot.bot.blocks.common import button, context, escape, excerpt, message, section, user, who
from vpabot.bot.labels import step_label
from vpabot.bot.i18n import Translator
from vpabot.bot.ids import Action
from vpabot.bot.payloads import CaseRef
from vpabot.bot.results.cases import Case


def draft_key(case: Case) -> str:
    """Which assistant-facing draft fits an approved case (never says 'Abmahnung')."""
    if case.severe:
        return "assistant.draft.termination"
    if case.step == 4:
        return "assistant.draft.exclusion"
    return "assistant.draft.step3"


def quote(text: str) -> str:
    return "> " + escape(text).replace("\n", "\n> ")


def build_admin_outcome(
    t: Translator, case: Case, *, approved: bool, by: str, reason: str | None, communicated: str | None = None
) -> dict[str, Any]:
    named = who(case.name, case.handle)
    step = step_label(t, case.step, case.severe)
    if not approved:
        text = t(
            "admin.rejected", step=step, who=named, by=user(by), reason=excerpt(reason or ""), name=escape(case.name)
        )
        return message(text, [section(text)])
    # Only step 3 is an Abmahnung: saying its draft avoids the word is noise for the others.
    approved_key = "admin.approved.final" if case.severe or case.step == 4 else "admin.approved"
    text = t(approved_key, step=step, who=named, by=user(by), name=escape(case.name))
    blocks: list[Any] = [section(text)]
    if case.severe or case.step == 4:
        blocks.append(context(t("admin.collaboration_ended")))
    blocks += [
        section(t("reply.draft.title", name=escape(case.name))),
        section(quote(t(draft_key(case), name=case.name.split()[0], tag=case.tag))),
        # Ending a collaboration is no "help to improve": that footer would ring false.
        context(t("admin.draft_footer_final" if case.severe or case.step == 4 else "reply.draft.footer")),
    ]
    if communicated:
        blocks.append(section(t("admin.communicated", at=communicated)))
    else:
        blocks.append(
            ActionsBlock(elements=[button(t("admin.mark_communicated"), Action.COMMUNICATED, CaseRef(case.violation_id), style="primary")])
        )
    return message(text, blocks)
