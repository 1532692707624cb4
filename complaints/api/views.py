"""`/api/v1/complaints/` (issue 17, item 7): list, register, retrieve, correct the details, every
transition (`POST /api/v1/complaints/{id}/<transition>/`), the patient's identity and the
contact details (each read logged), the linked incidents, IVO and LÖF cases, actions and the
timeline. Thin: each write checks the permission predicate the page checks and calls the same
service, which checks the state (409) and the input (400) again.

Answers: 400 bad input (field by field), 403 not allowed (with the reason), 404 outside the
caller's scope, 409 a transition the state forbids or a stale `version` (with `changes`).
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import has_perm
from accounts.models import AccessLog, OrgUnit, User
from accounts.roles import Perm
from accounts.services import accesslog_record
from actions.api.serializers import ActionSerializer
from actions.models import Action
from complaints import permissions, services
from complaints.api import serializers as s
from complaints.filtersets import ComplaintFilterSet
from complaints.models import Complaint, ComplaintIncident, Contact, ExternalCase
from psweb.api import SUBLIST, CaseErrorsMixin, ScopedModelViewSet, case_errors, pk_param
from psweb.pagination import CursorPagination
from psweb.sync import UPDATED_SINCE_PARAMETER, SyncListMixin, SyncSchemaMixin

ERRORS = case_errors("complaint")
READ_ERRORS = {404: ERRORS[404]}
TAGS = ["complaints"]

# A row or a case as its reader may see it: the provider's staff, or the patientnämnd's officer.
AS_READ = PolymorphicProxySerializer(
    component_name="ComplaintAsRead",
    serializers={"staff": s.ComplaintSerializer, "board": s.ComplaintBoardSerializer},
    resource_type_field_name="view",
)
DETAIL_AS_READ = PolymorphicProxySerializer(
    component_name="ComplaintDetailAsRead",
    serializers={"staff": s.ComplaintDetailSerializer, "board": s.ComplaintBoardSerializer},
    resource_type_field_name="view",
)


class ComplaintPagination(SyncSchemaMixin, CursorPagination):
    ordering = ("-received_on", "-id")


class ComplaintApiFilterSet(ComplaintFilterSet):
    """The queue's filters, with the API's names for the due period (as `/api/v1/actions/`)."""

    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text=gettext_lazy("Answer due on or after (YYYY-MM-DD).")
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text=gettext_lazy("Answer due on or before (YYYY-MM-DD).")
    )


def _transition(summary: str, request, description: str = ""):
    return extend_schema(
        summary=summary,
        description=description or summary + ". A complaint handler of the responsible unit.",
        request=request,
        responses={200: s.ComplaintDetailSerializer, **ERRORS},
        tags=TAGS,
    )


@extend_schema_view(
    list=extend_schema(
        summary="List complaints you may see",
        description=(
            "Staff see the complaints of their units (`view` = `staff`); a patientnämnd's officer the cases her "
            "nämnd sent (`view` = `board`). Never the complainant's words, the patient's identity or the contact "
            "details. Filters: `status` (one or more), `unit` (with the units below it), `channel`, `area`, "
            "`overdue`, `due_after`/`due_before`; `q` finds a complaint by its reference (KL-2026-000012, 2026-12, "
            "012), the nämnd's number or words of the summary. Paged with a cursor. With `updated_since`: what "
            'changed, in the order it was committed (docs/api.md, "Sync").'
        ),
        parameters=[UPDATED_SINCE_PARAMETER],
        responses={200: AS_READ, 400: ERRORS[400]},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One complaint",
        description=(
            "Staff read the complaint in the complainant's words and the answer letter; the patientnämnd's officer "
            "the case as sent and the provider's answer. Never the patient's identity (`patient/`) or the contact "
            "details (`contact/`)."
        ),
        responses={200: DETAIL_AS_READ, **READ_ERRORS},
        tags=TAGS,
    ),
)
class ComplaintViewSet(
    CaseErrorsMixin, SyncListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet
):
    queryset = Complaint.objects.all()
    serializer_class = s.ComplaintSerializer
    pagination_class = ComplaintPagination
    filterset_class = ComplaintApiFilterSet
    lookup_value_regex = "[0-9]+"

    def narrow_queryset(self, queryset):
        queryset = queryset.select_related("unit", "handler", "board_unit").prefetch_related("units")
        if self.action == "retrieve":
            queryset = queryset.select_related("answered_by").prefetch_related("incident_links")
        return queryset

    def filter_queryset(self, queryset):
        # Filters apply to the list only; a detail URL finds its complaint regardless.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer(self, *args, **kwargs):
        if self.action == "list" and kwargs.get("many") and args:
            user = self.request.user
            return _Rows(_rows_as_read(user, list(args[0])))
        return super().get_serializer(*args, **kwargs)

    # --- helpers -------------------------------------------------------------------------------

    def _allowed(self, predicate) -> Complaint:
        """The complaint (404 outside scope), if `predicate` allows the caller (else 403 with
        the reason). The state is the service's to check (409)."""
        complaint = self.get_object()
        decision = predicate(self.request.user, complaint)
        if not decision:
            raise PermissionDenied(decision.reason)
        return complaint

    def _staff(self) -> Complaint:
        """The complaint, for the provider's staff only (the patientnämnd reads the case and
        the answer, nothing under it)."""
        complaint = self.get_object()
        if not permissions.sees_as_staff(self.request.user, complaint):
            raise PermissionDenied(_("The patient board reads the case and the provider's answer only."))
        return complaint

    def _detail(self, complaint: Complaint, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.narrow_queryset(Complaint.objects.all())
        fresh = fresh.select_related("answered_by").prefetch_related("incident_links").get(pk=complaint.pk)
        return Response(_as_read(self.request.user, fresh, detail=True), status=status_code)

    # --- the complaint ---------------------------------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        return Response(_as_read(request.user, self.get_object(), detail=True))

    @extend_schema(
        summary="Register a complaint",
        description=(
            "A complaint handler of the responsible unit (`unit`), with the complainant's contact details if "
            "given. A patientnämnd's officer registers a case her nämnd sends with `board_unit`, "
            "`board_reference` and `board_due_on` (the channel is then the patient board)."
        ),
        request=s.ComplaintCreateSerializer,
        responses={201: DETAIL_AS_READ, 400: ERRORS[400], 403: ERRORS[403]},
        tags=TAGS,
    )
    def create(self, request, *args, **kwargs):
        data = self._valid(s.ComplaintCreateSerializer)
        contact = data.pop("contact", None)
        board_unit_id = data.pop("board_unit", None)
        board_due_on = data.pop("board_due_on", None)
        board_unit = None
        user = request.user
        officer_only = has_perm(user, Perm.COMPLAINT_BOARD) and not has_perm(user, Perm.COMPLAINT_HANDLE)
        if board_unit_id is None and officer_only:
            # The patientnämnd's officer registers only for her nämnd: say which field is missing.
            raise exceptions.ValidationError({"board_unit": [_("Choose the patient board that sends the case.")]})
        if board_unit_id is not None:
            board_unit = OrgUnit.objects.filter(pk=board_unit_id).first()
            if board_unit is None:
                raise exceptions.ValidationError({"board_unit": [_("There is no unit with that id.")]})
        complaint = services.complaint_register(
            actor=request.user, fields=data, contact=contact, board_unit=board_unit, board_due_on=board_due_on
        )
        return self._detail(complaint, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct the details",
        description=(
            "The complaint's handler, while it is handled; only the fields sent change. `version` is required; "
            "a stale one gives 409. Moving it to another unit needs the handler's role there too."
        ),
        request=s.ComplaintUpdateSerializer,
        responses={200: s.ComplaintDetailSerializer, **ERRORS},
        tags=TAGS,
    )
    def partial_update(self, request, *args, **kwargs):
        complaint = self._allowed(permissions.can_handle)
        fields = self._valid(s.ComplaintUpdateSerializer)
        version = fields.pop("version")
        services.complaint_update(complaint=complaint, actor=request.user, fields=fields, version=version)
        return self._detail(complaint)

    # --- transitions ---------------------------------------------------------------------------

    @_transition(
        "Acknowledge receipt", s.ComplaintAcknowledgeSerializer, "The receipt sent (default today); see TRANSITIONS."
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintAcknowledgeSerializer)
        return self._detail(services.complaint_acknowledge(complaint=complaint, actor=request.user, **data))

    @_transition("Start investigating", s.ComplaintVersionSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintVersionSerializer)
        return self._detail(services.complaint_investigate(complaint=complaint, actor=request.user, **data))

    @_transition("Pause the due date", s.ComplaintReasonSerializer, "With a reason; only while the answer is awaited.")
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintReasonSerializer)
        return self._detail(services.complaint_pause(complaint=complaint, actor=request.user, **data))

    @_transition("Resume the due date", s.ComplaintVersionSerializer, "The due date moves by the days paused.")
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintVersionSerializer)
        return self._detail(services.complaint_resume(complaint=complaint, actor=request.user, **data))

    @_transition("Save the answer letter", s.ComplaintLetterSerializer, "Saved as often as needed before it is sent.")
    @action(detail=True, methods=["post"])
    def letter(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintLetterSerializer)
        version = data.pop("version")
        return self._detail(services.letter_save(complaint=complaint, actor=request.user, letter=data, version=version))

    @_transition(
        "Record the answer as sent",
        s.ComplaintAnswerSerializer,
        "The date and the way it was sent, with the letter as sent (what happened is required).",
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintAnswerSerializer)
        version = data.pop("version")
        answered_on, way = data.pop("answered_on"), data.pop("answer_way")
        return self._detail(
            services.complaint_answer(
                complaint=complaint, actor=request.user, answered_on=answered_on, way=way, letter=data, version=version
            )
        )

    @_transition("Close", s.ComplaintVersionSerializer, "An answered complaint.")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintVersionSerializer)
        return self._detail(services.complaint_close(complaint=complaint, actor=request.user, **data))

    @_transition("Reopen", s.ComplaintReasonSerializer, "An answered or closed complaint, with a reason.")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintReasonSerializer)
        return self._detail(services.complaint_reopen(complaint=complaint, actor=request.user, **data))

    @_transition(
        "Record as forwarded elsewhere", s.ComplaintForwardSerializer, "To whom; not counted among the answers."
    )
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintForwardSerializer)
        return self._detail(services.complaint_forward(complaint=complaint, actor=request.user, **data))

    @_transition("Record as withdrawn", s.ComplaintReasonSerializer, "With a reason; not counted among the answers.")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintReasonSerializer)
        return self._detail(services.complaint_withdraw(complaint=complaint, actor=request.user, **data))

    @_transition(
        "Assign a handler", s.ComplaintAssignSerializer, "A complaint handler of the responsible unit; she is told."
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintAssignSerializer)
        handler = User.objects.filter(pk=data["handler"]).first()
        if handler is None:
            raise exceptions.ValidationError({"handler": [_("There is no user with that id.")]})
        return self._detail(
            services.complaint_assign(complaint=complaint, actor=request.user, handler=handler, version=data["version"])
        )

    # --- identity, logged ------------------------------------------------------------------------

    @extend_schema(
        summary="The patient's identity",
        description="For those who may see it (`complaint.view_patient`); each answer that shows it is logged.",
        responses={200: s.ComplaintPatientSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def patient(self, request, pk=None):
        complaint = self._allowed(permissions.can_view_patient)
        if complaint.patient_identifier:
            accesslog_record(
                request=request,
                action=AccessLog.Action.VIEW_PATIENT,
                obj=complaint,
                unit=complaint.unit,
                patient_identifier=complaint.patient_identifier,
                label=complaint.reference,
            )
        return Response({"patient_identifier": complaint.patient_identifier})

    @extend_schema(
        methods=["GET"],
        summary="The complainant's contact details",
        description="The complaint's handlers only; each read is logged.",
        responses={200: s.ComplaintContactSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        tags=TAGS,
    )
    @extend_schema(
        methods=["PUT"],
        summary="Change the complainant's contact details",
        description="The complaint's handlers only; the fields sent change. The timeline says that they changed.",
        request=s.ComplaintContactUpdateSerializer,
        responses={200: s.ComplaintContactSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get", "put"], **SUBLIST)
    def contact(self, request, pk=None):
        complaint = self._allowed(permissions.can_view_contact)
        if request.method == "PUT":
            data = self._valid(s.ComplaintContactUpdateSerializer)
            version = data.pop("version")
            row = services.contact_update(complaint=complaint, actor=request.user, contact=data, version=version)
        else:
            row = Contact.objects.filter(complaint=complaint).first() or Contact(complaint=complaint)
            accesslog_record(
                request=request,
                action=AccessLog.Action.VIEW,
                obj=complaint,
                unit=complaint.unit,
                label=_("%(reference)s — contact details") % {"reference": complaint.reference},
            )
        return Response(s.ComplaintContactSerializer(row).data)

    # --- what it is linked to --------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="The linked incidents",
        description="Each with its reference, status and whether a Lex Maria assessment or an investigation is "
        "requested. Staff only.",
        responses={200: s.ComplaintIncidentSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
        tags=TAGS,
    )
    @extend_schema(
        methods=["POST"],
        summary="Report an incident from the complaint, or link one",
        description=(
            "With `incident`: link that incident (one you may see; 409 if linked already). Without: report a new "
            "incident of care in the responsible unit (or `unit`), with `description` and `occurred_at`, the "
            "patient carried over unless `with_patient` is false; you are its reporter. The complaint's handler."
        ),
        request=s.IncidentFromComplaintSerializer,
        responses={201: s.ComplaintIncidentSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get", "post"], **SUBLIST)
    def incidents(self, request, pk=None):
        if request.method == "GET":
            complaint = self._staff()
            links = complaint.incident_links.select_related("incident").order_by("linked_at", "id")
            return Response(s.ComplaintIncidentSerializer(links, many=True).data)
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.IncidentFromComplaintSerializer)
        version = data.pop("version", None)
        if "incident" in data:
            link = services.incident_link(
                complaint=complaint, actor=request.user, incident=data["incident"], version=version
            )
            incident_pk = link.incident_id
        else:
            incident_pk = services.incident_create(
                complaint=complaint, actor=request.user, fields=data, version=version
            ).pk
        link = ComplaintIncident.objects.select_related("incident").get(complaint=complaint, incident_id=incident_pk)
        return Response(s.ComplaintIncidentSerializer(link).data, status=status.HTTP_201_CREATED)

    def _incident_request(self, service, incident_pk) -> Response:
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintIncidentRequestSerializer)
        if not ComplaintIncident.objects.filter(complaint=complaint, incident_id=incident_pk).exists():
            raise exceptions.NotFound()
        service(complaint=complaint, actor=self.request.user, incident=int(incident_pk), **data)
        link = ComplaintIncident.objects.select_related("incident").get(complaint=complaint, incident_id=incident_pk)
        return Response(s.ComplaintIncidentSerializer(link).data)

    @extend_schema(
        summary="Request a Lex Maria assessment of a linked incident",
        description=(
            "A handler who also handles the incident requests it there (its Lex Maria case opens); otherwise the "
            "incident's handlers are asked to, and told."
        ),
        parameters=[pk_param("incident_pk", "linked incident")],
        request=s.ComplaintIncidentRequestSerializer,
        responses={200: s.ComplaintIncidentSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"incidents/(?P<incident_pk>[0-9]+)/request-lex-maria",
        url_name="incident-request-lex-maria",
    )
    def incident_request_lex_maria(self, request, pk=None, incident_pk=None):
        return self._incident_request(services.lex_maria_request, incident_pk)

    @extend_schema(
        summary="Request an investigation of a linked incident",
        description=(
            "A handler who also handles the incident requests it there (those who decide are told); otherwise the "
            "incident's handlers are asked to, and told."
        ),
        parameters=[pk_param("incident_pk", "linked incident")],
        request=s.ComplaintIncidentRequestSerializer,
        responses={200: s.ComplaintIncidentSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"incidents/(?P<incident_pk>[0-9]+)/request-investigation",
        url_name="incident-request-investigation",
    )
    def incident_request_investigation(self, request, pk=None, incident_pk=None):
        return self._incident_request(services.investigation_request, incident_pk)

    @extend_schema(
        methods=["GET"],
        summary="IVO complaint cases and LÖF claims",
        description="Staff only.",
        responses={200: s.ComplaintExternalCaseSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
        tags=TAGS,
    )
    @extend_schema(
        methods=["POST"],
        summary="Register an IVO complaint case or a LÖF claim",
        description="The complaint's handler, whatever the complaint's state (such a case often comes later).",
        request=s.ComplaintExternalCreateSerializer,
        responses={201: s.ComplaintExternalCaseSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get", "post"], url_path="external-cases", url_name="external-cases", **SUBLIST)
    def external_cases(self, request, pk=None):
        if request.method == "GET":
            complaint = self._staff()
            return Response(s.ComplaintExternalCaseSerializer(complaint.external_cases.all(), many=True).data)
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintExternalCreateSerializer)
        case = services.external_add(complaint=complaint, actor=request.user, **data)
        return Response(s.ComplaintExternalCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an IVO or LÖF case",
        description=(
            "The statement and when it was sent, the decision (IVO: with or without criticism; LÖF: compensated or "
            "not) with its date and text, the amount (LÖF, compensated). `version` is the complaint's."
        ),
        parameters=[pk_param("external_pk", "IVO or LÖF case")],
        request=s.ComplaintExternalUpdateSerializer,
        responses={200: s.ComplaintExternalCaseSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"external-cases/(?P<external_pk>[0-9]+)",
        url_name="external-case-detail",
    )
    def external_update(self, request, pk=None, external_pk=None):
        complaint = self._allowed(permissions.can_handle)
        case = get_object_or_404(ExternalCase, complaint=complaint, pk=external_pk)
        data = self._valid(s.ComplaintExternalUpdateSerializer)
        case = services.external_update(case=case, actor=request.user, **data)
        return Response(s.ComplaintExternalCaseSerializer(case).data)

    @extend_schema(
        methods=["GET"],
        summary="The complaint's actions",
        description="Actions in the action register that the complaint led to. Staff only.",
        responses={200: ActionSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
        tags=TAGS,
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an action",
        description="The complaint's handler, while it is handled; the responsible person is told.",
        request=s.ComplaintActionCreateSerializer,
        responses={201: ActionSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get", "post"], **SUBLIST)
    def actions(self, request, pk=None):
        if request.method == "GET":
            complaint = self._staff()
            rows = (
                Action.objects.filter(complaint=complaint)
                .select_related("responsible", "complaint")
                .prefetch_related("causes")
                .order_by("due_date", "id")
            )
            return Response(ActionSerializer(rows, many=True, context={"request": request}).data)
        complaint = self._allowed(permissions.can_handle)
        data = self._valid(s.ComplaintActionCreateSerializer)
        responsible = User.objects.filter(pk=data.pop("responsible")).first()
        if responsible is None:
            raise exceptions.ValidationError({"responsible": [_("There is no user with that id.")]})
        created = services.action_add(complaint=complaint, actor=request.user, responsible=responsible, **data)
        row = Action.objects.select_related("responsible", "complaint").prefetch_related("causes").get(pk=created.pk)
        return Response(ActionSerializer(row, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The complaint's timeline",
        description="Who did what, when; oldest first. Never identity or contact details. Staff only.",
        responses={200: s.ComplaintTimelineEntrySerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def timeline(self, request, pk=None):
        complaint = self._staff()
        entries = complaint.timeline.select_related("actor").order_by("at", "id")
        return Response(s.ComplaintTimelineEntrySerializer(entries, many=True).data)


class _Rows:
    """A page already serialized row by row (each as its reader may see it), in the shape the
    list mixins read from a serializer."""

    def __init__(self, data: list):
        self.data = data


def _rows_as_read(user, complaints: list[Complaint]) -> list[dict]:
    """A list's rows as `user` may read each, in order: each representation serialized once
    for all its rows (a serializer built per row cost 4 ms of a page of 50; bench/scale.py)."""
    staff = [permissions.sees_as_staff(user, complaint) for complaint in complaints]
    as_staff = iter(s.ComplaintSerializer([c for c, st in zip(complaints, staff, strict=True) if st], many=True).data)
    as_board = iter(
        s.ComplaintBoardSerializer([c for c, st in zip(complaints, staff, strict=True) if not st], many=True).data
    )
    return [next(as_staff) if st else next(as_board) for st in staff]


def _as_read(user, complaint: Complaint, *, detail: bool) -> dict:
    """The complaint as `user` may read it: staff's representation (the detail's or the
    list's), else the patientnämnd officer's."""
    if permissions.sees_as_staff(user, complaint):
        serializer = s.ComplaintDetailSerializer if detail else s.ComplaintSerializer
        return serializer(complaint).data
    return s.ComplaintBoardSerializer(complaint).data
