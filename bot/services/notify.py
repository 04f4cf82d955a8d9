"""The one way a use case tells people: ``notify(ctx, session, notice)``.

For each route of a notice (``results/notices.py``) the context's renderer, wired by the
composition root (``AppContext.render``, set to ``blocks.notices.render``), writes the message;
this module decides who gets it and queues one outbox row per channel, in the caller's
transaction. So a use case never imports Block Kit, and who is entitled to read what (the
admin who left the team, the managers' requests) is decided here, not in the presentation.

The rows store the rendered message, not the notice: the outbox row is exactly what Slack
gets, the dispatcher stays a dumb sender, and a retry after a crash sends the same bytes,
whatever the code or the catalogues say by then.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.results.notices import Notice, Purpose, Route, Thread, To
from vpabot.storage import repositories as repo
from vpabot.storage.models import OutboxMessage, OutboxStatus
from vpabot.storage.outbox import FILE_UPLOAD, POST, lane_for


def notify(ctx: AppContext, session: Session, *notices: Notice) -> int:
    """Queue what ``notices`` tell their audiences; returns how many rows were queued.

    Posts go in with one INSERT however many notices a sweep brings; updates of the managers'
    requests (``To.REQUESTS``) are queued per request message.
    """
    posts: list[dict[str, Any]] = []
    queued = 0
    for notice in notices:
        for route in notice.routes:
            payload = ctx.render(ctx, notice, route.to)
            if route.to is To.REQUESTS:
                queued += _update_requests(ctx, session, notice.violation_id, route, payload)
                continue
            method = FILE_UPLOAD if route.upload else POST
            thread: Thread | None = getattr(notice, "thread", None)
            for channel in recipients(ctx, route.to, admin=getattr(notice, "admin", "")):
                body = {"channel": channel, **payload}
                parent = thread.parent(lane_for(method, body)) if thread else None
                if parent is not None and thread and thread.broadcast:
                    body["reply_broadcast"] = True
                posts.append(
                    {
                        "method": method,
                        "payload": body,
                        "purpose": route.purpose.value,
                        "subject_id": notice.subject_id,
                        "thread_of_id": parent,
                    }
                )
    return queued + repo.enqueue_many(session, posts, now=ctx.now())


def first_messages(
    session: Session, purpose: Purpose, subject_ids: list[int], *, newest: bool = False
) -> dict[int, tuple[tuple[str, int], ...]]:
    """``{subject id: ((lane, outbox id), ...)}`` of the top-level messages of ``purpose``
    about each subject, the oldest per lane (``newest``: the latest, e.g. the first reminder
    of the current review round). One statement for all subjects, so a sweep of many stops
    costs what one does; the parents of ``Thread``."""
    if not subject_ids:
        return {}
    pick = func.max(OutboxMessage.id) if newest else func.min(OutboxMessage.id)
    rows = session.execute(
        select(OutboxMessage.subject_id, OutboxMessage.lane, pick)
        .where(
            OutboxMessage.purpose == purpose.value,
            OutboxMessage.subject_id.in_(subject_ids),
            OutboxMessage.thread_of_id.is_(None),
            OutboxMessage.method == POST,
        )
        .group_by(OutboxMessage.subject_id, OutboxMessage.lane)
    )
    found: dict[int, list[tuple[str, int]]] = {}
    for subject_id, lane, first in rows:
        found.setdefault(subject_id, []).append((lane or "", first))
    return {subject_id: tuple(pairs) for subject_id, pairs in found.items()}


def recipients(ctx: AppContext, to: To, *, admin: str = "") -> list[str]:
    """The channels (or user ids, for DMs) an audience means under the current settings."""
    settings = ctx.settings
    if to is To.TEAM:
        return [settings.team_channel]
    if to is To.MANAGERS:
        return sorted(settings.managers())
    if to is To.ADMIN and settings.is_admin(admin):
        return [admin]
    # To.ADMINS, and an admin who left the team: personal data stays with the admin team.
    if settings.admin_channel:
        return [settings.admin_channel]
    return sorted(settings.admins())


def requests_of(session: Session, violation_id: int) -> list[OutboxMessage]:
    """Every manager's request message (and daily reminder) for this case."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.purpose == Purpose.APPROVAL_REQUEST.value,
                OutboxMessage.subject_id == violation_id,
                OutboxMessage.method == POST,
            )
            .order_by(OutboxMessage.id)
        )
    )


def _update_requests(
    ctx: AppContext, session: Session, violation_id: int, route: Route, payload: dict[str, Any]
) -> int:
    """Every manager's request for the case becomes ``payload`` (no stale buttons anywhere).

    A refresh (``APPROVAL_UPDATE``) still waiting in the outbox, never tried, is rewritten
    instead of queueing another: 17 further violations are at most a few updates per manager.
    """
    queued = 0
    for request in requests_of(session, violation_id):
        if route.purpose is Purpose.APPROVAL_UPDATE:
            waiting = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.updates_id == request.id,
                    OutboxMessage.purpose == route.purpose.value,
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.attempts == 0,
                )
                .with_for_update()
            ).first()
            if waiting is not None:
                waiting.payload = payload
                continue
        repo.enqueue(
            session, method="chat.update", payload=payload, purpose=route.purpose.value,
            subject_id=violation_id, now=ctx.now(), updates=request,
        )  # fmt: skip
        queued += 1
    return queued
