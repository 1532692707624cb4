"""`/api/v1/lexmaria/` (DESIGN §6): list, open, retrieve, the chief physician's decision
(`POST /api/v1/lexmaria/{id}/decide/` with `decision` = `report` | `no_report` and
`motivation`), the report to IVO, the IVO dialogue and the yearly follow-up. Thin: each write
checks the permission predicate the page checks and calls the same service.

Answers: 400 bad input (field by field), 403 not allowed (with the reason), 404 outside the
caller's scope, 409 a transition the state forbids (with `blockers` when the report to IVO is
incomplete) or a stale `version` (with `changes`).
"""

from __future__ import annotations

import dataclasses

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import has_perm
from accounts.models import User
from accounts.roles import Perm
from actions.api.serializers import ActionCreateSerializer, ActionSerializer
from incidents.models import Incident
from investigations.models import Investigation
from lexmaria import hooks, permissions, services
from lexmaria.api import serializers as s
from lexmaria.filtersets import LexMariaFilterSet
from lexmaria.ivo import ivo_report, ivo_report_text
from lexmaria.models import LexMariaCase, PromisedAction
from lexmaria.selectors import yearly_follow_up
from psweb.api import SUBLIST, CaseErrorsMixin, ScopedModelViewSet, case_errors, pk_param
from psweb.pagination import CursorPagination
from psweb.sync import UPDATED_SINCE_PARAMETER, SyncListMixin, SyncSchemaMixin

ERRORS = case_errors("Lex Maria case")
READ_ERRORS = {404: ERRORS[404]}

TAGS = ["lexmaria"]


class LexMariaPagination(SyncSchemaMixin, CursorPagination):
    ordering = ("-requested_at", "-id")


def _with_detail(queryset):
    return queryset.select_related("unit", "decided_by").prefetch_related(
        "supplements", "promised_actions__action__responsible"
    )


def _schema(summary: str, request, description: str = "", status_code: int = 200, response=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={status_code: response or s.LexMariaCaseDetailSerializer, **ERRORS},
        tags=TAGS,
    )


@extend_schema_view(
    list=extend_schema(
        summary="List Lex Maria cases you may see",
        description=(
            "The chief physician and patient-safety officers see their care provider's cases; managers the cases "
            "of the units involved. Filter with `status` and `decision`; `q` finds a case by its reference "
            "(LM-2026-000004, 2026-4, 004), an assessed incident's (AV-2026-000189), the investigation's "
            "(UT-2026-000012) or IVO's reference. Paged with a cursor. With `updated_since`: what changed, in the "
            'order it was committed (docs/api.md, "Sync").'
        ),
        parameters=[UPDATED_SINCE_PARAMETER],
        responses={200: s.LexMariaCaseSerializer},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One Lex Maria case, with its clock, IVO dialogue and promised actions",
        responses={200: s.LexMariaCaseDetailSerializer, **READ_ERRORS},
        tags=TAGS,
    ),
)
class LexMariaCaseViewSet(
    CaseErrorsMixin, SyncListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet
):
    queryset = LexMariaCase.objects.all()
    serializer_class = s.LexMariaCaseSerializer
    pagination_class = LexMariaPagination
    filterset_class = LexMariaFilterSet
    lookup_value_regex = "[0-9]+"
    blocker_codes = {
        "actions_missing": "There are no actions: the report to IVO must say what will be done, by whom and when.",
        "action_responsible_missing": "%(reference)s, “%(action)s”: name a responsible person.",
        "action_responsible_left": "%(reference)s, “%(action)s”: the responsible person has left; name another.",
        "action_due_date_missing": "%(reference)s, “%(action)s”: give a due date.",
    }

    def narrow_queryset(self, queryset):
        queryset = queryset.select_related("owner", "unit").prefetch_related("incidents")
        return _with_detail(queryset) if self.action == "retrieve" else queryset

    def get_serializer_class(self):
        return s.LexMariaCaseDetailSerializer if self.action == "retrieve" else s.LexMariaCaseSerializer

    def get_serializer(self, *args, **kwargs):
        if self.action == "list" and kwargs.get("many") and args:
            hooks.record_granted_reads(self.request, args[0])  # read under an oversight agreement: logged
        return super().get_serializer(*args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        hooks.record_granted_read(request, case)  # read under an oversight agreement: logged
        return Response(self.get_serializer(case).data)

    # --- helpers -------------------------------------------------------------------------------

    def _allowed(self, predicate) -> LexMariaCase:
        """The case (404 outside scope), if `predicate` allows the caller (else 403 with the
        reason). The state is the service's to check (409)."""
        case = self.get_object()
        decision = predicate(self.request.user, case)
        if not decision:
            raise PermissionDenied(decision.reason)
        return case

    def _detail(self, case: LexMariaCase, status_code=status.HTTP_200_OK) -> Response:
        fresh = _with_detail(self.narrow_queryset(LexMariaCase.objects.all())).get(pk=case.pk)
        return Response(s.LexMariaCaseDetailSerializer(fresh).data, status=status_code)

    def _incident(self, pk, field: str = "incident") -> Incident:
        incident = Incident.objects.visible_to(self.request.user).filter(pk=pk).first()
        if incident is None:
            raise exceptions.ValidationError({field: [_("There is no incident with that id that you may see.")]})
        return incident

    def _investigation(self, pk) -> Investigation:
        investigation = Investigation.objects.visible_to(self.request.user).filter(pk=pk).first()
        if investigation is None:
            raise exceptions.ValidationError(
                {"investigation": [_("There is no investigation with that id that you may see.")]}
            )
        return investigation

    # --- opening -------------------------------------------------------------------------------

    @extend_schema(
        summary="Open a Lex Maria case",
        description=(
            "The chief physician or a patient-safety officer, for one or more incidents and optionally their "
            "investigation; with only `investigation`, for all of its incidents. A handler's request for an "
            "assessment (`POST /api/v1/incidents/{id}/request-lex-maria/`) opens one by itself."
        ),
        request=s.LexMariaOpenSerializer,
        responses={201: s.LexMariaCaseDetailSerializer, **ERRORS},
        tags=TAGS,
    )
    def create(self, request, *args, **kwargs):
        data = self._valid(s.LexMariaOpenSerializer)
        investigation = self._investigation(data["investigation"]) if data["investigation"] is not None else None
        if data["incidents"]:
            incidents = [self._incident(pk, "incidents") for pk in dict.fromkeys(data["incidents"])]
            case = services.case_open(
                actor=request.user, incidents=incidents, reason=data["reason"], investigation=investigation
            )
        else:
            case = services.case_open_from_investigation(
                investigation=investigation, actor=request.user, reason=data["reason"]
            )
        return self._detail(case, status.HTTP_201_CREATED)

    # --- preparing -----------------------------------------------------------------------------

    @_schema("Name the preparer", s.OwnerSerializer, "The chief physician or a patient-safety officer of the unit.")
    @action(detail=True, methods=["post"])
    def owner(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.OwnerSerializer)
        owner = User.objects.filter(pk=data["owner"]).first()
        if owner is None:
            raise exceptions.ValidationError({"owner": [_("There is no user with that id.")]})
        return self._detail(
            services.case_assign_owner(case=case, actor=request.user, owner=owner, version=data.get("version"))
        )

    @_schema(
        "Add an action of the case",
        ActionCreateSerializer,
        "An action decided for the case itself (beyond those of its incidents and investigation), in the "
        "action register (`/api/v1/actions/`); the responsible person is told.",
        201,
        ActionSerializer,
    )
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(ActionCreateSerializer)
        if data.get("causes"):
            raise exceptions.ValidationError({"causes": [_("A Lex Maria case has no causes of its own.")]})
        responsible = User.objects.filter(pk=data["responsible"]).first()
        if responsible is None:
            raise exceptions.ValidationError({"responsible": [_("There is no user with that id.")]})
        created = services.action_add(
            case=case,
            actor=request.user,
            description=data["description"],
            responsible=responsible,
            due_date=data["due_date"],
            effect_class=data["effect_class"],
        )
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @_schema("Assess one more incident in the case", s.IncidentLinkSerializer)
    @action(detail=True, methods=["post"], url_path="link-incident", url_name="link-incident")
    def link_incident(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.IncidentLinkSerializer)
        incident = self._incident(data["incident"])
        return self._detail(
            services.incident_link(case=case, actor=request.user, incident=incident, version=data.get("version"))
        )

    @_schema("Link the investigation", s.InvestigationLinkSerializer, "Its actions then count as the case's.")
    @action(detail=True, methods=["post"], url_path="link-investigation", url_name="link-investigation")
    def link_investigation(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.InvestigationLinkSerializer)
        investigation = self._investigation(data["investigation"])
        return self._detail(
            services.investigation_link(
                case=case, actor=request.user, investigation=investigation, version=data.get("version")
            )
        )

    # --- the decision --------------------------------------------------------------------------

    @_schema(
        "Decide: report to IVO or not",
        s.DecideSerializer,
        "The chief physician alone (`lexmaria.decide`), with a written motivation. `no_report` closes the case.",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        case = self._allowed(permissions.can_decide)
        data = self._valid(s.DecideSerializer)
        return self._detail(services.case_decide(case=case, actor=request.user, **data))

    @_schema("Reopen a decision not to report", s.LexMariaReasonSerializer, "The chief physician, with a reason.")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        case = self._allowed(permissions.can_decide)
        data = self._valid(s.LexMariaReasonSerializer)
        return self._detail(services.case_reopen(case=case, actor=request.user, **data))

    # --- the report and IVO's dialogue ---------------------------------------------------------

    @extend_schema(
        summary="The report to IVO",
        description=(
            "What IVO's form asks for, assembled from the case, its incidents and its investigation, and the same "
            "as text to paste into IVO's e-service. The patient appears only as age and sex."
        ),
        responses={200: s.IvoReportSerializer, **READ_ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="ivo-report", url_name="ivo-report", **SUBLIST)
    def ivo_report(self, request, pk=None):
        case = self.get_object()
        hooks.record_granted_read(request, case)
        report = ivo_report(case)
        return Response(s.IvoReportSerializer({**dataclasses.asdict(report), "text": ivo_report_text(report)}).data)

    @_schema(
        "Record that the report was sent to IVO",
        s.MarkReportedSerializer,
        "Refused (409 with `blockers`) while there are no actions or an action lacks a responsible person or a "
        "due date: IVO asks for a supplement then.",
    )
    @action(detail=True, methods=["post"], url_path="mark-reported", url_name="mark-reported")
    def mark_reported(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.MarkReportedSerializer)
        return self._detail(services.case_mark_reported(case=case, actor=request.user, **data))

    @_schema("Record IVO's request for a supplement", s.SupplementRequestSerializer)
    @action(detail=True, methods=["post"], url_path="supplement-request", url_name="supplement-request")
    def supplement_request(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.SupplementRequestSerializer)
        services.supplement_request(case=case, actor=request.user, **data)
        return self._detail(case)

    @_schema("Record that the supplement was sent", s.SupplementSendSerializer)
    @action(detail=True, methods=["post"], url_path="supplement-send", url_name="supplement-send")
    def supplement_send(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.SupplementSendSerializer)
        services.supplement_send(case=case, actor=request.user, **data)
        return self._detail(case)

    @_schema("Record IVO's decision", s.IvoDecisionSerializer)
    @action(detail=True, methods=["post"], url_path="ivo-decision", url_name="ivo-decision")
    def ivo_decision(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        data = self._valid(s.IvoDecisionSerializer)
        return self._detail(services.ivo_decision_record(case=case, actor=request.user, **data))

    @_schema("Close the case after IVO's decision", s.LexMariaVersionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self._allowed(permissions.can_prepare)
        return self._detail(
            services.case_close(case=case, actor=request.user, **self._valid(s.LexMariaVersionSerializer))
        )

    # --- the yearly follow-up ------------------------------------------------------------------

    @extend_schema(
        summary="Follow up an action promised to IVO",
        description="Was it carried out, with what effect class (blank: its expected one), on what evidence.",
        parameters=[pk_param("promised_pk", "promised action")],
        request=s.FollowUpSerializer,
        responses={200: s.PromisedActionSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"promised-actions/(?P<promised_pk>[0-9]+)/follow-up",
        url_name="follow-up",
    )
    def follow_up(self, request, pk=None, promised_pk=None):
        case = self._allowed(permissions.can_prepare)
        promised = get_object_or_404(PromisedAction, case=case, pk=promised_pk)
        data = self._valid(s.FollowUpSerializer)
        services.action_follow_up(case=case, actor=request.user, action=promised.action_id, **data)
        promised = PromisedAction.objects.select_related("action__responsible").get(pk=promised.pk)
        return Response(s.PromisedActionSerializer(promised).data)

    @extend_schema(
        summary="The yearly follow-up of actions promised to IVO",
        description=(
            "Across the cases you see that were reported to IVO in `year` (default: last year): actions promised, "
            "done, and done by effect class. Counts only."
        ),
        parameters=[
            OpenApiParameter("year", {"type": "integer", "minimum": 2000}, OpenApiParameter.QUERY, required=False)
        ],
        responses={200: s.FollowUpSummarySerializer, 400: ERRORS[400], 403: ERRORS[403]},
        tags=TAGS,
    )
    @action(detail=False, methods=["get"], url_path="follow-up", url_name="follow-up-year", **SUBLIST)
    def follow_up_year(self, request):
        if not has_perm(request.user, Perm.LEXMARIA_VIEW):
            raise PermissionDenied(
                _("Lex Maria cases are for the chief physician, the patient-safety team and managers.")
            )
        this_year = timezone.localdate().year
        raw = request.query_params.get("year")
        if raw is None:
            year = this_year - 1
        elif raw.isdigit() and 2000 <= int(raw) <= this_year:
            year = int(raw)
        else:
            raise exceptions.ValidationError({"year": [_("Give a year from 2000 to %(year)s.") % {"year": this_year}]})
        return Response(s.FollowUpSummarySerializer(yearly_follow_up(request.user, year)).data)

    @extend_schema(
        summary="The case's timeline",
        responses={200: s.LexMariaTimelineEntrySerializer(many=True), **READ_ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], **SUBLIST)
    def timeline(self, request, pk=None):
        case = self.get_object()
        return Response(s.LexMariaTimelineEntrySerializer(case.timeline.select_related("actor"), many=True).data)
