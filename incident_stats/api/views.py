"""`/api/v1/stats/incidents/` and `/api/v1/stats/incidents/summary/` (DESIGN §6).

They call the same selectors as the statistics page, with the same parameter parsing
(`indicators.api.params`), so the page and the API can never disagree.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from incident_stats import selectors
from incident_stats.api import serializers as s
from indicators.api import params
from psweb.db_router import reads_from_replica


@reads_from_replica
class IncidentStatsView(APIView):
    @extend_schema(
        operation_id="stats_incidents",
        summary="Incident counts, grouped",
        description=(
            "The incidents you may count (see the statistics section of the README), reported in the period, "
            "grouped by one or more of period, category, event_class, case_type, unit, status, risk_level "
            "(risk_level combines only with period and unit). With `unit`, those its subtree is responsible "
            "for, and `unit` groups by its children. Counts only."
        ),
        parameters=[
            *params.SPAN,
            OpenApiParameter("group_by", OpenApiTypes.STR, description="Comma-separated, e.g. `period,category`."),
        ],
        responses={200: s.IncidentCountSerializer(many=True), **params.ERRORS},
        tags=["stats"],
    )
    def get(self, request):
        if not selectors.may_see_stats(request.user):
            raise PermissionDenied(_("You may not see statistics."))
        span = params.span(
            request, may_see=lambda unit: selectors.may_see_stats(request.user, unit), groups=selectors.GROUPS
        )
        if "risk_level" in span.group_by and not set(span.group_by) <= selectors.RISK_COMBINES_WITH:
            raise exceptions.ValidationError({"group_by": [_("risk_level can only be combined with period and unit.")]})
        rows = selectors.incident_counts(
            user=request.user,
            unit=span.unit,
            group_by=span.group_by,
            granularity=span.granularity,
            start=span.start,
            end=span.end,
        )
        return Response(s.IncidentCountSerializer(rows, many=True).data)


@reads_from_replica
class IncidentSummaryView(APIView):
    @extend_schema(
        operation_id="stats_incidents_summary",
        summary="Incident figures for a period",
        description=(
            "Reported, closed, late, open now; lead times (median and 90th percentile, whole days); open and "
            "overdue actions; forwards awaiting an answer; causes; Lex Maria cases per year by decision."
        ),
        parameters=params.SPAN[:1] + params.SPAN[2:],
        responses={200: s.IncidentSummarySerializer, **params.ERRORS},
        tags=["stats"],
    )
    def get(self, request):
        if not selectors.may_see_stats(request.user):
            raise PermissionDenied(_("You may not see statistics."))
        span = params.span(request, may_see=lambda unit: selectors.may_see_stats(request.user, unit))
        summary = selectors.summary(user=request.user, unit=span.unit, start=span.start, end=span.end)
        return Response(s.IncidentSummarySerializer(summary).data)
