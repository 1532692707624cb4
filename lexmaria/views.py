"""Lex Maria pages: the list with the clock, opening a case from an incident, the case page
with the decision and the IVO dialogue, the IVO report (page, PDF, text to paste into IVO's
e-service) and the yearly follow-up of the actions promised to IVO.

Every operation on the case page is a POST to its own short URL
(`lexmaria.operations.OPERATIONS`), calling one service (psweb.case_pages).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import has_perm
from accounts.roles import Perm
from actions.models import EffectClass
from actions.selectors import rows as action_rows
from incidents.models import Incident
from investigations.models import Investigation
from lexmaria import deciders, hooks, permissions, services
from lexmaria import forms as f
from lexmaria.filtersets import LexMariaFilterSet
from lexmaria.ivo import ivo_report, ivo_report_text, redact
from lexmaria.models import Decider, LexMariaCase
from lexmaria.operations import OPERATIONS
from lexmaria.selectors import (
    case_actions,
    case_clock,
    case_summary,
    cases_for,
    clocks_for,
    with_incident_summaries,
    yearly_follow_up,
)
from psweb.case_pages import add_errors, require, run_operation
from psweb.documents import pdf_response
from psweb.references import is_reference_search
from psweb.search import search_box_attrs, without_personnummer


def _visible(request, pk: int) -> LexMariaCase:
    """The case if the user may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        LexMariaCase.objects.visible_to(request.user).select_related(
            "unit", "owner", "decided_by", "investigation", "requested_by"
        ),
        pk=pk,
    )


@login_required
@require_GET
def case_list(request):
    if not has_perm(request.user, Perm.LEXMARIA_VIEW):
        raise PermissionDenied(_("Lex Maria cases are for the chief physician, the patient-safety team and managers."))
    if (response := without_personnummer(request)) is not None:
        return response
    filterset = LexMariaFilterSet({"q": request.GET.get("q", "")}, queryset=cases_for(request.user))
    filterset.form.fields["q"].widget.attrs.update(search_box_attrs())
    if not filterset.is_valid():
        return render(request, "lexmaria/list.html", {"title": _("Lex Maria"), "form": filterset.form}, status=400)
    search = filterset.form.cleaned_data["q"].strip()
    if is_reference_search(search):
        found = list(filterset.qs.order_by().values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return redirect("lexmaria:detail", pk=found[0])  # the case quoted by its reference
    cases = list(with_incident_summaries(filterset.qs.select_related("unit", "owner"))[:500])
    clocks = clocks_for(cases)
    hooks.record_granted_reads(request, cases)  # read under an oversight agreement: one row each
    return render(
        request,
        "lexmaria/list.html",
        {
            "title": _("Lex Maria"),
            "form": filterset.form,
            "search": search,
            "may_manage_deciders": bool(deciders.managed_providers(request.user)),
            "rows": [{"case": case, "clock": clocks[case.pk], "summary": case_summary(case)} for case in cases],
        },
    )


def _case_context(request, case: LexMariaCase, *, bound=None, problem: str = "", stale=None) -> dict:
    user = request.user
    decisions = {name.replace("-", "_"): op.decide(user, case) for name, op in OPERATIONS.items()}
    forms = {}
    for name, op in OPERATIONS.items():
        key = name.replace("-", "_")
        if op.item is None and decisions[key]:
            forms[key] = bound if bound is not None and bound.slug == op.form.slug else op.form(case=case)
    promised = []
    for row in case.promised_actions.select_related("action", "action__responsible"):
        form = None
        if decisions["follow_up"]:
            slug = f"{f.FollowUpForm.slug}_{row.pk}"
            form = bound if bound is not None and bound.slug == slug else f.FollowUpForm(case=case, item=row)
        promised.append({"row": row, "form": form})
    timeline = list(case.timeline.select_related("actor"))
    for entry in timeline:
        entry.who = (entry.actor.get_full_name() or entry.actor.username) if entry.actor else _("the system")
    return {
        "title": str(case),
        "case": case,
        "clock": case_clock(case),
        "report": ivo_report(case),
        "incidents": [
            # What happened, as the report to IVO gives it (anything like an identity number replaced).
            {"incident": incident, "description": redact(incident.description)}
            for incident in case.incidents.select_related("unit").order_by("occurred_at", "id")
        ],
        "supplements": list(case.supplements.order_by("requested_on", "id")),
        "promised": promised,
        "action_rows": action_rows(case_actions(case), user=user),
        "decisions": decisions,
        "forms": forms,
        "problem": problem,
        "stale": stale,
        "timeline": timeline,
    }


def _render_case(request, case: LexMariaCase, *, status: int = 200, **kwargs):
    return render(request, "lexmaria/detail.html", _case_context(request, case, **kwargs), status=status)


@login_required
@require_GET
def case_detail(request, pk: int):
    case = _visible(request, pk)
    hooks.record_granted_read(request, case)  # read under an oversight agreement: logged
    return _render_case(request, case)


@login_required
@require_POST
def case_operation(request, pk: int, operation: str, item: int | None = None):
    op = OPERATIONS[operation]
    case = _visible(request, pk)
    form_kwargs = {"case": case}
    if op.form is f.LinkInvestigationForm:
        form_kwargs["visible"] = Investigation.objects.visible_to(request.user)
    return run_operation(
        request,
        case,
        op,
        item,
        render_case=_render_case,
        reload=lambda: _visible(request, pk),
        detail_url=reverse("lexmaria:detail", kwargs={"pk": pk}),
        form_kwargs=form_kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """Open a case for an incident directly (`?avvikelse=<id>`): the chief physician or a
    patient-safety officer."""
    raw = request.GET.get("avvikelse", "")
    if not raw.isdigit():
        raise Http404
    incident = get_object_or_404(
        Incident.objects.visible_to(request.user).select_related("responsible_unit"), pk=int(raw)
    )
    require(permissions.can_open(request.user, incident))
    form = f.OpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.case_open(actor=request.user, incidents=[incident], reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request, _("The Lex Maria case %(reference)s has been opened.") % {"reference": case.reference}
                )
                return redirect("lexmaria:detail", pk=case.pk)
        status = 400
    return render(
        request,
        "lexmaria/new.html",
        {"title": _("Open a Lex Maria case"), "incident": incident, "form": form},
        status=status,
    )


# --- The report to IVO ------------------------------------------------------------------------


@login_required
@require_GET
def ivo_page(request, pk: int):
    case = _visible(request, pk)
    hooks.record_granted_read(request, case)
    return render(
        request,
        "lexmaria/ivo.html",
        {
            "title": _("Report to IVO %(reference)s") % {"reference": case.reference},
            "case": case,
            "report": ivo_report(case),
        },
    )


@login_required
@require_GET
def ivo_pdf(request, pk: int):
    case = _visible(request, pk)
    hooks.record_granted_read(request, case)
    html = render_to_string("lexmaria/ivo_document.html", {"case": case, "report": ivo_report(case)}, request=request)
    return pdf_response(html, identifier=case.reference, filename=f"{case.reference}-IVO.pdf")


@login_required
@require_GET
def ivo_text(request, pk: int):
    case = _visible(request, pk)
    hooks.record_granted_read(request, case)
    response = HttpResponse(ivo_report_text(ivo_report(case)), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-IVO.txt"'
    return response


# --- The yearly follow-up ---------------------------------------------------------------------


@login_required
@require_GET
def follow_up(request):
    if not has_perm(request.user, Perm.LEXMARIA_VIEW):
        raise PermissionDenied(_("Lex Maria cases are for the chief physician, the patient-safety team and managers."))
    this_year = timezone.localdate().year
    raw = request.GET.get("ar", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year else this_year - 1
    summary = yearly_follow_up(request.user, year)
    return render(
        request,
        "lexmaria/follow_up.html",
        {
            "title": _("Follow-up of the actions promised to IVO"),
            "year": year,
            "years": list(range(this_year, this_year - 6, -1)),
            "summary": summary,
            "effects": [
                (label, summary.done_by_effect.get(value, 0))
                for value, label in [*EffectClass.choices, ("", _("Not classified"))]
            ],
        },
    )


# --- On the incident page ---------------------------------------------------------------------


def incident_panel(user, incident) -> dict | None:
    """The incident case page's Lex Maria panel: its case, or opening one."""
    if not has_perm(user, Perm.LEXMARIA_VIEW):
        return None
    case = LexMariaCase.objects.visible_to(user).filter(links__incident=incident).first()
    may_open = case is None and bool(permissions.can_open(user, incident))
    if case is None and not may_open:
        return None
    return {
        "template": "lexmaria/_incident_panel.html",
        "case": case,
        "open_url": f"{reverse('lexmaria:new')}?avvikelse={incident.pk}" if may_open else None,
    }


# --- Who decides: the designation, deputies and delegations ----------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def decider_list(request):
    """The care provider's Lex Maria deciders, now and to come, and adding a deputy or a
    delegation: for its decider and its administrator (`lexmaria.deciders.may_manage`)."""
    providers = deciders.managed_providers(request.user)
    if not providers:
        raise PermissionDenied(
            _(
                "Only the person who decides on Lex Maria for the care provider, or its administrator, "
                "manages deputies and delegations."
            )
        )
    capacities: dict[str, str] = {}
    people = None
    for provider in providers:
        capacities.update(deciders.capacities_for(request.user, provider))
        eligible = deciders.eligible_people(provider)
        people = eligible if people is None else people | eligible
    form = f.DeciderForm(
        request.POST or None, providers=providers, capacities=list(capacities.items()), people=people.distinct()
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = deciders.decider_create(
                    actor=request.user,
                    care_provider=data["care_provider"],
                    user=data["user"],
                    capacity=data["capacity"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    title=data["title"],
                    note=data["note"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s decides on Lex Maria (%(capacity)s) from %(start)s.")
                    % {
                        "name": row.user.get_full_name() or row.user.username,
                        "capacity": row.get_capacity_display(),
                        "start": f"{row.valid_from:%Y-%m-%d}",
                    },
                )
                return redirect("lexmaria:deciders")
        status = 400
    sections = []
    rows = list(
        Decider.objects.current_and_future()
        .filter(care_provider__in=providers)
        .select_related("user", "created_by", "care_provider")
        .order_by("valid_from", "id")
    )
    for provider in providers:
        own = [row for row in rows if row.care_provider_id == provider.pk]
        for row in own:
            row.end_decision = deciders.may_end(request.user, row)
        sections.append(
            {
                "provider": provider,
                "rows": own,
                "designated": deciders.designated_in_force(provider),
            }
        )
    return render(
        request,
        "lexmaria/deciders.html",
        {"title": _("Who decides on Lex Maria"), "sections": sections, "form": form},
        status=status,
    )


@login_required
@require_POST
def decider_end(request, pk: int):
    """End a deputy, a delegation (or, for the administrator, a designation) early, from now."""
    providers = deciders.managed_providers(request.user)
    row = get_object_or_404(Decider.objects.filter(care_provider__in=providers), pk=pk)
    row = deciders.decider_end(actor=request.user, row=row)
    messages.success(
        request,
        _("%(name)s no longer decides on Lex Maria (%(capacity)s).")
        % {"name": row.user.get_full_name() or row.user.username, "capacity": row.get_capacity_display()},
    )
    return redirect("lexmaria:deciders")
