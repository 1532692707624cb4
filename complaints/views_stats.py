"""The complaint statistics page (`/klagomal/statistik/`): a year's counts per channel, problem
area, unit and month, answered in time and linked incidents, for those who hold
`complaint.stats`, with CSV/XLSX of the same tables. Figures from `complaints.statistics`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import has_perm
from accounts.models import OrgUnit
from accounts.roles import Perm
from complaints import statistics
from complaints.external_stats import external_year_counts
from complaints.models import Channel, area_label
from indicators.periods import label
from psweb import exports
from psweb.db_router import reads_from_replica

YEARS_BACK = 6


def _unit(request) -> OrgUnit | None:
    """The unit asked for (`enhet`), if the user may count its complaints (else 404); by
    default all of the user's scope."""
    raw = request.GET.get("enhet", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    unit = OrgUnit.objects.filter(pk=int(raw)).first()
    if unit is None or not statistics.may_see_stats(request.user, unit):
        raise Http404
    return unit


def _year(request) -> int:
    this_year = timezone.localdate().year
    raw = request.GET.get("ar", "")
    return int(raw) if raw.isdigit() and this_year - 50 <= int(raw) <= this_year else this_year


def _one_decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


@login_required
@require_GET
@reads_from_replica
def complaint_statistics(request):
    user = request.user
    if not statistics.may_see_stats(user):
        raise PermissionDenied(_("You may not see complaint statistics."))
    unit = _unit(request)
    year = _year(request)
    stats = statistics.complaint_stats(user=user, year=year, unit=unit)
    channels = dict(Channel.choices)
    channel_rows = [(str(channels.get(key, key)), n) for key, n in stats.by_channel.most_common()]
    area_rows = [(area_label(key) or key, n) for key, n in stats.by_area.most_common()]
    unit_rows = [(u.name, n, u.pk) for u, n in stats.by_unit]
    month_rows = [(label(month, "month"), n, before) for month, n, before in stats.by_month]
    # IVO's and LÖF's cases are counted over the complaints the user may read
    # (`external_stats`), so only for those who may, and only for their whole scope.
    external = (
        list(external_year_counts(user, year).values()) if unit is None and has_perm(user, Perm.COMPLAINT_VIEW) else []
    )
    external_rows = []
    for kind in external:
        external_rows.append([kind.label, _("Received"), kind.received])
        external_rows.append([kind.label, _("Decided"), kind.decided])
        external_rows += [[kind.label, label, n] for label, n in kind.decisions.values()]
        if kind.kind == "lof":
            external_rows.append([kind.label, _("Amount compensated (SEK)"), kind.amount])
    key_rows = [
        (_("Received"), stats.received),
        (_("Answers sent"), stats.answered),
        (_("Answered in time"), stats.in_time),
        (_("Counted for “answered in time” (answered, or unanswered past the due date)"), stats.counted),
        (_("Share answered in time (%)"), _one_decimal(stats.share_in_time)),
        (_("Median days from receipt to answer"), _one_decimal(stats.median_days)),
        (_("Forwarded or withdrawn"), stats.not_counted),
        (_("Linked to an incident"), stats.linked),
    ]
    export = exports.export(
        request,
        f"klagomalsstatistik-{unit.pk if unit else 'alla'}-{year}",
        str(year),
        [_("Figure"), _("Group"), _("Count")],
        [[_("Key figures"), name, value] for name, value in key_rows]
        + [[_("Received per month"), month, n] for month, n, _before in month_rows]
        + [[_("Received per month, the year before"), month, before] for month, _n, before in month_rows]
        + [[_("Channel"), name, n] for name, n in channel_rows]
        + [[_("Problem area"), name, n] for name, n in area_rows]
        + [[_("Unit"), name, n] for name, n, _pk in unit_rows]
        + [[_("IVO and LÖF cases"), f"{kind}: {name}", n] for kind, name, n in external_rows],
    )
    if export:
        return export
    this_year = timezone.localdate().year
    return render(
        request,
        "complaints/statistics.html",
        {
            "title": _("Complaint statistics"),
            "unit": unit,
            "units": statistics.roots(user),
            "year": year,
            "years": list(range(this_year, this_year - YEARS_BACK, -1)),
            "key_rows": key_rows,
            "months": month_rows,
            "channels": channel_rows,
            "areas": area_rows,
            "unit_rows": unit_rows,
            "external": external,
        },
    )
