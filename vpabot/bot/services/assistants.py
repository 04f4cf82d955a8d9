"""Adding assistants to the roster."""

from __future__ import annotations

import re

from vpabot.bot.context import AppContext
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import AssistantStatus
from vpabot.storage import repositories as repo
from vpabot.storage.db import session_scope
from vpabot.storage.models import Assistant
from vpabot.bot.services.common import snapshot

HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def add_assistant(ctx: AppContext, *, actor: str, handle: str, name: str) -> Assistant:
    handle = repo.normalise_handle(handle)
    name = " ".join(name.split())
    if not HANDLE.fullmatch(handle):
        raise PolicyError("handle_invalid", handle=handle)
    if not name:
        raise PolicyError("name_missing")
    now = ctx.now()
    with session_scope(ctx.sessions) as session:
        if repo.get_assistant(session, handle) is not None:
            raise PolicyError("handle_taken", handle=handle)
        assistant = Assistant(
            handle=handle,
            name=name,
            status=AssistantStatus.NEW.value,
            joined_on=ctx.today(),
            created_at=now,
            created_by=actor,
        )
        session.add(assistant)
        session.flush()
        repo.audit(
            session,
            actor=actor,
            action="assistant.added",
            at=now,
            subject="assistant",
            subject_id=assistant.id,
            assistant_id=assistant.id,
            after=snapshot(assistant, "handle", "name", "status", "joined_on"),
        )
    return assistant
