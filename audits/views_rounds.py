"""Egenkontroll rounds, results and templates (issue 18, items 2 and 4): the rounds a user may
see, sending a new one, a round's results with the drill-down through the tree and their
export, closing a round, and the templates with their versions.

Views parse, check, call the selector or the service, and render. Results are for those who
read them (`audit.view`) and those who run rounds (`audit.run`); a unit's staff see the round
and their own unit's response. Every figure comes from `audits.results`, whose aggregate
queries keep the page's cost the same for a round sent to ten units or to a thousand.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import has_perm, scope_paths, scope_q, scope_unit_ids
from accounts.models import OrgUnit
from accounts.roles import Perm
from actions.models import Action
from audits import permissions, services, views_authoring
from audits.exports import round_export_response
from audits.forms_rounds import RoundForm
from audits.models import (
    ANSWERED,
    SCALE_VALUES,
    Area,
    Response,
    Round,
    RoundStatus,
    Scale,
    Statement,
    Template,
    Value,
)
from audits.results import NOT_ANSWERED, readable_responses, round_results, unit_responses
from psweb.case_pages import add_errors
from psweb.cases import require

VALUE_LABELS = dict(Value.choices)


def _results_allowed(user) -> None:
    decision = permissions.can_view_results(user)
    if not decision:
        raise PermissionDenied(decision.reason)


def _run_provider_ids(user) -> list[int]:
    """The care providers where `user` runs rounds for the whole provider (reads every
    response of their rounds)."""
    return [int(path.strip("/")) for path in scope_paths(user).get(Perm.AUDIT_RUN, ()) if path.count("/") == 2]


def _visible_round(user, pk: int) -> Round:
    return get_object_or_404(
        Round.objects.visible_to(user).select_related("template_version__template", "care_provider", "created_by"),
        pk=pk,
    )


# --- The rounds --------------------------------------------------------------------------------


@login_required
@require_GET
def round_list(request):
    """The rounds the user may see, newest first, each with its response rate over the units
    whose results she reads (one aggregate query for every row)."""
    user = request.user
    _results_allowed(user)
    readable = (
        Q(created_by=user)
        | Q(care_provider_id__in=_run_provider_ids(user))
        | scope_q(user, Perm.AUDIT_VIEW, "responses__unit")
        | scope_q(user, Perm.AUDIT_RUN, "responses__unit")
    )
    rounds = (
        Round.objects.visible_to(user)
        .select_related("template_version__template")
        .annotate(
            units=Count("responses", filter=readable),
            answered=Count("responses", filter=readable & Q(responses__status__in=ANSWERED)),
        )
        .order_by("-opens_on", "-id")
    )
    rows = []
    for round_ in rounds:
        rate = round_.answered * 100 / round_.units if round_.units else None
        rows.append({"round": round_, "rate": rate})
    return render(
        request,
        "audits/rounds.html",
        {"title": _("Self-audit rounds"), "rows": rows, "may_run": has_perm(user, Perm.AUDIT_RUN)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    """Send a template to units: for those who run rounds, to the units in their scope."""
    user = request.user
    if not has_perm(user, Perm.AUDIT_RUN):
        raise PermissionDenied(_("Only the safety team and measurement owners can send self-audit rounds."))
    today = timezone.localdate()
    initial = {
        "opens_on": today,
        "period_start": today.replace(month=1, day=1),
        "period_end": today.replace(month=12, day=31),
    }
    form = RoundForm(request.POST or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                round_ = services.round_create(
                    actor=user,
                    version=form.cleaned_data["template_version"],
                    units=form.cleaned_data["chosen_units"],
                    fields=form.service_fields(),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                count = len(form.cleaned_data["chosen_units"])
                messages.success(
                    request,
                    ngettext(
                        "The round %(reference)s has been sent to %(count)s unit.",
                        "The round %(reference)s has been sent to %(count)s units.",
                        count,
                    )
                    % {"reference": round_.reference, "count": count},
                )
                return redirect("audits:round", pk=round_.pk)
        status = 400
    return render(request, "audits/round_new.html", {"title": _("New self-audit round"), "form": form}, status=status)


def _drill_unit(request, round_: Round) -> tuple[OrgUnit | None, bool]:
    """The subtree asked for (`enhet`): a unit of the round's care provider; (None, False)
    with a message when the parameter names something else."""
    raw = request.GET.get("enhet", "")
    if not raw:
        return None, True
    unit = None
    if raw.isdigit() and int(raw) < 2**31:  # an id the database can hold
        unit = (
            OrgUnit.objects.filter(pk=int(raw))
            .filter(Q(care_provider_id=round_.care_provider_id) | Q(pk=round_.care_provider_id))
            .first()
        )
    if unit is None:
        messages.warning(request, _("There is no such unit in this round's organisation: the whole round is shown."))
        return None, False
    return unit, True


def _trail(round_: Round, unit: OrgUnit | None) -> list[OrgUnit]:
    """The units above `unit` up to the round's care provider, top first."""
    if unit is None:
        return []
    ids = [pk for pk in unit.ancestor_ids() if pk != unit.pk]
    return list(OrgUnit.objects.filter(pk__in=ids).order_by("depth")) if ids else []


def _value_rows(result, total: int) -> list[dict]:
    """A status or yes/no statement's rows: each value with its units and their share of all
    the round's units, then the units that did not answer (never dropped)."""
    rows = [
        {"value": value, "label": VALUE_LABELS[value], "count": result.counts.get(value, 0)}
        for value in SCALE_VALUES[result.statement.scale]
    ]
    rows.append({"value": NOT_ANSWERED, "label": _("Not answered"), "count": result.counts.get(NOT_ANSWERED, 0)})
    for row in rows:
        row["share"] = row["count"] * 100 / total if total else None
    return rows


def _areas(results) -> list[dict]:
    """The statements' results grouped by area, in the template's order."""
    areas: list[dict] = []
    for result in results.statements:
        statement = result.statement
        if not areas or areas[-1]["area"].pk != statement.area_id:
            areas.append({"area": statement.area, "statements": []})
        previous = result.previous.share if result.previous is not None else None
        areas[-1]["statements"].append(
            {
                "result": result,
                "statement": statement,
                "is_count": statement.scale == Scale.COUNT,
                "values": [] if statement.scale == Scale.COUNT else _value_rows(result, results.responses),
                "share": result.share,
                "previous_share": previous,
                "below_threshold": result.below_threshold,
            }
        )
    return areas


def _action_rows(user, actions: dict[str, int]) -> list[dict]:
    link = has_perm(user, Perm.ACTION_VIEW)
    base = reverse("actions:list")
    return [
        {
            "label": label,
            "count": actions.get(state, 0),
            "url": f"{base}?source_type=audit_response&state={state}" if link else "",
        }
        for state, label in Action.State.choices
    ]


@login_required
@require_GET
def round_detail(request, pk: int):
    """The round's header for everyone who sees it; its results for those who read them,
    narrowed to a subtree by `?enhet=`; the unit's own response for its staff."""
    user = request.user
    round_ = _visible_round(user, pk)
    may_results = bool(permissions.can_view_results(user))
    close = permissions.can_manage_round(user, round_)
    context = {
        "title": f"{round_.reference} {round_.title}",
        "round": round_,
        "template": round_.template_version.template,
        "may_results": may_results,
        "can_close": bool(close) and round_.status != RoundStatus.CLOSED,
    }
    status = 200
    if may_results:
        unit, valid = _drill_unit(request, round_)
        status = 200 if valid else 400
        results = round_results(user, round_, unit=unit)
        responses = readable_responses(user, round_)
        if unit is not None:
            responses = responses.filter(unit__path__startswith=unit.path)
        query = f"?enhet={unit.pk}&" if unit is not None else "?"
        context.update(
            results=results,
            unit=unit,
            trail=_trail(round_, unit),
            areas=_areas(results),
            actions=_action_rows(user, results.actions),
            responses=unit_responses(round_, responses),
            csv_url=f"{reverse('audits:round-export', kwargs={'pk': round_.pk})}{query}format=csv",
            xlsx_url=f"{reverse('audits:round-export', kwargs={'pk': round_.pk})}{query}format=xlsx",
        )
    else:
        context["responses"] = unit_responses(round_, Response.objects.visible_to(user).filter(round=round_))
    return render(request, "audits/round.html", context, status=status)


@login_required
@require_GET
def round_export(request, pk: int):
    """The results per statement as CSV or XLSX (`?format=`, `?enhet=` as on the page):
    counts only, no one's identity."""
    user = request.user
    round_ = _visible_round(user, pk)
    _results_allowed(user)
    unit, valid = _drill_unit(request, round_)
    detail = reverse("audits:round", kwargs={"pk": round_.pk})
    if not valid or request.GET.get("format") not in ("csv", "xlsx"):
        if valid:
            messages.error(request, _("Choose CSV or XLSX to export the results."))
        return redirect(detail)
    return round_export_response(request, round_results(user, round_, unit=unit))


@login_required
@require_POST
def round_close(request, pk: int):
    """No more answers: the units that have not submitted stay "not answered"."""
    user = request.user
    round_ = _visible_round(user, pk)
    require(permissions.can_manage_round(user, round_))
    services.round_close(round_=round_, actor=user)
    messages.success(request, _("The round %(reference)s is closed.") % {"reference": round_.reference})
    return redirect("audits:round", pk=round_.pk)


# --- The templates -------------------------------------------------------------------------


def _templates(user):
    """The templates shipped with psweb and those of the care providers where the user runs
    rounds or reads results."""
    ids = set(scope_unit_ids(user, Perm.AUDIT_VIEW)) | set(scope_unit_ids(user, Perm.AUDIT_RUN))
    providers = OrgUnit.objects.filter(pk__in=ids).values("care_provider_id")
    return Template.objects.filter(Q(care_provider__isnull=True) | Q(care_provider__in=providers))


@login_required
@require_GET
def template_list(request):
    _results_allowed(request.user)
    templates = _templates(request.user).select_related("care_provider").prefetch_related("versions")
    rows = []
    for template in templates:
        versions = sorted(template.versions.all(), key=lambda v: v.number)
        published = [v for v in versions if v.published_at is not None]
        rows.append({"template": template, "current": published[-1] if published else None, "versions": len(versions)})
    return render(
        request,
        "audits/templates.html",
        {
            "title": _("Self-audit templates"),
            "rows": rows,
            "may_run": has_perm(request.user, Perm.AUDIT_RUN),
            "may_create": bool(views_authoring.can_create(request.user)),
        },
    )


@login_required
@require_GET
def template_detail(request, pk: int):
    """A template's versions, and one version's areas and statements (`?version=`, by
    default the current one)."""
    _results_allowed(request.user)
    template = get_object_or_404(_templates(request.user).select_related("care_provider"), pk=pk)
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    published = [v for v in versions if v.published_at is not None]
    chosen = published[0] if published else (versions[0] if versions else None)
    raw = request.GET.get("version", "")
    status = 200
    if raw:
        match = [v for v in versions if raw.isdigit() and str(v.number) == raw]
        if match:
            chosen = match[0]
        else:
            messages.warning(request, _("There is no such version: the current one is shown."))
            status = 400
    areas = []
    if chosen is not None:
        areas = list(
            Area.objects.filter(version=chosen)
            .order_by("position")
            .prefetch_related(Prefetch("statements", queryset=Statement.objects.order_by("position")))
        )
    return render(
        request,
        "audits/template.html",
        {
            "title": template.title,
            "template": template,
            "versions": versions,
            "version": chosen,
            "areas": areas,
            # Only who runs rounds for the template's whole care provider writes its versions.
            "may_author": bool(views_authoring.can_author(request.user, template)),
            "may_create": bool(views_authoring.can_create(request.user)),
        },
        status=status,
    )
