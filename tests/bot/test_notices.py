"""Every notice a use case can send has words, and a context without a renderer says so."""

from __future__ import annotations

from typing import get_args

import pytest

from vpabot.bot.blocks.notices import rendered_kinds
from vpabot.bot.context import AppContext
from vpabot.bot.results.notices import Notice
from vpabot.bot.services.cg import sweep_cg_digest


def test_every_notice_type_has_a_renderer() -> None:
    assert set(get_args(Notice)) == rendered_kinds()


def test_a_context_without_a_renderer_refuses_to_queue_silently(ctx: AppContext) -> None:
    from datetime import datetime, timezone

    from vpabot.bot.services.assistants import add_assistant

    add_assistant(ctx, actor="UADMIN1", handle="anna.m", name="Anna Müller")
    bare = AppContext(settings=ctx.settings, sessions=ctx.sessions, clock=ctx.clock)
    ctx.clock.set(datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc))  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="render is not set"):
        sweep_cg_digest(bare)
