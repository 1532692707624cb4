"""`/api/v1/indicators/`, `/api/v1/measurements/` and `/api/v1/stats/indicators/...` (DESIGN §6).

The series endpoint calls the same selectors as the dashboards, with the same parameter
parsing (`indicators.params`), so the pages and the API can never disagree. The incident
statistics endpoints (`/api/v1/stats/incidents/...`) are in `incident_stats.api`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import has_perm
from accounts.roles import Perm
from indicators import selectors, services
from indicators.api import params
from indicators.api import serializers as s
from indicators.models import IndicatorDefinition, Measurement
from psweb.api import ErrorSerializer, ScopedModelViewSet, ScopedReadOnlyViewSet, ValidationErrorSerializer
from psweb.db_router import reads_from_replica
from psweb.pagination import CursorPagination
from psweb.sync import UPDATED_SINCE_PARAMETER, SyncListMixin, SyncSchemaMixin

MAX_ROWS = 20_000


@extend_schema_view(
    list=extend_schema(summary="The indicator catalogue", tags=["indicators"]),
    retrieve=extend_schema(summary="One indicator, by its code", tags=["indicators"]),
)
class IndicatorViewSet(ScopedReadOnlyViewSet):
    queryset = IndicatorDefinition.objects.all()
    serializer_class = s.IndicatorSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9-]+"
    filterset_fields = ["is_active", "frequency"]

    def narrow_queryset(self, queryset):
        return queryset.prefetch_related("methods")


class MeasurementPagination(SyncSchemaMixin, CursorPagination):
    ordering = ("-period_start", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List measurements you may see",
        description=(
            "Those of the units where you may see indicators, and the national reference values. With "
            '`updated_since`: what changed, in the order it was committed (docs/api.md, "Sync").'
        ),
        parameters=[
            UPDATED_SINCE_PARAMETER,
            OpenApiParameter("indicator", OpenApiTypes.STR, description="An indicator's code."),
            OpenApiParameter("unit", {"type": "integer", "minimum": 1}),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Periods starting on or after."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Periods starting on or before."),
            OpenApiParameter("is_valid", OpenApiTypes.BOOL),
        ],
        tags=["indicators"],
    ),
    retrieve=extend_schema(summary="One measurement", tags=["indicators"]),
)
class MeasurementViewSet(SyncListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet):
    queryset = Measurement.objects.all()
    serializer_class = s.MeasurementSerializer
    pagination_class = MeasurementPagination
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    def narrow_queryset(self, queryset):
        queryset = queryset.select_related("indicator")
        if self.action != "list":
            return queryset
        query = self.request.query_params
        errors = {}
        if query.get("indicator"):
            queryset = queryset.filter(indicator__code__iexact=query["indicator"])
        if query.get("unit"):
            if not query["unit"].isdigit():
                errors["unit"] = [_("Give the unit's id (a whole number).")]
            else:
                queryset = queryset.filter(unit_id=int(query["unit"]))
        for name, lookup in (("from", "period_start__gte"), ("to", "period_start__lte")):
            if query.get(name):
                try:
                    queryset = queryset.filter(**{lookup: dt.date.fromisoformat(query[name])})
                except ValueError:
                    errors[name] = [_("Give a date as YYYY-MM-DD.")]
        if query.get("is_valid") in ("true", "false"):
            queryset = queryset.filter(is_valid=query["is_valid"] == "true")
        if errors:
            raise exceptions.ValidationError(errors)
        return queryset

    @extend_schema(
        summary="Save measurements (upsert)",
        description=(
            "A list of measurements. Each is keyed by (indicator, unit, period_start, period_end, method): a new "
            "key is created, an existing one updated, the same numbers left unchanged. All or nothing: with any "
            "row in error nothing is saved and the answer (400) lists every error with its row (from 1)."
        ),
        request=s.MeasurementInSerializer(many=True),
        responses={
            200: s.MeasurementsResultSerializer,
            400: s.MeasurementsErrorSerializer,
            403: OpenApiResponse(ErrorSerializer, description="You may not enter measurements."),
        },
        tags=["indicators"],
    )
    def create(self, request, *args, **kwargs):
        if not has_perm(request.user, Perm.INDICATOR_EDIT) and not has_perm(request.user, Perm.INDICATOR_DEFINE):
            raise PermissionDenied(_("Only measurement owners enter measurements."))
        data = request.data
        if not isinstance(data, list):
            raise exceptions.ValidationError({"non_field_errors": [_("Send a list of measurements.")]})
        if len(data) > MAX_ROWS:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Send at most %(max)s measurements at a time.") % {"max": MAX_ROWS}]}
            )
        rows, shape_errors = [], []
        for number, item in enumerate(data, start=1):
            serializer = s.MeasurementInSerializer(data=item if isinstance(item, dict) else {})
            if not serializer.is_valid():
                for field, messages in serializer.errors.items():
                    shape_errors.append(services.RowError(number, field, str(messages[0])))
                continue
            rows.append((number, dict(serializer.validated_data)))
        if shape_errors:
            return self._row_errors(shape_errors)
        result = services.measurements_check_and_save(
            actor=request.user, rows=rows, commit=True, perm=Perm.INDICATOR_EDIT
        )
        if result.errors:
            return self._row_errors(result.errors)
        return Response(s.MeasurementsResultSerializer(result.counts).data)

    @staticmethod
    def _row_errors(errors) -> Response:
        """The error contract's 400: each row's errors under its index in the list sent (from 0)."""
        by_index: dict[str, dict[str, list]] = {}
        for e in errors:
            field = by_index.setdefault(str(e.row - 1), {}).setdefault(e.field, [])
            field.append({"code": getattr(e, "code", "") or "invalid", "message": str(e.message)})
        return Response(
            {
                "detail": _("Nothing was saved: some measurements have errors. See the message for each row."),
                "code": "invalid",
                "errors": by_index,
                "rows": [{"row": e.row, "field": e.field, "message": e.message} for e in errors],
            },
            status=status.HTTP_400_BAD_REQUEST,
        )

    @extend_schema(
        summary="Mark a measurement invalid",
        description="It keeps its reason and is left out of every aggregate.",
        request=s.InvalidateSerializer,
        responses={
            200: s.MeasurementSerializer,
            400: OpenApiResponse(ValidationErrorSerializer, description="No reason."),
            403: OpenApiResponse(ErrorSerializer, description="You may not enter measurements for its unit."),
        },
        tags=["indicators"],
    )
    @action(detail=True, methods=["post"])
    def invalidate(self, request, pk=None):
        measurement = self.get_object()
        serializer = s.InvalidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        measurement = services.measurement_invalidate(
            actor=request.user, measurement=measurement, reason=serializer.validated_data["reason"]
        )
        return Response(s.MeasurementSerializer(measurement).data)

    @extend_schema(
        summary="Count a measurement again",
        request=None,
        responses={
            200: s.MeasurementSerializer,
            403: OpenApiResponse(ErrorSerializer, description="You may not enter measurements for its unit."),
        },
        tags=["indicators"],
    )
    @action(detail=True, methods=["post"])
    def revalidate(self, request, pk=None):
        measurement = services.measurement_revalidate(actor=request.user, measurement=self.get_object())
        return Response(s.MeasurementSerializer(measurement).data)


@reads_from_replica
class IndicatorSeriesView(APIView):
    @extend_schema(
        operation_id="stats_indicator_series",
        summary="An indicator's series for a unit and its subtree",
        description=(
            "One point per period: Σ numerators / Σ denominators of the subtree's valid measurements (never an "
            "average of percentages), the target, whether it is met and the trend, judged on the exact value."
        ),
        parameters=params.SPAN,
        responses={200: s.SeriesPointSerializer(many=True), **params.ERRORS},
        tags=["stats"],
    )
    def get(self, request, code: str):
        if not has_perm(request.user, Perm.INDICATOR_VIEW):
            raise PermissionDenied(_("You may not see indicators."))
        indicator = get_object_or_404(IndicatorDefinition.objects.prefetch_related("methods"), code__iexact=code)
        span = params.span(request, may_see=lambda unit: selectors.may_see_unit(request.user, unit))
        unit = span.unit or (selectors.top_units(request.user) or [None])[0]
        if unit is None:
            raise PermissionDenied(_("You may not see indicators."))
        points = selectors.series(indicator, unit, span.granularity, span.start, span.end)
        context = {"target": selectors.target_text(indicator)}
        return Response(s.SeriesPointSerializer(points, many=True, context=context).data)
