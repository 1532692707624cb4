"""The case page: everything about one incident, and its operations.

The page's context is built in one place (`_case_context`), with every decision the template
needs (may this user take, close, ... and if not, why). Each operation (take, classify, add
a cause, close, ...) is a POST to its own short URL, served by one view from the table in
`incidents.operations`: 404 outside the user's scope, 403 with the reason, then one service
from `incidents.services` and a redirect back to the case page. When the service refuses
(stale version, wrong state, bad input), the case page is shown again with the message and
with what the user typed (psweb.case_pages).

The handling forms are steps (`STEPS`): the page shows each as a link that opens it, and builds
a step's form only when it is open. With JavaScript (static/js/case.js) htmx fetches the form
from `/avvikelser/<pk>/steg/<step>/` and swaps it in; without, the link opens the page with
`?steg=<step>`. Building and rendering every form on every view (categories, risk labels,
every unit of the region to forward to, the staff for each action) was most of the page's
time at scale (docs/benchmarks.md). A refused operation opens its step with what was typed.

Patient identity is never part of the page as first served: a "Show personal identity
number" button (POST) shows it and writes one AccessLog row. Logging each page view instead
would record reads nobody made and hide the deliberate ones among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import personnummer
from accounts.access import Allowed, Decision
from accounts.models import AccessLog, OrgUnit
from accounts.services import accesslog_record
from actions.models import Action
from incidents import hooks, permissions, queue
from incidents.forms import case as f
from incidents.models import Cause, Forward, Incident, PatientInformation, ProviderSettings, Status
from incidents.operations import OPERATIONS
from incidents.selectors import active_causes, close_blockers, risk_summary
from incidents.services import StaleVersionError
from incidents.viewing import CaseView
from psweb.case_pages import in_states, require, run_operation
from psweb.widgets import CachedOptions

# --- The case page ------------------------------------------------------------------------


def _visible_incident(request, pk: int) -> Incident:
    """The incident if the user may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related(
            "reporter", "unit", "responsible_unit", "category", "category__parent", "handler"
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class MatrixCell:
    probability: int
    consequence: int
    score: int
    level: str
    level_index: int
    chosen: bool


def _risk_matrix(incident: Incident, settings: ProviderSettings) -> list[dict]:
    """Rows from the highest probability down, as the matrix is usually drawn."""
    level_names = [name for _lowest, name in settings.risk_levels]
    rows = []
    for probability in range(4, 0, -1):
        cells = []
        for consequence in range(1, 5):
            score = probability * consequence
            level = settings.risk_level(score)
            cells.append(
                MatrixCell(
                    probability,
                    consequence,
                    score,
                    level,
                    level_names.index(level) if level in level_names else 0,
                    incident.risk_probability == probability and incident.risk_consequence == consequence,
                )
            )
        rows.append({"label": settings.probability_labels[probability - 1], "value": probability, "cells": cells})
    return rows


# The forms that are always on the page when the user may use them: a button, or the comment
# box. The template's name for each, its operation, and the decision that offers it (the
# others are shown disabled, with the decision's reason).
PAGE_FORMS = (
    ("take", "case-take", "take"),
    ("close", "case-close", "close"),
    ("comment", "case-comment", "comment"),
)


@dataclass(frozen=True)
class Step:
    """A step of the handling: a form the page builds only when the user opens it.

    `slug` names it in the URLs (`?steg=klassificera`, `/steg/klassificera/`); a step about a
    row of the case (changing an action) adds the row's id (`atgard-12`)."""

    key: str  # the template's name for it: steps.<key>
    slug: str
    operation: str  # the operation its form posts to (incidents.operations)
    decision: str  # the page's decision that offers it (DECISIONS)

    @property
    def template(self) -> str:
        return f"incidents/steps/{self.key}.html"

    def slug_for(self, item=None) -> str:
        return self.slug if item is None else f"{self.slug}-{item.pk}"


STEPS = (
    Step("assign", "tilldela", "case-assign", "assign"),
    Step("classify", "klassificera", "case-classify", "work"),
    Step("title", "rubrik", "case-title", "work"),
    Step("risk", "risk", "case-risk", "work"),
    Step("cause", "orsak", "case-cause-add", "work"),
    Step("action", "atgard", "case-action-add", "work"),
    Step("feedback", "aterkoppling", "case-feedback", "work"),
    Step("forward", "vidarebefordra", "case-forward", "forward"),
    Step("investigation", "utredning", "case-investigation", "investigation"),
    Step("lex_maria", "lex-maria", "case-lex-maria", "lex_maria"),
    Step("patient_info", "patientinformation", "case-patient-information", "patient_info"),
    Step("reopen", "ateroppna", "case-reopen", "reopen"),
    Step("withdraw", "aterkalla", "case-withdraw", "withdraw"),
)
ACTION_STEP = Step("action_update", "atgard", "case-action-update", "change_actions")
_STEP_BY_SLUG = {step.slug: step for step in STEPS}
_ROW_SLUG = re.compile(r"(?P<slug>[a-z-]+)-(?P<pk>[0-9]+)")


def _find_step(incident: Incident, slug: str) -> tuple[Step, Action | None]:
    """The step a slug names, and its row of this incident; 404 for anything else."""
    if slug in _STEP_BY_SLUG:
        return _STEP_BY_SLUG[slug], None
    match = _ROW_SLUG.fullmatch(slug)
    if match and match["slug"] == ACTION_STEP.slug:
        return ACTION_STEP, get_object_or_404(Action, pk=match["pk"], incident=incident)
    raise Http404


@dataclass(frozen=True)
class StepView:
    """A step as the template draws it: a link that opens (or closes) it, and its form when open."""

    step: Step
    slug: str
    anchor: str  # the id of the step's box on the page
    url: str  # the form alone, for htmx
    open_url: str  # the page with this step open (without JavaScript)
    close_url: str
    form: f.CaseForm | None = None

    @property
    def template(self) -> str:
        return self.step.template

    @classmethod
    def of(cls, step: Step, incident: Incident, item=None, form=None) -> StepView:
        slug = step.slug_for(item)
        anchor = f"step-{slug}"
        page = reverse("incidents:detail", kwargs={"pk": incident.pk})
        return cls(
            step=step,
            slug=slug,
            anchor=anchor,
            url=reverse("incidents:step", kwargs={"pk": incident.pk, "step": slug}),
            open_url=f"{page}?{urlencode({'steg': slug})}#{anchor}",
            close_url=f"{page}#{anchor}",
            form=form,
        )


# An incident's actions can be changed while it is open, and their status after it is closed.
_may_change_actions = in_states(
    (Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED),
    permissions.can_handle,
    gettext_lazy("The actions of a withdrawn incident cannot be changed."),
)

# What the page decides for its user, each a Decision with the reason when refused.
DECISIONS = {
    "handle": permissions.can_handle,
    "take": permissions.can_take,
    "assign": permissions.can_assign,
    "work": permissions.can_handle_open,
    "forward": permissions.can_forward,
    "investigation": permissions.can_request_investigation,
    "lex_maria": permissions.can_request_lex_maria,
    "patient_info": permissions.can_record_patient_information,
    "close": permissions.can_close,
    "reopen": permissions.can_reopen,
    "withdraw": OPERATIONS["case-withdraw"].decide,
    "comment": permissions.can_comment,
    "view_patient": permissions.can_view_patient,
    "change_actions": _may_change_actions,
}


def _decisions(user, incident: Incident) -> dict[str, Decision]:
    return {name: decide(user, incident) for name, decide in DECISIONS.items()}


def _step_form(
    user, incident: Incident, step: Step, item=None, *, settings: ProviderSettings | None = None
) -> f.CaseForm:
    """A new form for the step (the page passes the provider's settings it has loaded)."""
    op = OPERATIONS[step.operation]
    kwargs = op.form_kwargs(user, incident, item) if op.form_kwargs else {}
    if settings is not None and step.key in ("risk", "forward"):
        kwargs["settings"] = settings
    form = op.form(incident=incident, item=item, **kwargs)
    if step.key == "forward":
        _cache_forward_units(form, incident)
    return form


# --- The units a case can be sent to: built once per state of the org tree ---------------------


def _forward_targets():
    """Every active unit of the region, as `ForwardForm` offers them but for leaving out the
    incident's own unit (`CachedOptions.leave_out`): the list is the same for every case."""
    units = OrgUnit.objects.filter(is_active=True).select_related("care_provider")
    return units.order_by("care_provider__name", "path")


def _cache_forward_units(form: f.ForwardForm, incident: Incident) -> None:
    """The forward form's unit select renders from the cache; validation still asks the
    form's queryset."""
    field = form.fields["to_unit"]
    field.widget.cached_options = CachedOptions(
        key=f"incidents:forward-units:{OrgUnit.objects.tree_version()}",
        build=lambda: [("", field.empty_label), *((u.pk, field.label_from_instance(u)) for u in _forward_targets())],
        leave_out=frozenset({str(incident.responsible_unit_id)}),
    )


def _case_context(
    request,
    incident: Incident,
    *,
    bound: f.CaseForm | None = None,
    problem: str = "",
    stale: StaleVersionError | None = None,
    patient_identifier: str = "",
) -> dict:
    user = request.user
    settings = ProviderSettings.for_unit(incident.responsible_unit or incident.unit)
    decisions = _decisions(user, incident)
    forwards = list(
        incident.forwards.select_related("from_unit", "to_unit", "forwarded_by", "answered_by").order_by(
            "forwarded_at", "id"
        )
    )
    # What this user sees of the case, and whom (incidents.viewing): the API asks the same.
    view = CaseView.of(user, incident, forwards=forwards)
    sees_case = view.sees_case
    causes = list(active_causes(incident).select_related("area", "created_by"))
    actions = list(
        incident.actions.select_related("responsible").prefetch_related(
            Prefetch("causes", queryset=Cause.objects.select_related("area"))
        )
    )
    try:
        patient_information = incident.patient_information
    except PatientInformation.DoesNotExist:
        patient_information = None

    def form(operation: str, item=None, **kwargs):
        """The operation's form: the one the user just sent, if it is this one, else a new one."""
        op = OPERATIONS[operation]
        if bound is not None and bound.slug == op.form.slug_for(item):
            return bound
        if op.form_kwargs:
            kwargs.update(op.form_kwargs(user, incident, item))
        return op.form(incident=incident, item=item, **kwargs)

    forms = {key: form(operation) for key, operation, decision in PAGE_FORMS if decisions[decision]}
    cause_remove = decisions["work"]

    # The open step: the one whose form the user sent (refused: it opens with what they
    # typed), else the one the URL asks for (the step's link without JavaScript).
    open_step = request.GET.get("steg", "")
    for step in (*STEPS, ACTION_STEP):
        if bound is not None and type(bound) is OPERATIONS[step.operation].form:
            open_step = step.slug_for(bound.item)
            if step.key == "forward":
                _cache_forward_units(bound, incident)
            break

    def step_view(step: Step, item=None) -> StepView:
        slug = step.slug_for(item)
        if slug != open_step:
            return StepView.of(step, incident, item)
        if bound is not None and bound.slug == OPERATIONS[step.operation].form.slug_for(item):
            return StepView.of(step, incident, item, bound)
        return StepView.of(step, incident, item, _step_form(user, incident, step, item, settings=settings))

    steps = {step.key: step_view(step) for step in STEPS if decisions[step.decision]}

    # Each action: the step that changes it when the user may, else nothing (status shown).
    action_rows = [
        {
            "action": action,
            "step": step_view(ACTION_STEP, action) if decisions["change_actions"] else None,
            "overdue": _action_overdue(action),
            "responsible": view.name(action.responsible),
        }
        for action in actions
    ]

    # Who reported is for the case's handlers; others read "the reporter" (DESIGN §3).
    sees_reporter = view.sees_reporter
    forward_rows = []
    for forward in forwards:
        answer = None
        reason = ""
        receiving = permissions.can_answer_forward(user, forward)
        if not forward.answered_at and incident.status != Status.WITHDRAWN:
            if receiving:
                answer = form("case-forward-answer", forward)
            else:
                reason = receiving.reason
        forward_rows.append(
            {
                "forward": forward,
                "asked": forward.kind == Forward.Kind.ASK,
                # The user is on the receiving side: the case was handed over to, or asked of, their unit.
                "received": permissions.on_receiving_side(user, forward),
                "forwarded_by": view.who(forward.forwarded_by),
                # An answer always has its answerer (`forward_answer_complete`); read robustly anyway.
                "answered": bool(forward.answered_at or forward.answer),
                "answered_by": view.who(forward.answered_by) if forward.answered_by_id else "",
                "form": answer,
                "reason": reason,
            }
        )
    pending_questions = [row["forward"] for row in forward_rows if row["asked"] and not row["answered"]]

    blockers = close_blockers(incident) if decisions["handle"] and incident.status == Status.IN_PROGRESS else []
    attachments = [
        {"attachment": a, "url": reverse("incidents:attachment", kwargs={"pk": incident.pk, "attachment_pk": a.pk})}
        for a in incident.attachments.all()
    ]
    # The page shows the timeline to staff; the reporter follows hers in "My reports".
    timeline = view.timeline() if sees_case else []
    comments = list(view.comments())
    for comment in comments:
        comment.who = view.who(comment.author)
    return {
        "title": str(incident),
        "incident": incident,
        "sees_case": sees_case,
        "decisions": decisions,
        "forms": forms,
        "steps": steps,
        "cause_remove": cause_remove,
        "problem": problem,
        "stale": stale,
        "patient_identifier": patient_identifier,
        "settings": settings,
        "risk": risk_summary(incident, settings),
        "risk_matrix": _risk_matrix(incident, settings),
        "consequence_labels": list(enumerate(settings.consequence_labels, start=1)),
        "causes": causes,
        "action_rows": action_rows,
        "forward_rows": forward_rows,
        "pending_questions": pending_questions if decisions["handle"] else [],
        "patient_information": patient_information,
        "comments": comments,
        "sees_reporter": sees_reporter,
        "handler_name": view.name(incident.handler),
        "informed_by": view.text(patient_information.informed_by) if patient_information else "",
        "stale_changes": [view.seen_entry(entry) for entry in stale.changes] if stale else [],
        "attachments": attachments,
        "timeline": timeline,
        "close_blockers": blockers,
        "panels": [panel for panel in (make(user, incident) for make in hooks.CASE_PANELS) if panel]
        if sees_case
        else [],
        "queue_url": reverse("incidents:queue") if queue.can_view_queue(user) else None,
        "mine_url": reverse("incidents:mine-detail", kwargs={"pk": incident.pk})
        if incident.reporter_id == user.pk
        else None,
    }


def _action_overdue(action: Action) -> bool:
    return action.state in (Action.State.PLANNED, Action.State.IN_PROGRESS) and action.due_date < timezone.localdate()


def _render_case(request, incident: Incident, *, status: int = 200, **kwargs):
    return render(request, "incidents/detail.html", _case_context(request, incident, **kwargs), status=status)


@login_required
@require_GET
def incident_detail(request, pk: int):
    incident = _visible_incident(request, pk)
    hooks.record_granted_read(request, incident)  # read under an oversight agreement: logged
    return _render_case(request, incident)


@login_required
@require_POST
def incident_show_patient(request, pk: int):
    """Show the patient's identity once, and log it (one AccessLog row per display)."""
    incident = _visible_incident(request, pk)
    require(permissions.can_view_patient(request.user, incident))
    shown = ""
    if incident.patient_identifier:
        accesslog_record(
            request=request,
            action=AccessLog.Action.VIEW_PATIENT,
            obj=incident,
            unit=incident.responsible_unit,
            patient_identifier=incident.patient_identifier,
            label=incident.reference or "",
        )
        shown = personnummer.display(incident.patient_identifier)
    if request.htmx:
        return render(
            request,
            "incidents/_case_patient.html",
            {"incident": incident, "patient_identifier": shown, "decisions": {"view_patient": Allowed}},
        )
    return _render_case(request, incident, patient_identifier=shown)


@login_required
@require_GET
def incident_step(request, pk: int, step: str):
    """One step's form alone, for htmx to swap in when the user opens the step. Asked as its
    operation is: 404 for a case (or row) the user may not see, then 403 with the reason of the
    operation's own predicate, then of the decision by which the page offers the step (a
    closed incident is not classified)."""
    incident = _visible_incident(request, pk)
    found, item = _find_step(incident, step)
    op = OPERATIONS[found.operation]
    require(op.item_decide(request.user, item) if op.item_decide else op.decide(request.user, incident))
    require(DECISIONS[found.decision](request.user, incident))
    form = _step_form(request.user, incident, found, item)
    return render(request, found.template, {"incident": incident, "form": form})


# --- Operations: one view for the table in incidents.operations -----------------------------


@login_required
@require_POST
def incident_operation(request, pk: int, operation: str, **item):
    """Check (404, then 403 with the reason), parse, call one service, redirect back. A row
    of the incident comes under the name its URL gives it (`cause_pk`, `action_pk`, ...)."""
    incident = _visible_incident(request, pk)
    return run_operation(
        request,
        incident,
        OPERATIONS[operation],
        next(iter(item.values()), None),
        render_case=_render_case,
        reload=lambda: _visible_incident(request, pk),
        detail_url=reverse("incidents:detail", kwargs={"pk": pk}),
        form_kwargs={"incident": incident},
    )
