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
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import AccessLog, OrgUnit
from incidents import hooks, queue
from incidents.models import extension_ids
from psweb.search import search_box_attrs
from psweb.search import without_personnummer as _without_personnummer
from psweb.widgets import ManyOptionsSelect, cache_model_choices

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
        for name in ("page", "after", "before"):
            query.pop(name, None)
        query["ordering"] = next_value
        links[key] = SortLink(labels[key], f"?{query.urlencode()}", direction)
    return links


def _status_links(params, counts: dict[str, int] | None) -> list[dict]:
    """The status tabs; `counts` None while the counts are still to come."""
    chosen = set(params.getlist("status"))
    links = []
    for status in queue.QUEUE_STATUSES:
        query = params.copy()
        for name in ("page", "after", "before"):
            query.pop(name, None)
        query.setlist("status", [status.value])
        links.append(
            {
                "label": status.label,
                "count": None if counts is None else counts.get(status.value, 0),
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
    units = (fields["unit"], fields["responsible_unit"])
    cache_model_choices(*units, namespace="incidents:queue-units", version=OrgUnit.objects.tree_version())


def _cursor(request, ordering) -> queue.Cursor | None:
    """The page asked for: `after` (the next page) or `before` (the previous one) a row, as
    the links of the page before wrote them. A link edited by hand gives the first page and a
    message, not an error page."""
    for name, backwards in (("after", False), ("before", True)):
        token = request.GET.get(name)
        if token:
            try:
                return queue.Cursor.decode(token, kind=queue.cursor_kind(ordering), backwards=backwards)
            except queue.BadCursorError:
                messages.warning(request, _("The page link was not valid; here is the first page."))
                return None
    return None


def _page_url(params, name: str, cursor) -> str:
    query = params.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    query[name] = cursor.encode()
    return f"?{query.urlencode()}"


# `?antal=1`: count on the page itself (without JavaScript, the link under the list asks for it).
COUNT_NOW = "antal"


def _is_filtered(params) -> bool:
    """A filter or a search: counted up to a cap (`queue.capped_counts`), and after the page."""
    return bool(set(params) - {"status", "ordering"})


def _counts(request, params, unscoped) -> tuple[dict[str, int], bool, int]:
    """Per status how many the filter matches for the user, whether a chosen status passes the
    cap, and the total of the chosen statuses (what an export holds)."""
    statuses = params.getlist("status") or [status.value for status in queue.QUEUE_STATUSES]
    if _is_filtered(params):
        counts = queue.capped_counts(user=request.user, unscoped=unscoped)
    else:
        counts = queue.all_counts(user=request.user)
    capped = any(counts.get(status, 0) > queue.COUNT_CAP for status in statuses)
    chosen = set(params.getlist("status")) or set(counts)
    total = sum(min(counts.get(status, 0), queue.COUNT_CAP) for status in chosen)
    return counts, capped, total


def _counts_context(params, counts, capped: bool, total: int) -> dict:
    return {
        "status_links": _status_links(params, counts),
        "total": total,
        "total_capped": capped,
        "count_cap": queue.COUNT_CAP,
    }


@login_required
@require_GET
def incident_queue(request):
    """The list at once; with a filter or a search, the counts per status follow in a second
    request (`incident_queue_counts`, fetched by htmx when the page has loaded): the rows do
    not wait for counts that read every match of a common word (issue 14)."""
    _queue_allowed(request)
    if (response := _without_personnummer(request)) is not None:
        return response
    sent = request.GET.copy()
    sent.pop(COUNT_NOW, None)
    params = queue.queue_params(sent)
    filterset = queue.queue_filterset(user=request.user, params=params, request=request)
    _shape_queue_form(filterset)
    valid = filterset.is_valid()
    if (found := queue.the_one_reference_match(filterset)) is not None:
        return redirect("incidents:detail", pk=found)  # the case quoted by its reference
    ordering = filterset.form.cleaned_data.get("ordering") if valid else ""
    counted, page, counts_url = _counts_context(params, {}, False, 0), None, ""
    if valid:
        statuses = params.getlist("status") or [status.value for status in queue.QUEUE_STATUSES]
        unscoped = queue.Unscoped(request.user, params, request)
        if _is_filtered(params) and not request.GET.get(COUNT_NOW):
            counts_url = f"{reverse('incidents:queue-counts')}?{params.urlencode()}"
            counted = _counts_context(params, None, False, 0)
        else:
            counted = _counts_context(params, *_counts(request, params, unscoped))
        page = queue.queue_page(
            user=request.user,
            unscoped=unscoped,
            statuses=statuses,
            ordering=ordering,
            cursor=_cursor(request, ordering),
        )
    incidents = page.incidents if page else []
    hooks.record_granted_reads(request, incidents)  # read under an oversight agreement: one row each
    export_query = params.urlencode()
    count_now = request.GET.copy()
    count_now[COUNT_NOW] = "1"
    context = {
        "title": _("Work queue"),
        "filter": filterset,
        "form": filterset.form,
        "rows": queue.queue_rows(
            incidents, queue.RiskLevels(), queue.forward_tags(user=request.user, incidents=incidents), user=request.user
        ),
        "questions_url": "?questions_to_me=true",
        **counted,
        "counts_url": counts_url,
        "count_now_url": f"?{count_now.urlencode()}",
        "sort": _sort_links(params, ordering or ""),
        "next_url": _page_url(request.GET, "after", page.next) if page and page.next else "",
        "previous_url": _page_url(request.GET, "before", page.previous) if page and page.previous else "",
        "first_url": _first_url(request.GET) if page and page.previous else "",
        "export_url": reverse("incidents:queue-export") + (f"?{export_query}" if export_query else ""),
    }
    return render(request, "incidents/queue.html", context, status=200 if valid else 400)


@login_required
@require_GET
def incident_queue_counts(request):
    """The counts per status of a filtered queue, as the fragments that replace the page's
    placeholders (htmx out-of-band swaps): the status tabs, the sentence saying how many
    match, and how many rows an export holds. Checked exactly as the page is."""
    _queue_allowed(request)
    if (response := _without_personnummer(request)) is not None:
        return response
    params = queue.queue_params(request.GET)
    filterset = queue.queue_filterset(user=request.user, params=params, request=request)
    if not filterset.is_valid():
        return render(request, "incidents/_queue_counts.html", {"invalid": True}, status=400)
    unscoped = queue.Unscoped(request.user, params, request)
    context = _counts_context(params, *_counts(request, params, unscoped))
    return render(request, "incidents/_queue_counts.html", context)


def _first_url(params) -> str:
    query = params.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    return f"?{query.urlencode()}"


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
    if shown := extension_ids(request.user):  # each incident read under an oversight agreement: one row
        granted = filterset.qs.filter(pk__any=shown).select_related("unit", "responsible_unit")
        hooks.record_granted_reads(request, granted.iterator(chunk_size=2000), action=AccessLog.Action.EXPORT)
    response = StreamingHttpResponse(
        queue.queue_csv_lines(filterset.qs, user=request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{queue.export_filename()}"'
    return response
