"""`GET /api/v1/reference/users/?username=…` or `?hsa_id=…`: find a colleague's user id.

An integrator needs a user id to name an action's responsible person or an incident's handler,
and knows the person by their user name or HSA-id (the Swedish health-care directory's id).
The look-up answers one exact match, never a list, and only with what a colleague may see on a
case page: the name, the title, the HSA-id and the roles in the caller's own care providers.
A colleague is someone with a membership valid today in a care provider where the caller has
one too; anyone else is "not found" (404), the same answer as for a name that does not exist,
so the look-up tells no one who works elsewhere.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership, User
from accounts.selectors import memberships_valid_for


class ColleagueRoleSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")
    role = serializers.CharField()
    role_name = serializers.CharField(source="get_role_display")


class ColleagueSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user id (for `responsible`, `handler`, `leader`, …).")
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    title = serializers.CharField(help_text="Professional title, e.g. “Sjuksköterska”; may be empty.")
    hsa_id = serializers.CharField(help_text="HSA-id; may be empty.")
    roles = ColleagueRoleSerializer(
        many=True, help_text="Roles valid today, in the care providers where you have a role too."
    )


class UserLookupView(APIView):
    @extend_schema(
        operation_id="reference_users_lookup",
        summary="Find a colleague by user name or HSA-id",
        description=(
            "Give exactly one of `username` and `hsa_id` (an exact match). Answers the colleague's id, name, title, "
            "HSA-id and roles in the care providers you belong to. Someone outside them is not found (404)."
        ),
        parameters=[
            OpenApiParameter("username", OpenApiTypes.STR, description="The exact user name."),
            OpenApiParameter("hsa_id", OpenApiTypes.STR, description="The exact HSA-id, e.g. SE2321000032-1234."),
        ],
        responses={200: ColleagueSerializer},
        tags=["reference"],
    )
    def get(self, request):
        username = request.query_params.get("username", "").strip()
        hsa_id = request.query_params.get("hsa_id", "").strip()
        if bool(username) == bool(hsa_id):
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Give either a user name or an HSA-id, not both.")]}
            )
        providers = {m.unit.care_provider_id for m in memberships_valid_for(user=request.user)}
        found = User.objects.filter(is_active=True, **({"username": username} if username else {"hsa_id": hsa_id}))
        user = found.first()
        roles = (
            list(
                Membership.objects.valid_on()
                .filter(user=user, unit__is_active=True, unit__care_provider_id__in=providers)
                .select_related("unit")
            )
            if user is not None
            else []
        )
        if not roles:
            raise exceptions.NotFound()
        user.roles = roles
        return Response(ColleagueSerializer(user).data)
