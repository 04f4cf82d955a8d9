"""Taking back a violation logged by mistake (wrong handle, wrong case).

It stays in the file as "zurückgezogen" with the reason, stops counting, and later open
cases move down the ladder, exactly as after a manager's rejection.
"""

from __future__ import annotations



from vpabot.bot.context import AppContext
from vpabot.bot.results.cases import Withdrawn
from vpabot.bot.results.notices import CaseWithdrawn
from vpabot.bot.services.approvals import follow_up_open_cases, restep_later_cases
from vpabot.bot.services.cases import case_of
from vpabot.bot.services.common import audited, require_assistant, snapshot
from vpabot.bot.services.notify import notify
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import ViolationState
from vpabot.policy.text import user_text
from vpabot.storage import repositories as repo
from vpabot.storage.models import Violation

WITHDRAWABLE = frozenset({ViolationState.RECORDED, ViolationState.AWAITING_APPROVAL})


def withdraw_violation(
    ctx: AppContext, *, actor: str, handle: str, number: int, reason: str
) -> Withdrawn:
    reason = user_text(reason)
    if not reason:
        raise PolicyError("withdraw_reason_missing")
    now = ctx.now()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        violation = repo.lock_row(session, Violation, number)
        if violation is None or violation.assistant_id != assistant.id:
            raise PolicyError("withdraw_unknown", number=number, handle=assistant.handle)
        if violation.state not in WITHDRAWABLE:
            # An approved or rejected case is the manager's decision: not undone by one click.
            raise PolicyError("withdraw_decided", number=number)
        was_pending = violation.state == ViolationState.AWAITING_APPROVAL
        before = snapshot(violation, "state", "decision_reason")
        violation.state, violation.decision_reason = ViolationState.WITHDRAWN, reason
        violation.decided_by, violation.decided_at, violation.approval_reminder_at = actor, now, None
        session.flush()
        audited(
            session, violation, "violation.withdrawn", actor=actor, at=now,
            before=before, after=snapshot(violation, "state", "decision_reason"),
        )
        if was_pending:
            notify(ctx, session, CaseWithdrawn(case_of(ctx, violation), by=actor))
        restep_later_cases(ctx, session, violation, actor=actor)
        follow_up_open_cases(ctx, session, assistant.id)
        return Withdrawn(violation.id, assistant.handle, assistant.name)

