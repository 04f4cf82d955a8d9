"""Settling a claimed outbox row: sent, due again, rate-limited, dead, a renewed lease, or a
reply turned into a DM. Each writes only while the row is still the claim's (``_settle``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from vpabot.storage.db import session_scope
from vpabot.storage.models import OutboxMessage, OutboxStatus
from vpabot.storage.outbox import POST
from vpabot.storage.outbox_claim import Claimed
from vpabot.storage.outbox_lanes import pause_lane


def _settle(
    factory: sessionmaker[Session], claimed: Claimed, *, pause_until: datetime | None = None,
    **values: Any,
) -> bool:
    """Write a send's outcome only if the row is still this claim's (its token, ``sending``);
    a dispatcher that overran its lease must not overwrite what another one did since.
    ``pause_until`` moves the lane's ``not_before`` forward in the same transaction."""
    with session_scope(factory) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claimed.id,
                OutboxMessage.lease_token == claimed.token,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(**values)
        )
        if not result.rowcount:
            return False
        if pause_until is not None and claimed.lane is not None:
            pause_lane(session, claimed.lane, pause_until)
        return True


def mark_sent(
    factory: sessionmaker[Session], claimed: Claimed, *, now: datetime, channel: str | None,
    ts: str | None, pause_until: datetime | None = None,
) -> bool:
    """Slack has it: ``channel``/``ts`` of the message (None for uploads and response_url
    posts); ``pause_until``: the lane's next free instant (wall clock). False: not our claim."""
    return _settle(
        factory, claimed, pause_until=pause_until, status=OutboxStatus.SENT, sent_at=now,
        last_error=None, slack_channel=channel, slack_ts=ts, lease_token=None,
    )


def mark_retry(
    factory: sessionmaker[Session], claimed: Claimed, *, at: datetime, error: str,
    in_doubt: bool = False,
) -> bool:
    """Due again at ``at``; ``in_doubt``: Slack may have the message (look before resending)."""
    return _settle(
        factory, claimed, next_attempt_at=at, last_error=error, lease_token=None,
        status=OutboxStatus.SENDING if in_doubt else OutboxStatus.PENDING,
    )


def mark_ratelimited(
    factory: sessionmaker[Session], claimed: Claimed, *, now: datetime, wall: datetime,
    retry_after: timedelta, in_doubt: bool = False,
) -> bool:
    """Slack said 429: not a failed attempt. A lane waits ``retry_after`` (wall clock) and keeps
    its order, so its next message is not claimed meanwhile; a row without a lane waits itself."""
    return _settle(
        factory, claimed, pause_until=wall + retry_after,
        next_attempt_at=now if claimed.lane else now + retry_after, last_error="ratelimited",
        attempts=claimed.attempts - 1, lease_token=None,
        status=OutboxStatus.SENDING if in_doubt else OutboxStatus.PENDING,
    )


def mark_dead(factory: sessionmaker[Session], claimed: Claimed, *, error: str) -> bool:
    """Park a row no retry can fix; admins see it on App Home and may send it again."""
    return _settle(factory, claimed, status=OutboxStatus.DEAD, last_error=error, lease_token=None)


def renew(factory: sessionmaker[Session], claimed: Claimed, *, until: datetime) -> bool:
    """Extend a running send's lease; False if the claim is no longer this one's."""
    return _settle(factory, claimed, next_attempt_at=until)


def become_dm(factory: sessionmaker[Session], claimed: Claimed, payload: dict[str, Any]) -> Claimed | None:
    """A reply whose response_url is gone becomes a DM, durably, under the same claim: if the
    process dies now, the row is an in-doubt DM and is looked up before it is sent again."""
    if not _settle(factory, claimed, method=POST, payload=payload):
        return None
    return Claimed(
        claimed.id, POST, payload, claimed.purpose, claimed.attempts, claimed.token,
        claimed.lane, claimed.created_at, claimed.first_attempt_at, in_doubt=False,
    )
