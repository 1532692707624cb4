"""`/api/v1/investigations/` (DESIGN §6): list, open, retrieve, every operation of the
working space and every transition. Thin: each write checks the same predicate as the page
(`investigations.operations.OPERATIONS`) and calls the same service.

Answers: 400 bad input (field by field), 403 not allowed (with the reason), 404 outside the
caller's scope, 409 a transition the state forbids (with `blockers`) or a stale `version`
(with `changes`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from incidents.models import Incident
from investigations import permissions, selectors, services
from investigations.api import serializers as s
from investigations.filtersets import InvestigationFilterSet
from investigations.models import CourseEvent, Investigation, InvestigationAction, InvestigationCause, TeamMember
from investigations.operations import OPERATIONS
from psweb.api import SUBLIST, CaseErrorsMixin, ScopedModelViewSet, case_errors, pk_param
from psweb.pagination import CursorPagination
from psweb.sync import UPDATED_SINCE_PARAMETER, SyncListMixin, SyncSchemaMixin

ERRORS = case_errors("investigation")
READ_ERRORS = {404: ERRORS[404]}

TAGS = ["investigations"]
# The waiting requests a decider is given at most (the oldest first; the page shows as many).
REQUESTS_LISTED = 500


class InvestigationPagination(SyncSchemaMixin, CursorPagination):
    ordering = ("-created_at", "-id")


def _schema(summary: str, request, description: str = "", status_code: int = 200, response=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={status_code: response or s.InvestigationDetailSerializer, **ERRORS},
        tags=TAGS,
    )


@extend_schema_view(
    list=extend_schema(
        summary="List investigations you may see",
        description=(
            "Those of the units where you may see investigations, and those you lead or are on the team of. "
            "Filter with `status` and `method`; `q` finds an investigation by its reference (UT-2026-000012, "
            "2026-12, 012), an investigated incident's reference (AV-2026-000189) or words of its title. "
            "Paged with a cursor. With `updated_since`: what changed, in the order it was committed (docs/api.md, "
            '"Sync").'
        ),
        parameters=[UPDATED_SINCE_PARAMETER],
        responses={200: s.InvestigationSerializer},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One investigation, with its working space",
        responses={200: s.InvestigationDetailSerializer, **READ_ERRORS},
        tags=TAGS,
    ),
)
class InvestigationViewSet(
    CaseErrorsMixin, SyncListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet
):
    queryset = Investigation.objects.all()
    serializer_class = s.InvestigationSerializer
    pagination_class = InvestigationPagination
    filterset_class = InvestigationFilterSet
    lookup_value_regex = "[0-9]+"
    blocker_codes = {
        "leader_missing": "Assign an analysis leader.",
        "course_missing": "Describe the course of events.",
        "cause_missing": "Add at least one cause or contributing factor.",
        "patient_invitation_missing": "Record whether the patient and relatives were invited to tell their account.",
        "patient_not_invited_reason_missing": (
            "In an event analysis the patient and relatives are invited, or a reason is given."
        ),
        "conclusions_missing": "Record the conclusions.",
    }

    def narrow_queryset(self, queryset):
        queryset = queryset.select_related("leader").prefetch_related("incidents")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("actions__causes", "actions__action__responsible", "actions__incident")
        return queryset

    def get_serializer_class(self):
        return s.InvestigationDetailSerializer if self.action == "retrieve" else s.InvestigationSerializer

    # --- requests for an investigation --------------------------------------------------------

    @extend_schema(
        summary="Requested investigations waiting for your decision",
        description=(
            "Incidents whose handler asked for an investigation, in the units where you decide investigations "
            "(managers, the chief physician), oldest request first. Answer by opening an investigation "
            "(`POST /api/v1/investigations/`) or by declining."
        ),
        responses={200: s.RequestedInvestigationSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=False, methods=["get"], url_path="requests", url_name="requests", **SUBLIST)
    def requests(self, request):
        waiting = selectors.requested_investigations(user=request.user)[:REQUESTS_LISTED]
        return Response(s.RequestedInvestigationSerializer(waiting, many=True).data)

    @extend_schema(
        summary="Decline a request for an investigation",
        description="With the reason; the requester is told and the incident's timeline shows it.",
        parameters=[pk_param("incident_pk", "incident")],
        request=s.DeclineRequestSerializer,
        responses={204: None, **ERRORS},
        tags=TAGS,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path=r"requests/(?P<incident_pk>[0-9]+)/decline",
        url_name="request-decline",
    )
    def request_decline(self, request, incident_pk=None):
        incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=incident_pk)
        decision = permissions.can_open(request.user, incident)
        if not decision:
            raise PermissionDenied(decision.reason)
        data = self._valid(s.DeclineRequestSerializer)
        services.investigation_request_decline(incident=incident, actor=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- helpers -------------------------------------------------------------------------------

    def _allowed(self, operation: str) -> Investigation:
        """The investigation (404 outside scope), if the caller may do `operation` (else 403)."""
        investigation = self.get_object()
        decision = OPERATIONS[operation].decide(self.request.user, investigation)
        if not decision:
            raise PermissionDenied(decision.reason)
        return investigation

    def _detail(self, investigation: Investigation, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.narrow_queryset(Investigation.objects.all()).get(pk=investigation.pk)
        return Response(s.InvestigationDetailSerializer(fresh).data, status=status_code)

    @staticmethod
    def _user(pk, field: str) -> User:
        user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
        if user is None:
            raise exceptions.ValidationError({field: [_("There is no active user with that id.")]})
        return user

    def _incident(self, pk, field: str = "incident") -> Incident:
        incident = Incident.objects.visible_to(self.request.user).filter(pk=pk).first()
        if incident is None:
            raise exceptions.ValidationError({field: [_("There is no incident with that id that you may see.")]})
        return incident

    # --- opening -------------------------------------------------------------------------------

    @extend_schema(
        summary="Open an investigation of one or more incidents",
        description="A manager or the chief physician of the incidents' units decides the method, with a reason.",
        request=s.OpenSerializer,
        responses={201: s.InvestigationDetailSerializer, **ERRORS},
        tags=TAGS,
    )
    def create(self, request, *args, **kwargs):
        data = self._valid(s.OpenSerializer)
        incidents = [self._incident(pk, "incidents") for pk in dict.fromkeys(data["incidents"])]
        leader = self._user(data["leader"], "leader") if data["leader"] is not None else None
        investigation = services.investigation_open(
            incidents=incidents,
            actor=request.user,
            method=data["method"],
            reason=data["reason"],
            title=data["title"],
            leader=leader,
        )
        return self._detail(investigation, status.HTTP_201_CREATED)

    # --- deciding ------------------------------------------------------------------------------

    @_schema("Link another incident", s.LinkSerializer)
    @action(detail=True, methods=["post"], url_path="link-incident", url_name="link-incident")
    def link_incident(self, request, pk=None):
        inv = self._allowed("link")
        data = self._valid(s.LinkSerializer)
        incident = self._incident(data["incident"])
        return self._detail(
            services.incident_link(
                investigation=inv, actor=request.user, incident=incident, version=data.get("version")
            )
        )

    @_schema("Decide the method", s.MethodSerializer, "The manager or the chief physician, with a reason.")
    @action(detail=True, methods=["post"])
    def method(self, request, pk=None):
        inv = self._allowed("method")
        data = self._valid(s.MethodSerializer)
        return self._detail(services.method_decide(investigation=inv, actor=request.user, **data))

    @_schema("Assign the analysis leader", s.LeaderSerializer, "The leader is notified.")
    @action(detail=True, methods=["post"])
    def leader(self, request, pk=None):
        inv = self._allowed("leader")
        data = self._valid(s.LeaderSerializer)
        leader = self._user(data["leader"], "leader")
        return self._detail(
            services.leader_assign(investigation=inv, actor=request.user, leader=leader, version=data.get("version"))
        )

    @_schema("Add a team member", s.MemberSerializer, "Team members may come from another care provider.", 201)
    @action(detail=True, methods=["post"])
    def team(self, request, pk=None):
        inv = self._allowed("member-add")
        data = self._valid(s.MemberSerializer)
        user = self._user(data["user"], "user")
        services.member_add(
            investigation=inv, actor=request.user, user=user, role=data["role"], version=data.get("version")
        )
        return self._detail(inv, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a team member",
        parameters=[pk_param("member_pk", "team member")],
        request=None,
        responses={204: None, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["delete"], url_path=r"team/(?P<member_pk>[0-9]+)", url_name="team-member")
    def team_member(self, request, pk=None, member_pk=None):
        inv = self._allowed("member-remove")
        member = get_object_or_404(TeamMember, investigation=inv, pk=member_pk, removed_at__isnull=True)
        services.member_remove(investigation=inv, actor=request.user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- the working space ----------------------------------------------------------------------

    @_schema("Add a step to the course of events", s.CourseCreateSerializer, "", 201, s.CourseEventSerializer)
    @action(detail=True, methods=["post"])
    def course(self, request, pk=None):
        inv = self._allowed("course-add")
        event = services.course_add(investigation=inv, actor=request.user, **self._valid(s.CourseCreateSerializer))
        return Response(s.CourseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a step of the course of events",
        description="Hidden, not deleted; the timeline says who removed it.",
        parameters=[pk_param("event_pk", "step")],
        request=None,
        responses={204: None, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["delete"], url_path=r"course/(?P<event_pk>[0-9]+)", url_name="course-event")
    def course_event(self, request, pk=None, event_pk=None):
        inv = self._allowed("course-remove")
        event = get_object_or_404(CourseEvent, investigation=inv, pk=event_pk, removed_at__isnull=True)
        services.course_remove(investigation=inv, actor=request.user, event=event)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_schema(
        "Add a cause or contributing factor",
        s.InvestigationCauseCreateSerializer,
        "",
        201,
        s.InvestigationCauseSerializer,
    )
    @action(detail=True, methods=["post"])
    def causes(self, request, pk=None):
        inv = self._allowed("cause-add")
        cause = services.cause_add(
            investigation=inv, actor=request.user, **self._valid(s.InvestigationCauseCreateSerializer)
        )
        return Response(s.InvestigationCauseSerializer(cause).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a cause",
        parameters=[pk_param("cause_pk", "cause")],
        request=None,
        responses={204: None, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["delete"], url_path=r"causes/(?P<cause_pk>[0-9]+)", url_name="cause")
    def cause(self, request, pk=None, cause_pk=None):
        inv = self._allowed("cause-remove")
        cause = get_object_or_404(InvestigationCause, investigation=inv, pk=cause_pk, removed_at__isnull=True)
        services.cause_remove(investigation=inv, actor=request.user, cause=cause)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_schema(
        "Record the patient's and relatives' participation",
        s.PatientParticipationSerializer,
        "Whether they were invited, when, and their account in their own words (or why not invited).",
    )
    @action(detail=True, methods=["post"], url_path="patient-participation", url_name="patient-participation")
    def patient_participation(self, request, pk=None):
        inv = self._allowed("patient")
        data = self._valid(s.PatientParticipationSerializer)
        return self._detail(services.patient_participation_record(investigation=inv, actor=request.user, **data))

    @_schema("Record the conclusions", s.ConclusionsSerializer, "Care injury, avoidable, PSL 1 kap. 5 § criteria.")
    @action(detail=True, methods=["post"])
    def conclusions(self, request, pk=None):
        inv = self._allowed("conclusions")
        data = self._valid(s.ConclusionsSerializer)
        return self._detail(services.conclusions_record(investigation=inv, actor=request.user, **data))

    @_schema("Record the cost estimate", s.CostsSerializer, "Extra care days × cost per day + other costs.")
    @action(detail=True, methods=["post"])
    def costs(self, request, pk=None):
        inv = self._allowed("costs")
        data = self._valid(s.CostsSerializer)
        return self._detail(services.costs_record(investigation=inv, actor=request.user, **data))

    @_schema(
        "Add an action",
        s.InvestigationActionCreateSerializer,
        "An action of a linked incident (responsible person, due date, effect class) and the causes it addresses.",
        201,
        s.InvestigationActionSerializer,
    )
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        inv = self._allowed("action-add")
        data = self._valid(s.InvestigationActionCreateSerializer)
        responsible = self._user(data["responsible"], "responsible")
        incident = None
        if data["incident"] is not None:
            incident = inv.incidents.filter(pk=data["incident"]).first()
            if incident is None:
                raise exceptions.ValidationError({"incident": [_("That incident is not linked to the investigation.")]})
        causes = list(inv.causes.filter(pk__in=data["causes"], removed_at__isnull=True))
        if len(causes) != len(set(data["causes"])):
            raise exceptions.ValidationError({"causes": [_("Choose causes of this investigation.")]})
        link = services.action_add(
            investigation=inv,
            actor=request.user,
            description=data["description"],
            responsible=responsible,
            due_date=data["due_date"],
            effect_class=data["effect_class"],
            causes=causes,
            incident=incident,
        )
        link = InvestigationAction.objects.select_related("action__responsible").get(pk=link.pk)
        return Response(s.InvestigationActionSerializer(link).data, status=status.HTTP_201_CREATED)

    @_schema(
        "Evaluate an action at follow-up",
        s.EvaluateSerializer,
        "Was it carried out, did it work, with what evidence.",
        200,
        s.InvestigationActionSerializer,
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<link_pk>[0-9]+)/evaluate", url_name="evaluate")
    def evaluate(self, request, pk=None, link_pk=None):
        inv = self._allowed("evaluate")
        link = get_object_or_404(InvestigationAction, investigation=inv, pk=link_pk)
        data = self._valid(s.EvaluateSerializer)
        services.action_evaluate(investigation=inv, actor=request.user, link=link, **data)
        link = InvestigationAction.objects.select_related("action__responsible").get(pk=link.pk)
        return Response(s.InvestigationActionSerializer(link).data)

    # --- transitions ---------------------------------------------------------------------------

    @_schema("Start the investigation", s.InvestigationVersionSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        inv = self._allowed("start")
        return self._detail(
            services.investigation_start(
                investigation=inv, actor=request.user, **self._valid(s.InvestigationVersionSerializer)
            )
        )

    @_schema(
        "Mark the report ready", s.InvestigationVersionSerializer, "409 with `blockers` while something is missing."
    )
    @action(detail=True, methods=["post"], url_path="report-ready", url_name="report-ready")
    def report_ready(self, request, pk=None):
        inv = self._allowed("report-ready")
        return self._detail(
            services.report_ready(
                investigation=inv, actor=request.user, **self._valid(s.InvestigationVersionSerializer)
            )
        )

    @_schema("Resume the work", s.InvestigationReasonSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        inv = self._allowed("resume")
        return self._detail(
            services.investigation_resume(
                investigation=inv, actor=request.user, **self._valid(s.InvestigationReasonSerializer)
            )
        )

    @_schema("Start the follow-up", s.InvestigationVersionSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up", url_name="follow-up")
    def follow_up(self, request, pk=None):
        inv = self._allowed("follow-up")
        return self._detail(
            services.follow_up_start(
                investigation=inv, actor=request.user, **self._valid(s.InvestigationVersionSerializer)
            )
        )

    @_schema(
        "Close the investigation",
        s.InvestigationVersionSerializer,
        "After the report, and after every action is evaluated.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        inv = self._allowed("close")
        return self._detail(
            services.investigation_close(
                investigation=inv, actor=request.user, **self._valid(s.InvestigationVersionSerializer)
            )
        )

    @extend_schema(
        summary="The investigation's timeline",
        responses={200: s.InvestigationTimelineEntrySerializer(many=True), **READ_ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def timeline(self, request, pk=None):
        inv = self.get_object()
        return Response(s.InvestigationTimelineEntrySerializer(inv.timeline.select_related("actor"), many=True).data)
