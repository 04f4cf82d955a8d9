"""The monthly report on a known data set, spread over October to December (Berlin time)."""

from __future__ import annotations

import struct
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from tests.storage.builders import assistant
from vpabot.bot.workdays import holiday_calendar
from vpabot.bot.blocks.report import render_report
from vpabot.bot.blocks.chart import violations_chart
from vpabot.bot.cli import main
from vpabot.bot.context import AppContext
from vpabot.bot.i18n import Translator
from vpabot.bot.services.reports import build_report
from vpabot.bot.results.reports import MonthlyReport
from vpabot.policy.catalogue import DEFAULT_TAGS
from vpabot.policy.reports import Month
from vpabot.storage.models import Assistant, AuditEvent, SalesStop, Violation

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER, DECEMBER, OCTOBER = Month(2026, 11), Month(2026, 12), Month(2026, 10)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def violation(
    owner: Assistant, at: datetime, source: str, tag: str, step: int | None, state: str = "recorded"
) -> Violation:
    return Violation(
        assistant=owner,
        source=source,
        tag=tag,
        severe=step is None,
        step=step,
        state=state,
        note="Notiz",
        logged_by="UADMIN1",
        logged_at=at,
        logged_on=at.date(),
    )


def sales_stop(
    owner: Assistant,
    starts_on: date,
    until: date | None,
    *,
    lifted: datetime | None = None,
    reminders: int = 0,
) -> SalesStop:
    return SalesStop(
        assistant=owner,
        kind="voll",
        reason="verstoss",
        starts_on=starts_on,
        until=until,
        set_by="UADMIN1",
        set_at=berlin(starts_on.year, starts_on.month, starts_on.day, 10, 0),
        review_reminders=reminders,
        lifted_at=lifted,
        lifted_by="UADMIN1" if lifted else None,
    )


def stop_event(
    stop: SalesStop, action: str, at: datetime, until: date | None, before: date | None = None
) -> AuditEvent:
    return AuditEvent(
        at=at,
        actor="UADMIN1",
        action=f"stop.{action}",
        assistant_id=stop.assistant_id,
        subject="stop",
        subject_id=stop.id,
        before={"until": before.isoformat()} if before else None,
        after={"until": until.isoformat() if until else None},
    )


def seed(session: Session) -> None:
    """The known data set; the expected numbers are worked out in the comments."""
    people = {
        # CG due 15.01.2027: fine at the end of November
        "anna": assistant("anna", joined_on=date(2026, 1, 10), cg_accepted_on=date(2026, 10, 15)),
        # CG due 01.11.2026: overdue at the end of November
        "ben": assistant("ben", joined_on=date(2026, 3, 1), cg_accepted_on=date(2026, 8, 1)),
        # accepted again on 03.12.; the one before (20.09., due 20.12.) is in the audit trail
        "cara": assistant("cara", joined_on=date(2026, 5, 1), cg_accepted_on=date(2026, 12, 3)),
        # left on 10.11. with her CGs overdue since 01.10.: judged on her last day
        "dora": assistant(
            "dora",
            joined_on=date(2026, 2, 1),
            ended_on=date(2026, 11, 10),
            cg_accepted_on=date(2026, 7, 1),
        ),
        # joins in December: not active in November
        "emil": assistant("emil", joined_on=date(2026, 12, 5), cg_accepted_on=date(2026, 12, 5)),
        # left in October: not active in November
        "fritz": assistant(
            "fritz",
            joined_on=date(2025, 1, 1),
            ended_on=date(2026, 10, 20),
            cg_accepted_on=date(2026, 1, 1),
        ),
        # created in November without a join date, never accepted
        "gina": assistant("gina", created_at=berlin(2026, 11, 20, 10, 0)),
        # accepted 31.08.: due 30.11. (month end clamps), not overdue on 30.11.
        "hana": assistant("hana", joined_on=date(2026, 4, 1), cg_accepted_on=date(2026, 8, 31)),
    }
    session.add_all(people.values())
    anna, ben, cara, dora, gina, hana = (
        people[k] for k in ("anna", "ben", "cara", "dora", "gina", "hana")
    )
    session.add_all(
        [
            violation(
                anna, berlin(2026, 10, 31, 23, 30), "response", "erreichbarkeit", 1
            ),  # October
            violation(anna, berlin(2026, 11, 1, 0, 30), "response", "erreichbarkeit", 2),
            violation(ben, berlin(2026, 11, 10, 10, 0), "deadline", "deadline", 1),
            violation(ben, berlin(2026, 11, 15, 10, 0), "beschwerde", "qualitaet", 2),
            violation(
                ben,
                berlin(2026, 11, 20, 10, 0),
                "beschwerde",
                "kommunikation",
                3,
                "awaiting_approval",
            ),
            violation(
                cara, berlin(2026, 11, 22, 10, 0), "kontakt", "eigenwerbung", None, "rejected"
            ),
            violation(
                dora, berlin(2026, 11, 25, 10, 0), "response", "erreichbarkeit", 1, "withdrawn"
            ),
            violation(hana, berlin(2026, 11, 30, 23, 30), "feedback", "qualitaet", 1),
            violation(hana, berlin(2026, 12, 1, 0, 30), "feedback", "qualitaet", 2),  # December
        ]
    )
    stops = {
        # ends Sat 31.10., reviewed Mon 02.11.; lifted on its end date: on time, a November review
        "s0": sales_stop(
            ben, date(2026, 10, 1), date(2026, 10, 31), lifted=berlin(2026, 10, 31, 15, 0)
        ),
        # lifted on its end date 03.11.: on time; 14 days long
        "s1": sales_stop(
            anna, date(2026, 10, 20), date(2026, 11, 3), lifted=berlin(2026, 11, 3, 10, 0)
        ),
        # ends Sat 14.11., extended Mon 16.11. (on time) to 30.11., lifted 02.12. (overdue)
        "s2": sales_stop(
            ben,
            date(2026, 11, 2),
            date(2026, 11, 30),
            lifted=berlin(2026, 12, 2, 10, 0),
            reminders=3,
        ),
        # set to 26.11., shortened early to 19.11., lifted 23.11. (overdue); 18 days long
        "s3": sales_stop(
            cara, date(2026, 11, 5), date(2026, 11, 19), lifted=berlin(2026, 11, 23, 11, 0)
        ),
        # resigned: open-ended, never reviewed
        "s4": sales_stop(dora, date(2026, 11, 10), None),
        # ends 01.12.: a December review
        "s5": sales_stop(hana, date(2026, 11, 20), date(2026, 12, 1)),
        # no audit trail; ends 27.11., reminded twice, still open: overdue
        "s6": sales_stop(gina, date(2026, 11, 16), date(2026, 11, 27), reminders=2),
    }
    session.add_all(stops.values())
    session.flush()
    s0, s1, s2, s3, s4, s5 = (stops[k] for k in ("s0", "s1", "s2", "s3", "s4", "s5"))
    session.add_all(
        [
            stop_event(s0, "set", berlin(2026, 10, 1, 10, 0), date(2026, 10, 31)),
            stop_event(s1, "set", berlin(2026, 10, 20, 10, 0), date(2026, 11, 3)),
            stop_event(s2, "set", berlin(2026, 11, 2, 10, 0), date(2026, 11, 14)),
            stop_event(
                s2,
                "changed",
                berlin(2026, 11, 16, 9, 30),
                date(2026, 11, 30),
                before=date(2026, 11, 14),
            ),
            stop_event(s3, "set", berlin(2026, 11, 5, 10, 0), date(2026, 11, 26)),
            stop_event(
                s3,
                "changed",
                berlin(2026, 11, 10, 10, 0),
                date(2026, 11, 19),
                before=date(2026, 11, 26),
            ),
            stop_event(s4, "set", berlin(2026, 11, 10, 10, 0), None),
            stop_event(s5, "set", berlin(2026, 11, 20, 10, 0), date(2026, 12, 1)),
            AuditEvent(
                at=berlin(2026, 12, 3, 10, 0),
                actor="UADMIN1",
                action="cg.accepted",
                assistant_id=cara.id,
                subject="assistant",
                subject_id=cara.id,
                before={"cg_accepted_on": "2026-09-20"},
                after={"cg_accepted_on": "2026-12-03"},
            ),
        ]
    )


@pytest.fixture
def seeded(ctx: AppContext) -> AppContext:
    with ctx.sessions.begin() as session:
        seed(session)
    return ctx


def report_for(ctx: AppContext, month: Month, *, today: date = date(2026, 12, 7)) -> MonthlyReport:
    with ctx.sessions() as session:
        return build_report(session, month, tz="Europe/Berlin", today=today, holidays=holiday_calendar())


def test_violations_by_source_tag_and_step_in_berlin_time(seeded: AppContext) -> None:
    report = report_for(seeded, NOVEMBER)

    # 01.11. 00:30 and 30.11. 23:30 are November; 31.10. 23:30 and 01.12. 00:30 are not;
    # the withdrawn one is not counted
    assert report.violations == 6
    assert report.rejected == 1 and report.awaiting_approval == 1
    assert report.by_source == {
        "beschwerde": 2,
        "deadline": 1,
        "feedback": 1,
        "kontakt": 1,
        "response": 1,
    }
    assert report.by_tag == {
        "qualitaet": 2,
        "deadline": 1,
        "eigenwerbung": 1,
        "erreichbarkeit": 1,
        "kommunikation": 1,
    }
    assert report.by_step == {"1": 2, "2": 2, "3": 1, "4": 0, "severe": 1}
    assert report.by_source_and_step == {
        "response": {"2": 1},
        "deadline": {"1": 1},
        "beschwerde": {"2": 1, "3": 1},
        "kontakt": {"severe": 1},
        "feedback": {"1": 1},
    }
    assert report_for(seeded, OCTOBER).by_source_and_step == {"response": {"1": 1}}
    assert report_for(seeded, DECEMBER).by_source_and_step == {"feedback": {"2": 1}}


def test_stops_set_and_lifted_with_their_mean_length(seeded: AppContext) -> None:
    report = report_for(seeded, NOVEMBER)

    assert report.stops_set == 5  # s2, s3, s4, s5, s6
    assert report.stops_set_open_ended == 1  # s4
    # first end date - start: s2 12 (14.11., before the extension), s3 21 (26.11., before
    # shortening), s5 11, s6 11
    assert report.mean_planned_days == pytest.approx((12 + 21 + 11 + 11) / 4)
    assert report.stops_lifted == 2  # s1 (03.11.) and s3 (23.11.); s0 in October, s2 in December
    assert report.mean_lifted_days == pytest.approx((14 + 18) / 2)


def test_reviews_on_time_and_overdue(seeded: AppContext) -> None:
    report = report_for(seeded, NOVEMBER)

    # on time: s0 (due 02.11.), s1 (03.11.), s2's first (16.11.)
    # overdue: s2's extension (30.11., lifted 02.12.), s3 (19.11., lifted 23.11.), s6 (27.11., open)
    # not November: s3's first end date 26.11. (changed before it), s5 (due 01.12.)
    assert (report.reviews_on_time, report.reviews_overdue, report.reviews_pending) == (3, 3, 0)


def test_a_review_due_today_is_pending_and_overdue_the_day_after(seeded: AppContext) -> None:
    assert report_for(seeded, DECEMBER, today=date(2026, 12, 1)).reviews_pending == 1  # s5
    later = report_for(seeded, DECEMBER, today=date(2026, 12, 2))
    assert (later.reviews_on_time, later.reviews_overdue, later.reviews_pending) == (0, 1, 0)


def test_cg_acceptance_rate_of_assistants_active_in_the_month(seeded: AppContext) -> None:
    report = report_for(seeded, NOVEMBER)

    # active: anna, ben, cara, dora, gina, hana; not overdue: anna, cara (by the trail), hana
    assert (report.cg_accepted, report.cg_active) == (3, 6)
    assert report.cg_rate == pytest.approx(0.5)


def test_the_text_is_german_and_names_what_it_counts(seeded: AppContext) -> None:
    text = render_report(Translator("de"), report_for(seeded, NOVEMBER), tags=DEFAULT_TAGS)

    assert text.startswith("VPA-Monatsbericht November 2026 (Zeitzone Europe/Berlin)")
    for line in (
        "Verstöße: 6 (im Monat eingetragen, ohne zurückgezogene)",
        "davon nicht freigegeben: 1, warten auf Freigabe: 1",
        "  • Kundenbeschwerde: 2",
        "  • Qualität/Feedback: 2",
        "  • 1. Verstoß – Erinnerung an CGs: 2",
        "  • 4. Verstoß – Ausschluss aus der Community: 0",
        "  • Gravierender Verstoß: 1",
        "  • gesetzt: 5",
        "    geplante Dauer im Schnitt: 13,8 Tage "
        "(Beginn bis erstes Enddatum, 4 Stops mit Enddatum)",
        "    unbefristet (ohne Dauer): 1",
        "  • aufgehoben: 2",
        "    Dauer im Schnitt: 16,0 Tage (Beginn bis Tag der Aufhebung)",
        "Überprüfungen (erster Erinnerungstag im Monat): 6",
        "  • rechtzeitig entschieden: 3",
        "  • überfällig: 3",
    ):
        assert line in text.splitlines(), line
    assert "CG-Akzeptanz: 50\xa0% (im Monat aktive Assistenten: 6, davon am Monatsende ohne" in text
    assert "{" not in text


def test_an_empty_month_says_so(ctx: AppContext) -> None:
    report = report_for(ctx, NOVEMBER)
    text = render_report(Translator("de"), report, tags=DEFAULT_TAGS)
    assert "Verstöße: 0" in text and "  • keine" in text and "CG-Akzeptanz: –" in text
    assert_png(violations_chart(Translator("de"), report))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def assert_png(data: bytes) -> None:
    width, height = png_size(data)
    assert (width, height) == (900, 500)
    assert 10_000 < len(data) < 500_000
    assert data.endswith(b"IEND\xaeB`\x82")


def test_the_chart_is_a_png(seeded: AppContext) -> None:
    assert_png(violations_chart(Translator("de"), report_for(seeded, NOVEMBER)))
    assert_png(violations_chart(Translator("en"), report_for(seeded, NOVEMBER)))


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def cli_env(
    seeded: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str
) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the repository; the default chart lands here
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VPA_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("VPA_LANGUAGE", "de")
    return tmp_path


def test_cli_prints_the_report_and_writes_the_chart(cli_env: Path, capsys: Any) -> None:
    assert main(["report", "--month", "2026-11"]) == 0

    out, err = capsys.readouterr()
    assert out.startswith("VPA-Monatsbericht November 2026")
    assert "Verstöße: 6" in out and "  • überfällig: 3" in out
    assert_png((cli_env / "vpabot-report-2026-11.png").read_bytes())
    assert "vpabot-report-2026-11.png" in err


def test_cli_writes_the_chart_where_asked(cli_env: Path, capsys: Any) -> None:
    assert main(["report", "--month", "12.2026", "--chart", "dez.png"]) == 0
    assert "VPA-Monatsbericht Dezember 2026" in capsys.readouterr().out
    assert_png((cli_env / "dez.png").read_bytes())
    assert not (cli_env / "vpabot-report-2026-12.png").exists()


@pytest.mark.parametrize("month", ["2026-13", "Nov", "2026/11", ""])
def test_cli_refuses_a_bad_month_in_one_german_line(cli_env: Path, capsys: Any, month: str) -> None:
    assert main(["report", "--month", month]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"vpabot: Monat „{month}“ ist nicht lesbar: bitte als JJJJ-MM angeben, z. B. 2026-11."
    ]
    assert list(cli_env.glob("*.png")) == []


def test_cli_without_a_database_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    assert main(["report", "--month", "2026-11"]) == 1
    assert "gibt es nicht" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_cli_without_a_month_reports_last_month(cli_env: Path, capsys: Any) -> None:
    last = Month.of(datetime.now(BERLIN).date()).previous()
    assert main(["report"]) == 0
    assert (cli_env / f"vpabot-report-{last}.png").exists()
    assert capsys.readouterr().out.startswith("VPA-Monatsbericht ")
