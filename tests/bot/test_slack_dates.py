"""Dates in messages read later use Slack's reader-local form, the German text as fallback."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from vpabot.bot.blocks.stops import build_announcement, build_stop_reply
from vpabot.bot.datefmt import fmt_date_for_slack
from vpabot.bot.i18n import Translator
from vpabot.bot.testing.transcript import render
from vpabot.policy.stops import StopKind

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_token_carries_noon_in_the_team_zone_and_the_written_date() -> None:
    token = fmt_date_for_slack(date(2026, 12, 31), "de", BERLIN)
    noon = int(datetime(2026, 12, 31, 11, 0, tzinfo=timezone.utc).timestamp())  # 12:00 CET
    assert token == f"<!date^{noon}^{{date_short}}|31.12.2026>"
    assert fmt_date_for_slack(date(2026, 12, 31), "en", BERLIN).endswith("|Dec 31, 2026>")


def test_the_team_announcement_uses_it_and_it_is_not_escaped() -> None:
    payload = build_announcement(
        Translator("de"),
        action="set",
        name="Anna <Müller>",
        handle="anna.m",
        kind=StopKind.FULL,
        until=date(2026, 12, 31),
        by="U1",
        tz=BERLIN,
    )
    text = payload["blocks"][0]["text"]["text"]
    assert "bis <!date^" in text and "^{date_short}|31.12.2026>" in text
    assert "Anna &lt;Müller&gt;" in text  # user text stays escaped around it
    assert "bis 31.12.2026" in render(payload)  # what a client without the token shows


def test_a_reply_read_right_away_keeps_the_plain_date() -> None:
    payload = build_stop_reply(
        Translator("de"), action="set", name="Anna", handle="anna.m", kind=StopKind.FULL, until=date(2026, 12, 31)
    )
    assert "<!date" not in str(payload) and "bis 31.12.2026" in str(payload)
