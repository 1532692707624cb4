"""Log review for patient-safety officers (PDL 4 kap. 3 §).

The filter form is posted, never sent as a query string: a patient identifier must not end
up in a URL (browser history, proxy logs, Referer headers). The CSV export posts the same form.
"""

from __future__ import annotations

import csv
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import has_perm
from accounts.accesslog import (
    EXPORT_LIMIT,
    SCREEN_LIMIT,
    AccessLogFilterForm,
    accesslog_review_record,
    accesslog_search,
    csv_records,
    review_row,
)
from accounts.models import AccessLog
from accounts.roles import Perm
from accounts.services import accesslog_record_patients


def reviewer_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_perm(request.user, Perm.ACCESSLOG_VIEW):
            raise PermissionDenied(_("Only patient-safety officers review access logs."))
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, form, entries=None, truncated=False, searched=False):
    return render(
        request,
        "accounts/accesslog_review.html",
        {
            "title": _("Log review"),
            "form": form,
            "rows": [review_row(entry) for entry in entries or []],
            "truncated": truncated,
            "searched": searched,
            "screen_limit": SCREEN_LIMIT,
            "export_limit": EXPORT_LIMIT,
        },
    )


@login_required
@reviewer_required
@require_http_methods(["GET", "POST"])
def accesslog_review(request):
    if request.method == "GET":
        # Query-string filters are ignored on purpose: see the module docstring.
        entries = list(accesslog_search(user=request.user)[: SCREEN_LIMIT + 1])
        _record_display(request, entries[:SCREEN_LIMIT], filters={})
        return _render(request, AccessLogFilterForm(), entries[:SCREEN_LIMIT], len(entries) > SCREEN_LIMIT)

    form = AccessLogFilterForm(request.POST)
    if not form.is_valid():
        return _render(request, form, searched=True)
    entries = list(accesslog_search(user=request.user, filters=form.cleaned_data)[: SCREEN_LIMIT + 1])
    _record_display(request, entries[:SCREEN_LIMIT], filters=form.cleaned_data)
    return _render(request, form, entries[:SCREEN_LIMIT], len(entries) > SCREEN_LIMIT, searched=True)


def _record_display(request, shown, *, filters) -> None:
    """Showing patient identifiers is itself a read of patient data (DESIGN §3): a search by
    patient, or a page that shows identifiers, is written to the log it reads, with each
    patient whose number the page shows."""
    if filters.get("patient") or any(entry.patient_identifier for entry in shown):
        recorded = accesslog_review_record(request=request, action=AccessLog.Action.SEARCH, filters=filters)
        accesslog_record_patients(
            request=request,
            action=AccessLog.Action.SEARCH,
            obj=AccessLog,
            patients=_others(
                ((entry.patient_identifier, entry.unit_id) for entry in shown), besides=filters.get("patient", "")
            ),
            label=recorded[0].object_label if recorded else "",
        )


def _others(patients, *, besides: str = ""):
    """The (patient, unit) pairs of the rows shown, without the patient searched for (already
    recorded by accesslog_review_record)."""
    return {(patient, unit_id) for patient, unit_id in patients if patient and patient != besides}


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


@login_required
@reviewer_required
@require_http_methods(["POST"])
def accesslog_export(request):
    form = AccessLogFilterForm(request.POST)
    if not form.is_valid():
        return _render(request, form, searched=True)
    queryset = accesslog_search(user=request.user, filters=form.cleaned_data)
    count = queryset[: EXPORT_LIMIT + 1].count()
    if count > EXPORT_LIMIT:
        form.add_error(
            None,
            _("More than %(limit)s rows match. Choose a shorter period or another filter, then export again.")
            % {"limit": f"{EXPORT_LIMIT:,}".replace(",", " ")},
        )
        return _render(request, form, searched=True)

    recorded = accesslog_review_record(
        request=request, action=AccessLog.Action.EXPORT, filters=form.cleaned_data, rows=count
    )
    # Every patient whose number the file holds (one query over what matched, before the
    # records of this export are written).
    exported = queryset.exclude(patient_identifier="").exclude(pk__in=[entry.pk for entry in recorded])
    recorded += accesslog_record_patients(
        request=request,
        action=AccessLog.Action.EXPORT,
        obj=AccessLog,
        patients=_others(
            exported.order_by().values_list("patient_identifier", "unit_id").distinct(),
            besides=form.cleaned_data.get("patient", ""),
        ),
        label=recorded[0].object_label if recorded else "",
    )
    # The file holds what matched when the reviewer asked, not the record of this export.
    queryset = queryset.exclude(pk__in=[entry.pk for entry in recorded])
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        # A byte-order mark makes Excel read the file as UTF-8 (å, ä, ö).
        yield "\ufeff"
        for record in csv_records(queryset.iterator(chunk_size=2000)):
            yield writer.writerow(record)

    filename = f"loggranskning-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
