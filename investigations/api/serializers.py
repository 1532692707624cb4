"""Investigation representations for the REST API (DESIGN §6). Field names are a public
contract: add fields, never rename or remove them.

Request serializers only check types and shapes; the services decide what is allowed and
validate the content, so the API and the pages give the same answers. Nothing here carries
patient identity or who reported the incidents.
"""

from __future__ import annotations

from rest_framework import serializers

from actions.models import EffectClass
from incidents.summaries import summary_text
from investigations.models import (
    CareInjury,
    CourseEvent,
    Investigation,
    InvestigationAction,
    InvestigationCause,
    Method,
    Outcome,
    TeamMember,
    TimelineEntry,
)
from psweb.api import ModelSerializer, PersonNameField, PlausibleDateField, RefuseUnknownFields, RFC3339DateTimeField


class TeamMemberSerializer(ModelSerializer):
    name = PersonNameField(source="user")

    class Meta:
        model = TeamMember
        fields = ["id", "user", "name", "role", "added_at"]
        read_only_fields = fields


class CourseEventSerializer(ModelSerializer):
    class Meta:
        model = CourseEvent
        fields = ["id", "at", "description", "created_at"]
        read_only_fields = fields


class InvestigationCauseSerializer(ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = InvestigationCause
        fields = ["id", "area", "area_name", "detail", "contributing", "created_at"]
        read_only_fields = fields


class InvestigationActionSerializer(ModelSerializer):
    """An action of the investigation: the incident's action, the causes it addresses and its
    evaluation at follow-up."""

    action = serializers.IntegerField(source="action.pk", read_only=True, help_text="The incident action's id.")
    incident = serializers.IntegerField(source="incident_id", read_only=True, allow_null=True)
    description = serializers.CharField(source="action.description", read_only=True)
    responsible = serializers.IntegerField(source="action.responsible_id", read_only=True)
    responsible_name = PersonNameField(source="action.responsible")
    due_date = serializers.DateField(source="action.due_date", read_only=True)
    effect_class = serializers.CharField(source="action.effect_class", read_only=True)
    state = serializers.CharField(source="action.state", read_only=True)
    causes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = InvestigationAction
        fields = [
            "id",
            "action",
            "incident",
            "description",
            "responsible",
            "responsible_name",
            "due_date",
            "effect_class",
            "state",
            "causes",
            "carried_out",
            "outcome",
            "evidence",
            "evaluated_at",
        ]
        read_only_fields = fields


class RequestedInvestigationSerializer(serializers.Serializer):
    """An incident whose handler asked for an investigation that nobody has answered yet."""

    incident = serializers.IntegerField(source="pk", help_text="The incident's id.")
    reference = serializers.CharField(help_text="The incident's reference.")
    responsible_unit = serializers.IntegerField(source="responsible_unit_id", allow_null=True)
    responsible_unit_name = serializers.CharField(source="responsible_unit.name", allow_null=True, default=None)
    requested_at = RFC3339DateTimeField(source="investigation_requested_at")


class DeclineRequestSerializer(RefuseUnknownFields, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the incident is not investigated.")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The incident's version you saw; stale gives 409."
    )


class InvestigationSerializer(ModelSerializer):
    leader_name = PersonNameField(source="leader", allow_null=True)
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    summary = serializers.SerializerMethodField(help_text="What it is about, in one line: its title, shortened.")

    class Meta:
        model = Investigation
        fields = [
            "id",
            "reference",
            "summary",
            "status",
            "version",
            "title",
            "unit",
            "incidents",
            "method",
            "leader",
            "leader_name",
            "follow_up_on",
            "created_at",
            "report_ready_at",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_summary(self, investigation: Investigation) -> str:
        return summary_text(investigation.title, "")


class InvestigationDetailSerializer(InvestigationSerializer):
    team = serializers.SerializerMethodField()
    course = serializers.SerializerMethodField()
    causes = serializers.SerializerMethodField()
    actions = InvestigationActionSerializer(many=True, read_only=True)
    serious = serializers.BooleanField(read_only=True)
    quality_cost = serializers.IntegerField(read_only=True, allow_null=True, help_text="Whole kronor.")

    class Meta(InvestigationSerializer.Meta):
        fields = [
            *InvestigationSerializer.Meta.fields,
            "method_reason",
            "patient_invited",
            "patient_invited_on",
            "patient_not_invited_reason",
            "patient_account",
            "care_injury",
            "avoidable",
            "serious_permanent",
            "serious_increased_care",
            "serious_death",
            "serious",
            "conclusions",
            "extra_care_days",
            "cost_per_care_day",
            "other_costs",
            "quality_cost",
            "team",
            "course",
            "causes",
            "actions",
        ]
        read_only_fields = fields

    def get_team(self, inv) -> list[dict]:
        rows = inv.team.filter(removed_at__isnull=True).select_related("user")
        return TeamMemberSerializer(rows, many=True).data

    def get_course(self, inv) -> list[dict]:
        return CourseEventSerializer(inv.course.filter(removed_at__isnull=True), many=True).data

    def get_causes(self, inv) -> list[dict]:
        rows = inv.causes.filter(removed_at__isnull=True).select_related("area")
        return InvestigationCauseSerializer(rows, many=True).data


class InvestigationTimelineEntrySerializer(ModelSerializer):
    who = PersonNameField(source="actor", allow_null=True)
    what = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "who", "kind", "what", "message"]
        read_only_fields = fields


# --- Requests ---------------------------------------------------------------------------------


class InvestigationVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you saw; a stale one gives 409."
    )


class OpenSerializer(serializers.Serializer):
    incidents = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, help_text="Ids of the incidents to investigate."
    )
    method = serializers.ChoiceField(choices=Method.choices)
    reason = serializers.CharField(help_text="Why this method.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    leader = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="User id.")


class LinkSerializer(InvestigationVersionSerializer):
    incident = serializers.IntegerField(help_text="Id of the incident to link.")


class MethodSerializer(InvestigationVersionSerializer):
    method = serializers.ChoiceField(choices=Method.choices)
    reason = serializers.CharField()


class LeaderSerializer(InvestigationVersionSerializer):
    leader = serializers.IntegerField(help_text="User id of the analysis leader.")


class MemberSerializer(InvestigationVersionSerializer):
    user = serializers.IntegerField(help_text="User id; may belong to another care provider.")
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)


class CourseCreateSerializer(serializers.Serializer):
    at = RFC3339DateTimeField()
    description = serializers.CharField()


class InvestigationCauseCreateSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="Cause area id (an area in use).")
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    contributing = serializers.BooleanField(required=False, default=False)


class PatientParticipationSerializer(InvestigationVersionSerializer):
    invited = serializers.BooleanField()
    invited_on = PlausibleDateField(required=False, allow_null=True, default=None)
    not_invited_reason = serializers.CharField(required=False, allow_blank=True, default="")
    account = serializers.CharField(required=False, allow_blank=True, default="", help_text="In their own words.")


class ConclusionsSerializer(InvestigationVersionSerializer):
    care_injury = serializers.ChoiceField(choices=CareInjury.choices)
    avoidable = serializers.BooleanField(allow_null=True, required=False, default=None)
    serious_permanent = serializers.BooleanField(required=False, default=False)
    serious_increased_care = serializers.BooleanField(required=False, default=False)
    serious_death = serializers.BooleanField(required=False, default=False)
    conclusions = serializers.CharField()


class CostsSerializer(InvestigationVersionSerializer):
    extra_care_days = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True)
    cost_per_care_day = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    other_costs = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class InvestigationActionCreateSerializer(serializers.Serializer):
    description = serializers.CharField()
    responsible = serializers.IntegerField(help_text="User id of the responsible person.")
    due_date = PlausibleDateField()
    effect_class = serializers.ChoiceField(choices=EffectClass.choices, required=False, allow_blank=True, default="")
    causes = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="Ids of investigation causes."
    )
    incident = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A linked incident's id; default the first."
    )


class EvaluateSerializer(serializers.Serializer):
    carried_out = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class InvestigationReasonSerializer(InvestigationVersionSerializer):
    reason = serializers.CharField()
