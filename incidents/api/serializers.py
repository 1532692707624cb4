"""Incident representations for the REST API (DESIGN §6). Field names are a public contract:
add fields, never rename or remove them.

Request serializers only check types and shapes; the services decide what is allowed and
validate the content, so the API and the pages give the same answers.
"""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from incidents import permissions
from incidents.models import (
    Attachment,
    CaseType,
    Cause,
    Comment,
    EventClass,
    Forward,
    Incident,
    PatientInformation,
    ReportedKind,
    TimelineEntry,
)
from psweb.api import ChoiceLabelField, ModelSerializer, PersonNameField, RefuseUnknownFields
from psweb.cases import person_name
from psweb.models import PSL_3_8_POINTS

# --- The incident ----------------------------------------------------------------------------


def may_see_reporter(request, incident: Incident) -> bool:
    user = request.user if request is not None else None
    if user is None or not user.is_authenticated:
        return False
    return bool(permissions.can_see_reporter(user, incident))


class IncidentSerializer(ModelSerializer):
    """An incident as listed, and as returned by the transitions (never the personnummer)."""

    status_name = ChoiceLabelField("status")
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)
    responsible_unit_name = serializers.CharField(
        source="responsible_unit.name", read_only=True, allow_null=True, default=None
    )
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    event_class_name = ChoiceLabelField("event_class")
    case_type_name = ChoiceLabelField("case_type")
    risk_score = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Probability × consequence (1–16); null until assessed."
    )
    handler_name = PersonNameField(source="handler", allow_null=True, help_text="The handler's name.")
    reporter = serializers.SerializerMethodField(
        help_text="The reporter's user id: shown to the reporter and the handlers of the case, otherwise null."
    )
    reporter_name = serializers.SerializerMethodField(
        help_text="The reporter's name: shown to the reporter and the handlers of the case, otherwise null."
    )
    feedback = serializers.SerializerMethodField(
        help_text="Feedback to the reporter: shown to the handlers of the case, and to the reporter once the "
        "incident is closed; otherwise null."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "status_name",
            "version",
            "unit",
            "unit_name",
            "responsible_unit",
            "responsible_unit_name",
            "occurred_at",
            "reported_at",
            "late_report",
            "case_type",
            "case_type_name",
            "reported_kind",
            "event_class",
            "event_class_name",
            "category",
            "category_name",
            "risk_probability",
            "risk_consequence",
            "risk_score",
            "handler",
            "handler_name",
            "reporter",
            "reporter_name",
            "patient_involved",
            "description",
            "immediate_actions",
            "suggested_improvement",
            "feedback",
            "triaged_at",
            "investigation_requested_at",
            "lex_maria_requested_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_reporter(self, incident: Incident) -> int | None:
        return incident.reporter_id if may_see_reporter(self.context.get("request"), incident) else None

    def get_reporter_name(self, incident: Incident) -> str | None:
        return person_name(incident.reporter) if may_see_reporter(self.context.get("request"), incident) else None

    def get_feedback(self, incident: Incident) -> str | None:
        request = self.context.get("request")
        if not may_see_reporter(request, incident):
            return None
        if incident.reporter_id == request.user.pk and not permissions.can_handle(request.user, incident):
            return incident.feedback_for_reporter or None  # the reporter reads it once closed
        return incident.feedback


class IncidentDetailSerializer(IncidentSerializer):
    """One incident. `patient_identifier` only for users with `incident.view_patient` in the
    incident's unit or responsible unit; every response that shows it is logged."""

    patient_identifier = serializers.SerializerMethodField(
        help_text=(
            "The patient's personal identity number (12 digits), only for users who may see it "
            "(each display is logged); otherwise null."
        )
    )

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "patient_identifier"]
        read_only_fields = fields

    def get_patient_identifier(self, incident: Incident) -> str | None:
        request = self.context.get("request")
        if request is None or not incident.patient_identifier:
            return None
        if not permissions.can_view_patient(request.user, incident):
            return None
        return incident.patient_identifier


class IncidentFieldsSerializer(RefuseUnknownFields, serializers.Serializer):
    """What a reporter writes. Every field is optional here; sending a report checks that
    the required ones (unit, occurred_at, description, case_type, reported_kind) are given."""

    unit = serializers.IntegerField(
        required=False, allow_null=True, help_text="Org unit id: where it happened. Default: the reporter's own unit."
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When it happened.")
    description = serializers.CharField(required=False, allow_blank=True, help_text="What happened.")
    immediate_actions = serializers.CharField(
        required=False, allow_blank=True, help_text="What was done straight away."
    )
    suggested_improvement = serializers.CharField(
        required=False, allow_blank=True, help_text="How it could be prevented."
    )
    case_type = serializers.ChoiceField(choices=CaseType.choices, required=False, allow_blank=True)
    reported_kind = serializers.ChoiceField(
        choices=ReportedKind.choices, required=False, allow_blank=True, help_text="What kind of event, in plain words."
    )
    patient_involved = serializers.BooleanField(required=False, help_text="Whether a patient was involved.")
    patient_identifier = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The patient's personnummer or samordningsnummer (10 or 12 digits), if a patient was involved.",
    )


class IncidentCreateSerializer(IncidentFieldsSerializer):
    draft = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: only save a draft (visible only to you); false (default): send the report.",
    )


class IncidentDraftUpdateSerializer(IncidentFieldsSerializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you edited; a stale one gives 409.")


# --- Transitions -----------------------------------------------------------------------------


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The incident's version you acted on; a stale one gives 409 with the changes since."
    )


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why.")


class OptionalReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", help_text="Why.")


class AssignSerializer(VersionSerializer):
    handler = serializers.IntegerField(
        help_text="User id of the new handler: a handler or manager of the responsible unit."
    )


class ClassifySerializer(VersionSerializer):
    category = serializers.IntegerField(help_text="Category id (a category in use).")
    event_class = serializers.ChoiceField(choices=EventClass.choices)
    case_type = serializers.ChoiceField(choices=CaseType.choices)


class AssessRiskSerializer(VersionSerializer):
    probability = serializers.IntegerField(min_value=1, max_value=4, help_text="Probability, 1 (lowest) to 4.")
    consequence = serializers.IntegerField(min_value=1, max_value=4, help_text="Consequence, 1 (lowest) to 4.")


class ForwardRequestSerializer(VersionSerializer):
    to_unit = serializers.IntegerField(help_text="Org unit id to forward to (any care provider).")
    message = serializers.CharField(max_length=20_000, help_text="What the receiving unit should look into.")
    answer_due = serializers.DateField(help_text="When an answer is expected.")


class FeedbackSerializer(VersionSerializer):
    text = serializers.CharField(max_length=20_000, help_text="Feedback to the reporter.")


class PatientInformationSerializer(ModelSerializer):
    class Meta:
        model = PatientInformation
        fields = [
            "id",
            "informed",
            "informed_on",
            "informed_by",
            *PSL_3_8_POINTS,
            "record_note_made",
            "not_informed_reason",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["id", "recorded_by", "recorded_at"]
        # The model's check constraint is enforced by the service with messages per field.
        validators: list = []


# --- Sub-resources ---------------------------------------------------------------------------


class HidesReporterMixin:
    """Leaves out `user_field` (id and name) when it is the reporter and the caller may not
    know who reported (context `hidden_user`)."""

    user_field = ""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        hidden = self.context.get("hidden_user")
        if hidden is not None and getattr(instance, f"{self.user_field}_id") == hidden:
            data[self.user_field] = None
            data[f"{self.user_field}_name"] = None
        return data


class CommentSerializer(HidesReporterMixin, serializers.ModelSerializer):
    user_field = "author"
    author = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The author's user id; null for the reporter unless you may know who reported.",
    )
    author_name = PersonNameField(source="author", allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "author_name", "text", "to_reporter", "created_at"]
        read_only_fields = ["id", "author", "author_name", "created_at"]
        extra_kwargs = {
            "to_reporter": {
                "help_text": "Addressed to the reporter, who reads it and is notified (handlers only). "
                "Otherwise only staff see a handler's comment."
            }
        }


class CauseSerializer(ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Cause
        fields = ["id", "area", "area_name", "detail", "created_by", "created_at"]
        read_only_fields = fields


class CauseCreateSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="Cause area id (an area in use).")
    detail = serializers.CharField(required=False, allow_blank=True, default="", help_text="What exactly.")


class ForwardSerializer(ModelSerializer):
    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True)
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)

    class Meta:
        model = Forward
        fields = [
            "id",
            "from_unit",
            "from_unit_name",
            "to_unit",
            "to_unit_name",
            "message",
            "answer_due",
            "forwarded_by",
            "forwarded_at",
            "answer",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class ForwardAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=20_000, help_text="The receiving unit's answer.")


class AttachmentSerializer(HidesReporterMixin, serializers.ModelSerializer):
    user_field = "uploaded_by"
    uploaded_by = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="Who uploaded it; null for the reporter unless you may know who reported.",
    )
    uploaded_by_name = PersonNameField(source="uploaded_by", allow_null=True)
    download_url = serializers.SerializerMethodField(
        help_text="Where to download the file (a signed-in page; each download by others than the reporter is logged)."
    )

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse("incidents:attachment", kwargs={"pk": attachment.incident_id, "attachment_pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TimelineEntrySerializer(HidesReporterMixin, serializers.ModelSerializer):
    user_field = "actor"
    actor = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Who did it; null for the reporter unless you may know who reported."
    )
    actor_name = PersonNameField(source="actor", allow_null=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    version = serializers.SerializerMethodField(help_text="The incident's version after this entry.")

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "actor", "actor_name", "kind", "kind_name", "message", "version"]
        read_only_fields = fields

    def get_version(self, entry: TimelineEntry) -> int | None:
        return entry.data.get("version")
