"""Lex Maria representations for the REST API (DESIGN §6). Field names are a public contract:
add fields, never rename or remove them.

Request serializers only check types and shapes; the services decide what is allowed and
validate the content, so the API and the pages give the same answers. Nothing here carries
patient identity or who reported the incidents: the IVO report gives the patient's age and
sex only, as the document sent to IVO does.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import EffectClass
from lexmaria.models import (
    Capacity,
    Decision,
    IvoDecision,
    LexMariaCase,
    PromisedAction,
    SupplementRequest,
    TimelineEntry,
)
from lexmaria.selectors import case_clock, case_summary
from psweb.api import ModelSerializer, PersonNameField, PlausibleDateField, RFC3339DateTimeField


class ClockSerializer(serializers.Serializer):
    """The clock (PSL 3 kap. 5 § says "snarast"): days elapsed and the care provider's own
    internal deadline for the current state, never a legal deadline."""

    today = serializers.DateField()
    event_on = serializers.DateField(allow_null=True)
    days_since_event = serializers.IntegerField(allow_null=True)
    requested_on = serializers.DateField()
    days_since_request = serializers.IntegerField()
    decision_due_on = serializers.DateField(allow_null=True)
    report_due_on = serializers.DateField(allow_null=True)
    days_event_to_report = serializers.IntegerField(allow_null=True)
    deadline_kind = serializers.CharField(help_text="`decision`, `report`, `supplement` or empty.")
    deadline = serializers.DateField(allow_null=True, help_text="The internal deadline that applies now.")
    days_left = serializers.IntegerField(allow_null=True, help_text="Negative once it has passed.")
    status = serializers.CharField(help_text="`ok`, `due_soon` or `overdue`.")


class SupplementSerializer(ModelSerializer):
    class Meta:
        model = SupplementRequest
        fields = ["id", "what", "requested_on", "due_on", "answer", "answered_on"]
        read_only_fields = fields


class PromisedActionSerializer(ModelSerializer):
    """An action promised to IVO and its yearly follow-up."""

    action = serializers.IntegerField(source="action.pk", read_only=True, help_text="The incident action's id.")
    incident = serializers.IntegerField(
        source="action.incident_id",
        read_only=True,
        allow_null=True,
        help_text="The incident the action comes from; null for an action of an investigation or of the case.",
    )
    description = serializers.CharField(source="action.description", read_only=True)
    responsible = serializers.IntegerField(source="action.responsible_id", read_only=True, allow_null=True)
    responsible_name = PersonNameField(source="action.responsible", allow_null=True)
    due_date = serializers.DateField(source="action.due_date", read_only=True, allow_null=True)
    state = serializers.CharField(source="action.state", read_only=True)
    expected_effect_class = serializers.CharField(source="action.effect_class", read_only=True)

    class Meta:
        model = PromisedAction
        fields = [
            "id",
            "action",
            "incident",
            "description",
            "responsible",
            "responsible_name",
            "due_date",
            "state",
            "expected_effect_class",
            "promised_on",
            "carried_out",
            "effect_class",
            "evidence",
            "followed_up_at",
        ]
        read_only_fields = fields


class LexMariaCaseSerializer(ModelSerializer):
    owner_name = PersonNameField(source="owner", allow_null=True)
    # Blank until decided: the schema says so.
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True, read_only=True)
    ivo_decision = serializers.ChoiceField(choices=IvoDecision.choices, allow_blank=True, read_only=True)
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    summary = serializers.SerializerMethodField(
        help_text="What happened, in one line: the short title of its first incident, else the beginning of "
        "that incident's description."
    )

    class Meta:
        model = LexMariaCase
        fields = [
            "id",
            "reference",
            "summary",
            "status",
            "version",
            "unit",
            "incidents",
            "investigation",
            "event_occurred_at",
            "requested_at",
            "owner",
            "owner_name",
            "decision_due_on",
            "report_due_on",
            "decision",
            "decided_at",
            "ivo_reference",
            "sent_on",
            "ivo_decision",
            "ivo_decided_on",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_summary(self, case: LexMariaCase) -> str:
        return case_summary(case)


class LexMariaCaseDetailSerializer(LexMariaCaseSerializer):
    decided_by_name = PersonNameField(source="decided_by", allow_null=True)
    decided_as = serializers.ChoiceField(
        choices=Capacity.choices,
        allow_blank=True,
        read_only=True,
        help_text="In what capacity `decided_by` decided: the chief physician by role, the person the care provider "
        "designated, her deputy, or by delegation. Blank until decided.",
    )
    clock = serializers.SerializerMethodField()
    supplements = SupplementSerializer(many=True, read_only=True)
    promised_actions = PromisedActionSerializer(many=True, read_only=True)

    class Meta(LexMariaCaseSerializer.Meta):
        fields = [
            *LexMariaCaseSerializer.Meta.fields,
            "request_reason",
            "motivation",
            "decided_by",
            "decided_by_name",
            "decided_as",
            "ivo_decision_text",
            "clock",
            "supplements",
            "promised_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(ClockSerializer)
    def get_clock(self, case) -> dict:
        return ClockSerializer(case_clock(case)).data


class LexMariaTimelineEntrySerializer(ModelSerializer):
    who = PersonNameField(source="actor", allow_null=True)
    what = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "who", "kind", "what", "message"]
        read_only_fields = fields


# --- The report to IVO --------------------------------------------------------------------------


class IvoEventSerializer(serializers.Serializer):
    reference = serializers.CharField()
    occurred_at = RFC3339DateTimeField(allow_null=True)
    unit = serializers.CharField()
    event_class = serializers.CharField()
    description = serializers.CharField()


class IvoPatientSerializer(serializers.Serializer):
    incident_reference = serializers.CharField()
    age = serializers.IntegerField(allow_null=True, help_text="Whole years at the event.")
    sex = serializers.CharField(help_text="Empty when no personal identity number was recorded.")


class IvoConsequencesSerializer(serializers.Serializer):
    patients = IvoPatientSerializer(many=True)
    event_classes = serializers.ListField(child=serializers.CharField())
    care_injury = serializers.CharField()
    serious_criteria = serializers.ListField(child=serializers.CharField())
    avoidable = serializers.BooleanField(allow_null=True)


class IvoInvestigationSerializer(serializers.Serializer):
    reference = serializers.CharField()
    method = serializers.CharField()
    status = serializers.CharField()
    conclusions = serializers.CharField()
    report_ready_on = serializers.DateField(allow_null=True)


class IvoActionSerializer(serializers.Serializer):
    description = serializers.CharField()
    responsible = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    effect = serializers.CharField()
    state = serializers.CharField()


class IvoPatientInformationSerializer(serializers.Serializer):
    incident_reference = serializers.CharField()
    informed = serializers.BooleanField()
    informed_on = serializers.DateField(allow_null=True)
    told = serializers.ListField(child=serializers.CharField())
    not_told = serializers.ListField(child=serializers.CharField())
    record_note_made = serializers.BooleanField()
    not_informed_reason = serializers.CharField()


class IvoReportSerializer(serializers.Serializer):
    """What IVO's form asks for (HSLF-FS 2017:41), as psweb assembles it, and as plain text to
    paste into IVO's e-service. `missing` lists what is still incomplete (not sent to IVO)."""

    reference = serializers.CharField()
    care_provider = serializers.CharField()
    care_provider_hsa_id = serializers.CharField()
    unit = serializers.CharField()
    unit_hsa_id = serializers.CharField()
    reported_by = serializers.CharField()
    events = IvoEventSerializer(many=True)
    consequences = IvoConsequencesSerializer()
    investigation = IvoInvestigationSerializer(allow_null=True)
    causes = serializers.ListField(child=serializers.CharField())
    actions = IvoActionSerializer(many=True)
    patient_information = IvoPatientInformationSerializer(many=True)
    patient_invited = serializers.BooleanField(allow_null=True)
    patient_not_invited_reason = serializers.CharField()
    patient_account = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField(help_text="The whole report as text, with Swedish headings.")


class FollowUpSummarySerializer(serializers.Serializer):
    """Counts only: no names, no free text."""

    year = serializers.IntegerField()
    cases = serializers.IntegerField(help_text="Cases reported to IVO that year.")
    promised = serializers.IntegerField(help_text="Actions promised to IVO in them.")
    done = serializers.IntegerField()
    followed_up = serializers.IntegerField()
    percent_done = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    done_by_effect = serializers.DictField(
        child=serializers.IntegerField(), help_text="Actions done, by effect class (`` = not classified)."
    )


# --- Requests -----------------------------------------------------------------------------------


class LexMariaVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you saw; a stale one gives 409."
    )


class LexMariaOpenSerializer(serializers.Serializer):
    incidents = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of the incidents to assess. Leave out to assess all of `investigation`'s incidents.",
    )
    investigation = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(help_text="Why the event is assessed for Lex Maria.")

    def validate(self, attrs):
        if not attrs["incidents"] and attrs["investigation"] is None:
            raise serializers.ValidationError({"incidents": [_("Choose at least one incident, or an investigation.")]})
        return attrs


class DecideSerializer(LexMariaVersionSerializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    motivation = serializers.CharField(help_text="Why the event is, or is not, reported to IVO.")


class LexMariaReasonSerializer(LexMariaVersionSerializer):
    reason = serializers.CharField()


class OwnerSerializer(LexMariaVersionSerializer):
    owner = serializers.IntegerField(help_text="User id: the chief physician or a patient-safety officer.")


class IncidentLinkSerializer(LexMariaVersionSerializer):
    incident = serializers.IntegerField()


class InvestigationLinkSerializer(LexMariaVersionSerializer):
    investigation = serializers.IntegerField()


class MarkReportedSerializer(LexMariaVersionSerializer):
    ivo_reference = serializers.CharField(max_length=60)
    sent_on = PlausibleDateField()


class SupplementRequestSerializer(LexMariaVersionSerializer):
    what = serializers.CharField()
    requested_on = PlausibleDateField()
    due_on = PlausibleDateField()


class SupplementSendSerializer(LexMariaVersionSerializer):
    answer = serializers.CharField()
    sent_on = PlausibleDateField()


class IvoDecisionSerializer(LexMariaVersionSerializer):
    kind = serializers.ChoiceField(choices=IvoDecision.choices)
    decided_on = PlausibleDateField()
    text = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpSerializer(LexMariaVersionSerializer):
    carried_out = serializers.BooleanField()
    effect_class = serializers.ChoiceField(choices=EffectClass.choices, required=False, allow_blank=True, default="")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
