"""The monthly report's figures on the known data set: violations, stops, reviews, CG rate."""

from __future__ import annotations

from datetime import date

import pytest

from tests.bot.report_support import DECEMBER, NOVEMBER, OCTOBER, report_for
from tests.bot.report_support import seeded as seeded  # noqa: F401 - the fixture
from vpabot.bot.context import AppContext


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
