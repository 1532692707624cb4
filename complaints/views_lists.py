"""The complaint lists: the queue (`/klagomal/`), "Mina klagomål", the queue's export, and
registering a complaint (`/klagomal/ny/`).

Views parse, check, call the selectors or the service, and render. A list shows what a list
may show (complaints.selectors): never the complainant's words, the patient's identity or the
contact details, so reading it logs nothing. A search for a personal identity number is never
run and never kept in a URL: the browser is sent to the address without it, with a message.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import has_perm
from accounts.models import OrgUnit
from accounts.roles import Perm
from complaints import selectors, services
from complaints.filtersets import ComplaintFilterSet
from complaints.forms_register import BoardRegisterForm, RegisterForm
from psweb import exports
from psweb.case_pages import add_errors
from psweb.references import is_reference_search
from psweb.search import search_box_attrs, without_personnummer
from psweb.widgets import ManyOptionsSelect, cache_model_choices

# Never in a list's URL links: the page's own position and the export's format.
_PAGING = ("after", "before", "format")
EXPORT_CHUNK = 2000


def _list_allowed(user) -> None:
    if not (has_perm(user, Perm.COMPLAINT_VIEW) or has_perm(user, Perm.COMPLAINT_BOARD)):
        raise PermissionDenied(
            _(
                "Complaints are for complaint handlers, managers, the patient-safety team and the "
                "patient board's officers."
            )
        )


def _filterset(request) -> ComplaintFilterSet:
    """The queue's filters over what the user sees, shaped for the page: the unit filter
    offers the units of her scope only (from the cache: a region has hundreds)."""
    filterset = ComplaintFilterSet(request.GET, queryset=selectors.complaint_list(user=request.user))
    fields = filterset.form.fields
    fields["status"].widget = forms.CheckboxSelectMultiple(choices=fields["status"].choices)
    fields["overdue"].widget = ManyOptionsSelect(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])
    for name in ("channel", "area"):
        fields[name].widget = ManyOptionsSelect(choices=[("", _("All")), *fields[name].choices[1:]])
    for name in ("due_from", "due_to"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"})
    fields["q"].widget.attrs.update(search_box_attrs())
    fields["unit"].queryset = selectors.units_in_scope(user=request.user)
    fields["unit"].empty_label = _("All units")
    if has_perm(request.user, Perm.COMPLAINT_VIEW):  # else no units to offer (the page hides it)
        cache_model_choices(fields["unit"], namespace="complaints:list-units", version=OrgUnit.objects.tree_version())
    return filterset


def _query(params, **changes) -> str:
    query = params.copy()
    for name in _PAGING:
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


def _cursor(request, name: str) -> selectors.Cursor | None:
    token = request.GET.get(name)
    if not token:
        return None
    try:
        return selectors.Cursor.decode(token)
    except selectors.BadCursorError:
        messages.warning(request, _("The page link was not valid; here is the first page."))
        return None


@login_required
@require_GET
def complaint_list(request):
    """The queue: newest received first, 50 a page, paged by keyset."""
    _list_allowed(request.user)
    if (response := without_personnummer(request)) is not None:
        return response
    filterset = _filterset(request)
    valid = filterset.is_valid()
    search = filterset.form.cleaned_data.get("q", "").strip() if valid else ""
    if search and is_reference_search(search):
        found = list(filterset.qs.order_by().values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return redirect("complaints:detail", pk=found[0])  # the complaint quoted by its reference
    page = None
    if valid:
        after, before = _cursor(request, "after"), _cursor(request, "before")
        page = selectors.queue_page(filterset.qs, after=after, before=None if after else before)
    params = request.GET
    export = reverse("complaints:export")
    context = {
        "title": _("Complaints"),
        "form": filterset.form,
        # A patientnämnd's officer sees her nämnd's cases only: no units to choose among.
        "unit_filter": has_perm(request.user, Perm.COMPLAINT_VIEW),
        "search": search,
        "rows": selectors.rows(page.complaints) if page else [],
        "may_register": _may_register(request.user),
        "is_handler": has_perm(request.user, Perm.COMPLAINT_HANDLE),
        "filtered": bool(set(params) & (set(filterset.form.fields) - {"q"})),
        "next_url": f"?{_query(params, after=page.next.encode())}" if page and page.next else "",
        "previous_url": f"?{_query(params, before=page.previous.encode())}" if page and page.previous else "",
        "first_url": f"?{_query(params)}" if page and page.previous else "",
        "csv_url": f"{export}?{_query(params, format='csv')}",
        "xlsx_url": f"{export}?{_query(params, format='xlsx')}",
    }
    return render(request, "complaints/list.html", context, status=200 if valid else 400)


@login_required
@require_GET
def complaint_mine(request):
    """The complaints the user handles ("Mina klagomål"), open ones first."""
    if not has_perm(request.user, Perm.COMPLAINT_HANDLE):
        raise PermissionDenied(_("“My complaints” is for complaint handlers."))
    complaints = list(selectors.complaints_mine(user=request.user)[: selectors.MINE_LIMIT])
    return render(
        request,
        "complaints/mine.html",
        {
            "title": _("My complaints"),
            "rows": selectors.rows(complaints),
            "capped": len(complaints) == selectors.MINE_LIMIT,
            "limit": selectors.MINE_LIMIT,
        },
    )


def _export_header() -> list[str]:
    return [
        _("Reference"),
        _("Received"),
        _("Summary"),
        _("Responsible unit"),
        _("Channel"),
        _("Problem area"),
        _("Status"),
        _("Answer due"),
        _("Overdue"),
        _("Handler"),
    ]


def _export_rows(complaints):
    """The export's rows, read a chunk at a time (the whole queue may be asked for); the same
    columns as the page: no identity, no contact details, no complaint text."""
    yes, no = _("Yes"), _("No")
    today = timezone.localdate()
    for row in selectors.rows(complaints.iterator(chunk_size=EXPORT_CHUNK), today=today):
        complaint = row.complaint
        yield [
            complaint.reference,
            complaint.received_on,
            complaint.summary,
            complaint.unit.name,
            complaint.get_channel_display(),
            complaint.area_label,
            complaint.get_status_display(),
            complaint.due_on,
            yes if row.overdue else no,
            row.handler_name,
        ]


@login_required
@require_GET
def complaint_export(request):
    """The queue as CSV or XLSX (`?format=`), with the page's filters, streamed."""
    _list_allowed(request.user)
    if (response := without_personnummer(request)) is not None:
        return response
    filterset = _filterset(request)
    if not filterset.is_valid() or request.GET.get("format") not in ("csv", "xlsx"):
        messages.error(request, _("The filter has an error. Correct it, then export again."))
        return redirect(f"{reverse('complaints:list')}?{_query(request.GET)}")
    return exports.export(
        request, "klagomal", _("Complaints"), _export_header(), _export_rows(filterset.qs), stream=True
    )


# --- Registering ----------------------------------------------------------------------------------


def _may_register(user) -> bool:
    return has_perm(user, Perm.COMPLAINT_HANDLE) or has_perm(user, Perm.COMPLAINT_BOARD)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """A complaint handler registers a complaint to her unit; a patientnämnd's officer a case
    her nämnd sends (when she handles complaints nowhere herself)."""
    user = request.user
    if has_perm(user, Perm.COMPLAINT_HANDLE):
        form_class = RegisterForm
    elif has_perm(user, Perm.COMPLAINT_BOARD):
        form_class = BoardRegisterForm
    else:
        raise PermissionDenied(_("Only complaint handlers and the patient board's officers can register complaints."))
    as_board = form_class is BoardRegisterForm
    initial = {"received_on": timezone.localdate()}
    form = form_class(request.POST or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            board = {}
            if as_board:
                board = {
                    "board_unit": form.cleaned_data["board_unit"],
                    "board_due_on": form.cleaned_data["board_due_on"],
                }
            try:
                complaint = services.complaint_register(
                    actor=user, fields=form.service_fields(), contact=form.contact(), **board
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request, _("The complaint %(reference)s has been registered.") % {"reference": complaint.reference}
                )
                return redirect("complaints:detail", pk=complaint.pk)
        status = 400
    return render(
        request,
        "complaints/new.html",
        {"title": _("Register a complaint"), "form": form, "as_board": as_board},
        status=status,
    )
