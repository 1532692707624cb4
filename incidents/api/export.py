"""`GET /api/v1/export/incidents.csv`: the incidents of the API list, for a BI platform
(issue 15, item 7).

The same visibility (`Incident.objects.visible_to(user)`, reported incidents only: a draft is
its author's) and the same filters (`IncidentFilterSet`, bad values 400 field by field) as
`GET /api/v1/incidents/`, every matching row in one file, streamed as it is read (2 000 rows
at a time, as the work queue's export): memory stays flat at a million rows.

Columns are for machines: ids, codes and ISO 8601 times beside the names, `;`-separated
UTF-8 with a byte-order mark like every psweb export, each text cell through
`psweb.exports.formula_safe`. Never the patient's identity, never a person's name. The free
text (description, immediate actions, suggested improvement) only with `?text=true` and only
for users who see incidents of a unit (`incident.view`); anything shaped like a personal
identity number in it is masked (`accounts.personnummer.mask_in_text`: a mistyped number
still identifies the patient), and each such export writes one AccessLog row per unit at the
top of the user's scope (PDL 4 kap. 3 §: a read of case content). Parquet is not offered: it
would need pyarrow (tens of megabytes) for a format BI platforms read as well from CSV.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.negotiation import BaseContentNegotiation

from accounts import personnummer
from accounts.access import has_perm, scope_paths
from accounts.models import AccessLog, OrgUnit
from accounts.roles import Perm
from accounts.services import accesslog_record
from incidents import hooks
from incidents.filtersets import IncidentFilterSet
from incidents.models import Incident, extension_ids
from psweb.api import ScopedViewSetMixin, case_errors
from psweb.exports import csv_stream

CHUNK = 2000
COLUMNS = [
    "id",
    "reference",
    "status",
    "reported_at",
    "occurred_at",
    "updated_at",
    "closed_at",
    "late_report",
    "unit_id",
    "unit_hsa_id",
    "unit_name",
    "responsible_unit_id",
    "responsible_unit_hsa_id",
    "responsible_unit_name",
    "case_type",
    "reported_kind",
    "event_class",
    "category_code",
    "category_name",
    "risk_probability",
    "risk_consequence",
    "risk_score",
    "patient_involved",
]
TEXT_COLUMNS = ["description", "immediate_actions", "suggested_improvement"]
TEXT_PARAM = OpenApiParameter(
    "text",
    OpenApiTypes.BOOL,
    description=(
        "true: add the free text (description, immediate actions, suggested improvement), for users who see "
        "incidents of a unit; each such export is logged. Identity numbers in the text are masked."
    ),
)


def _time(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _row(incident: Incident, with_text: bool) -> list:
    unit, responsible, category = incident.unit, incident.responsible_unit, incident.category
    row = [
        incident.pk,
        incident.reference,
        incident.status,
        _time(incident.reported_at),
        _time(incident.occurred_at),
        _time(incident.updated_at),
        _time(incident.closed_at),
        _flag(incident.late_report),
        unit.pk if unit else "",
        unit.hsa_id if unit else "",
        unit.name if unit else "",
        responsible.pk if responsible else "",
        responsible.hsa_id if responsible else "",
        responsible.name if responsible else "",
        incident.case_type,
        incident.reported_kind,
        incident.event_class,
        category.code if category else "",
        category.name if category else "",
        incident.risk_probability,
        incident.risk_consequence,
        incident.risk_score,
        _flag(incident.patient_involved),
    ]
    if with_text:
        row += [personnummer.mask_in_text(getattr(incident, name)) for name in TEXT_COLUMNS]
    return row


class CsvOrJsonError(BaseContentNegotiation):
    """The file is CSV whatever the client accepts (`Accept: text/csv` included, which DRF
    would refuse with 406: its renderers are JSON); an error is the API's JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _flag(value: bool) -> str:
    return "true" if value else "false"


class IncidentExportView(ScopedViewSetMixin, generics.GenericAPIView):
    """Scoped and filtered as the list is: `visible_to(user)` by the base class,
    `IncidentFilterSet` by DRF's filter backend (400 with the field's errors)."""

    queryset = Incident.objects.filter(reported_at__isnull=False)
    filterset_class = IncidentFilterSet
    pagination_class = None
    content_negotiation_class = CsvOrJsonError

    def narrow_queryset(self, queryset):
        return queryset.select_related("unit", "responsible_unit", "category")

    @extend_schema(
        operation_id="export_incidents_csv",
        summary="Export incidents as CSV",
        description=(
            "Every incident of the list you may see that matches the filters (the same as "
            "`GET /api/v1/incidents/`), streamed as `;`-separated UTF-8 CSV with ids, codes and ISO 8601 times. "
            "Never the patient's identity or a person's name; free text only with `text=true`."
        ),
        parameters=[TEXT_PARAM],
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            400: case_errors("incident")[400],
            403: case_errors("incident")[403],
        },
        tags=["incidents"],
    )
    def get(self, request):
        with_text = self._with_text(request)
        incidents = self.filter_queryset(self.get_queryset())
        if with_text:
            self._log(request)
        self._log_granted(request, incidents)
        rows = (_row(incident, with_text) for incident in incidents.iterator(chunk_size=CHUNK))
        header = COLUMNS + (TEXT_COLUMNS if with_text else [])
        return csv_stream(f"avvikelser-{timezone.localdate():%Y-%m-%d}", header, rows)

    def _with_text(self, request) -> bool:
        raw = request.query_params.get("text", "false")
        if raw not in ("true", "false"):
            raise exceptions.ValidationError({"text": [_("Write true or false.")]})
        if raw == "false":
            return False
        if not has_perm(request.user, Perm.INCIDENT_VIEW):
            raise exceptions.PermissionDenied(
                _("The free text is exported only for those who see incidents of a unit.")
            )
        return True

    def _log_granted(self, request, incidents) -> None:
        """Each exported incident read under an oversight agreement: one row, as a read of its
        page is. Only the incidents an extension shows are read again (none for most users)."""
        shown = extension_ids(request.user)
        if shown:
            granted = incidents.filter(pk__any=shown).select_related("unit", "responsible_unit")
            hooks.record_granted_reads(request, granted.iterator(chunk_size=CHUNK), action=AccessLog.Action.EXPORT)

    def _log(self, request) -> None:
        """One row per unit at the top of the user's scope: each care provider sees that its
        incidents' text was exported, and by whom."""
        paths = scope_paths(request.user).get(Perm.INCIDENT_VIEW, ())
        for unit in OrgUnit.objects.filter(path__in=paths):
            accesslog_record(
                request=request,
                action=AccessLog.Action.EXPORT,
                obj=Incident,
                unit=unit,
                label=_("Incident export with free text"),
            )
