"""A dispatcher on a migrated database (SQLite or PostgreSQL) against the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from vpabot.bot.app import make_client
from vpabot.bot.outbox import OutboxDispatcher
from vpabot.bot.testing.fake_slack import FakeSlack
from vpabot.policy.clock import SettableClock
from vpabot.storage import outbox as store
from vpabot.storage.db import make_session_factory, session_scope
from vpabot.storage.models import OutboxMessage

TOKEN = "xoxb-outbox"


@dataclass
class Rig:
    fake: FakeSlack
    sessions: sessionmaker[Session]
    clock: SettableClock  # the app's clock: backoff and leases; starts at real now

    def dispatcher(self, *, timeout: float = 10, per_channel: float = 1.02) -> OutboxDispatcher:
        """A dispatcher as the runtime builds it (no SDK retries), with its own client."""
        client = make_client(TOKEN, self.fake.base_url, retries=False)
        client.timeout = timeout
        return OutboxDispatcher(
            self.sessions, client, self.clock, per_channel=timedelta(seconds=per_channel)
        )

    def announce(self, count: int, *, channel: str = "CTEAM", prefix: str = "VT-Stop") -> list[int]:
        """``count`` messages to ``channel``, queued in one transaction like a use case does."""
        with session_scope(self.sessions) as session:
            rows = [
                store.enqueue(
                    session, method="chat.postMessage",
                    payload={"channel": channel, "text": f"{prefix} {i}"},
                    purpose="stop_announcement", now=self.clock.now(),
                )
                for i in range(count)
            ]
            session.flush()
            return [row.id for row in rows]

    def rows(self) -> list[OutboxMessage]:
        with self.sessions() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    def texts(self, channel: str) -> list[Any]:
        return [m.get("text") for m in self.fake.messages(channel)]


@pytest.fixture
def rig(migrated_engine: Engine) -> Iterator[Rig]:
    with FakeSlack(token=TOKEN) as fake:
        yield Rig(fake, make_session_factory(migrated_engine),
                  SettableClock(datetime.now(timezone.utc)))
