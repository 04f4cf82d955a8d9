"""The monthly report as German text and as a PNG chart."""

from __future__ import annotations

from tests.bot.report_support import NOVEMBER, assert_png, report_for
from tests.bot.report_support import seeded as seeded  # noqa: F401 - the fixture
from vpabot.bot.blocks.report import render_report
from vpabot.bot.blocks.chart import violations_chart
from vpabot.bot.context import AppContext
from vpabot.bot.i18n import Translator
from vpabot.policy.catalogue import DEFAULT_TAGS


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


def test_the_chart_is_a_png(seeded: AppContext) -> None:
    assert_png(violations_chart(Translator("de"), report_for(seeded, NOVEMBER)))
    assert_png(violations_chart(Translator("en"), report_for(seeded, NOVEMBER)))
