"""``/vpa cg <handle> [datum]``: parsed before the ack, so a bad or future date writes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from vpabot.bot.commands.grammar import AcceptCg, parse
from vpabot.policy.catalogue import DEFAULT_TAGS
from vpabot.policy.errors import PolicyError

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cg anna.m", AcceptCg("anna.m", TODAY)),
        ("CG anna.m", AcceptCg("anna.m", TODAY)),
        ("cg anna.m 01.10.2026", AcceptCg("anna.m", date(2026, 10, 1))),
        ("cg anna.m 2026-10-01", AcceptCg("anna.m", date(2026, 10, 1))),
        ("cg anna.m 26.11.2026", AcceptCg("anna.m", TODAY)),
    ],
)
def test_cg_command(text: str, expected: AcceptCg) -> None:
    assert parse(text, DEFAULT_TAGS, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cg", "usage_cg"),
        ("cg anna.m 01.10.2026 extra", "usage_cg"),
        ("cg anna.m 27.11.2026", "cg_date_in_future"),
        ("cg anna.m 31.11.2026", "day_unreadable"),
        ("cg anna.m morgen", "day_unreadable"),
    ],
)
def test_cg_command_refused(text: str, code: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse(text, DEFAULT_TAGS, today=TODAY)
    assert caught.value.code == code
