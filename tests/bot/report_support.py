"""The monthly report's known data set, spread over October to December (Berlin time), with
the expected numbers worked out in comments; the ``seeded`` fixture and ``report_for`` read it,
and ``assert_png`` checks a chart.

A test module uses the fixture by importing it: ``from tests.bot.report_support import seeded as
seeded``.
"""

from __future__ import annotations

import struct
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from tests.storage.builders import assistant
from vpabot.bot.workdays import holiday_calendar
from vpabot.bot.context import AppContext
from vpabot.bot.services.reports import build_report
from vpabot.bot.results.reports import MonthlyReport
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
    """``ctx`` with the known data set committed."""
    with ctx.sessions.begin() as session:
        seed(session)
    return ctx


def report_for(ctx: AppContext, month: Month, *, today: date = date(2026, 12, 7)) -> MonthlyReport:
    """The report of ``month`` as the bot builds it on ``today`` (Berlin, German holidays)."""
    with ctx.sessions() as session:
        return build_report(session, month, tz="Europe/Berlin", today=today, holidays=holiday_calendar())


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def assert_png(data: bytes) -> None:
    """``data`` is a whole 900x500 PNG of a plausible size."""
    width, height = png_size(data)
    assert (width, height) == (900, 500)
    assert 10_000 < len(data) < 500_000
    assert data.endswith(b"IEND\xaeB`\x82")
