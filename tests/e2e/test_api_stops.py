"""The scheduling system reads the active VT-Stops: ``GET /api/stops`` and ``vpabot export``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import pytest

from tests.conftest import START
from tests.e2e.conftest import resign
from vpabot.policy.clock import SettableClock
from vpabot.bot.testing.harness import BotUnderTest, HttpResult
from vpabot.bot.testing.transcript import render

TOKEN = "s3cret"


def say(bot: BotUnderTest, text: str) -> str:
    ack, key = bot.slack.command(text)
    assert ack.status == 200, ack
    if ack.body:
        return render(ack.json())
    return render(bot.slack.reply(key).args)


def get(
    bot: BotUnderTest, path: str = "/api/stops", *, method: str = "GET", **headers: str
) -> tuple[HttpResult, Message]:
    """A plain HTTP request; the answer's headers are looked up case-insensitively."""
    request = urllib.request.Request(bot.url + path, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return HttpResult(response.status, response.read().decode()), response.headers
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, error.read().decode()), error.headers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def bot(db_url: str) -> Iterator[BotUnderTest]:
    with BotUnderTest(db_url, clock=SettableClock(START), api_token=TOKEN) as running:
        yield running


@pytest.fixture
def stops(bot: BotUnderTest) -> BotUnderTest:
    """anna: full VT-Stop for 14 days; bert resigned (open-ended); carla's stop lifted."""
    team = [("anna.m", "Anna Müller"), ("bert.k", "Bert Klein"), ("carla.s", "Carla Schmidt")]
    for handle, name in team:
        assert "angelegt" in say(bot, f"assistent neu {handle} {name}")
    say(bot, "stop anna.m voll 14 Tage")
    resign(bot, "bert.k")
    say(bot, "stop carla.s kunden 2w")
    say(bot, "aufheben carla.s arbeitet wieder zuverlässig")
    return bot


def test_without_a_token_the_api_answers_401(stops: BotUnderTest) -> None:
    result, headers = get(stops)
    assert result.status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert result.json() == {"error": "unauthorized"}
    assert "anna" not in result.body


@pytest.mark.parametrize(
    "headers",
    [
        bearer("wrong"),
        bearer(""),
        bearer(TOKEN + "x"),
        bearer(TOKEN.upper()),
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
    ids=["wrong", "empty", "longer", "case", "basic", "no-scheme"],
)
def test_a_wrong_token_gets_401(stops: BotUnderTest, headers: dict[str, str]) -> None:
    result, answer_headers = get(stops, **headers)
    assert result.status == 401 and answer_headers["WWW-Authenticate"].startswith("Bearer")
    assert "anna" not in result.body


def test_the_right_token_lists_the_active_stops(stops: BotUnderTest) -> None:
    result, headers = get(stops, **bearer(TOKEN))
    assert result.status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    document = result.json()
    assert document["count"] == 2
    assert document["generated_at"] == "2026-11-26T09:00:00Z"  # the app's clock
    assert document["stops"] == [
        {
            "handle": "anna.m",
            "name": "Anna Müller",
            "kind": "voll",
            "kind_label": "VT-Stop",
            "since": "2026-11-26",
            "until": "2026-12-10",
            "review_overdue": False,
        },
        {
            "handle": "bert.k",
            "name": "Bert Klein",
            "kind": "voll",
            "kind_label": "VT-Stop",
            "since": "2026-11-26",
            "until": None,
            "review_overdue": False,
        },
    ]


def test_csv_on_request(stops: BotUnderTest) -> None:
    result, headers = get(stops, "/api/stops?format=csv", **bearer(TOKEN))
    assert result.status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(result.body)))
    assert [(r["handle"], r["kind"], r["until"]) for r in rows] == [
        ("anna.m", "voll", "2026-12-10"),
        ("bert.k", "voll", ""),
    ]
    bad, _ = get(stops, "/api/stops?format=xml", **bearer(TOKEN))
    assert bad.status == 400


def test_only_get_is_allowed(bot: BotUnderTest) -> None:
    result, headers = get(bot, method="POST", **bearer(TOKEN))
    assert result.status == 405 and headers["Allow"] == "GET"
    assert get(bot, method="DELETE", **bearer(TOKEN))[0].status == 405


def test_the_api_is_closed_when_no_token_is_configured(db_url: str) -> None:
    with BotUnderTest(db_url) as bot:  # api_token=None
        assert bot.settings.api_token is None
        for headers in ({}, bearer(""), bearer("None"), bearer("s3cret")):
            result, answer_headers = get(bot, **headers)
            assert result.status == 401 and answer_headers["WWW-Authenticate"].startswith("Bearer")
        assert get(bot, "/healthz")[0].status == 200


def test_the_cli_exports_the_same_stops_as_the_api(
    stops: BotUnderTest, db_url: str, tmp_path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPA_"))}
    env["DATABASE_URL"] = db_url
    done = subprocess.run(
        [sys.executable, "-m", "vpabot.bot.cli", "export", "stops", "--format", "json"],
        env=env,
        cwd=tmp_path,  # no .env to pick up: the database URL alone must do
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    from_cli = json.loads(done.stdout)
    from_api = get(stops, **bearer(TOKEN))[0].json()

    def essentials(document: dict) -> list[tuple]:
        # review_overdue depends on "now", which is the real time for the CLI.
        keys = ("handle", "name", "kind", "since", "until")
        return [tuple(stop[key] for key in keys) for stop in document["stops"]]

    assert from_cli["count"] == from_api["count"] == 2
    assert essentials(from_cli) == essentials(from_api)
