"""The query parameters of the statistics endpoints, for every app that serves them (an
indicator's series here, the incident counts in `incident_stats`): their description in the
OpenAPI schema, and their parsing (`indicators.params`, the same the dashboards use) with a
bad value answered as a 400 that names the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions

from indicators import params
from psweb.api import ErrorSerializer, ValidationErrorSerializer

SPAN = [
    OpenApiParameter(
        "unit",
        {"type": "integer", "minimum": 1},  # an id: a negative one is refused (400)
        description="A unit's id; the figures include its whole subtree.",
    ),
    OpenApiParameter(
        "granularity", OpenApiTypes.STR, enum=["month", "quarter", "tertial", "half_year", "year"], default="month"
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Default: 1 January four years ago."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Default: today."),
]
ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="Bad parameters; the errors of each."),
    403: OpenApiResponse(ErrorSerializer, description="You may not see statistics."),
    404: OpenApiResponse(ErrorSerializer, description="No such unit or indicator, or outside your scope."),
}


def span(request, *, may_see, groups=(), unit_required=False) -> params.Span:
    try:
        return params.parse(request.query_params, may_see=may_see, allowed_groups=groups, unit_required=unit_required)
    except ValidationError as error:
        raise exceptions.ValidationError(error.message_dict) from error
