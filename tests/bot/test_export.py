"""The export for the scheduling system: records, CSV, JSON and the ``vpabot export`` command."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import START
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.services.assistants import add_assistant
from vpabot.bot.services.export import (
    export_records,
    render,
    stop_records,
    to_csv,
    to_json,
)
from vpabot.bot.services.reviews import active_stops
from vpabot.bot.results.stops import ActiveStop
from vpabot.bot.services.stops import lift_stop, resign, set_stop
from vpabot.policy.clock import SystemClock
from vpabot.policy.stops import StopKind
from vpabot.bot.testing.harness import ADMIN

TODAY = date(2026, 11, 26)  # START in Berlin
WEEK_LATER = TODAY + timedelta(days=7)


@pytest.fixture
def team(ctx: AppContext) -> AppContext:
    """anna: clients-only to 03.12.; bert: full to 10.12.; carla resigned; dora's stop lifted."""
    team = [
        ("bert.k", "Bert Klein"),
        ("anna.m", "Anna Müller"),
        ("carla.s", "Carla Schmidt"),
        ("dora.w", "Dora Weiß"),
        ("emil.f", "Emil Fuchs"),  # never stopped
    ]
    for handle, name in team:
        add_assistant(ctx, actor=ADMIN, handle=handle, name=name)
    set_stop(ctx, actor=ADMIN, handle="bert.k", kind=StopKind.FULL, until=date(2026, 12, 10))
    set_stop(ctx, actor=ADMIN, handle="anna.m", kind=StopKind.CUSTOMERS, until=date(2026, 12, 3))
    resign(ctx, actor=ADMIN, handle="carla.s")
    set_stop(ctx, actor=ADMIN, handle="dora.w", kind=StopKind.FULL, until=date(2026, 12, 1))
    lift_stop(ctx, actor=ADMIN, handle="dora.w", note="Leistung wieder gut")
    return ctx


def records(ctx: AppContext) -> list[dict]:
    return [dict(r) for r in export_records(ctx)]


def test_records_list_active_stops_by_handle(team: AppContext) -> None:
    assert records(team) == [
        {
            "handle": "anna.m",
            "name": "Anna Müller",
            "kind": "kunden",
            "kind_label": "VT-Stop (Kunden)",
            "since": "2026-11-26",
            "until": "2026-12-03",
            "review_overdue": False,
        },
        {
            "handle": "bert.k",
            "name": "Bert Klein",
            "kind": "voll",
            "kind_label": "VT-Stop",
            "since": "2026-11-26",
            "until": "2026-12-10",
            "review_overdue": False,
        },
        {
            "handle": "carla.s",
            "name": "Carla Schmidt",
            "kind": "voll",
            "kind_label": "VT-Stop",
            "since": "2026-11-26",
            "until": None,  # resigned: open-ended
            "review_overdue": False,
        },
    ]


def test_a_stop_past_its_review_is_overdue(team: AppContext) -> None:
    # anna's stop ends Thursday 03.12.: due that day, overdue from the next day on.
    team.clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc))
    assert not any(r["review_overdue"] for r in records(team))
    team.clock.set(datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc))
    overdue = {r["handle"]: r["review_overdue"] for r in records(team)}
    assert overdue == {"anna.m": True, "bert.k": False, "carla.s": False}


def test_active_stops_keeps_its_order_overdue_first_then_end_date(team: AppContext) -> None:
    assert [s.handle for s in active_stops(team)] == ["anna.m", "bert.k", "carla.s"]
    team.clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=timezone.utc))
    later = date(2026, 12, 20)
    set_stop(team, actor=ADMIN, handle="anna.m", kind=StopKind.CUSTOMERS, until=later)
    assert [s.handle for s in active_stops(team)] == ["bert.k", "anna.m", "carla.s"]


def test_stop_records_is_pure_and_sorts_by_handle() -> None:
    stops = [
        ActiveStop("zoe.b", "Zoë Berg", StopKind.FULL, TODAY, None, ADMIN, overdue=False),
        ActiveStop("alex.t", "Alex Tan", StopKind.CUSTOMERS, TODAY, WEEK_LATER, ADMIN, True),
    ]
    result = stop_records(stops)
    assert [r["handle"] for r in result] == ["alex.t", "zoe.b"]
    assert result[0]["kind_label"] == "VT-Stop (Kunden)" and result[0]["review_overdue"] is True
    assert result[1]["until"] is None and result[1]["since"] == "2026-11-26"
    assert stop_records([]) == []


def test_csv_has_a_header_and_an_empty_until_for_open_ended_stops(team: AppContext) -> None:
    text = to_csv(records(team))
    assert text.splitlines()[0] == "handle,name,kind,kind_label,since,until,review_overdue"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["handle"] for r in rows] == ["anna.m", "bert.k", "carla.s"]
    assert rows[0] == {
        "handle": "anna.m",
        "name": "Anna Müller",
        "kind": "kunden",
        "kind_label": "VT-Stop (Kunden)",
        "since": "2026-11-26",
        "until": "2026-12-03",
        "review_overdue": "false",
    }
    assert rows[2]["until"] == ""
    assert "dora.w" not in text and "emil.f" not in text


def test_csv_of_no_stops_is_just_the_header() -> None:
    assert to_csv([]).splitlines() == ["handle,name,kind,kind_label,since,until,review_overdue"]


def test_json_document(team: AppContext) -> None:
    document = json.loads(to_json(records(team), generated_at=START))
    assert document["count"] == 3
    assert document["generated_at"] == "2026-11-26T09:00:00Z"
    assert [s["handle"] for s in document["stops"]] == ["anna.m", "bert.k", "carla.s"]
    assert document["stops"][2]["until"] is None
    assert document["stops"][0]["name"] == "Anna Müller"


def test_json_generated_at_is_utc_whatever_zone_it_is_given() -> None:
    berlin = datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert json.loads(to_json([], generated_at=berlin)) == {
        "stops": [],
        "count": 0,
        "generated_at": "2026-07-01T10:30:00Z",
    }
    stamp = json.loads(to_json([]))["generated_at"]
    assert stamp.endswith("Z") and datetime.fromisoformat(stamp).tzinfo is not None


def test_render_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError):
        render([], "xml")


# -- the command line --------------------------------------------------------------------------


def test_cli_prints_json_and_csv_from_database_url_alone(
    team: AppContext, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "VPA_ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)

    assert main(["export", "stops", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(s["handle"], s["until"]) for s in document["stops"]] == [
        ("anna.m", "2026-12-03"),
        ("bert.k", "2026-12-10"),
        ("carla.s", None),
    ]

    assert main(["export", "stops", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["handle"] for r in rows] == ["anna.m", "bert.k", "carla.s"]


def test_cli_writes_to_a_file(
    team: AppContext,
    db_url: str,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    target = tmp_path / "stops.csv"
    assert main(["export", "stops", "--format", "csv", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    # The command reads the stops at the real "now" (no test clock reaches it): compare with
    # the records at that same instant, or "review overdue" differs once a stop's end passed.
    at_cli_time = dataclasses.replace(team, clock=SystemClock())
    assert target.read_bytes().decode() == to_csv(records(at_cli_time))


def test_cli_refuses_an_unknown_format_in_german(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "stops", "--format", "xml"])
    assert exit_.value.code == 2
    assert "unbekanntes Format 'xml', möglich sind: csv, json" in capsys.readouterr().err


def test_cli_does_not_create_a_missing_sqlite_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    assert main(["export", "stops"]) == 1
    assert "gibt es nicht" in capsys.readouterr().err
    assert not missing.exists()


@pytest.mark.parametrize(("zone", "overdue"), [("Europe/Berlin", True), ("America/New_York", False)])
def test_cli_decides_review_overdue_in_vpa_timezone(
    zone: str,
    overdue: bool,
    team: AppContext,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """Anna's stop ends Thursday 03.12.; at 23:30 UTC it is Friday in Berlin but still
    Thursday in New York. The export used to decide this in Europe/Berlin whatever was set."""
    from vpabot.policy import clock

    late = datetime(2026, 12, 3, 23, 30, tzinfo=timezone.utc)
    monkeypatch.setattr(clock.SystemClock, "now", lambda self: late)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VPA_TIMEZONE", zone)
    assert main(["export", "stops"]) == 0
    stops = {s["handle"]: s for s in json.loads(capsys.readouterr().out)["stops"]}
    assert stops["anna.m"]["review_overdue"] is overdue
