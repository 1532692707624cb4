"""`/api/v1/actions/` (the action register): every action the caller may see, from every
source, and `PATCH /api/v1/actions/{id}/` with the action's version. Creating an action stays
on its source (`POST /api/v1/incidents/{id}/actions/`, …). Thin: the filters are the list
page's, the change is `actions.services.action_update`, as on the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from actions import services
from actions.api import serializers as s
from actions.filtersets import ActionFilterSet
from actions.models import Action
from actions.sources import related
from psweb.api import CaseErrorsMixin, ScopedModelViewSet, case_errors
from psweb.pagination import CursorPagination
from psweb.sync import UPDATED_SINCE_PARAMETER, SyncListMixin, SyncSchemaMixin

ERRORS = case_errors("action")
TAGS = ["actions"]


class ActionPagination(SyncSchemaMixin, CursorPagination):
    ordering = ("due_date", "id")


@extend_schema_view(
    list=extend_schema(
        summary="List actions you may see",
        description=(
            "The actions of every case you may see, and every action you are responsible for (with the "
            "source's reference). Earliest due first; paged with a cursor. With `updated_since`: what changed, in "
            'the order it was committed (docs/api.md, "Sync").'
        ),
        parameters=[UPDATED_SINCE_PARAMETER],
        responses={200: s.ActionSerializer, 400: ERRORS[400]},
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One action", responses={200: s.ActionSerializer, 404: ERRORS[404]}, tags=TAGS),
    partial_update=extend_schema(
        summary="Change an action",
        description=(
            "Those who may manage the source change every field; the responsible person `state` and "
            "`progress_note`. Send the `version` you edited: a stale one answers 409 with what changed since."
        ),
        request=s.ActionUpdateSerializer,
        responses={200: s.ActionSerializer, **ERRORS},
        tags=TAGS,
    ),
)
class ActionViewSet(
    CaseErrorsMixin, SyncListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet
):
    queryset = Action.objects.all()
    serializer_class = s.ActionSerializer
    filterset_class = ActionFilterSet
    pagination_class = ActionPagination
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def narrow_queryset(self, queryset):
        return queryset.select_related("responsible", *related()).prefetch_related("causes")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def partial_update(self, request, *args, **kwargs):
        action = self.get_object()
        # Who may comes first (403), then whether the body is valid (400), as on every endpoint.
        asked = dict(request.data) if hasattr(request.data, "keys") else {}
        asked.pop("version", None)
        decision = services.may_update(request.user, action, asked)
        if not decision:
            raise PermissionDenied(decision.reason)
        data = self._valid(s.ActionUpdateSerializer)
        version = data.pop("version")
        action = services.action_update(action=action, actor=request.user, version=version, **data)
        action = self.narrow_queryset(Action.objects.all()).get(pk=action.pk)
        return Response(s.ActionSerializer(action, context=self.get_serializer_context()).data)
