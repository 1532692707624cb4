"""Incident representations for the REST API (DESIGN §6). Field names are a public contract:
add fields, never rename or remove them.

Request serializers only check types and shapes; the services decide what is allowed and
validate the content, so the API and the pages give the same answers.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.api.serializers import ActionCreateSerializer
from actions.models import Action
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
from incidents.selectors import actions_for_reporter
from incidents.summaries import incident_summary
from incidents.viewing import STAFF_FIELDS, CaseView, SeenEntry
from psweb.api import (
    ChoiceLabelField,
    ModelSerializer,
    PersonNameField,
    PlausibleDateField,
    RefuseUnknownFields,
    RFC3339DateTimeField,
)
from psweb.cases import person_name
from psweb.models import PSL_3_8_POINTS

# --- The incident ----------------------------------------------------------------------------


def may_see_reporter(request, incident: Incident) -> bool:
    user = request.user if request is not None else None
    if user is None or not user.is_authenticated:
        return False
    return bool(permissions.can_see_reporter(user, incident))


class SeenByViewerMixin:
    """Person fields as the caller may see them (`incidents.viewing.CaseView`, context
    `case_view`): the reporter, when the caller may not know who reported, has no id and
    reads "the reporter" (issue 13, item 17). `text_fields` may name people in free text."""

    person_fields: tuple[str, ...] = ()
    text_fields: tuple[str, ...] = ()
    # Whether those who only follow the case (its reporter, a team from elsewhere) see who
    # else it was: their page names a comment's author, not an attachment's uploader.
    followers_see_people = True

    def case_view(self, instance) -> CaseView | None:
        view = self.context.get("case_view")
        request = self.context.get("request")
        if view is None and request is not None and getattr(instance, "incident", None) is not None:
            view = self.context["case_view"] = CaseView.of(request.user, instance.incident)
        return view

    def to_representation(self, instance):
        data = super().to_representation(instance)
        view = self.case_view(instance)
        if view is None:
            return data
        for name in self.person_fields:
            person_id = getattr(instance, f"{name}_id")
            if view.hides(person_id):
                data[name] = None
                if f"{name}_name" in data:
                    data[f"{name}_name"] = _("the reporter")
            elif not (self.followers_see_people or view.sees_case or person_id == view.user.pk):
                data[name] = None
                if f"{name}_name" in data:
                    data[f"{name}_name"] = None
        for name in self.text_fields:
            data[name] = view.text(data[name])
        return data


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
    summary = serializers.SerializerMethodField(
        help_text="What happened, in one line (about 100 characters): the short title, else the beginning of "
        "the description. Those who only follow the case (its reporter) get the beginning of the description."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "summary",
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
            "updated_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        # The handling is null for those who only follow the case (`to_representation`): the
        # schema says so, or a generated client refuses the answer its reporter gets.
        fields = super().get_fields()
        for name in STAFF_FIELDS:
            if name in fields:
                fields[name].allow_null = True
        return fields

    def get_summary(self, incident: Incident) -> str:
        return incident_summary(incident)

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

    def to_representation(self, incident: Incident):
        """The handler as the caller may see him (the hidden reporter has no name or id), and
        for those who only follow the case (its reporter, an investigation's team from
        elsewhere) none of the handling: what their page shows, no more (issue 13, 17–18)."""
        data = super().to_representation(incident)
        request = self.context.get("request")
        if request is None:
            return data
        view = CaseView.of(request.user, incident)
        if view.hides(incident.handler_id):
            data["handler"] = None
            data["handler_name"] = _("the reporter")
        if not view.sees_staff_fields:
            for name in STAFF_FIELDS:
                if name in data:
                    data[name] = None
            data["summary"] = incident_summary(incident, with_title=False)  # of her own words, not the title
        return data


class ReporterActionSerializer(ModelSerializer):
    """An action as its incident's reporter sees it ("Detta görs nu"): what will be done, its
    state and by when; never who, nor the causes (issue 13, item 7)."""

    state_name = ChoiceLabelField("state")

    class Meta:
        model = Action
        fields = ["id", "description", "state", "state_name", "due_date"]
        read_only_fields = fields


class IncidentDetailSerializer(IncidentSerializer):
    """One incident. `patient_identifier` only for users with `incident.view_patient` in the
    incident's unit or responsible unit; every response that shows it is logged."""

    patient_identifier = serializers.SerializerMethodField(
        help_text=(
            "The patient's personal identity number (12 digits), only for users who may see it "
            "(each display is logged); otherwise null."
        )
    )
    actions_for_reporter = serializers.SerializerMethodField(
        help_text=(
            'The actions a handler chose to show the reporter ("Detta görs nu"), as she reads them: for the '
            "reporter and the case's staff; empty for others who follow the case."
        )
    )

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "patient_identifier", "actions_for_reporter"]
        read_only_fields = fields

    @extend_schema_field(ReporterActionSerializer(many=True))
    def get_actions_for_reporter(self, incident: Incident) -> list:
        request = self.context.get("request")
        if request is None:
            return []
        view = CaseView.of(request.user, incident)
        if not (view.is_reporter or view.sees_case):
            return []
        return ReporterActionSerializer(actions_for_reporter(incident), many=True).data

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
    occurred_at = RFC3339DateTimeField(required=False, allow_null=True, help_text="When it happened.")
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


class TitleSerializer(VersionSerializer):
    title = serializers.CharField(
        max_length=120,
        allow_blank=True,
        trim_whitespace=True,
        help_text="The short title (at most 120 characters); empty removes it. No patient data, no names.",
    )


class AssessRiskSerializer(VersionSerializer):
    probability = serializers.IntegerField(min_value=1, max_value=4, help_text="Probability, 1 (lowest) to 4.")
    consequence = serializers.IntegerField(min_value=1, max_value=4, help_text="Consequence, 1 (lowest) to 4.")


class ForwardRequestSerializer(VersionSerializer):
    kind = serializers.ChoiceField(
        choices=Forward.Kind.choices,
        required=False,
        default=Forward.Kind.HAND_OVER,
        help_text=(
            "hand_over (the default, as before this field existed): responsibility moves to `to_unit`, the "
            "handler is cleared and the incident is submitted again there. ask: the responsible unit, handler "
            "and status stay; `to_unit` is asked to answer by `answer_due` (then required) and may read the case."
        ),
    )
    to_unit = serializers.IntegerField(help_text="Org unit id to hand over to or to ask (any care provider).")
    message = serializers.CharField(max_length=20_000, help_text="What the receiving unit should do, or the question.")
    answer_due = PlausibleDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When an answer is expected: required when asking, optional when handing over.",
    )


class FeedbackSerializer(VersionSerializer):
    text = serializers.CharField(max_length=20_000, help_text="Feedback to the reporter.")


class PatientInformationSerializer(SeenByViewerMixin, ModelSerializer):
    person_fields = ("recorded_by",)
    text_fields = ("informed_by",)

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


class CommentSerializer(SeenByViewerMixin, ModelSerializer):
    person_fields = ("author",)
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


class CauseSerializer(SeenByViewerMixin, ModelSerializer):
    person_fields = ("created_by",)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Cause
        fields = ["id", "area", "area_name", "detail", "created_by", "created_at"]
        read_only_fields = fields


class CauseCreateSerializer(serializers.Serializer):
    area = serializers.IntegerField(help_text="Cause area id (an area in use).")
    detail = serializers.CharField(required=False, allow_blank=True, default="", help_text="What exactly.")


class ForwardSerializer(SeenByViewerMixin, ModelSerializer):
    person_fields = ("forwarded_by", "answered_by")
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
            "kind",
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


class AttachmentSerializer(SeenByViewerMixin, ModelSerializer):
    person_fields = ("uploaded_by",)
    followers_see_people = False
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


class TimelineEntrySerializer(ModelSerializer):
    """An entry as the caller sees it (`incidents.viewing.SeenEntry`): staff every entry, with
    the hidden reporter as "the reporter"; the reporter her report's steps, without who."""

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

    def to_representation(self, instance):
        if not isinstance(instance, SeenEntry):
            view = CaseView.of(self.context["request"].user, instance.incident)
            instance = view.seen_entry(instance)  # as staff see it
        data = super().to_representation(instance.entry)
        data["actor"] = instance.actor_id
        data["actor_name"] = instance.actor_name
        data["kind_name"] = instance.label
        data["message"] = instance.message
        return data


class IncidentActionCreateSerializer(ActionCreateSerializer):
    shown_to_reporter = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Show the action (its text, state and due date) to the reporter, who is notified.",
    )
