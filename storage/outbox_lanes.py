"""Lane pacing: when a lane may send again (table ``outbox_lanes``, wall clock) and when a
dispatcher should look for work next. See ``storage.outbox`` for what a lane is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, sessionmaker

from vpabot.storage.db import session_scope
from vpabot.storage.models import OutboxLane, OutboxMessage
from vpabot.storage.outbox import OPEN


def next_free_at(
    factory: sessionmaker[Session], *, now: datetime, wall: datetime, poll: timedelta
) -> datetime | None:
    """When to try claiming again (wall clock), or None when no lane has work ready.

    A lane has work ready when it holds a due row and its first open row is due or in
    flight. The answer is the end of the earliest pause of such a lane, or ``wall + poll``
    when one is not paused: its first row is being claimed or sent by another dispatcher, and
    the lane's next row follows it. (A lone row in flight is no one else's work: if its
    sender died, the end of the lease makes it due.)
    """
    earlier, other = aliased(OutboxMessage), aliased(OutboxMessage)
    ready = (
        select(OutboxMessage.lane)
        .where(
            OutboxMessage.status.in_(OPEN),
            OutboxMessage.lane.is_not(None),
            ~exists().where(earlier.lane == OutboxMessage.lane, earlier.status.in_(OPEN),
                            earlier.id < OutboxMessage.id),
            or_(
                OutboxMessage.next_attempt_at <= now,
                and_(
                    OutboxMessage.lease_token.is_not(None),
                    exists().where(other.lane == OutboxMessage.lane, other.status.in_(OPEN),
                                   other.id > OutboxMessage.id, other.next_attempt_at <= now),
                ),
            ),
        )
        .subquery()
    )
    with session_scope(factory) as session:
        paused = session.scalar(
            select(func.min(OutboxLane.not_before)).where(
                OutboxLane.not_before > wall, OutboxLane.lane.in_(select(ready.c.lane))
            )
        )
        busy = session.scalar(
            select(ready.c.lane)
            .where(~exists().where(OutboxLane.lane == ready.c.lane, OutboxLane.not_before > wall))
            .limit(1)
        )
    if busy is not None:
        return min(paused or wall + poll, wall + poll)
    return paused


def pause_lane(session: Session, lane: str, until: datetime) -> None:
    """Nothing in ``lane`` is sent before ``until``; a later pause already set stays."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxLane).values(lane=lane, not_before=until)
    later = func.max if session.get_bind().dialect.name == "sqlite" else func.greatest
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[OutboxLane.lane],
            set_={"not_before": later(OutboxLane.not_before, statement.excluded.not_before)},
        )
    )
