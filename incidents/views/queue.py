"""The work queue: the incidents a handler, manager or the patient-safety team may work on,
filtered, searched, sorted and paged, and the same list exported as CSV.

Views parse, check, call the selectors of `incidents.queue`, and render. A search for a
personal identity number is never run and never kept in a URL: the browser is sent to the
address without it, with a message saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from incidents import queue
from incidents.models import Incident
from incidents.summaries import with_summary
from psweb.search import search_box_attrs
from psweb.search import without_personnummer as _without_personnummer
from psweb.widgets import ManyOptionsSelect

QUEUE_PAGE_SIZE = 50

SORTABLE = {
    "reference": "reference",
    "reported_at": "reported_at",
    "status": "status",
    "risk_score": "risk_score",
}


def _queue_allowed(request) -> None:
    if not queue.can_view_queue(request.user):
        raise PermissionDenied(
            _(
                "The work queue is for case handlers, managers and the patient-safety team. "
                "Your own reports are in “My reports”."
            )
        )


@dataclass(frozen=True)
class SortLink:
    label: str
    url: str
    direction: str  # "ascending", "descending" or "" (not sorted by this column)


def _sort_links(params, current: str) -> dict[str, SortLink]:
    labels = {
        "reference": _("Reference"),
        "reported_at": _("Reported"),
        "status": _("Status"),
        "risk_score": _("Risk"),
    }
    links = {}
    for key, field in SORTABLE.items():
        if current == field:
            direction, next_value = "ascending", f"-{field}"
        elif current == f"-{field}":
            direction, next_value = "descending", field
        else:
            direction, next_value = "", f"-{field}" if field != "reference" else field
        query = params.copy()
        query.pop("page", None)
        query["ordering"] = next_value
        links[key] = SortLink(labels[key], f"?{query.urlencode()}", direction)
    return links


def _status_links(params, counts: dict[str, int]) -> list[dict]:
    chosen = set(params.getlist("status"))
    links = []
    for status in queue.QUEUE_STATUSES:
        query = params.copy()
        query.pop("page", None)
        query.setlist("status", [status.value])
        links.append(
            {
                "label": status.label,
                "count": counts.get(status.value, 0),
                "url": f"?{query.urlencode()}",
                "current": chosen == {status.value},
            }
        )
    return links


def _shape_queue_form(filterset) -> None:
    fields = filterset.form.fields
    fields["status"].widget = forms.CheckboxSelectMultiple(choices=fields["status"].choices)
    fields["event_class"].widget = forms.CheckboxSelectMultiple(choices=fields["event_class"].choices)
    fields["risk_level"].widget = forms.CheckboxSelectMultiple(choices=fields["risk_level"].choices)
    yes_no = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]
    fields["overdue"].widget = forms.Select(choices=yes_no)
    fields["late"].widget = forms.Select(choices=yes_no)
    fields["investigation_requested"].widget = forms.Select(choices=yes_no)
    fields["questions_to_me"].widget = forms.Select(choices=yes_no)
    fields["handler"].widget = forms.Select(choices=[("", _("Anyone")), ("me", _("Me"))])
    fields["unit"].empty_label = _("All units")
    fields["responsible_unit"].empty_label = _("All units")
    fields["category"].empty_label = _("All categories")
    fields["case_type"].widget.choices = [("", _("All")), *fields["case_type"].choices[1:]]
    for name in ("occurred_from", "occurred_to", "reported_from", "reported_to"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"})
    fields["q"].widget.attrs.update(search_box_attrs())
    for field in fields.values():
        field.help_text = ""
        if type(field.widget) is forms.Select:  # the same HTML, written without a template per option
            fast = ManyOptionsSelect(attrs=field.widget.attrs)
            fast.choices = field.widget.choices
            field.widget = fast


def _queue_page(request, filterset, params, counts: dict[str, int], valid: bool):
    # A page of rows with the beginning of each description, for the summaries, not all of it.
    paginator = Paginator(with_summary(filterset.qs) if valid else Incident.objects.none(), QUEUE_PAGE_SIZE)
    if valid and counts:
        # The counts per status are of the same filter without its status: the list's length
        # is the sum of the chosen statuses' counts (of every status when none is chosen), so
        # the search or filter is not run a third time only to count.
        chosen = set(params.getlist("status")) or set(counts)
        paginator.count = sum(counts.get(status, 0) for status in chosen)
    page = paginator.get_page(request.GET.get("page"))
    return page, list(page.object_list)


@login_required
@require_GET
def incident_queue(request):
    _queue_allowed(request)
    if (response := _without_personnummer(request)) is not None:
        return response
    params = queue.queue_params(request.GET)
    filterset = queue.queue_filterset(user=request.user, params=params, request=request)
    _shape_queue_form(filterset)
    valid = filterset.is_valid()
    if (found := queue.the_one_reference_match(filterset)) is not None:
        return redirect("incidents:detail", pk=found)  # the case quoted by its reference
    searched = queue.filtered_in_one_query(user=request.user, params=params, request=request) if valid else None
    if searched is not None:
        counts = searched.counts
        page = Paginator(searched.ids, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        incidents = queue.incidents_in_order(user=request.user, ids=list(page.object_list))
    else:
        counts = queue.status_counts(user=request.user, params=params, request=request) if valid else {}
        page, incidents = _queue_page(request, filterset, params, counts, valid)
    levels = queue.RiskLevels()
    ordering = filterset.form.cleaned_data.get("ordering") if valid else ""
    page_query = params.copy()
    export_query = params.urlencode()
    context = {
        "title": _("Work queue"),
        "filter": filterset,
        "form": filterset.form,
        "page_obj": page,
        "rows": queue.queue_rows(
            incidents, levels, queue.forward_tags(user=request.user, incidents=incidents), user=request.user
        ),
        "questions_url": "?questions_to_me=true",
        "total": page.paginator.count,
        "status_links": _status_links(params, counts),
        "sort": _sort_links(params, ordering or ""),
        "page_query": page_query.urlencode(),
        "export_url": reverse("incidents:queue-export") + (f"?{export_query}" if export_query else ""),
    }
    return render(request, "incidents/queue.html", context, status=200 if valid else 400)


@login_required
@require_GET
def incident_queue_export(request):
    _queue_allowed(request)
    if (response := _without_personnummer(request)) is not None:
        return response
    params = queue.queue_params(request.GET)
    filterset = queue.queue_filterset(user=request.user, params=params, request=request)
    if not filterset.is_valid():
        messages.error(request, _("The filter has an error. Correct it, then export again."))
        return redirect(f"{reverse('incidents:queue')}?{params.urlencode()}")
    response = StreamingHttpResponse(
        queue.queue_csv_lines(filterset.qs, user=request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{queue.export_filename()}"'
    return response
