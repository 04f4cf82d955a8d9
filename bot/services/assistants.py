"""The roster: adding assistants and moving them between "neu" and "aktiv"."""

from __future__ import annotations

import re

from vpabot.bot.labels import status_label
from vpabot.bot.context import AppContext
from vpabot.bot.results.roster import StatusChange
from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import CLOSED_STATUSES, AssistantStatus
from vpabot.policy.text import check_name
from vpabot.storage import repositories as repo
from vpabot.storage.models import Assistant
from vpabot.bot.services.common import audited, require_assistant, snapshot

HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Erased assistants are renamed "geloescht-<id>" (services/privacy.py); nobody else may be.
RESERVED_HANDLE_PREFIX = "geloescht-"
SETTABLE_STATUSES = frozenset({AssistantStatus.NEW, AssistantStatus.ACTIVE})


def checked_new_assistant(handle: str, name: str) -> tuple[str, str]:
    """The handle and name as stored, or a refusal. Pure, so a form can show it in place.

    Refuses a malformed or reserved handle, a missing name, and a name over MAX_NAME or
    starting like a spreadsheet formula (policy.text.check_name).
    """
    handle = repo.normalise_handle(handle)
    name = " ".join(name.split())
    if not HANDLE.fullmatch(handle):
        raise PolicyError("handle_invalid", handle=handle)
    if handle.startswith(RESERVED_HANDLE_PREFIX):
        raise PolicyError("roster_handle_reserved", handle=handle)
    if not name:
        raise PolicyError("name_missing")
    check_name(name)
    return handle, name


def add_assistant(ctx: AppContext, *, actor: str, handle: str, name: str) -> Assistant:
    handle, name = checked_new_assistant(handle, name)
    now = ctx.now()
    with ctx.unit_of_work() as session:
        if repo.get_assistant(session, handle) is not None:
            raise PolicyError("handle_taken", handle=handle)
        assistant = Assistant(
            handle=handle,
            name=name,
            status=AssistantStatus.NEW,
            joined_on=ctx.today(),
            created_at=now,
            created_by=actor,
        )
        session.add(assistant)
        session.flush()
        audited(
            session, assistant, "assistant.added", actor=actor, at=now,
            after=snapshot(assistant, "handle", "name", "status", "joined_on"),
        )
    return assistant


def change_status(
    ctx: AppContext, *, actor: str, handle: str, status: AssistantStatus
) -> StatusChange:
    """Newcomer to regular and back. Ending a collaboration has its own commands (and stop)."""
    if status not in SETTABLE_STATUSES:
        raise PolicyError("roster_status_not_settable", status=status_label(ctx.t, status))
    now = ctx.now()
    with ctx.unit_of_work() as session:
        assistant = require_assistant(session, handle, lock=True)
        before = assistant.status
        if before in CLOSED_STATUSES or before is AssistantStatus.RESIGNED:
            raise PolicyError(
                "roster_status_ended", name=assistant.name, status=status_label(ctx.t, before.value)
            )
        if before != status:
            old = snapshot(assistant, "status")
            assistant.status = status
            audited(
                session, assistant, "assistant.status", actor=actor, at=now,
                before=old, after=snapshot(assistant, "status"),
            )
        return StatusChange(assistant.handle, assistant.name, before, status)
