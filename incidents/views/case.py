"""The case page: everything about one incident, and its operations.

The page's context is built in one place (`_case_context`), with every decision the template
needs (may this user take, close, ... and if not, why). Each operation (take, classify, add
a cause, close, ...) is a POST to its own short URL, served by one view from the table in
`incidents.operations`: 404 outside the user's scope, 403 with the reason, then one service
from `incidents.services` and a redirect back to the case page. When the service refuses
(stale version, wrong state, bad input), the case page is shown again with the message and
with what the user typed (psweb.case_pages).

Patient identity is never part of the page as first served: a "Show personal identity
number" button (POST) shows it and writes one AccessLog row. Logging each page view instead
would record reads nobody made and hide the deliberate ones among them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import personnummer
from accounts.access import Allowed, Decision
from accounts.models import AccessLog
from accounts.services import accesslog_record
from actions.models import Action
from incidents import hooks, permissions, queue
from incidents.forms import case as f
from incidents.models import Cause, Forward, Incident, PatientInformation, ProviderSettings, Status
from incidents.operations import OPERATIONS
from incidents.selectors import active_causes, close_blockers, risk_summary
from incidents.services import StaleVersionError
from incidents.viewing import CaseView
from psweb.case_pages import require, run_operation

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


# The case page's forms: the template's name for each, its operation, and the decision that
# offers it (the others are shown disabled, with the decision's reason).
PAGE_FORMS = (
    ("assign", "case-assign", "assign"),
    ("take", "case-take", "take"),
    ("classify", "case-classify", "work"),
    ("title", "case-title", "work"),
    ("risk", "case-risk", "work"),
    ("cause", "case-cause-add", "work"),
    ("action", "case-action-add", "work"),
    ("feedback", "case-feedback", "work"),
    ("forward", "case-forward", "forward"),
    ("investigation", "case-investigation", "investigation"),
    ("lex_maria", "case-lex-maria", "lex_maria"),
    ("patient_info", "case-patient-information", "patient_info"),
    ("close", "case-close", "close"),
    ("reopen", "case-reopen", "reopen"),
    ("withdraw", "case-withdraw", "withdraw"),
    ("comment", "case-comment", "comment"),
)


def _decisions(user, incident: Incident) -> dict[str, Decision]:
    return {
        "handle": permissions.can_handle(user, incident),
        "take": permissions.can_take(user, incident),
        "assign": permissions.can_assign(user, incident),
        "work": permissions.can_handle_open(user, incident),
        "forward": permissions.can_forward(user, incident),
        "investigation": permissions.can_request_investigation(user, incident),
        "lex_maria": permissions.can_request_lex_maria(user, incident),
        "patient_info": permissions.can_record_patient_information(user, incident),
        "close": permissions.can_close(user, incident),
        "reopen": permissions.can_reopen(user, incident),
        "withdraw": OPERATIONS["case-withdraw"].decide(user, incident),
        "comment": permissions.can_comment(user, incident),
        "view_patient": permissions.can_view_patient(user, incident),
    }


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

    loaded_choices: list[f.ActionChoices] = []

    def action_choices() -> f.ActionChoices:
        # Loaded on first use, then shared by every action form on the page.
        if not loaded_choices:
            loaded_choices.append(f.ActionChoices.load(incident, causes))
        return loaded_choices[0]

    def form(operation: str, item=None, **kwargs):
        """The operation's form: the one the user just sent, if it is this one, else a new one."""
        op = OPERATIONS[operation]
        if bound is not None and bound.slug == op.form.slug_for(item):
            return bound
        if op.form_kwargs:
            kwargs.update(op.form_kwargs(user, incident, item))
        return op.form(incident=incident, item=item, **kwargs)

    # What the page already has that some forms would otherwise load again.
    page_kwargs = {
        "case-risk": lambda: {"settings": settings},
        "case-forward": lambda: {"settings": settings},
        "case-action-add": lambda: {"loaded": action_choices()},
    }
    forms = {
        key: form(operation, **page_kwargs.get(operation, dict)())
        for key, operation, decision in PAGE_FORMS
        if decisions[decision]
    }
    cause_remove = decisions["work"]

    # Each action: its edit form when the user may change it, else nothing (status shown).
    may_change_actions = decisions["handle"] and incident.status in (
        Status.SUBMITTED,
        Status.IN_PROGRESS,
        Status.CLOSED,
    )
    action_rows = [
        {
            "action": action,
            "form": form("case-action-update", action, loaded=action_choices()) if may_change_actions else None,
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
