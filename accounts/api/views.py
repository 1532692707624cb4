"""API for the caller, the org tree and the membership roster (`/api/v1/`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MembershipSerializer, MeSerializer, OrgUnitSerializer
from accounts.filtersets import MembershipFilterSet, OrgUnitFilterSet
from accounts.models import Membership, OrgUnit
from accounts.selectors import me_get
from psweb.api import ScopedReadOnlyViewSet
from psweb.pagination import CursorPagination


class MeView(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="The caller and their memberships valid today",
        responses=MeSerializer,
        tags=["me"],
    )
    def get(self, request):
        return Response(MeSerializer(me_get(user=request.user), context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(summary="List org units (care providers and their units)"),
    retrieve=extend_schema(summary="One org unit"),
)
class OrgUnitViewSet(ScopedReadOnlyViewSet):
    """The organisation tree: care providers (roots) and their units. Every signed-in user
    sees the whole tree, because a report can be filed for any unit."""

    queryset = OrgUnit.objects.all()
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet

    def narrow_queryset(self, queryset):
        return queryset.select_related("kind")


@extend_schema_view(
    list=extend_schema(summary="List memberships (who holds which role where)"),
    retrieve=extend_schema(summary="One membership"),
)
class MembershipViewSet(ScopedReadOnlyViewSet):
    """Who holds which role where: the caller's own memberships, and those in the units where
    the caller may see the roster (`membership.view`). Others answer 404. Paged with a cursor."""

    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    pagination_class = CursorPagination

    def narrow_queryset(self, queryset):
        return queryset.select_related("user", "unit")
