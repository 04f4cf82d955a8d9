"""The report's chart: violations per source, stacked by step, as PNG bytes.

matplotlib's object API with the Agg canvas: no pyplot, so no global figure state and no GUI
backend, safe in the scheduler's threads. Imported lazily: only the report needs it.
"""

from __future__ import annotations

import io

from vpabot.bot.blocks.report import month_name, source_name, step_name
from vpabot.bot.i18n import Translator
from vpabot.bot.results.reports import SEVERE, STEPS, MonthlyReport
from vpabot.policy.catalogue import Source

STEP_KEYS = (*(str(step) for step in STEPS), SEVERE)
# Calm to alarming, readable in greyscale and by the colour-blind (ColorBrewer YlOrRd + purple).
COLOURS = {"1": "#fed976", "2": "#fd8d3c", "3": "#e31a1c", "4": "#800026", SEVERE: "#54278f"}


def violations_chart(t: Translator, report: MonthlyReport) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sources = [s.value for s in Source]
    sources += sorted(set(report.by_source_and_step) - set(sources))  # values no longer offered
    figure = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(sources)))
    bottoms = [0] * len(sources)
    for key in STEP_KEYS:
        heights = [report.by_source_and_step.get(source, {}).get(key, 0) for source in sources]
        axes.bar(positions, heights, bottom=bottoms, color=COLOURS[key], label=step_name(t, key))
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    axes.set_xticks(positions, [source_name(t, s) for s in sources], rotation=20, ha="right")
    axes.set_ylabel(t("report.chart.ylabel"))
    axes.set_title(t("report.chart.title", month=month_name(report.month, t.lang)))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    if report.violations:
        figure.legend(loc="outside lower center", ncols=3, frameon=False)  # never over a bar
    else:
        axes.set_ylim(0, 1)
        axes.text(
            0.5, 0.5, t("report.chart.empty"), ha="center", va="center", transform=axes.transAxes
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
