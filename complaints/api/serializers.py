"""Complaints in the REST API (issue 17, item 7). Field names are a public contract: add
fields, never rename or remove them.

What a representation carries is what the pages show the same reader:
- the list (`ComplaintSerializer`): the reference, dates, status, the units, channel and
  problem area, the handler's one-line summary — never the complainant's words, the
  patient's identity or the contact details;
- the detail (`ComplaintDetailSerializer`) adds, for the provider's staff, the complaint in
  the complainant's words, the pause's reason and the answer letter;
- the patientnämnd's officer reads, of the cases her nämnd sent, what the page shows her
  (`ComplaintBoardSerializer`): its numbers, dates, status and, once sent, the answer.
Each says which it is in `view` (`staff` or `board`). The patient's identity and the contact
details have sub-resources of their own (`patient/`, `contact/`), each read logged.

Request serializers only check types and shapes; the services decide who may, in which
state, and validate the content, so the API and the pages give the same answers.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import EffectClass
from complaints.models import (
    AREA_CHOICES,
    AnswerWay,
    Channel,
    ComplainantType,
    Complaint,
    ComplaintIncident,
    ExternalCase,
    ExternalDecision,
    ExternalKind,
    TimelineEntry,
)
from incidents.models import ReportedKind
from psweb.api import (
    ChoiceLabelField,
    ModelSerializer,
    PersonNameField,
    PlausibleDateField,
    RefuseUnknownFields,
    RFC3339DateTimeField,
)

STAFF = "staff"
BOARD = "board"


class ViewField(serializers.CharField):
    """Which representation this is: `staff` (the provider's) or `board` (the patientnämnd's)."""

    def __init__(self, value: str, **kwargs):
        self.value = value
        super().__init__(read_only=True, help_text="`staff` or `board`: which representation this is.", **kwargs)

    def get_attribute(self, instance):
        return self.value


class ComplaintSerializer(ModelSerializer):
    view = ViewField(STAFF)
    status_name = ChoiceLabelField("status")
    channel_name = ChoiceLabelField("channel")
    area_name = serializers.CharField(source="area_label", read_only=True)
    subarea_name = serializers.CharField(source="subarea_label", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Every unit it concerns.")
    handler_name = PersonNameField(source="handler", allow_null=True)
    subarea = serializers.CharField(read_only=True, allow_blank=True)
    answer_way = serializers.ChoiceField(choices=AnswerWay.choices, allow_blank=True, read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Waiting for the answer past its due date, not paused.")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "view",
            "reference",
            "status",
            "status_name",
            "version",
            "channel",
            "channel_name",
            "complainant_type",
            "patient_consent",
            "received_on",
            "unit",
            "unit_name",
            "units",
            "area",
            "area_name",
            "subarea",
            "subarea_name",
            "summary",
            "handler",
            "handler_name",
            "board_unit",
            "board_reference",
            "acknowledged_on",
            "due_on",
            "paused_since",
            "overdue",
            "answered_on",
            "answer_way",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, complaint: Complaint) -> bool:
        return complaint.is_overdue(timezone.localdate())


class ComplaintDetailSerializer(ComplaintSerializer):
    """The provider's staff: the list's fields, the complaint's own words, the pause and the
    answer letter. Never the patient's identity nor the contact details."""

    patient_identified = serializers.SerializerMethodField(
        help_text="Whether the patient's identity is recorded (read it at `patient/`, logged)."
    )
    answered_by_name = PersonNameField(source="answered_by", allow_null=True)
    incidents = serializers.SerializerMethodField(help_text="The ids of the linked incidents.")

    class Meta(ComplaintSerializer.Meta):
        fields = [
            *ComplaintSerializer.Meta.fields,
            "description",
            "patient_identified",
            "pause_reason",
            "answer_what_happened",
            "answer_why",
            "answer_actions",
            "answer_apology",
            "answer_where_else",
            "answered_by",
            "answered_by_name",
            "forwarded_to",
            "incidents",
        ]
        read_only_fields = fields

    def get_patient_identified(self, complaint: Complaint) -> bool:
        return bool(complaint.patient_identifier)

    def get_incidents(self, complaint: Complaint) -> list[int]:
        return sorted(link.incident_id for link in complaint.incident_links.all())


class ComplaintBoardAnswerSerializer(serializers.Serializer):
    what_happened = serializers.CharField(source="answer_what_happened")
    why = serializers.CharField(source="answer_why")
    actions = serializers.CharField(source="answer_actions")
    apology = serializers.CharField(source="answer_apology")
    where_else = serializers.CharField(source="answer_where_else")
    sent_on = serializers.DateField(source="answered_on")
    way = serializers.CharField(source="answer_way")


class ComplaintBoardSerializer(ModelSerializer):
    """The patientnämnd's officer, of a case her nämnd sent: its numbers, the dates, the
    status, the responsible unit and, once sent, the provider's answer."""

    view = ViewField(BOARD)
    status_name = ChoiceLabelField("status")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    answer = serializers.SerializerMethodField(help_text="The answer as sent; null until it is.")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "view",
            "reference",
            "status",
            "status_name",
            "version",
            "board_unit",
            "board_reference",
            "received_on",
            "due_on",
            "unit",
            "unit_name",
            "answered_on",
            "answer",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ComplaintBoardAnswerSerializer(allow_null=True))
    def get_answer(self, complaint: Complaint) -> dict | None:
        return ComplaintBoardAnswerSerializer(complaint).data if complaint.answered_on else None


# --- Requests -------------------------------------------------------------------------------------


class ComplaintVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The complaint's version you acted on; a stale one gives 409 with the changes since."
    )


class ComplaintReasonSerializer(ComplaintVersionSerializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, help_text="Why.")


class ComplaintAcknowledgeSerializer(ComplaintVersionSerializer):
    acknowledged_on = PlausibleDateField(
        required=False, allow_null=True, help_text="The receipt's date; default today."
    )


class ComplaintForwardSerializer(ComplaintVersionSerializer):
    to = serializers.CharField(max_length=200, allow_blank=True, help_text="To whom it was sent on.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ComplaintAssignSerializer(ComplaintVersionSerializer):
    handler = serializers.IntegerField(help_text="User id of a complaint handler of the responsible unit.")


class ComplaintLetterSerializer(RefuseUnknownFields, ComplaintVersionSerializer):
    answer_what_happened = serializers.CharField(required=False, allow_blank=True)
    answer_why = serializers.CharField(required=False, allow_blank=True)
    answer_actions = serializers.CharField(required=False, allow_blank=True)
    answer_apology = serializers.CharField(required=False, allow_blank=True)
    answer_where_else = serializers.CharField(required=False, allow_blank=True)


class ComplaintAnswerSerializer(ComplaintLetterSerializer):
    answered_on = PlausibleDateField(help_text="The day the answer was sent.")
    answer_way = serializers.ChoiceField(choices=AnswerWay.choices, help_text="How it was sent.")


class ComplaintContactSerializer(RefuseUnknownFields, serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)


class ComplaintContactUpdateSerializer(ComplaintContactSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The complaint's version; a stale one gives 409.")


class ComplaintPatientSerializer(serializers.Serializer):
    patient_identifier = serializers.CharField(allow_blank=True, help_text="12 digits, or empty when not recorded.")


class _DetailsFields(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    complainant_type = serializers.ChoiceField(choices=ComplainantType.choices)
    patient_consent = serializers.BooleanField(required=False)
    received_on = PlausibleDateField()
    unit = serializers.IntegerField(help_text="The responsible unit's id.")
    units = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Other units it concerns (ids)."
    )
    area = serializers.ChoiceField(choices=AREA_CHOICES)
    subarea = serializers.CharField(required=False, allow_blank=True, max_length=20)
    summary = serializers.CharField(max_length=200, help_text="One line for lists: never identity.")
    description = serializers.CharField(help_text="The complaint in the complainant's words.")
    patient_identifier = serializers.CharField(
        required=False, allow_blank=True, max_length=13, write_only=True, help_text="The patient's personnummer."
    )
    board_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class ComplaintCreateSerializer(RefuseUnknownFields, _DetailsFields):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    contact = ComplaintContactSerializer(
        required=False, help_text="The complainant's contact details (handlers only read them)."
    )
    board_unit = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The patientnämnd sending the case (its officer registers it); with `board_reference` and "
        "`board_due_on`.",
    )
    board_due_on = PlausibleDateField(required=False, allow_null=True, help_text="The date the nämnd set.")

    def validate(self, data):
        errors = {}
        if data.get("board_unit") is not None:
            for name in ("board_reference", "board_due_on"):
                if not data.get(name):
                    errors[name] = [serializers.ErrorDetail(_required(), code="required")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def _required() -> str:
    return str(serializers.Field.default_error_messages["required"])


class ComplaintUpdateSerializer(RefuseUnknownFields, ComplaintVersionSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    complainant_type = serializers.ChoiceField(choices=ComplainantType.choices, required=False)
    patient_consent = serializers.BooleanField(required=False)
    received_on = PlausibleDateField(required=False)
    unit = serializers.IntegerField(required=False, help_text="The responsible unit's id.")
    units = serializers.ListField(child=serializers.IntegerField(), required=False)
    area = serializers.ChoiceField(choices=AREA_CHOICES, required=False)
    subarea = serializers.CharField(required=False, allow_blank=True, max_length=20)
    summary = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False)
    patient_identifier = serializers.CharField(required=False, allow_blank=True, max_length=13, write_only=True)
    board_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class ComplaintActionCreateSerializer(ComplaintVersionSerializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text="The complaint's version.")
    description = serializers.CharField(help_text="What will be done.")
    responsible = serializers.IntegerField(help_text="User id of the responsible person.")
    due_date = PlausibleDateField(help_text="When it is to be done.")
    effect_class = serializers.ChoiceField(choices=EffectClass.choices, required=False, allow_blank=True, default="")


# --- Incidents and IVO/LÖF cases -------------------------------------------------------------


class ComplaintIncidentSerializer(ModelSerializer):
    incident = serializers.IntegerField(source="incident_id", read_only=True)
    reference = serializers.CharField(source="incident.reference", read_only=True)
    status = serializers.CharField(source="incident.status", read_only=True)
    lex_maria_requested_at = RFC3339DateTimeField(
        source="incident.lex_maria_requested_at", read_only=True, allow_null=True
    )
    investigation_requested_at = RFC3339DateTimeField(
        source="incident.investigation_requested_at", read_only=True, allow_null=True
    )

    class Meta:
        model = ComplaintIncident
        fields = [
            "incident",
            "reference",
            "status",
            "created_from_complaint",
            "linked_at",
            "lex_maria_requested_at",
            "investigation_requested_at",
        ]
        read_only_fields = fields


class IncidentFromComplaintSerializer(RefuseUnknownFields, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text="The complaint's version.")
    incident = serializers.IntegerField(
        required=False, help_text="Link this incident (its id; one you may see). Without it, a new one is reported."
    )
    description = serializers.CharField(required=False, help_text="The event, in the handler's words.")
    occurred_at = RFC3339DateTimeField(required=False, help_text="When it happened.")
    unit = serializers.IntegerField(required=False, help_text="Where it happened; default the responsible unit.")
    reported_kind = serializers.ChoiceField(choices=ReportedKind.choices, required=False)
    immediate_actions = serializers.CharField(required=False, allow_blank=True)
    with_patient = serializers.BooleanField(required=False, default=True, help_text="Carry the patient over.")


class ComplaintIncidentRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text="The complaint's version.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ComplaintExternalCaseSerializer(ModelSerializer):
    kind_name = ChoiceLabelField("kind")
    decision = serializers.ChoiceField(choices=ExternalDecision.choices, allow_blank=True, read_only=True)
    decision_name = ChoiceLabelField("decision")

    class Meta:
        model = ExternalCase
        fields = [
            "id",
            "kind",
            "kind_name",
            "external_reference",
            "received_on",
            "question",
            "due_on",
            "statement",
            "statement_sent_on",
            "decision",
            "decision_name",
            "decided_on",
            "decision_text",
            "amount",
            "created_at",
        ]
        read_only_fields = fields


class ComplaintExternalCreateSerializer(RefuseUnknownFields, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text="The complaint's version.")
    kind = serializers.ChoiceField(choices=ExternalKind.choices)
    external_reference = serializers.CharField(max_length=60, allow_blank=True)
    received_on = PlausibleDateField()
    question = serializers.CharField(required=False, allow_blank=True, default="")
    due_on = PlausibleDateField(required=False, allow_null=True, default=None)


class ComplaintExternalUpdateSerializer(RefuseUnknownFields, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text="The complaint's version.")
    external_reference = serializers.CharField(required=False, max_length=60, allow_blank=True)
    received_on = PlausibleDateField(required=False)
    question = serializers.CharField(required=False, allow_blank=True)
    due_on = PlausibleDateField(required=False, allow_null=True)
    statement = serializers.CharField(required=False, allow_blank=True)
    statement_sent_on = PlausibleDateField(required=False, allow_null=True)
    decision = serializers.ChoiceField(choices=ExternalDecision.choices, required=False, allow_blank=True)
    decided_on = PlausibleDateField(required=False, allow_null=True)
    decision_text = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0, help_text="LÖF only, in SEK."
    )


class ComplaintTimelineEntrySerializer(ModelSerializer):
    actor_name = PersonNameField(source="actor", allow_null=True)
    kind_name = ChoiceLabelField("kind")

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "actor", "actor_name", "kind", "kind_name", "message"]
        read_only_fields = fields
