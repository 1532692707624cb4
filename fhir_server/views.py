"""`/fhir/`: psweb's incidents as FHIR R5 `AdverseEvent`, read-only (issue 15, item 6).

The same authentication, scope and identity rules as the REST API, through the same pieces:
DRF's authentication classes (a token or a session), `ScopedModelViewSet` (every read from
`Incident.objects.visible_to(user)`: not visible → 404), `incidents.viewing.CaseView` (which
parts of the case), `incidents.permissions.can_view_patient` and one `AccessLog` row for every
answer that shows a patient's identity — the read interaction only, as the REST API shows it
in the detail only. A search is paged like `GET /api/v1/incidents/`: by keyset over the rows
of `Reach` (`incidents.queue.queue_page`), newest report first, `next` link with `_cursor`.

Every answer is `application/fhir+json`; every error an `OperationOutcome` with the HTTP
status of the REST API (400, 401, 403, 404, 405, 429). FHIR is described by its
CapabilityStatement (`/fhir/metadata`), not by the OpenAPI schema of `/api/v1/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.services import accesslog_record
from fhir_server import resources, search
from incidents import hooks, permissions, queue
from incidents.models import Incident, Status
from incidents.viewing import CaseView
from psweb.api import ScopedModelViewSet
from psweb.api import exception_handler as api_exception_handler

# The HTTP status of an error → the IssueType of its OperationOutcome.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    415: "not-supported",
    429: "throttled",
}
SEARCHED_STATUSES = [Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN]


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class AlwaysFhirJSON(BaseContentNegotiation):
    """FHIR JSON whatever the client accepts: there is no other representation."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def fhir_exception_handler(exc, context):
    """The REST API's answer (status, headers such as WWW-Authenticate and Retry-After, the
    readable sentence), its body an OperationOutcome."""
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    response.data = resources.operation_outcome(
        ISSUE_CODES.get(response.status_code, "exception"), str(response.data.get("detail", ""))
    )
    return response


class FhirMixin:
    renderer_classes = [FhirJSONRenderer]
    parser_classes: list = []
    content_negotiation_class = AlwaysFhirJSON
    schema = None  # described by /fhir/metadata, not by the OpenAPI schema of /api/v1/

    def get_exception_handler(self):
        return fhir_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # case data: not kept by a browser or a proxy
        return response

    @property
    def base(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


def _bad_search(error: search.SearchError) -> Response:
    return Response(
        resources.operation_outcome(error.code, error.message, expression=error.parameter),
        status=status.HTTP_400_BAD_REQUEST,
    )


class CapabilityStatementView(FhirMixin, APIView):
    def get(self, request):
        return Response(resources.capability_statement(self.base))


@dataclass(frozen=True)
class _Searched(queue.Unscoped):
    """The queue's filter (no form parameters), narrowed by the FHIR search: the parts of
    `queue_page` each add the user's scope, as for the REST list."""

    extra: Q = field(default_factory=Q)

    def _qs(self, params, *, everything: bool = False):
        return super()._qs(params, everything=everything).filter(self.extra)


class AdverseEventViewSet(FhirMixin, ScopedModelViewSet):
    """Read (`/fhir/AdverseEvent/{id}`) and search (`/fhir/AdverseEvent?…`): reported
    incidents only — a draft, sent or not, is its author's and no AdverseEvent."""

    queryset = Incident.objects.filter(reported_at__isnull=False)
    filter_backends: list = []
    pagination_class = None

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "unit", "responsible_unit", "category", "category__parent", "reporter"
        ).prefetch_related(*resources.PREFETCH)

    def retrieve(self, request, pk=None):
        incident = self.get_object()
        hooks.record_granted_read(request, incident)  # read under an oversight agreement: logged
        shown = None
        shows_patient = resources.subject_is_patient(incident) and incident.patient_identifier
        if shows_patient and permissions.can_view_patient(request.user, incident):
            shown = incident.patient_identifier
            accesslog_record(
                request=request,
                action="view_patient",
                obj=incident,
                unit=incident.responsible_unit or incident.unit,
                patient_identifier=incident.patient_identifier,
                label=incident.reference or "",
            )
        view = CaseView.of(request.user, incident)
        return Response(resources.adverse_event(incident, view=view, base=self.base, patient_identifier=shown))

    def list(self, request):
        try:
            wanted = search.parse(request.query_params)
            cursor = self._cursor(wanted.cursor)
        except search.SearchError as error:
            return _bad_search(error)
        scoped = self.get_queryset()

        def load(ids):
            by_pk = scoped.in_bulk(ids)  # the scoped queryset: a page is never wider than visible_to
            return [by_pk[pk] for pk in ids if pk in by_pk]

        page = queue.queue_page(
            user=request.user,
            unscoped=_Searched(request.user, QueryDict(), request, narrow=False, extra=wanted.q),
            statuses=SEARCHED_STATUSES,
            ordering=None,
            cursor=cursor,
            size=wanted.count,
            load=load,
        )
        entries = [
            resources.adverse_event(incident, view=CaseView.of(request.user, incident), base=self.base)
            for incident in page.incidents
        ]
        hooks.record_granted_reads(request, page.incidents)  # each one read under an oversight agreement
        here = request.build_absolute_uri()
        next_url = replace_query_param(here, "_cursor", page.next.encode()) if page.next else None
        return Response(resources.searchset(entries=entries, self_url=here, next_url=next_url, base=self.base))

    @staticmethod
    def _cursor(token: str) -> queue.Cursor | None:
        if not token:
            return None
        try:
            return queue.Cursor.decode(token, kind=queue.cursor_kind(None))
        except queue.BadCursorError:
            raise search.SearchError(
                "_cursor", _("The cursor is not valid: follow the link “next” of the Bundle.")
            ) from None


class CodeSystemView(FhirMixin, APIView):
    """psweb's taxonomy: `/fhir/CodeSystem/{incident-category|cause-area|event-class|case-type}`,
    and all four as a searchset (`?url=` narrows to one)."""

    def get(self, request, pk=None):
        if pk is not None:
            if pk not in resources.CODE_SYSTEMS:
                raise exceptions.NotFound()
            return Response(resources.code_system(self.base, pk))
        unknown = sorted(set(request.query_params) - search.IGNORED - {"url"})
        if unknown:
            return _bad_search(
                search.SearchError(
                    unknown[0],
                    _("The search parameter “%(name)s” is not supported. Supported: url.") % {"name": unknown[0]},
                    code="not-supported",
                )
            )
        entries = [resources.code_system(self.base, name) for name in resources.CODE_SYSTEMS]
        if url := request.query_params.get("url"):
            entries = [entry for entry in entries if entry["url"] == url]
        here = request.build_absolute_uri()
        return Response(resources.searchset(entries=entries, self_url=here, next_url=None, base=self.base))


class NotSupportedView(FhirMixin, APIView):
    """Any other address under /fhir/: psweb serves no such resource type or operation."""

    def get(self, request, rest=""):
        return Response(
            resources.operation_outcome(
                "not-supported",
                _("This FHIR server has AdverseEvent and CodeSystem only; see /fhir/metadata."),
            ),
            status=status.HTTP_404_NOT_FOUND,
        )

    post = put = patch = delete = get
