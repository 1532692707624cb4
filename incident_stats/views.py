"""The incident statistics dashboard: volumes over time against the year before, the
distribution by category and event class, lead times, late reports, actions and forwards,
causes and Lex Maria per year, with drill-down through the organisation and links to the
matching work queue for those who may see the cases. Counts only (`incident_stats.selectors`,
the same the API serves)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from incident_stats import selectors
from incidents.models import CaseType, Category, EventClass
from indicators.charts import describe
from indicators.periods import label
from psweb import exports
from psweb.db_router import reads_from_replica


def _unit(request) -> OrgUnit:
    raw = request.GET.get("enhet", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        unit = OrgUnit.objects.filter(pk=int(raw)).first()
        if unit is None or not selectors.may_see_stats(request.user, unit):
            raise Http404
        return unit
    paths = sorted(scope_paths(request.user).get(Perm.STATS_VIEW, ()))
    unit = OrgUnit.objects.filter(path=paths[0]).first() if paths else None
    if unit is None:
        raise PermissionDenied(_("You may not see statistics."))
    return unit


def _year(request) -> int:
    this_year = timezone.localdate().year
    raw = request.GET.get("ar", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year else this_year


def _top_category(categories: dict[int, Category], pk: int | None) -> str:
    category = categories.get(pk) if pk else None
    if category is None:
        return _("Not classified")
    while category.parent_id and category.parent_id in categories:
        category = categories[category.parent_id]
    return category.name


def _described(chart: dict) -> dict:
    return {**chart, "description": describe(chart)}


@login_required
@require_GET
@reads_from_replica
def dashboard(request):
    user = request.user
    if not selectors.may_see_stats(user):
        raise PermissionDenied(_("You may not see statistics."))
    unit = _unit(request)
    year = _year(request)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    before_start = dt.date(year - 1, 1, 1)

    by_month = selectors.incident_counts(user=user, unit=unit, group_by=["period"], start=before_start, end=end)
    counts = {row["period_start"]: row["count"] for row in by_month}
    closed = selectors.closed_counts(user=user, unit=unit, granularity="month", start=before_start, end=end)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    volume = [
        {
            "label": label(month, "month"),
            "month": month,
            "count": counts.get(month, 0),
            "previous": counts.get(dt.date(year - 1, month.month, 1), 0),
            "closed": closed.get(month, 0),
        }
        for month in months
    ]

    grouped = selectors.incident_counts(
        user=user, unit=unit, group_by=["category", "event_class", "case_type"], start=start, end=end
    )
    categories = {c.pk: c for c in Category.objects.all()}
    by_category: Counter = Counter()
    by_class: Counter = Counter()
    by_type: Counter = Counter()
    for row in grouped:
        by_category[_top_category(categories, row["category"])] += row["count"]
        by_class[row["event_class"]] += row["count"]
        by_type[row["case_type"]] += row["count"]
    class_labels = dict(EventClass.choices)
    type_labels = dict(CaseType.choices)

    risk = selectors.by_risk_order(
        selectors.incident_counts(user=user, unit=unit, group_by=["risk_level"], start=start, end=end), unit=unit
    )
    summary = selectors.summary(user=user, unit=unit, start=start, end=end)
    children = selectors.incident_counts(user=user, unit=unit, group_by=["unit"], start=start, end=end)
    may_see_cases = has_perm(user, Perm.INCIDENT_VIEW)
    queue = reverse("incidents:queue") if may_see_cases else None

    def queue_link(**filters) -> str | None:
        if not queue:
            return None
        query = {"reported_from": start.isoformat(), "reported_to": end.isoformat(), **filters}
        return f"{queue}?{urlencode(query)}"

    unit_rows = [
        {
            "id": row["unit"],
            "name": row["unit_name"],
            "count": row["count"],
            "self": row["unit"] == unit.pk,
            "stats_url": f"{reverse('statistics:dashboard')}?{urlencode({'enhet': row['unit'], 'ar': year})}",
            "queue_url": queue_link(unit=row["unit"]),
        }
        for row in sorted(children, key=lambda r: (r["unit"] == unit.pk, r["unit_name"]))
    ]
    export_rows = (
        [[_("Reported per month"), v["label"], v["count"]] for v in volume]
        + [[_("Reported per month, the year before"), v["label"], v["previous"]] for v in volume]
        + [[_("Closed per month"), v["label"], v["closed"]] for v in volume]
        + [[_("Category"), name, n] for name, n in by_category.most_common()]
        + [[_("Event class"), class_labels.get(k, _("Not classified")), n] for k, n in by_class.most_common()]
        + [[_("Risk level"), r["risk_level"] or _("Not assessed"), r["count"]] for r in risk]
        + [[_("Unit"), r["name"], r["count"]] for r in unit_rows]
    )
    export = exports.export(
        request, f"avvikelsestatistik-{unit.pk}-{year}", str(year), [_("Figure"), _("Group"), _("Count")], export_rows
    )
    if export:
        return export
    this_month = timezone.localdate().replace(day=1)  # months still to come have no figure yet
    chart_volume = {
        "labels": [v["label"] for v in volume],
        "series": [
            {"name": str(year), "values": [v["count"] if v["month"] <= this_month else None for v in volume]},
            {"name": str(year - 1), "values": [v["previous"] for v in volume]},
            {
                "name": _("Closed %(year)s") % {"year": year},
                "values": [v["closed"] if v["month"] <= this_month else None for v in volume],
            },
        ],
        "title": _("Reported per month"),
    }
    chart_volume["description"] = describe(chart_volume)
    category_rows = [
        {"name": name, "count": n} for name, n in sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
    ]
    class_rows = [
        {
            "key": key,
            "name": class_labels.get(key, _("Not classified")),
            "count": n,
            "queue_url": queue_link(event_class=key) if key else None,
        }
        for key, n in sorted(by_class.items(), key=lambda item: -item[1])
    ]
    trail_ids = unit.ancestor_ids()[:-1]
    trail = [u for u in OrgUnit.objects.filter(pk__in=trail_ids).order_by("depth") if selectors.may_see_stats(user, u)]
    this_year = timezone.localdate().year
    return render(
        request,
        "incident_stats/dashboard.html",
        {
            "title": _("Incident statistics"),
            "unit": unit,
            "trail": trail,
            "year": year,
            "years": list(range(this_year, this_year - 6, -1)),
            "volume": volume,
            "chart_volume": chart_volume,
            "chart_categories": _described(
                {
                    "labels": [r["name"] for r in category_rows],
                    "series": [{"name": str(year), "values": [r["count"] for r in category_rows]}],
                    "title": _("By category"),
                    "kind": "bar",
                }
            ),
            "chart_classes": _described(
                {
                    "labels": [r["name"] for r in class_rows],
                    "series": [{"name": str(year), "values": [r["count"] for r in class_rows]}],
                    "title": _("By event class"),
                    "kind": "bar",
                }
            ),
            "categories": category_rows,
            "classes": class_rows,
            "types": [{"name": type_labels.get(k, k or _("Not given")), "count": n} for k, n in by_type.most_common()],
            "risk": risk,
            "summary": summary,
            "units": unit_rows,
            "queue_url": queue_link(unit=unit.pk),
            "overdue_url": f"{queue}?{urlencode({'unit': unit.pk, 'overdue': 'true'})}" if queue else None,
        },
    )
