"""The words of every notice a use case sends (``results/notices.py``), per audience.

``render`` is what the composition root puts into ``AppContext.render``; ``services.notify``
calls it inside the use case's transaction and stores the result in the outbox. One small
function per notice type, each calling the ``build_*`` builder that also serves the tests.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, TypeVar

from vpabot.bot.blocks.admin import build_admin_outcome
from vpabot.bot.blocks.cg import build_cg_digest
from vpabot.bot.blocks.consultation import build_answer, build_question
from vpabot.bot.blocks.manager import (
    build_approval_outcome,
    build_approval_request,
    build_ermahnung_fyi,
    build_restep_notice,
    build_settled_notice,
    build_withdrawn_notice,
)
from vpabot.bot.blocks.report import month_name, render_report, report_filename
from vpabot.bot.blocks.reviews import build_review_reminder
from vpabot.bot.blocks.stops import build_announcement
from vpabot.bot.blocks.chart import violations_chart
from vpabot.bot.context import AppContext
from vpabot.bot.datefmt import fmt_instant
from vpabot.bot.results.notices import (
    ApprovalRequested,
    CaseDecided,
    CaseRestepped,
    CaseSettled,
    CaseWithdrawn,
    CgDigest,
    ErmahnungReported,
    MonthlyReportReady,
    Notice,
    QuestionAnswered,
    QuestionAsked,
    RequestRefreshed,
    ReviewDue,
    StopAnnounced,
    To,
)
from vpabot.bot.mrkdwn import mention
from vpabot.policy.stops import ReviewToken

Message = dict[str, Any]
N = TypeVar("N")
_RENDERERS: dict[type, Callable[[AppContext, Any, To], Message]] = {}


def render(ctx: AppContext, notice: Notice, to: To) -> Message:
    """The message ``notice`` shows the audience ``to``, in ``ctx``'s language."""
    try:
        renderer = _RENDERERS[type(notice)]
    except KeyError:
        raise TypeError(f"no renderer for {type(notice).__name__}") from None
    return renderer(ctx, notice, to)


def renders(kind: type[N]) -> Callable[[Callable[[AppContext, N, To], Message]], Any]:
    """Register the decorated function as the words of notices of type ``kind``."""

    def register(function: Callable[[AppContext, N, To], Message]) -> Any:
        _RENDERERS[kind] = function
        return function

    return register


def rendered_kinds() -> frozenset[type]:
    """Every notice type with a renderer (a test checks none is missing)."""
    return frozenset(_RENDERERS)


@renders(StopAnnounced)
def _stop(ctx: AppContext, n: StopAnnounced, to: To) -> Message:
    return build_announcement(
        ctx.t, action=n.action, name=n.name, handle=n.handle, kind=n.kind, until=n.until,
        by=n.by, tz=ctx.settings.tz,
    )  # fmt: skip


@renders(ErmahnungReported)
def _fyi(ctx: AppContext, n: ErmahnungReported, to: To) -> Message:
    return build_ermahnung_fyi(ctx.t, n.case)


@renders(ApprovalRequested)
def _request(ctx: AppContext, n: ApprovalRequested, to: To) -> Message:
    return build_approval_request(ctx.t, n.case, reminder=n.reminder, further=n.further)


@renders(RequestRefreshed)
def _refresh(ctx: AppContext, n: RequestRefreshed, to: To) -> Message:
    return build_approval_request(ctx.t, n.case, further=n.further)


@renders(CaseDecided)
def _decided(ctx: AppContext, n: CaseDecided, to: To) -> Message:
    if to is To.REQUESTS:
        at = fmt_instant(n.at, ctx.t.lang)
        return build_approval_outcome(
            ctx.t, n.case, approved=n.approved, by=n.by, at=at, reason=n.reason
        )
    return build_admin_outcome(ctx.t, n.case, approved=n.approved, by=n.by, reason=n.reason)


@renders(CaseRestepped)
def _restepped(ctx: AppContext, n: CaseRestepped, to: To) -> Message:
    if n.still_pending:  # the request names the lower step; the manager still decides
        return build_approval_request(ctx.t, n.case, further=n.further)
    return build_restep_notice(ctx.t, n.case, for_manager=to is To.REQUESTS)


@renders(CaseSettled)
def _settled(ctx: AppContext, n: CaseSettled, to: To) -> Message:
    return build_settled_notice(ctx.t, n.case)


@renders(CaseWithdrawn)
def _withdrawn(ctx: AppContext, n: CaseWithdrawn, to: To) -> Message:
    return build_withdrawn_notice(ctx.t, n.case, by=n.by)


@renders(QuestionAsked)
def _question(ctx: AppContext, n: QuestionAsked, to: To) -> Message:
    return build_question(
        ctx.t, question_id=n.question_id, handle=n.handle, name=n.name, by=n.by,
        question=n.question, history=n.history,
    )  # fmt: skip


@renders(QuestionAnswered)
def _answer(ctx: AppContext, n: QuestionAnswered, to: To) -> Message:
    return build_answer(
        ctx.t, handle=n.handle, name=n.name, by=n.by, question=n.question, answer=n.answer
    )


@renders(CgDigest)
def _digest(ctx: AppContext, n: CgDigest, to: To) -> Message:
    return build_cg_digest(ctx.t, overdue=n.overdue, due_soon=n.due_soon, today=n.today)


@renders(ReviewDue)
def _review(ctx: AppContext, n: ReviewDue, to: To) -> Message:
    payload = build_review_reminder(
        ctx.t, name=n.name, handle=n.handle, kind=n.kind, starts_on=n.starts_on, until=n.until,
        overdue=n.overdue, today=n.today, violations=n.violations, notes=n.notes,
        tags=ctx.tags, tz=ctx.settings.tz, token=ReviewToken(n.stop_id, n.until), reason=n.reason, note=n.note,
    )  # fmt: skip
    if n.thread is not None and ctx.settings.is_admin(n.admin):
        # A reply in a thread notifies only who follows it, and the bot started this one:
        # naming the admin makes Slack notify them of the re-reminder in their DM.
        named = mention(n.admin)
        payload["text"] = f"{payload['text']} · {named}"
        first = payload["blocks"][0]["text"]
        first["text"] = f"{first['text']} · {named}"
    return payload


@renders(MonthlyReportReady)
def _report(ctx: AppContext, n: MonthlyReportReady, to: To) -> Message:
    """A file upload: the chart as the file, the report as its comment."""
    return {
        "filename": report_filename(n.month),
        "title": ctx.t("report.upload.title", month=month_name(n.month, ctx.t.lang)),
        "initial_comment": render_report(ctx.t, n.report, tags=ctx.tags),
        "content_b64": base64.b64encode(violations_chart(ctx.t, n.report)).decode("ascii"),
    }
