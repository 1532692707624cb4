"""The data behind the charts of the indicator and statistics pages (drawn by
static/js/charts.js from a JSON block), and their text alternative: what each chart shows,
over which periods, its highest, lowest and latest values, and for a run chart its median and
signals. Written here, in Swedish, because the chart library's own description is English
and reads "NaN" for a missing period. Every chart also has its figures in a table beside it.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from indicators.run_chart import ASTRONOMICAL, RUNS, SHIFT, TREND, Analysis, analyse


def number(value) -> str:
    """A figure as Swedish readers write it: whole numbers bare, others with one decimal and
    a decimal comma."""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.quantize(Decimal('0.1'))}".replace(".", ",")


def _extremes(labels: list[str], values: list) -> tuple | None:
    pairs = [(label, value) for label, value in zip(labels, values, strict=False) if value is not None]
    if not pairs:
        return None
    highest = max(pairs, key=lambda pair: pair[1])
    lowest = min(pairs, key=lambda pair: pair[1])
    return highest, lowest, pairs[-1], len(pairs)


def describe(chart: dict) -> str:
    """A sentence or two per series of a line or bar chart (the chart's `labels`, `series`,
    `title` and `kind`)."""
    labels = chart["labels"]
    parts = []
    if chart.get("kind") == "bar":
        parts.append(_("Bar chart: %(title)s.") % {"title": chart["title"]})
    else:
        span = f"{labels[0]}–{labels[-1]}" if labels else ""
        parts.append(_("Line chart: %(title)s, %(span)s.") % {"title": chart["title"], "span": span})
    for series in chart["series"]:
        found = _extremes(labels, series["values"])
        if found is None:
            parts.append(_("%(name)s: no values.") % {"name": series["name"]})
            continue
        (high_label, high), (low_label, low), (last_label, last), _count = found
        words = {
            "name": series["name"],
            "high": number(high),
            "high_label": high_label,
            "low": number(low),
            "low_label": low_label,
            "last": number(last),
            "last_label": last_label,
        }
        if chart.get("kind") == "bar":
            parts.append(_("%(name)s: highest %(high)s (%(high_label)s), lowest %(low)s (%(low_label)s).") % words)
        else:
            parts.append(
                _(
                    "%(name)s: highest %(high)s (%(high_label)s), lowest %(low)s (%(low_label)s), "
                    "latest %(last)s (%(last_label)s)."
                )
                % words
            )
    return " ".join(parts)


# --- The run chart ---------------------------------------------------------------------------------

RULE_NAMES = {
    SHIFT: lambda: _("Shift"),
    TREND: lambda: _("Trend"),
    RUNS: lambda: _("Number of runs"),
    ASTRONOMICAL: lambda: _("Astronomical point"),
}


def _signal_text(signal, analysis) -> tuple[str, str, str]:
    """(rule, what was found, what it means) in the reader's words."""
    count = len(signal.points)
    if signal.rule == SHIFT:
        found = (
            _("%(count)s points in a row above the median") % {"count": count}
            if signal.direction == "above"
            else _("%(count)s points in a row below the median") % {"count": count}
        )
        meaning = _(
            "Six or more points in a row on one side of the median: the level has most likely changed, "
            "not only varied by chance."
        )
    elif signal.rule == TREND:
        found = (
            _("%(count)s points in a row rising") % {"count": count}
            if signal.direction == "up"
            else _("%(count)s points in a row falling") % {"count": count}
        )
        meaning = _("Five or more points each higher (or each lower) than the one before: a lasting change is likely.")
    elif signal.rule == RUNS:
        low, high = analysis.runs_limits
        words = {"runs": analysis.runs, "useful": analysis.useful, "low": low, "high": high}
        if signal.direction == "too_few":
            found = _("Too few runs: %(runs)s, where %(low)s–%(high)s are expected for %(useful)s points") % words
            meaning = _("The points cross the median seldom: the process has most likely changed over the period.")
        else:
            found = _("Too many runs: %(runs)s, where %(low)s–%(high)s are expected for %(useful)s points") % words
            meaning = _(
                "The points swing across the median more often than chance allows: check whether the "
                "data alternate between sources, samples or ways of measuring."
            )
    else:
        low, high = analysis.limits
        found = (
            _("A value above %(limit)s") % {"limit": number(high)}
            if signal.direction == "high"
            else _("A value below %(limit)s") % {"limit": number(low)}
        )
        meaning = _(
            "Far outside the usual variation (the median ± 3 standard deviations estimated from the "
            "moving ranges): find out what happened in that period."
        )
    return str(RULE_NAMES[signal.rule]()), found, meaning


def run_chart(*, title: str, unit_name: str, points, unit_label: str, target, national=None) -> dict:
    """The run chart of an indicator's series (`indicators.selectors.Point`s): the chart's
    JSON data, its Swedish description and the table of signals under it. The rules are
    applied to the values as shown (one decimal), so that "equal" means equal to the reader."""
    values = [None if p.value is None else p.display for p in points]
    labels = [p.label for p in points]
    analysis = run_chart_analysis(labels, values)
    rows = []
    marks: dict[int, str] = {}
    spans = []
    for signal in analysis.signals:
        rule, found, meaning = _signal_text(signal, analysis)
        periods = [labels[i] for i in signal.points]
        where = periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"
        if signal.rule == RUNS:
            where = f"{labels[signal.first]}–{labels[signal.last]}"
        rows.append({"rule": rule, "key": signal.rule, "found": found, "periods": where, "meaning": meaning})
        if signal.rule in (SHIFT, TREND):
            spans.append({"rule": signal.rule, "from": signal.first, "to": signal.last, "name": rule})
        if signal.rule != RUNS:
            for index in signal.points:
                # An astronomical point outranks a shift, a shift a trend.
                order = (TREND, SHIFT, ASTRONOMICAL)
                if marks.get(index) is None or order.index(signal.rule) > order.index(marks[index]):
                    marks[index] = signal.rule
    method_changes = [i for i, p in enumerate(points) if p.method_changed]
    chart = {
        "kind": "run",
        "title": title,
        "labels": labels,
        "series": [{"name": unit_name, "values": [None if v is None else float(v) for v in values]}]
        + (
            [{"name": national["name"], "values": [None if v is None else float(v) for v in national["values"]]}]
            if national
            else []
        ),
        "median": None if analysis.median is None else float(analysis.median),
        "signals": {str(index): rule for index, rule in marks.items()},
        "spans": spans,
        "target": target,
        "methodChanges": method_changes,
        "unit": unit_label,
        "words": {
            "median": _("median"),
            "target": _("target"),
            "method": _("method changed"),
            SHIFT: str(RULE_NAMES[SHIFT]()),
            TREND: str(RULE_NAMES[TREND]()),
            ASTRONOMICAL: str(RULE_NAMES[ASTRONOMICAL]()),
        },
    }
    chart["description"] = _describe_run(chart, labels, values, analysis, rows, [labels[i] for i in method_changes])
    return {"chart": chart, "analysis": analysis, "signals": rows}


def run_chart_analysis(labels, values) -> Analysis:
    return analyse(list(zip(labels, values, strict=True)))


def _describe_run(chart, labels, values, analysis, rows, method_labels) -> str:
    found = _extremes(labels, values)
    span = f"{labels[0]}–{labels[-1]}" if labels else ""
    if found is None:
        return _("Run chart: %(title)s, %(span)s. No measurements in the period.") % {
            "title": chart["title"],
            "span": span,
        }
    (high_label, high), (low_label, low), (last_label, last), count = found
    parts = [
        _("Run chart: %(title)s for %(unit)s, %(span)s, %(count)s periods with measurements.")
        % {"title": chart["title"], "unit": chart["series"][0]["name"], "span": span, "count": count},
        _("Median %(median)s.") % {"median": number(analysis.median)},
        _("Highest %(high)s (%(high_label)s), lowest %(low)s (%(low_label)s), latest %(last)s (%(last_label)s).")
        % {
            "high": number(high),
            "high_label": high_label,
            "low": number(low),
            "low_label": low_label,
            "last": number(last),
            "last_label": last_label,
        },
    ]
    if method_labels:
        parts.append(_("The method changed in %(periods)s.") % {"periods": ", ".join(method_labels)})
    if rows:
        found = "; ".join(f"{row['rule']}: {row['found']} ({row['periods']})" for row in rows)
        parts.append(_("Signals: %(signals)s.") % {"signals": found})
    else:
        parts.append(_("No signals: the variation looks random."))
    return " ".join(parts)
