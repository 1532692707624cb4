"""Investigation pages: the list, opening one from an incident, the working space with its
operations, and the final report (printable page and PDF).

Views parse, check, call one service, and render. Every operation on the working space is a
POST to its own short URL; `investigations.operations.OPERATIONS` says for each which form
parses it, who may (the permission predicate, 403 with its reason), which row of the
investigation it is about, and which service it calls. A refusal (stale version, wrong state,
bad input) shows the page again with the message and what the user typed.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Decision
from incidents.models import Cause, Incident
from investigations import forms as f
from investigations import permissions, selectors, services
from investigations.filtersets import InvestigationFilterSet
from investigations.models import Investigation, InvestigationCause, Status
from investigations.operations import OPERATIONS
from investigations.selectors import report_for
from psweb.case_pages import add_errors, require, run_operation
from psweb.cases import ConflictError
from psweb.documents import pdf_response
from psweb.references import is_reference_search
from psweb.search import search_box_attrs, without_personnummer

PAGE_SIZE = 50
# Open requests for an investigation shown above the list (oldest first).
REQUESTS_SHOWN = 50


# --- Reading ----------------------------------------------------------------------------------


def _visible(request, pk: int) -> Investigation:
    """The investigation if the user may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        Investigation.objects.visible_to(request.user).select_related(
            "unit", "leader", "method_decided_by", "created_by"
        ),
        pk=pk,
    )


@login_required
@require_GET
def investigation_list(request):
    if (response := without_personnummer(request)) is not None:
        return response
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    search = request.GET.get("q", "").strip()[:200]
    filterset = InvestigationFilterSet(
        {"status": status, "q": search},
        queryset=Investigation.objects.visible_to(request.user).select_related("unit", "leader"),
    )
    filterset.is_valid()  # both values are checked above: the filters always apply
    if is_reference_search(search):
        found = list(filterset.qs.order_by().values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return redirect("investigations:detail", pk=found[0])  # the one quoted by its reference
    page = Paginator(filterset.qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render_list(request, page=page, status=status, search=search)


def _render_list(
    request, *, page=None, status: str = "", search: str = "", bound=None, http_status: int = 200, problem: str = ""
):
    if page is None:
        investigations = Investigation.objects.visible_to(request.user).select_related("unit", "leader")
        page = Paginator(investigations.order_by("-created_at", "-id"), PAGE_SIZE).get_page(1)
    requested = list(selectors.requested_investigations(user=request.user)[:REQUESTS_SHOWN])
    forms = {incident.pk: f.DeclineRequestForm(incident=incident) for incident in requested}
    if bound is not None and bound.incident.pk in forms:
        forms[bound.incident.pk] = bound
    return render(
        request,
        "investigations/list.html",
        {
            "title": _("Investigations"),
            "page_obj": page,
            "status": status,
            "search": search,
            "search_attrs": search_box_attrs(),
            "page_query": urlencode({name: value for name, value in (("status", status), ("q", search)) if value}),
            "statuses": Status.choices,
            "today": timezone.localdate(),
            "requests": [(incident, forms[incident.pk]) for incident in requested],
            "problem": problem,
        },
        status=http_status,
    )


@login_required
@require_POST
def request_decline(request, pk: int):
    """Decline a request for an investigation of incident `pk`, with the reason."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)
    require(permissions.can_open(request.user, incident))
    form = f.DeclineRequestForm(request.POST, incident=incident)
    if not form.is_valid():
        return _render_list(request, bound=form, http_status=400)
    try:
        services.investigation_request_decline(
            incident=incident,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except ConflictError as error:
        return _render_list(request, http_status=409, problem=error.message)
    except ValidationError as error:
        add_errors(form, error)
        return _render_list(request, bound=form, http_status=400)
    messages.success(request, _("The request has been declined. The requester is told."))
    return redirect(f"{reverse('investigations:list')}#requested")


def _decisions(user, investigation: Investigation) -> dict[str, Decision]:
    return {name.replace("-", "_"): op.decide(user, investigation) for name, op in OPERATIONS.items()}


def _case_context(request, investigation: Investigation, *, bound=None, problem: str = "", stale=None) -> dict:
    user = request.user
    inv = investigation
    decisions = _decisions(user, inv)
    causes = list(inv.causes.filter(removed_at__isnull=True).select_related("area"))
    people = f.people_for(inv)
    incidents = list(inv.incidents.select_related("unit", "responsible_unit", "category").order_by("reported_at", "id"))

    def form(name: str, **kwargs):
        cls = OPERATIONS[name].form
        if bound is not None and bound.slug == cls.slug and getattr(bound, "item", None) is None:
            return bound
        return cls(investigation=inv, **kwargs)

    forms: dict[str, object] = {}
    if decisions["link"]:
        forms["link"] = form("link")
    if decisions["method"]:
        forms["method"] = form("method")
    if decisions["leader"]:
        forms["leader"] = form("leader", people=people)
    if decisions["member_add"]:
        forms["member"] = form("member-add")
    for name, key in (
        ("start", "start"),
        ("report-ready", "report_ready"),
        ("resume", "resume"),
        ("follow-up", "follow_up"),
        ("close", "close"),
        ("patient", "patient"),
        ("conclusions", "conclusions"),
        ("costs", "costs"),
        ("course-add", "course"),
        ("cause-add", "cause"),
    ):
        if decisions[name.replace("-", "_")]:
            forms[key] = form(name)
    if decisions["action_add"] and incidents:
        forms["action"] = form(
            "action-add",
            people=people,
            causes=inv.causes.filter(removed_at__isnull=True).select_related("area"),
            incidents=inv.incidents.order_by("reported_at", "id"),
        )

    actions = list(
        inv.actions.select_related("action", "action__responsible", "incident", "evaluated_by").prefetch_related(
            Prefetch("causes", queryset=InvestigationCause.objects.select_related("area"))
        )
    )
    action_rows = []
    for link in actions:
        evaluate = None
        if decisions["evaluate"]:
            slug = f"{f.EvaluateForm.slug}_{link.pk}"
            evaluate = (
                bound if bound is not None and bound.slug == slug else f.EvaluateForm(investigation=inv, item=link)
            )
        action_rows.append({"link": link, "action": link.action, "form": evaluate})

    timeline = list(inv.timeline.select_related("actor"))
    for entry in timeline:
        entry.who = entry.actor.get_full_name() or entry.actor.username if entry.actor else _("the system")
    blockers = services.report_blockers(inv) if inv.status == Status.IN_PROGRESS and decisions["report_ready"] else []
    return {
        "title": str(inv),
        "investigation": inv,
        "decisions": decisions,
        "forms": forms,
        "problem": problem,
        "stale": stale,
        "incidents": incidents,
        "incident_causes": list(
            Cause.objects.filter(incident__in=incidents, removed_at__isnull=True).select_related("area", "incident")
        ),
        "team": list(inv.team.filter(removed_at__isnull=True).select_related("user")),
        "course": list(inv.course.filter(removed_at__isnull=True)),
        "causes": causes,
        "action_rows": action_rows,
        "timeline": timeline,
        "report_blockers": blockers,
        "today": timezone.localdate(),
    }


def _render_case(request, investigation: Investigation, *, status: int = 200, **kwargs):
    return render(request, "investigations/detail.html", _case_context(request, investigation, **kwargs), status=status)


@login_required
@require_GET
def investigation_detail(request, pk: int):
    return _render_case(request, _visible(request, pk))


# --- Opening ----------------------------------------------------------------------------------


def _incident_to_open(request) -> Incident:
    raw = request.GET.get("avvikelse") or request.POST.get("avvikelse") or ""
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related("unit", "responsible_unit"), pk=int(raw)
    )


@login_required
@require_http_methods(["GET", "POST"])
def investigation_new(request):
    """Open an investigation of an incident (`?avvikelse=<id>`): method, reason, leader."""
    incident = _incident_to_open(request)
    require(permissions.can_open(request.user, incident))
    form = f.OpenForm(request.POST or None, incident=incident)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                investigation = services.investigation_open(
                    incidents=[incident],
                    actor=request.user,
                    method=data["method"],
                    reason=data["reason"],
                    title=data["title"],
                    leader=data["leader"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The investigation %(reference)s has been opened.") % {"reference": investigation.reference},
                )
                return redirect("investigations:detail", pk=investigation.pk)
        status = 400
    return render(
        request,
        "investigations/new.html",
        {"title": _("Open an investigation"), "incident": incident, "form": form},
        status=status,
    )


# --- Operations on the working space --------------------------------------------------------


@login_required
@require_POST
def investigation_operation(request, pk: int, operation: str, item: int | None = None):
    """Check (404, then 403 with the reason), parse, call one service, redirect back."""
    op = OPERATIONS[operation]
    investigation = _visible(request, pk)
    form_kwargs = {"investigation": investigation}
    if op.form is f.LinkIncidentForm:
        form_kwargs["visible"] = Incident.objects.visible_to(request.user)
    return run_operation(
        request,
        investigation,
        op,
        item,
        render_case=_render_case,
        reload=lambda: _visible(request, pk),
        detail_url=reverse("investigations:detail", kwargs={"pk": pk}),
        form_kwargs=form_kwargs,
    )


# --- The report -------------------------------------------------------------------------------


@login_required
@require_GET
def investigation_report(request, pk: int):
    investigation = _visible(request, pk)
    return render(
        request,
        "investigations/report.html",
        {
            "title": _("Report %(reference)s") % {"reference": investigation.reference},
            "report": report_for(investigation),
        },
    )


@login_required
@require_GET
def investigation_report_pdf(request, pk: int):
    investigation = _visible(request, pk)
    html = render_to_string(
        "investigations/report_document.html", {"report": report_for(investigation)}, request=request
    )
    return pdf_response(html, identifier=investigation.reference, filename=f"{investigation.reference}.pdf")
