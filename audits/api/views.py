"""`/api/v1/audit-rounds/` and `/api/v1/audit-responses/` (issue 18, item 4): the rounds you may
see with their results, and the units' responses with their answers, answering one statement
at a time, submitting, approving, returning and adding actions. Thin: each write checks the
permission predicate the page checks and calls the same service (`audits.services`), which
checks the state (409) and the input (400) again.

Answers: 400 bad input (field by field), 403 not allowed (with the reason), 404 outside the
caller's scope, 409 a transition the state forbids or a stale `version` (with `changes`).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from accounts.models import OrgUnit, User
from actions.api.serializers import ActionSerializer
from actions.models import Action
from audits import permissions, services
from audits.api import serializers as s
from audits.models import ANSWERED, Answer, Response, Round, RoundStatus, Statement, Status
from audits.results import round_results
from psweb.api import CaseErrorsMixin, ScopedModelViewSet, case_errors

ERRORS = case_errors("self-audit response")
READ_ERRORS = {404: ERRORS[404]}
ROUND_ERRORS = case_errors("self-audit round")
TAGS = ["audits"]


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.Filter):
    """A whole number (django-filter's NumberFilter takes decimals: `round=1.5` would read as 1)."""

    field_class = forms.IntegerField


class RoundFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=RoundStatus.choices, label=gettext_lazy("Status")
    )
    template = django_filters.CharFilter(
        field_name="template_version__template__code",
        lookup_expr="iexact",
        max_length=40,
        label=gettext_lazy("Template"),
        help_text=gettext_lazy("The template's code, e.g. LAKEMEDEL."),
    )
    year = IntegerFilter(
        field_name="period_start__year",
        min_value=1900,
        max_value=9999,
        label=gettext_lazy("Year"),
        help_text=gettext_lazy("The year the round's period starts in."),
    )

    class Meta:
        model = Round
        fields: list[str] = []


class ResponseFilterSet(django_filters.FilterSet):
    round = IntegerFilter(
        field_name="round_id", min_value=1, label=gettext_lazy("Round"), help_text=gettext_lazy("The round's id.")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        label=gettext_lazy("Unit (with the units below it)"),
    )
    status = django_filters.MultipleChoiceFilter(distinct=False, choices=Status.choices, label=gettext_lazy("Status"))

    class Meta:
        model = Response
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)


UNIT_PARAMETER = OpenApiParameter(
    "unit",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="The results of this unit's subtree only (a unit of the round's care provider): the drill-down.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List self-audit rounds you may see",
        description=(
            "The rounds sent to a unit where you answer, read results or run rounds, and the rounds you sent; "
            "newest first. `responses` and `answered` count the responses you may see. Filters: `status` (one or "
            "more), `template` (its code) and `year` (the year the period starts in)."
        ),
        responses={200: s.AuditRoundSerializer, 400: ROUND_ERRORS[400]},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One self-audit round, with its results",
        description=(
            "The round, the statements of its template version and, if you read results (`audit.view` or "
            "`audit.run`), the results over the units whose results you may read: per statement the units per "
            "answer and `not_answered`, the counts and shares, the threshold and the previous round's share. "
            "`unit` narrows the results to a unit's subtree (the drill-down); a unit outside the round's care "
            "provider is refused (400)."
        ),
        parameters=[UNIT_PARAMETER],
        responses={200: s.AuditRoundDetailSerializer, 400: ROUND_ERRORS[400], 404: ROUND_ERRORS[404]},
        tags=TAGS,
    ),
)
class AuditRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet):
    queryset = Round.objects.all()
    serializer_class = s.AuditRoundSerializer
    filterset_class = RoundFilterSet
    lookup_value_regex = "[0-9]+"

    def narrow_queryset(self, queryset):
        # The counts over the responses the reader may see, as subqueries: one query for a page.
        visible = Response.objects.visible_to(self.request.user).filter(round=OuterRef("pk")).order_by()
        counted = visible.values("round").annotate(n=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED)))
        return queryset.select_related("template_version__template", "care_provider").annotate(
            visible_responses=Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0)),
            visible_answered=Coalesce(Subquery(counted.values("answered"), output_field=IntegerField()), Value(0)),
        )

    def filter_queryset(self, queryset):
        # Filters apply to the list only; a detail URL finds its round regardless.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def retrieve(self, request, *args, **kwargs):
        round_ = self.get_object()
        unit = self._subtree(round_)
        results = round_results(request.user, round_, unit=unit) if permissions.can_view_results(request.user) else None
        return ApiResponse(s.AuditRoundDetailSerializer(round_, context={"results": results}).data)

    def _subtree(self, round_: Round) -> OrgUnit | None:
        raw = self.request.query_params.get("unit", "").strip()
        if not raw:
            return None
        try:
            unit_id = int(raw)
        except ValueError:
            raise exceptions.ValidationError({"unit": [_("Give a unit by its id.")]}) from None
        unit = OrgUnit.objects.filter(pk=unit_id).first()
        if unit is None or unit.care_provider_id != round_.care_provider_id:
            raise exceptions.ValidationError(
                {
                    "unit": [
                        _("The unit is not one of the round's care provider, %(provider)s.")
                        % {"provider": round_.care_provider.name}
                    ]
                }
            )
        return unit


def _transition(summary: str, request, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: s.AuditResponseDetailSerializer, **ERRORS},
        tags=TAGS,
    )


@extend_schema_view(
    list=extend_schema(
        summary="List self-audit responses you may see",
        description=(
            "One response per unit and round: those of the units where you answer, read results or run rounds, "
            "and those of the rounds you sent, each with its answers. Filters: `round` (its id), `unit` (with the "
            "units below it) and `status` (one or more)."
        ),
        responses={200: s.AuditResponseSerializer, 400: ERRORS[400]},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One self-audit response",
        description="Its answers, its state and `version`, and what still stops it from being submitted (`missing`).",
        responses={200: s.AuditResponseDetailSerializer, **READ_ERRORS},
        tags=TAGS,
    ),
)
class AuditResponseViewSet(CaseErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedModelViewSet):
    queryset = Response.objects.all()
    serializer_class = s.AuditResponseSerializer
    filterset_class = ResponseFilterSet
    lookup_value_regex = "[0-9]+"

    def narrow_queryset(self, queryset):
        answers = Answer.objects.select_related("statement").order_by("statement__position")
        return queryset.select_related("round", "unit").prefetch_related(Prefetch("answers", queryset=answers))

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def retrieve(self, request, *args, **kwargs):
        return ApiResponse(s.AuditResponseDetailSerializer(self.get_object()).data)

    # --- helpers -------------------------------------------------------------------------------

    def _allowed(self, predicate) -> Response:
        """The response (404 outside scope), if `predicate` allows the caller (else 403 with
        the reason). The state is the service's to check (409)."""
        response = self.get_object()
        decision = predicate(self.request.user, response)
        if not decision:
            raise PermissionDenied(decision.reason)
        return response

    def _detail(self, response: Response) -> ApiResponse:
        fresh = self.narrow_queryset(Response.objects.all()).get(pk=response.pk)
        return ApiResponse(s.AuditResponseDetailSerializer(fresh).data)

    def _statement(self, response: Response, key: str) -> Statement:
        statement = Statement.objects.filter(version_id=response.round.template_version_id, key=key).first()
        if statement is None:
            raise exceptions.NotFound()
        return statement

    # --- answering -----------------------------------------------------------------------------

    @extend_schema(
        summary="Answer one statement",
        description=(
            "The unit's staff (`audit.answer`) and its manager, while the response is open or overdue (403 "
            "otherwise, with the reason). The body replaces the statement's answer: `value` for a status or "
            "yes/no statement (one of the statement's `values`), `observed` and `compliant` for a count "
            "(compliant at most observed), and `comment` (a negative answer needs one before submitting). An "
            "empty body removes the answer. Answers are saved one by one, as on the page: the response's "
            "`version` does not change."
        ),
        parameters=[
            OpenApiParameter(
                "statement_key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The statement's key."
            )
        ],
        request=s.AuditAnswerWriteSerializer,
        responses={200: s.AuditAnswerSerializer, **{code: ERRORS[code] for code in (400, 403, 404)}},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"answers/(?P<statement_key>[-a-zA-Z0-9_]+)",
        url_name="answer",
    )
    def answer(self, request, pk=None, statement_key=None):
        response = self._allowed(permissions.can_answer)
        statement = self._statement(response, statement_key)
        data = self._valid(s.AuditAnswerWriteSerializer)
        answer = services.answer_save(response=response, actor=request.user, statement=statement, fields=data)
        answer.statement = statement
        return ApiResponse(s.AuditAnswerSerializer(answer).data)

    # --- transitions ---------------------------------------------------------------------------

    @_transition(
        "Submit",
        s.AuditVersionSerializer,
        "The unit's manager (`audit.submit`), when every statement is answered and every negative answer has a "
        "comment (400 listing what is missing under `answers`). The threshold rule then adds its required actions.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        response = self._allowed(permissions.can_submit)
        data = self._valid(s.AuditVersionSerializer)
        return self._detail(services.submit(response=response, actor=request.user, **data))

    @_transition("Approve", s.AuditVersionSerializer, "The unit's manager, a submitted response.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        response = self._allowed(permissions.can_approve)
        data = self._valid(s.AuditVersionSerializer)
        return self._detail(services.approve(response=response, actor=request.user, **data))

    @_transition(
        "Return for changes",
        s.AuditReturnSerializer,
        "The unit's manager sends a submitted response back, saying what should be changed: it opens again "
        "(overdue past the due date).",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_changes(self, request, pk=None):
        response = self._allowed(permissions.can_approve)
        data = self._valid(s.AuditReturnSerializer)
        return self._detail(services.return_for_changes(response=response, actor=request.user, **data))

    # --- actions -------------------------------------------------------------------------------

    @extend_schema(
        summary="Add an action",
        description=(
            "An action in the action register for what the response found: the unit's staff while they answer, "
            "its manager and those who run the round until it is approved. `statement` names the statement it "
            "answers (its key); the responsible person is told."
        ),
        request=s.AuditActionCreateSerializer,
        responses={201: ActionSerializer, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        response = self._allowed(permissions.can_add_action)
        data = self._valid(s.AuditActionCreateSerializer)
        responsible = User.objects.filter(pk=data.pop("responsible")).first()
        if responsible is None:
            raise exceptions.ValidationError({"responsible": [_("There is no user with that id.")]})
        key = data.pop("statement", "")
        statement = None
        if key:
            statement = Statement.objects.filter(version_id=response.round.template_version_id, key=key).first()
            if statement is None:
                message = _("The round's template has no statement with that key.")
                raise exceptions.ValidationError({"statement": [message]})
        created = services.action_add(
            response=response, actor=request.user, fields={**data, "responsible": responsible}, statement=statement
        )
        row = Action.objects.select_related("responsible").prefetch_related("causes").get(pk=created.pk)
        return ApiResponse(ActionSerializer(row, context={"request": request}).data, status=status.HTTP_201_CREATED)
