"""Indicator pages: the dashboard of a unit (every indicator against its target, with trend
and drill-down), one indicator's run chart, the board table, entering and importing
measurements, and editing the catalogue. The figures come from `indicators.selectors`, the
same the API serves."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from indicators import charts, params, selectors, services
from indicators import forms as f
from indicators.models import ImportBatch, IndicatorDefinition, Measurement
from indicators.periods import GRANULARITIES, LABELS, add_months, bucket_start, label
from psweb import exports
from psweb.case_pages import add_errors
from psweb.db_router import reads_from_replica

NO_ACCESS = gettext_lazy("You may not see indicators.")


# --- Shared pieces ------------------------------------------------------------------------------------


def _require_indicators(user) -> None:
    if not has_perm(user, Perm.INDICATOR_VIEW):
        raise PermissionDenied(str(NO_ACCESS))


def _unit(request) -> OrgUnit:
    """The unit asked for (`enhet`), if the user may see its indicators (else 404); by
    default the highest unit of the user's scope."""
    raw = request.GET.get("enhet", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        unit = OrgUnit.objects.select_related("kind").filter(pk=int(raw)).first()
        if unit is None or not selectors.may_see_unit(request.user, unit):
            raise Http404
        return unit
    tops = selectors.top_units(request.user)
    if not tops:
        raise PermissionDenied(str(NO_ACCESS))
    return tops[0]


def _trail(user, unit: OrgUnit, perm: str = Perm.INDICATOR_VIEW) -> list[OrgUnit]:
    """The unit's ancestors the user may see, top first, for the breadcrumb."""
    ids = unit.ancestor_ids()[:-1]
    ancestors = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    return [ancestors[pk] for pk in ids if pk in ancestors and has_perm(user, perm, ancestors[pk])]


def _granularity(request, default: str) -> str:
    value = request.GET.get("period", default)
    return value if value in GRANULARITIES else default


def _day(request, granularity: str) -> dt.date:
    """A day in the period shown: `datum`, or by default the last complete period."""
    raw = request.GET.get("datum", "")
    try:
        return (
            dt.date.fromisoformat(raw)
            if raw
            else bucket_start(timezone.localdate(), granularity) - dt.timedelta(days=1)
        )
    except ValueError:
        return bucket_start(timezone.localdate(), granularity) - dt.timedelta(days=1)


def _periods(granularity: str, day: dt.date, count: int = 12) -> list[tuple[str, str]]:
    """(value, label) of the recent periods to choose from, newest first, as far back as the
    period shown."""
    first = bucket_start(timezone.localdate(), granularity)
    size = {"month": 1, "quarter": 3, "tertial": 4, "half_year": 6, "year": 12}[granularity]
    shown = bucket_start(day, granularity)
    if shown < first:
        count = max(count, ((first.year - shown.year) * 12 + first.month - shown.month) // size + 1)
    return [
        (add_months(first, -size * n).isoformat(), label(add_months(first, -size * n), granularity))
        for n in range(count)
    ]


STATUS_TEXT = {
    "met": ("✓", gettext_lazy("Target met")),
    "not_met": ("✗", gettext_lazy("Target not met")),
    "no_target": ("–", gettext_lazy("No target")),
}


def _status(met: bool | None) -> dict:
    key = "no_target" if met is None else ("met" if met else "not_met")
    icon, text = STATUS_TEXT[key]
    return {"key": key, "icon": icon, "text": str(text)}


def _trend(point_trend: str | None, movement: str | None) -> dict | None:
    if point_trend is None:
        return None
    arrow = {"up": "↑", "down": "↓", "flat": "→"}.get(movement or "flat", "→")
    text = {"better": _("better"), "worse": _("worse"), "unchanged": _("unchanged")}[point_trend]
    return {"key": point_trend, "arrow": arrow, "text": text}


def _fmt(value) -> str:
    return "" if value is None else f"{value}".replace(".", ",")


# --- The dashboard ------------------------------------------------------------------------------------


@login_required
@require_GET
@reads_from_replica
def dashboard(request):
    _require_indicators(request.user)
    unit = _unit(request)
    granularity = _granularity(request, "tertial")
    indicators = list(IndicatorDefinition.objects.filter(is_active=True).prefetch_related("methods"))
    if request.GET.get("datum"):
        day = _day(request, granularity)
    else:
        day = selectors.default_period(unit, granularity, timezone.localdate(), indicators)
    first = bucket_start(day, granularity)
    rows = selectors.overview(unit, granularity, day, indicators)
    table = [
        {
            "indicator": row.indicator,
            "current": row.current,
            "latest": row.latest if row.current.value is None else None,
            "previous": row.previous,
            "target": selectors.target_text(row.indicator),
            "status": _status(row.current.target_met),
            "trend": _trend(row.current.trend, row.current.movement),
        }
        for row in rows
    ]
    period_label = label(first, granularity)
    export = exports.export(
        request,
        f"indikatorer-{unit.pk}-{first.isoformat()}",
        _("Indicators"),
        [
            _("Code"),
            _("Indicator"),
            _("Period"),
            _("Numerator"),
            _("Denominator"),
            _("Value"),
            _("Target"),
            _("Target met"),
            _("Previous period"),
            _("Trend"),
        ],
        [
            [
                r["indicator"].code,
                r["indicator"].name,
                period_label,
                r["current"].numerator,
                r["current"].denominator,
                r["current"].display,
                r["target"],
                r["status"]["text"],
                r["previous"].display,
                r["trend"]["text"] if r["trend"] else "",
            ]
            for r in table
        ],
    )
    if export:
        return export
    return render(
        request,
        "indicators/dashboard.html",
        {
            "title": _("Indicators"),
            "unit": unit,
            "trail": _trail(request.user, unit),
            "children": list(OrgUnit.objects.filter(parent=unit, is_active=True).order_by("name")),
            "granularity": granularity,
            "granularities": [(g, LABELS[g]) for g in GRANULARITIES],
            "period_label": period_label,
            "period_value": first.isoformat(),
            "periods": _periods(granularity, day),
            "rows": table,
            "may_enter": has_perm(request.user, Perm.INDICATOR_EDIT),
            "may_import": has_perm(request.user, Perm.INDICATOR_IMPORT),
        },
    )


# --- One indicator ------------------------------------------------------------------------------------


@login_required
@require_GET
@reads_from_replica
def detail(request, code: str):
    _require_indicators(request.user)
    indicator = get_object_or_404(IndicatorDefinition.objects.prefetch_related("methods"), code=code)
    unit = _unit(request)
    granularity = _granularity(request, "quarter" if indicator.frequency != "month" else "month")
    today = timezone.localdate()
    try:
        span = params.parse(
            {"from": request.GET.get("fran", ""), "to": request.GET.get("till", ""), "granularity": granularity},
            may_see=lambda u: True,
        )
        start, end = span.start, span.end
    except ValidationError:
        start, end = params.default_start(today), today
    points = selectors.series(indicator, unit, granularity, start, end)
    national = services.national_unit_if_exists()
    national_points = (
        selectors.series(indicator, national, granularity, start, end) if national and national != unit else []
    )
    last = next((p for p in reversed(points) if p.value is not None), points[-1])
    kids = selectors.children(indicator, unit, granularity, last.period_start)
    national_values = [p.display for p in national_points]
    drawn = charts.run_chart(
        title=indicator.name,
        unit_name=unit.name,
        points=points,
        unit_label=indicator.unit_label,
        target=_chart_target(indicator),
        national=(
            {"name": str(national), "values": national_values} if any(v is not None for v in national_values) else None
        ),
    )
    measurements = list(
        Measurement.objects.filter(
            indicator=indicator, unit__path__startswith=unit.path, period_start__gte=start, period_start__lte=end
        )
        .select_related("unit__kind")
        .order_by("-period_start", "unit__name")[:200]
    )
    may_change = {m.pk: services.may_enter(request.user, m.unit) for m in measurements}
    export = exports.export(
        request,
        f"{indicator.code}-{unit.pk}",
        indicator.code,
        [_("Period"), _("Numerator"), _("Denominator"), _("Value"), _("Target met"), _("Method"), _("Method changed")],
        [
            [
                p.label,
                p.numerator,
                p.denominator,
                p.display,
                _status(p.target_met)["text"],
                p.method,
                _("yes") if p.method_changed else "",
            ]
            for p in points
        ],
    )
    if export:
        return export
    return render(
        request,
        "indicators/detail.html",
        {
            "title": indicator.name,
            "indicator": indicator,
            "target": selectors.target_text(indicator),
            "unit": unit,
            "trail": _trail(request.user, unit),
            "granularity": granularity,
            "granularities": [(g, LABELS[g]) for g in GRANULARITIES],
            "start": start,
            "end": end,
            "points": [
                {"point": p, "status": _status(p.target_met), "trend": _trend(p.trend, p.movement)} for p in points
            ],
            "chart": drawn["chart"],
            "run": drawn["analysis"],
            "signals": drawn["signals"],
            "last": last,
            "children": [{"row": k, "status": _status(k.target_met)} for k in kids],
            "measurements": [{"m": m, "may_change": may_change[m.pk]} for m in measurements],
            "invalidate_form": f.InvalidateForm(),
            "may_define": has_perm(request.user, Perm.INDICATOR_DEFINE),
        },
    )


def _chart_target(indicator: IndicatorDefinition) -> dict | None:
    if indicator.target_kind == "range":
        return {"low": float(indicator.target_low), "high": float(indicator.target_high)}
    if indicator.target_value is not None and indicator.target_kind:
        return {"value": float(indicator.target_value)}
    return None


# --- The board table ------------------------------------------------------------------------------------


@login_required
@require_GET
@reads_from_replica
def board(request):
    """Like the regions' yearly reports: indicator | previous year | target | this year |
    trend | comment."""
    _require_indicators(request.user)
    unit = _unit(request)
    this_year = timezone.localdate().year
    raw = request.GET.get("ar", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year else this_year - 1
    rows = selectors.overview(unit, "year", dt.date(year, 6, 30))
    invalid = selectors.invalid_counts(unit, dt.date(year, 1, 1), dt.date(year, 12, 31))
    table = []
    for row in rows:
        comments = []
        if row.current.method_changed or (
            row.previous.method and row.current.method and row.previous.method != row.current.method
        ):
            comments.append(_("Method changed: %(method)s.") % {"method": row.current.method})
        if invalid.get(row.indicator.pk):
            comments.append(_("%(count)s invalid measurements left out.") % {"count": invalid[row.indicator.pk]})
        table.append(
            {
                "indicator": row.indicator,
                "previous": row.previous,
                "current": row.current,
                "target": selectors.target_text(row.indicator),
                "status": _status(row.current.target_met),
                "trend": _trend(row.current.trend, row.current.movement),
                "comment": " ".join(str(c) for c in comments),
            }
        )
    export = exports.export(
        request,
        f"styrelsetabell-{unit.pk}-{year}",
        str(year),
        [_("Indicator"), str(year - 1), _("Target"), str(year), _("Trend"), _("Comment")],
        [
            [
                r["indicator"].name,
                r["previous"].display,
                r["target"],
                r["current"].display,
                r["trend"]["text"] if r["trend"] else "",
                r["comment"],
            ]
            for r in table
        ],
    )
    if export:
        return export
    return render(
        request,
        "indicators/board.html",
        {
            "title": _("Board table"),
            "unit": unit,
            "trail": _trail(request.user, unit),
            "year": year,
            "years": list(range(this_year, this_year - 8, -1)),
            "rows": table,
        },
    )


# --- Entering measurements -----------------------------------------------------------------------------


def _units_for_entry(user) -> list[OrgUnit]:
    paths = scope_paths(user).get(Perm.INDICATOR_EDIT, ())
    units = []
    for path in paths:
        top_depth = path.count("/") - 2
        for unit in OrgUnit.objects.filter(path__startswith=path, is_active=True).order_by("path"):
            unit.indented = "\u2003" * (unit.depth - top_depth) + unit.name
            units.append(unit)
    if has_perm(user, Perm.INDICATOR_DEFINE):
        national = services.national_unit_if_exists()
        if national is not None:
            national.indented = national.name
            units.append(national)
    return units


@login_required
@require_http_methods(["GET", "POST"])
def entry(request):
    """A form per unit and period: choose them, then enter the numerator and denominator of
    any indicators measured (empty rows are left alone). Saved all or nothing, with the same
    checks as the import; the numbers already saved for the period are filled in."""
    if not has_perm(request.user, Perm.INDICATOR_EDIT):
        raise PermissionDenied(_("Only measurement owners enter measurements."))
    units = _units_for_entry(request.user)
    period = f.PeriodForm(request.GET or None, units=units)
    if not request.GET or not period.is_valid():
        return render(
            request,
            "indicators/entry.html",
            {"title": _("Enter measurements"), "period": period},
            status=400 if request.GET else 200,
        )
    unit, start, end = period.cleaned_data["unit"], period.cleaned_data["fran"], period.cleaned_data["till"]
    indicators = list(IndicatorDefinition.objects.filter(is_active=True).prefetch_related("methods"))
    saved = {
        m.indicator_id: m
        for m in Measurement.objects.filter(unit=unit, period_start=start, period_end=end).order_by("-updated_at")
    }
    errors: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, str]] = {}
    status = 200
    if request.method == "POST":
        rows = []
        for number, indicator in enumerate(indicators, start=1):
            typed = {
                name: request.POST.get(f"{indicator.code}-{name}", "").strip()
                for name in ("numerator", "denominator", "comment")
            }
            values[indicator.code] = typed
            if typed["numerator"] or typed["denominator"]:
                rows.append(
                    (
                        number,
                        {
                            "indicator": indicator.code,
                            "unit": str(unit.pk),
                            "period_start": start,
                            "period_end": end,
                            **typed,
                        },
                    )
                )
        if not rows:
            messages.error(request, _("Enter at least one measurement."))
            status = 400
        else:
            result = services.measurements_check_and_save(
                actor=request.user, rows=rows, commit=True, perm=Perm.INDICATOR_EDIT
            )
            if not result.errors:
                messages.success(
                    request,
                    _("Saved: %(created)s new, %(updated)s corrected, %(unchanged)s unchanged.") % result.counts,
                )
                return redirect(f"{reverse('indicators:dashboard')}?enhet={unit.pk}")
            for error in result.errors:
                errors.setdefault(indicators[error.row - 1].code, {})[error.field] = error.message
            status = 400
    lines = []
    for indicator in indicators:
        existing = saved.get(indicator.pk)
        typed = values.get(indicator.code) or {
            "numerator": _plain(existing.numerator) if existing else "",
            "denominator": _plain(existing.denominator) if existing else "",
            "comment": existing.comment if existing else "",
        }
        lines.append({"indicator": indicator, "values": typed, "errors": errors.get(indicator.code, {})})
    return render(
        request,
        "indicators/entry_grid.html",
        {
            "title": _("Enter measurements"),
            "unit": unit,
            "start": start,
            "end": end,
            "lines": lines,
            "has_errors": bool(errors),
            "query": request.GET.urlencode(),
        },
        status=status,
    )


def _plain(number) -> str:
    if number is None:
        return ""
    return format(number.normalize(), "f").replace(".", ",")


@login_required
@require_POST
def invalidate(request, pk: int):
    measurement = get_object_or_404(Measurement.objects.visible_to(request.user).select_related("indicator"), pk=pk)
    back = f"{reverse('indicators:detail', args=[measurement.indicator.code])}?enhet={measurement.unit_id}"
    form = f.InvalidateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the measurement is invalid."))
        return redirect(back)
    services.measurement_invalidate(actor=request.user, measurement=measurement, reason=form.cleaned_data["reason"])
    messages.success(request, _("The measurement is marked invalid and left out of every figure."))
    return redirect(back)


# --- Importing ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    if not has_perm(request.user, Perm.INDICATOR_IMPORT):
        raise PermissionDenied(_("Only measurement owners import measurements."))
    form = f.UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            if upload_file.size > 20 * 1024 * 1024:
                form.add_error("file", _("The file is too large (at most %(mb)s MB).") % {"mb": 20})
            else:
                batch = services.import_upload(
                    actor=request.user, file_name=upload_file.name, content=upload_file.read()
                )
                return redirect("indicators:import-preview", pk=batch.pk)
        status = 400
    recent = ImportBatch.objects.filter(uploaded_by=request.user, committed_at__isnull=False)[:10]
    return render(
        request,
        "indicators/upload.html",
        {"title": _("Import measurements"), "form": form, "recent": recent},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user)
    problem = ""
    result = None
    if request.method == "POST" and batch.committed_at is None:
        try:
            result = services.import_commit(actor=request.user, batch=batch)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            if not result.errors:
                counts = result.counts
                messages.success(
                    request,
                    _("Imported: %(created)s new, %(updated)s corrected, %(unchanged)s unchanged.") % counts,
                )
                return redirect("indicators:upload")
    if result is None and not problem:
        try:
            result = services.import_preview(actor=request.user, batch=batch)
        except ValidationError as error:
            problem = " ".join(error.messages)
    preview = []
    if result is not None and not result.errors:
        preview = [
            {"row": row, "outcome": outcome}
            for row, outcome in list(zip(result.rows, result.outcomes, strict=True))[:50]
        ]
    return render(
        request,
        "indicators/preview.html",
        {
            "title": _("Preview of the import"),
            "batch": batch,
            "result": result,
            "problem": problem,
            "preview": preview,
            "errors": (result.errors[:500] if result else []),
        },
        status=400 if problem or (result and result.errors) else 200,
    )


# --- The catalogue ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, code: str):
    if not has_perm(request.user, Perm.INDICATOR_DEFINE):
        raise PermissionDenied(_("Only the patient-safety team edits the indicator catalogue."))
    indicator = get_object_or_404(IndicatorDefinition, code=code)
    form = f.DefinitionForm(request.POST or None, instance=IndicatorDefinition.objects.get(pk=indicator.pk))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.definition_update(
                    actor=request.user,
                    indicator=indicator,
                    **{name: form.cleaned_data[name] for name in services.DEFINITION_FIELDS},
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The indicator has been saved."))
                return redirect("indicators:detail", code=indicator.code)
        status = 400
    return render(
        request,
        "indicators/edit.html",
        {"title": _("Edit %(code)s") % {"code": indicator.code}, "indicator": indicator, "form": form},
        status=status,
    )
