"""Read-only representations of users' roles and the org tree. Field names are a public
contract (DESIGN §6): add fields, never rename or remove them."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Membership, OrgUnit
from psweb.api import ModelSerializer


class MembershipBriefSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    role_name = serializers.CharField(source="get_role_display", read_only=True)
    care_provider = serializers.IntegerField(source="unit.care_provider_id", read_only=True)

    class Meta:
        model = Membership
        fields = ["unit", "unit_name", "role", "role_name", "care_provider", "valid_from", "valid_to"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="The caller's user id (as in `handler`, `responsible`).")
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    memberships = MembershipBriefSerializer(
        many=True, read_only=True, help_text="The caller's memberships that are valid today, in tree order."
    )

    def get_id(self, me) -> int:
        return self.context["request"].user.pk


class OrgUnitSerializer(ModelSerializer):
    kind = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Code of the unit's kind, e.g. `vardgivare`, `verksamhet`."
    )
    kind_name = serializers.CharField(source="kind.name", read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "kind", "kind_name", "parent", "care_provider", "hsa_id", "depth", "is_active"]
        read_only_fields = fields


class MembershipSerializer(ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    role_name = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "full_name", "unit", "unit_name", "role", "role_name", "valid_from", "valid_to"]
        read_only_fields = fields
