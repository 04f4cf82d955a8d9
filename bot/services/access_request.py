"""An access request (GDPR Art. 15) answered for the assistant: what is stored, as data.

``vpabot export assistant <handle>`` stays the admins' complete JSON; this is the part an
assistant reads (``--for-assistant``, rendered by ``blocks/access_request.py``). It carries
codes and dates, never another person's Slack ID: who did something is "the team", and the
stored copies of Slack messages are listed by date and occasion, not copied, because they
are written for the admin team and use internal words (DOMAIN.md rule 5).
"""

from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from vpabot.bot.context import AppContext
from vpabot.bot.results.access_request import AccessRequest, EventEntry, MessageEntry, NoteEntry, Person, StopEntry, ViolationEntry

from vpabot.bot.services.anonymise import Secrets
from vpabot.bot.services.privacy import FileRefs, _linked_outbox, open_for_export
from vpabot.storage.db import session_scope
from vpabot.storage.models import (
    Assistant,
    AuditEvent,
    Note,
    OutboxMessage,
    OutboxStatus,
    SalesStop,
    Violation,
)


def collect_access_request(ctx: AppContext, handle: str, *, actor: str) -> AccessRequest:
    """Read the assistant's file for an access request; the export is audited like the JSON one.

    Raises PolicyError("unknown_assistant") for a handle nobody has.
    """
    now = ctx.now()
    with session_scope(ctx.sessions) as session:
        assistant, refs = open_for_export(
            session, handle, actor=actor, now=now, after={"for": "assistant"}
        )
        person = Person(
            name=assistant.name,
            handle=assistant.handle,
            status=assistant.status,
            joined_on=assistant.joined_on,
            cg_accepted_on=assistant.cg_accepted_on,
            ended_on=assistant.ended_on,
            has_slack_account=bool(assistant.slack_user_id),
        )
        return AccessRequest(
            exported_at=now,
            person=person,
            violations=[_violation(v) for v in _own(session, Violation, assistant.id)],
            notes=[NoteEntry(n.created_at, n.kind, n.text) for n in _own(session, Note, assistant.id)],
            stops=[_stop(s) for s in _own(session, SalesStop, assistant.id)],
            events=[
                EventEntry(e.at, e.action)
                for e in session.scalars(
                    select(AuditEvent).where(refs.audit_condition()).order_by(AuditEvent.id)
                )
            ],
            messages=_messages(session, assistant, refs),
        )


def _messages(session: Session, assistant: Assistant, refs: FileRefs) -> list[MessageEntry]:
    """Stored copies of Slack messages about the person: those about rows of the file, and
    those that name them (a digest of several assistants). Updates of a message and
    cancelled ones (never sent) are not separate messages to anybody."""
    linked = {m.id: m for m in _linked_outbox(session, refs)}
    secrets = Secrets.of(session, assistant)
    named = [
        m
        for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        if m.id not in linked and secrets.mentioned(m.payload)
    ]
    shown = sorted([*linked.values(), *named], key=lambda m: m.id)
    return [
        MessageEntry(m.created_at, m.purpose)
        for m in shown
        if m.status != OutboxStatus.CANCELLED and m.method != "chat.update"
    ]


def _own(session: Session, model: type, assistant_id: int) -> list:  # type: ignore[type-arg]
    query = select(model).where(model.assistant_id == assistant_id).order_by(model.id)
    return list(session.scalars(query))


def _violation(v: Violation) -> ViolationEntry:
    return ViolationEntry(
        logged_at=v.logged_at,
        source=v.source,
        tag=v.tag,
        severe=v.severe,
        step=v.step,
        state=v.state,
        note=v.note,
        decision_reason=v.decision_reason,
        communicated_at=v.communicated_at,
    )


def _stop(s: SalesStop) -> StopEntry:
    return StopEntry(
        kind=s.kind,
        reason=s.reason,
        starts_on=s.starts_on,
        until=s.until,
        note=s.note,
        lifted_at=s.lifted_at,
        lift_note=s.lift_note,
    )

