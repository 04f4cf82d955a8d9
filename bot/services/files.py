"""Reading an assistant's file (VPA Akte). Opening it is itself recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.datefmt import fmt_date
from vpabot.bot.labels import step_label
from vpabot.bot.context import AppContext
from vpabot.bot.results.files import AssistantFile, AuditEntry, NoteEntry, StopEntry, ViolationEntry
from vpabot.bot.services.common import audited, require_assistant
from vpabot.policy.cg import cg_status
from vpabot.policy.ladder import AssistantStatus, counting_since
from vpabot.policy.stops import StopReason
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant, AuditEvent, Note, Violation


ENTRIES_PER_PAGE = 20


def violation_label(ctx: AppContext, v: Violation) -> str:
    """One line naming a violation, for pick lists (date, step, tag)."""
    day = fmt_date(ctx.local(v.logged_at).date(), ctx.t.lang)
    return f"{day} · {step_label(ctx.t, v.step, v.severe)} · {ctx.tags.get(v.tag).label}"


def _page_slices(totals: list[int], page: int, per_page: int) -> list[tuple[int, int]]:
    """(offset, limit) per part for one page of the parts read one after another."""
    start, left = page * per_page, per_page
    slices = []
    for total in totals:
        offset = min(start, total)
        take = min(total - offset, left)
        slices.append((offset, take))
        start, left = max(start - total, 0), left - take
    return slices


def open_file(ctx: AppContext, *, actor: str, handle: str, page: int = 0) -> AssistantFile:
    """Read one page of the file. Only that page is loaded, however long the file is."""
    with ctx.unit_of_work() as session:  # short: the opening is audited first
        assistant = require_assistant(session, handle)
        audited(session, assistant, "file.opened", actor=actor, at=ctx.now())
        assistant_id = assistant.id
    with ctx.read() as session:
        assistant = session.get_one(Assistant, assistant_id)
        totals = [
            repo.count_rows(session, Violation, assistant_id),
            repo.count_rows(session, Note, assistant_id),
            repo.count_rows(session, AuditEvent, assistant_id),
        ]
        pages = max(1, -(-sum(totals) // ENTRIES_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        (v_off, v_n), (n_off, n_n), (a_off, a_n) = _page_slices(totals, page, ENTRIES_PER_PAGE)
        violations = repo.latest_violations(session, assistant_id, limit=v_n, offset=v_off) if v_n else []
        notes = _newest(session, Note, assistant_id, n_off, n_n)
        events = _newest(session, AuditEvent, assistant_id, a_off, a_n)
        stop = repo.active_stop(session, assistant_id)
        since = counting_since(today=ctx.today(), expiry_months=ctx.settings.strike_expiry_months)
        return AssistantFile(
            handle=assistant.handle,
            name=assistant.name,
            status=assistant.status,
            joined_on=assistant.joined_on,
            counting=min(repo.count_counting_violations(session, assistant_id, since=since), 4),
            violations=[
                ViolationEntry(
                    id=v.id,
                    logged_at=v.logged_at,
                    source=v.source,
                    tag=v.tag,
                    severe=v.severe,
                    step=v.step,
                    state=v.state,
                    note=v.note,
                    logged_by=v.logged_by,
                    decision_reason=v.decision_reason,
                    decided_by=v.decided_by,
                    communicated_at=v.communicated_at,
                )
                for v in violations
            ],
            notes=[NoteEntry(n.created_at, n.text, n.author, n.kind) for n in notes],
            audit=[AuditEntry(e.at, e.actor, e.action, e.after) for e in events],
            stop=StopEntry(stop.kind, stop.starts_on, stop.until) if stop else None,
            total_violations=totals[0],
            total_notes=totals[1],
            page=page,
            pages=pages,
            cg=(
                cg_status(assistant.cg_accepted_on, today=ctx.today())
                if assistant.status in (AssistantStatus.NEW, AssistantStatus.ACTIVE)
                else None
            ),
            cg_accepted_on=assistant.cg_accepted_on,
            cg_stop=stop is not None and stop.reason == StopReason.CG_NOT_ACCEPTED,
        )


def _newest(session: Session, model: Any, assistant_id: int, offset: int, limit: int) -> list[Any]:
    if not limit:
        return []
    query = (
        select(model)
        .where(model.assistant_id == assistant_id)
        .order_by(model.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))
