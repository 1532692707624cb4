"""`/api/v1/incidents/` (DESIGN §6): list, create, retrieve, draft edits, every transition and
the sub-resources. Thin: each write calls the same service as the pages.

Answers: 400 bad input (field by field), 403 not allowed (with the reason), 404 outside the
caller's scope, 409 a transition the state forbids or a stale `version` (with `changes`: who
did what since). Patient identity only in the detail, only for callers with
`incident.view_patient`, and every response that shows it writes one AccessLog row.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from accounts.services import accesslog_record
from actions.api.serializers import ActionSerializer, ActionUpdateSerializer
from actions.models import Action
from incidents import hooks, services
from incidents.api import serializers as s
from incidents.filtersets import IncidentFilterSet, ordering_keys
from incidents.models import Cause, Forward, Incident, Status
from incidents.viewing import CaseView
from psweb.api import SUBLIST, CaseErrorsMixin, ErrorSerializer, ScopedModelViewSet, case_errors, pk_param
from psweb.pagination import CursorPagination
from psweb.sync import UPDATED_SINCE_PARAMETER, SyncListMixin, SyncSchemaMixin


class IncidentCursorPagination(SyncSchemaMixin, CursorPagination):
    """Cursor pages in the order chosen with `ordering` (default: newest report first), read
    like the work queue's (`incidents.queue.queue_page`): for each of the caller's roots and
    each status, one range of `Reach` in order, merged with their own reports and drafts; the
    cursor is the last row's sort key and id, so a deep page costs what the first does, for a
    ward's handler as for the region's chief physician (issue 14)."""

    def get_ordering(self, request, queryset, view):
        return ordering_keys(request.query_params.get("ordering"))

    def paginate_queryset(self, queryset, request, view=None):
        from incidents import queue

        self.request = request
        self.page_size = self.get_page_size(request)
        ordering = request.query_params.get("ordering")
        cursor = None
        if token := request.query_params.get(self.cursor_query_param):
            try:
                cursor = queue.Cursor.decode(token, kind=queue.cursor_kind(ordering))
            except queue.BadCursorError:
                raise exceptions.ValidationError(
                    {self.cursor_query_param: [_("The cursor is not valid: use the links `next` and `previous`.")]}
                ) from None
        params = request.query_params.copy()
        params.pop(self.cursor_query_param, None)
        params.pop(self.page_size_query_param, None)
        statuses = params.getlist("status") or list(Status.values)
        unscoped = queue.Unscoped(request.user, params, request, narrow=False, drafts=True)

        def load(ids):
            by_pk = queryset.order_by().in_bulk(ids)  # the scoped, filtered queryset: never wider
            return [by_pk[pk] for pk in ids if pk in by_pk]

        page = queue.queue_page(
            user=request.user,
            unscoped=unscoped,
            statuses=statuses,
            ordering=ordering,
            cursor=cursor,
            size=self.page_size,
            load=load,
        )
        self._links = {"next": page.next, "previous": page.previous}
        return page.incidents

    def _link(self, which: str) -> str | None:
        cursor = self._links.get(which)
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor.encode())

    def get_next_link(self):
        return self._link("next")

    def get_previous_link(self):
        return self._link("previous")


# --- Schema pieces ----------------------------------------------------------------------------

ERRORS = case_errors("incident")
READ_ERRORS = {404: ERRORS[404]}
IDEMPOTENCY_KEY_PATTERN = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
# A string with a UUID's pattern, not `format: uuid`: generated clients then send it as typed
# (openapi-python-client 0.29 puts a `UUID` object into the header, which httpx refuses).
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    pattern=IDEMPOTENCY_KEY_PATTERN,
    required=False,
    description=(
        "A UUID the client makes up once per report. Sending the same key again with the same body (a retry) "
        "returns the incident made the first time, with 200 instead of 201; with a different body, 422. A key "
        "another user has used is refused (400, naming this header)."
    ),
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy(
        "This Idempotency-Key was used before for a different report. Use a new key for a new report."
    )
    default_code = "idempotency_key_reused"


# What the reporter wrote, as stored on the incident: a retry must send the same.
REPORT_FIELDS = {
    "unit": "unit_id",
    **{
        name: name
        for name in (
            "occurred_at",
            "description",
            "immediate_actions",
            "suggested_improvement",
            "case_type",
            "reported_kind",
            "patient_involved",
        )
    },
}


def _same_report(incident: Incident, fields: dict) -> bool:
    """Whether a retried report (same `Idempotency-Key`) says what the first one said."""
    for name, attribute in REPORT_FIELDS.items():
        if name not in fields:
            continue
        sent, stored = fields[name], getattr(incident, attribute)
        if isinstance(sent, str) and isinstance(stored, str):
            sent, stored = sent.strip(), stored.strip()
        # The same event: a client that computes "an hour ago" again on a retry is no new report.
        same_time = isinstance(sent, dt.datetime) and isinstance(stored, dt.datetime)
        if same_time and abs(sent - stored) < dt.timedelta(minutes=1):
            continue
        if sent != stored and not (sent in (None, "") and stored in (None, "")):
            return False
    return True


def _transition_schema(summary: str, request, description: str = ""):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: s.IncidentSerializer, **ERRORS},
        tags=["incidents"],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List incidents you may see",
        description=(
            "Your own reports and drafts, and the incidents in the units where you may see incidents. "
            "Without patient identity. Paged with a cursor (`next`, `previous`). With `updated_since`: what "
            'changed, in the order it was committed (docs/api.md, "Sync").'
        ),
        parameters=[UPDATED_SINCE_PARAMETER],
        responses={200: s.IncidentSerializer, 400: ERRORS[400]},
        tags=["incidents"],
    ),
    retrieve=extend_schema(
        summary="One incident",
        description="With the patient's identity for callers who may see it; each such display is logged.",
        responses={200: s.IncidentDetailSerializer, **READ_ERRORS},
        tags=["incidents"],
    ),
)
class IncidentViewSet(
    CaseErrorsMixin, SyncListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet
):
    queryset = Incident.objects.all()
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilterSet
    pagination_class = IncidentCursorPagination
    lookup_value_regex = "[0-9]+"
    blocker_codes = {
        "not_classified": "Classify the incident: category, event class and case type.",
        "risk_not_assessed": "Assess the risk: probability and consequence.",
        "cause_missing": "Add at least one cause: the event caused or could have caused harm.",
        "action_incomplete": "Every action needs a responsible person and a due date.",
        "feedback_missing": "Write the feedback to the reporter.",
        "patient_not_informed": "Record that the patient was informed, or why not.",
        "lex_maria_not_requested": "Request a Lex Maria assessment: the event is classed as serious.",
        "lex_maria_case_missing": (
            "A Lex Maria assessment must exist: ask the chief physician to open a Lex Maria case for the incident."
        ),
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("unit", "responsible_unit", "category", "handler", "reporter")

    def filter_queryset(self, queryset):
        # Filters and ordering apply to the list only; a detail URL finds its incident regardless.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer(self, *args, **kwargs):
        if self.action == "list" and kwargs.get("many") and args:
            # A page (or a sync page) of incidents read under an oversight agreement: logged,
            # one row each, as the detail is.
            hooks.record_granted_reads(self.request, args[0])
        return super().get_serializer(*args, **kwargs)

    # --- helpers ---------------------------------------------------------------------------

    def _reloaded(self, pk: int) -> Incident:
        return self.narrow_queryset(Incident.objects.all()).get(pk=pk)

    def _incident_response(self, incident: Incident, status_code=status.HTTP_200_OK) -> Response:
        data = s.IncidentSerializer(self._reloaded(incident.pk), context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _detail_response(self, incident: Incident, status_code=status.HTTP_200_OK) -> Response:
        incident = self._reloaded(incident.pk)
        data = s.IncidentDetailSerializer(incident, context=self.get_serializer_context()).data
        hooks.record_granted_read(self.request, incident)  # read under an oversight agreement: logged
        if data.get("patient_identifier"):
            accesslog_record(
                request=self.request,
                action="view_patient",
                obj=incident,
                unit=incident.responsible_unit or incident.unit,
                patient_identifier=incident.patient_identifier,
                label=incident.reference or "",
            )
        return Response(data, status=status_code)

    def _idempotency_key(self) -> uuid.UUID | None:
        raw = self.request.headers.get("Idempotency-Key")
        if raw is None:
            return None
        # Exactly the schema's pattern: no braces, `urn:uuid:` or blanks that uuid.UUID would take.
        try:
            if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, raw):
                raise ValueError(raw)
            return uuid.UUID(raw)
        except ValueError:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("The Idempotency-Key header must be a UUID.")]}
            ) from None

    # --- the incident --------------------------------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        return self._detail_response(self.get_object())

    @extend_schema(
        summary="Report an incident (or save a draft)",
        description=(
            "Creates and sends a report in one step, or with `draft: true` only saves a draft. "
            "With an `Idempotency-Key` header a retry returns the same incident (200) instead of a new one."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.IncidentCreateSerializer,
        responses={
            201: s.IncidentDetailSerializer,
            200: OpenApiResponse(s.IncidentDetailSerializer, description="The key was used before: that incident."),
            400: ERRORS[400],
            403: ERRORS[403],
            422: OpenApiResponse(
                ErrorSerializer,
                description="The key was used before for a different report (`idempotency_key_reused`).",
            ),
        },
        tags=["incidents"],
    )
    def create(self, request, *args, **kwargs):
        key = self._idempotency_key()
        fields = self._valid(s.IncidentCreateSerializer)
        draft = fields.pop("draft", False)
        try:
            if draft:
                existed = key is not None and Incident.objects.filter(client_key=key, reporter=request.user).exists()
                incident = services.draft_start(actor=request.user, client_key=key)
                if fields and not existed:
                    incident = services.draft_save(incident=incident, actor=request.user, fields=fields)
                created = not existed
            else:
                incident, created = services.incident_report(actor=request.user, client_key=key, fields=fields)
        except DjangoValidationError as error:
            # The key is the client's header, not a field of the incident: name it so.
            if hasattr(error, "error_dict") and "client_key" in error.error_dict:
                error.error_dict["Idempotency-Key"] = error.error_dict.pop("client_key")
            raise
        if not created and not draft and not _same_report(incident, fields):
            raise IdempotencyKeyReused()
        return self._detail_response(incident, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Edit a draft",
        description="Only the author, only while a draft. `version` is required; a stale one gives 409.",
        request=s.IncidentDraftUpdateSerializer,
        responses={200: s.IncidentDetailSerializer, **ERRORS},
        tags=["incidents"],
    )
    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        fields = self._valid(s.IncidentDraftUpdateSerializer)
        version = fields.pop("version")
        incident = services.draft_save(incident=incident, actor=request.user, fields=fields, version=version)
        return self._detail_response(incident)

    # --- transitions ---------------------------------------------------------------------------

    @_transition_schema("Send a draft", s.VersionSerializer, "The author sends their draft; it gets a reference.")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = self._valid(s.VersionSerializer)
        incident = services.incident_submit(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema(
        "Withdraw",
        s.OptionalReasonSerializer,
        "A handler withdraws an open incident (reason required); the author discards a draft.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self._valid(s.OptionalReasonSerializer)
        incident = self.get_object()
        if incident.status == Status.DRAFT and not data["reason"].strip():
            incident = services.incident_withdraw_draft(incident=incident, actor=request.user)
        else:
            incident = services.incident_withdraw(incident=incident, actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Take the incident", s.VersionSerializer, "You become its handler.")
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        data = self._valid(s.VersionSerializer)
        incident = services.incident_take(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Assign a handler", s.AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self._valid(s.AssignSerializer)
        incident = services.incident_assign(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Classify", s.ClassifySerializer, "Category, event class and case type.")
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        data = self._valid(s.ClassifySerializer)
        incident = services.incident_classify(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema(
        "Set the short title",
        s.TitleSerializer,
        "The one line lists show instead of the beginning of the description; empty removes it. "
        "The handlers of an open incident.",
    )
    @action(detail=True, methods=["post"])
    def title(self, request, pk=None):
        data = self._valid(s.TitleSerializer)
        incident = services.incident_set_title(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Assess the risk", s.AssessRiskSerializer, "Probability and consequence, 1–4 each.")
    @action(detail=True, methods=["post"], url_path="assess-risk", url_name="assess-risk")
    def assess_risk(self, request, pk=None):
        data = self._valid(s.AssessRiskSerializer)
        incident = services.incident_assess_risk(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema(
        "Hand over to another unit, or ask it for an answer",
        s.ForwardRequestSerializer,
        "kind=hand_over (default): the receiving unit becomes responsible; the incident is submitted there, "
        "unassigned. kind=ask: the incident stays with its unit and handler; the asked unit may read it and "
        "answer through forwards/{id}/answer/.",
    )
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        data = self._valid(s.ForwardRequestSerializer)
        incident = self.get_object()
        services.incident_forward(incident=incident, actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Request an investigation", s.OptionalReasonSerializer)
    @action(detail=True, methods=["post"], url_path="request-investigation", url_name="request-investigation")
    def request_investigation(self, request, pk=None):
        data = self._valid(s.OptionalReasonSerializer)
        incident = services.incident_request_investigation(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Request a Lex Maria assessment", s.OptionalReasonSerializer)
    @action(detail=True, methods=["post"], url_path="request-lex-maria", url_name="request-lex-maria")
    def request_lex_maria(self, request, pk=None):
        data = self._valid(s.OptionalReasonSerializer)
        incident = services.incident_request_lex_maria(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @extend_schema(
        summary="Record informing the patient",
        description="PSL 3 kap. 8 §: that and how the patient was informed, or why not. Replaces an earlier record.",
        request=s.PatientInformationSerializer,
        responses={200: s.PatientInformationSerializer, **ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"], url_path="patient-information", url_name="patient-information")
    def patient_information(self, request, pk=None):
        data = self._valid(s.PatientInformationSerializer)
        record = services.patient_information_record(incident=self.get_object(), actor=request.user, **data)
        return Response(s.PatientInformationSerializer(record, context=self._seen(record.incident)).data)

    @_transition_schema("Write the feedback to the reporter", s.FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = self._valid(s.FeedbackSerializer)
        incident = services.incident_feedback(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema(
        "Close", s.VersionSerializer, "Refused with 409 and `blockers` while something required is missing."
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self._valid(s.VersionSerializer)
        incident = services.incident_close(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    @_transition_schema("Reopen", s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = self._valid(s.ReasonSerializer)
        incident = services.incident_reopen(incident=self.get_object(), actor=request.user, **data)
        return self._incident_response(incident)

    # --- sub-resources -------------------------------------------------------------------------

    def _seen(self, incident: Incident) -> dict:
        """The serializer context of a sub-resource: what the caller sees of the case, decided
        where the case page decides it (`incidents.viewing`): the same parts, and the
        reporter as "the reporter" for those who may not know who reported."""
        return {"request": self.request, "case_view": CaseView.of(self.request.user, incident)}

    @extend_schema(
        methods=["GET"],
        summary="Comments on the incident",
        responses={200: s.CommentSerializer(many=True), **READ_ERRORS},
        tags=["incidents"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a comment",
        request=s.CommentSerializer,
        responses={201: s.CommentSerializer, **ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get", "post"], **SUBLIST)
    def comments(self, request, pk=None):
        incident = self.get_object()
        context = self._seen(incident)
        if request.method == "POST":
            data = self._valid(s.CommentSerializer)
            comment = services.comment_add(
                incident=incident, actor=request.user, text=data["text"], to_reporter=data.get("to_reporter", False)
            )
            return Response(s.CommentSerializer(comment, context=context).data, status=status.HTTP_201_CREATED)
        return Response(s.CommentSerializer(context["case_view"].comments(), many=True, context=context).data)

    @extend_schema(
        methods=["GET"],
        summary="Causes",
        responses={200: s.CauseSerializer(many=True), **READ_ERRORS},
        tags=["incidents"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a cause",
        request=s.CauseCreateSerializer,
        responses={201: s.CauseSerializer, **ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get", "post"], **SUBLIST)
    def causes(self, request, pk=None):
        incident = self.get_object()
        if request.method == "POST":
            data = self._valid(s.CauseCreateSerializer)
            cause = services.cause_add(incident=incident, actor=request.user, **data)
            return Response(s.CauseSerializer(cause, context=self._seen(incident)).data, status=status.HTTP_201_CREATED)
        context = self._seen(incident)
        return Response(s.CauseSerializer(context["case_view"].causes(), many=True, context=context).data)

    @extend_schema(
        summary="Remove a cause",
        description="The cause is hidden, not deleted; the timeline says who removed it.",
        parameters=[pk_param("cause_pk", "cause")],
        request=None,
        responses={204: None, **ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["delete"], url_path=r"causes/(?P<cause_pk>[0-9]+)", url_name="cause-detail")
    def cause_remove(self, request, pk=None, cause_pk=None):
        incident = self.get_object()
        cause = get_object_or_404(Cause, incident=incident, pk=cause_pk, removed_at__isnull=True)
        services.cause_remove(cause=cause, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="Actions",
        responses={200: ActionSerializer(many=True), **READ_ERRORS},
        tags=["incidents"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an action",
        request=s.IncidentActionCreateSerializer,
        responses={201: ActionSerializer, **ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get", "post"], **SUBLIST)
    def actions(self, request, pk=None):
        incident = self.get_object()
        if request.method == "POST":
            data = self._valid(s.IncidentActionCreateSerializer)
            created = services.action_add(incident=incident, actor=request.user, **data)
            return Response(
                ActionSerializer(self._action(incident, created.pk), context=self._seen(incident)).data,
                status=status.HTTP_201_CREATED,
            )
        view = CaseView.of(request.user, incident)
        if view.sees_reporter_actions:  # "Detta görs nu": what, its state, by when
            return Response(s.ReporterActionSerializer(view.actions(), many=True).data)
        return Response(ActionSerializer(view.actions(), many=True, context=self._seen(incident)).data)

    def _action(self, incident: Incident, action_pk) -> Action:
        queryset = Action.objects.select_related("responsible", "incident").prefetch_related("causes")
        return get_object_or_404(queryset, incident=incident, pk=action_pk)

    @extend_schema(
        summary="Change an action",
        description="Send the action's `version`; a stale one gives 409. On a closed incident only `state` changes.",
        parameters=[pk_param("action_pk", "action")],
        request=ActionUpdateSerializer,
        responses={200: ActionSerializer, **ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["patch"], url_path=r"actions/(?P<action_pk>[0-9]+)", url_name="action-detail")
    def action_update(self, request, pk=None, action_pk=None):
        incident = self.get_object()
        current = self._action(incident, action_pk)
        data = self._valid(ActionUpdateSerializer)
        services.action_update(action=current, actor=request.user, **data)
        return Response(ActionSerializer(self._action(incident, action_pk), context=self._seen(incident)).data)

    @extend_schema(
        summary="Forwards of the incident",
        description=(
            "Each hand-over (kind hand_over) and question for an answer (kind ask) with its message and, once "
            "given, the receiving unit's answer."
        ),
        responses={200: s.ForwardSerializer(many=True), **READ_ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def forwards(self, request, pk=None):
        incident = self.get_object()
        context = self._seen(incident)
        return Response(s.ForwardSerializer(context["case_view"].forwards(), many=True, context=context).data)

    @extend_schema(
        summary="Answer a forward",
        description="Only handlers of the unit it was forwarded to; once.",
        parameters=[pk_param("forward_pk", "forward")],
        request=s.ForwardAnswerSerializer,
        responses={200: s.ForwardSerializer, **ERRORS},
        tags=["incidents"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"forwards/(?P<forward_pk>[0-9]+)/answer",
        url_name="forward-answer",
    )
    def forward_answer(self, request, pk=None, forward_pk=None):
        incident = self.get_object()
        forward = get_object_or_404(Forward, incident=incident, pk=forward_pk)
        data = self._valid(s.ForwardAnswerSerializer)
        forward = services.forward_answer(forward=forward, actor=request.user, **data)
        forward = Forward.objects.select_related("from_unit", "to_unit").get(pk=forward.pk)
        return Response(s.ForwardSerializer(forward, context=self._seen(incident)).data)

    @extend_schema(
        summary="Attachments",
        description="The files added to the report, with links to download them. Uploads are made on the report page.",
        responses={200: s.AttachmentSerializer(many=True), **READ_ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def attachments(self, request, pk=None):
        incident = self.get_object()
        context = self._seen(incident)
        files = context["case_view"].attachments()
        return Response(s.AttachmentSerializer(files, many=True, context=context).data)

    @extend_schema(
        summary="The case timeline",
        description="Who did what, when; oldest first. Never patient identity.",
        responses={200: s.TimelineEntrySerializer(many=True), **READ_ERRORS},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def timeline(self, request, pk=None):
        incident = self.get_object()
        context = self._seen(incident)
        return Response(s.TimelineEntrySerializer(context["case_view"].timeline(), many=True, context=context).data)
