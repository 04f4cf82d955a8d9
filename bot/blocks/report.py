"""The monthly report as plain text (the CLI prints it; the managers get it with the chart)."""

from __future__ import annotations

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from vpabot.bot.labels import source_label, step_label
from vpabot.bot.i18n import Translator
from vpabot.bot.results.reports import SEVERE, MonthlyReport
from vpabot.policy.catalogue import TagCatalogue
from vpabot.policy.reports import Month


def month_name(month: Month, lang: str) -> str:
    """ "November 2026" in the reader's language."""
    return format_date(month.first_day, "LLLL yyyy", locale=lang)


def report_filename(month: Month) -> str:
    """The chart's file name: in the managers' DM and as the CLI's default output."""
    return f"vpabot-report-{month}.png"


def step_name(t: Translator, key: str) -> str:
    return step_label(t, None, True) if key == SEVERE else step_label(t, int(key), False)


def source_name(t: Translator, source: str) -> str:
    return source_label(t, source) if t.has(f"source.{source}") else source


def render_report(t: Translator, report: MonthlyReport, *, tags: TagCatalogue) -> str:
    lang = t.lang
    days = lambda value: format_decimal(value, "#,##0.0", locale=lang)

    def counts(items: dict[str, int]) -> list[str]:
        lines = [t("report.line", label=label, count=n) for label, n in items.items()]
        return lines or [t("report.none")]

    lines = [t("report.title", month=month_name(report.month, lang), tz=report.timezone), ""]
    lines.append(t("report.violations", count=report.violations))
    if report.rejected or report.awaiting_approval:
        lines.append(
            t(
                "report.violations.states",
                rejected=report.rejected,
                awaiting=report.awaiting_approval,
            )
        )
    lines.append(t("report.by_source"))
    lines += counts({source_name(t, k): n for k, n in report.by_source.items()})
    lines.append(t("report.by_tag"))
    lines += counts({tags.get(k).label: n for k, n in report.by_tag.items()})
    lines.append(t("report.by_step"))
    lines += counts({step_name(t, k): n for k, n in report.by_step.items()})

    lines += ["", t("report.stops")]
    lines.append(t("report.stops.set", count=report.stops_set))
    if report.mean_planned_days is not None:
        planned = report.stops_set - report.stops_set_open_ended
        mean = t.plural("report.days", report.mean_planned_days, count=days(report.mean_planned_days))
        lines.append(t("report.stops.planned", days=mean, count=t.plural("report.stops_with_end", planned)))
    if report.stops_set_open_ended:
        lines.append(t("report.stops.open_ended", count=report.stops_set_open_ended))
    lines.append(t("report.stops.lifted", count=report.stops_lifted))
    if report.mean_lifted_days is not None:
        mean = t.plural("report.days", report.mean_lifted_days, count=days(report.mean_lifted_days))
        lines.append(t("report.stops.lifted_mean", days=mean))

    lines += ["", t("report.reviews", count=report.reviews)]
    lines.append(t("report.reviews.on_time", count=report.reviews_on_time))
    lines.append(t("report.reviews.overdue", count=report.reviews_overdue))
    if report.reviews_pending:
        lines.append(t("report.reviews.pending", count=report.reviews_pending))
    lines.append(t("report.reviews.rule"))

    lines.append("")
    if report.cg_rate is None:
        lines.append(t("report.cg.none"))
    else:
        rate = format_percent(report.cg_rate, locale=lang)
        lines.append(
            t("report.cg", rate=rate, accepted=report.cg_accepted, active=report.cg_active)
        )
    return "\n".join(lines)
