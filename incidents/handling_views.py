"""Handling pages: the work queue and the case page with its actions.

Views parse, check, call one service or selector, and render. The case page's context is
built in one place (`_case_context`), with every decision the template needs (may this user
take, close, ... and if not, why); each action is a small POST view that calls exactly one
service from `incidents.services` and redirects back to the case page. When the service
refuses (stale version, wrong state, bad input), the case page is shown again with the
message and with what the user typed.

Patient identity is never part of the page as first served: a "Show personal identity
number" button (POST) shows it and writes one AccessLog row. Logging each page view instead
would record reads nobody made and hide the deliberate ones among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import personnummer
from accounts.access import Allowed, Decision, Denied
from accounts.models import AccessLog
from accounts.services import accesslog_record
from incidents import handling_forms as hf
from incidents import permissions, queue, services
from incidents.models import (
    Action,
    Cause,
    Forward,
    Incident,
    PatientInformation,
    ProviderSettings,
    Status,
    TimelineEntry,
)
from incidents.selectors import active_causes, close_blockers, risk_summary
from incidents.services import ConflictError, StaleVersionError
from psweb.widgets import ManyOptionsSelect

# --- The work queue ---------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50
# Something that looks like a personal identity number (YYMMDD-NNNN, with or without century
# or separator): never searched for, never kept in a URL.
PERSONNUMMER_LIKE = re.compile(r"\d{6}(\d{2})?[-+]?\d{4}")
NO_PERSONNUMMER_PATTERN = r"^(?!.*\d{6}[\-+]?\d{4}).*$"

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


def _without_personnummer(request):
    """A search for a personal identity number is dropped, with a message, before anything
    is searched, and the browser is sent to a URL without it."""
    text = request.GET.get("q", "")
    if not PERSONNUMMER_LIKE.search(text):
        return None
    params = request.GET.copy()
    params.pop("q")
    messages.warning(
        request,
        _(
            "Search does not look for personal identity numbers: they must never be part of a web address. "
            "Search for words in the description instead."
        ),
    )
    return HttpResponseRedirect(f"{request.path}?{params.urlencode()}" if params else request.path)


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
    from django import forms

    fields = filterset.form.fields
    fields["status"].widget = forms.CheckboxSelectMultiple(choices=fields["status"].choices)
    fields["event_class"].widget = forms.CheckboxSelectMultiple(choices=fields["event_class"].choices)
    fields["risk_level"].widget = forms.CheckboxSelectMultiple(choices=fields["risk_level"].choices)
    yes_no = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]
    fields["overdue"].widget = forms.Select(choices=yes_no)
    fields["late"].widget = forms.Select(choices=yes_no)
    fields["handler"].widget = forms.Select(choices=[("", _("Anyone")), ("me", _("Me"))])
    fields["unit"].empty_label = _("All units")
    fields["responsible_unit"].empty_label = _("All units")
    fields["category"].empty_label = _("All categories")
    fields["case_type"].widget.choices = [("", _("All")), *fields["case_type"].choices[1:]]
    for name in ("occurred_from", "occurred_to", "reported_from", "reported_to"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"})
    fields["q"].widget.attrs.update(
        {
            "type": "search",
            "pattern": NO_PERSONNUMMER_PATTERN,
            "title": _("Do not search for personal identity numbers."),
        }
    )
    for field in fields.values():
        field.help_text = ""
        if type(field.widget) is forms.Select:  # the same HTML, written without a template per option
            fast = ManyOptionsSelect(attrs=field.widget.attrs)
            fast.choices = field.widget.choices
            field.widget = fast


def _queue_page(request, filterset, params, counts: dict[str, int], valid: bool):
    paginator = Paginator(filterset.qs if valid else Incident.objects.none(), QUEUE_PAGE_SIZE)
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
        "rows": queue.queue_rows(incidents, levels),
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
    response = StreamingHttpResponse(queue.queue_csv_lines(filterset.qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{queue.export_filename()}"'
    return response


# --- The case page ------------------------------------------------------------------------

# Panels that later apps add to the case page (investigations, Lex Maria) without this app
# importing them: each is called with (user, incident) and returns None or a dict with the
# panel's "template" and its context. Registered in the other app's AppConfig.ready().
CASE_PANELS: list = []


def _visible_incident(request, pk: int) -> Incident:
    """The incident if the user may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related(
            "reporter", "unit", "responsible_unit", "category", "category__parent", "handler"
        ),
        pk=pk,
    )


def _optional_url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


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
        # A draft is discarded by its author in "My reports", not here.
        "withdraw": permissions.can_withdraw(user, incident)
        if incident.status != Status.DRAFT
        else Denied(_("A draft is discarded by its author.")),
        "comment": permissions.can_comment(user, incident),
        "view_patient": permissions.can_view_patient(user, incident),
    }


def _case_context(
    request,
    incident: Incident,
    *,
    bound: hf.CaseForm | None = None,
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
    sees_case = permissions.sees_as_staff(user, incident, forwards)
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

    loaded_choices: list[hf.ActionChoices] = []

    def action_choices() -> hf.ActionChoices:
        # Loaded on first use, then shared by every action form on the page.
        if not loaded_choices:
            loaded_choices.append(hf.ActionChoices.load(incident, causes))
        return loaded_choices[0]

    def form(cls, key, **kwargs):
        if bound is not None and bound.slug == _form_slug(cls, key, kwargs):
            return bound
        return cls(incident=incident, **kwargs)

    forms: dict[str, object] = {}
    if decisions["assign"]:
        forms["assign"] = form(hf.AssignForm, "assign")
    if decisions["take"]:
        forms["take"] = form(hf.TakeForm, "take")
    if decisions["work"]:
        forms["classify"] = form(hf.ClassifyForm, "classify")
        forms["risk"] = form(hf.RiskForm, "risk", settings=settings)
        forms["cause"] = form(hf.CauseAddForm, "cause")
        forms["action"] = form(hf.ActionForm, "action", loaded=action_choices())
        forms["feedback"] = form(hf.FeedbackForm, "feedback")
    if decisions["forward"]:
        forms["forward"] = form(hf.ForwardForm, "forward", settings=settings)
    if decisions["investigation"]:
        forms["investigation"] = form(hf.RequestForm, "investigation", slug="investigation")
    if decisions["lex_maria"]:
        forms["lex_maria"] = form(hf.RequestForm, "lex_maria", slug="lex_maria")
    if decisions["patient_info"] and incident.patient_involved:
        forms["patient_info"] = form(hf.PatientInformationForm, "patient_info")
    if decisions["close"]:
        forms["close"] = form(hf.CloseForm, "close")
    if decisions["reopen"]:
        forms["reopen"] = form(hf.ReasonForm, "reopen", slug="reopen")
    if decisions["withdraw"]:
        forms["withdraw"] = form(hf.ReasonForm, "withdraw", slug="withdraw")
    if decisions["comment"]:
        forms["comment"] = form(
            hf.CommentForm, "comment", may_address_reporter=bool(permissions.can_share_comment(user, incident))
        )
    cause_remove = decisions["work"]

    # Each action: its edit form when the user may change it, else nothing (status shown).
    may_change_actions = decisions["handle"] and incident.status in (
        Status.SUBMITTED,
        Status.IN_PROGRESS,
        Status.CLOSED,
    )
    action_rows = []
    for action in actions:
        edit = None
        if may_change_actions:
            slug = f"action_{action.pk}"
            edit = (
                bound
                if bound is not None and bound.slug == slug
                else hf.ActionUpdateForm(
                    incident=incident, action=action, initial={"version": action.version}, loaded=action_choices()
                )
            )
        action_rows.append({"action": action, "form": edit, "overdue": _action_overdue(action)})

    forward_rows = []
    for forward in forwards:
        answer = None
        reason = ""
        if not forward.answered_at and incident.status != Status.WITHDRAWN:
            decision = permissions.can_answer_forward(user, forward)
            if decision:
                slug = f"answer_{forward.pk}"
                answer = (
                    bound
                    if bound is not None and bound.slug == slug
                    else hf.ForwardAnswerForm(incident=incident, forward=forward)
                )
            else:
                reason = decision.reason
        forward_rows.append({"forward": forward, "form": answer, "reason": reason})

    blockers = close_blockers(incident) if decisions["handle"] and incident.status == Status.IN_PROGRESS else []
    attachments = [
        {"attachment": a, "url": _optional_url("incidents:attachment", pk=incident.pk, attachment_pk=a.pk)}
        for a in incident.attachments.all()
    ]
    timeline = list(incident.timeline.select_related("actor")) if sees_case else []
    comments = incident.comments.select_related("author")
    if not sees_case:  # the reporter following their report: their own and those addressed to them
        comments = comments.filter(Q(author=user) | Q(to_reporter=True))
    comments = list(comments)
    # Who reported is for the case's handlers; others read "the reporter" (DESIGN §3).
    sees_reporter = bool(permissions.can_see_reporter(user, incident))
    for row in [*timeline, *comments]:
        person = row.actor if isinstance(row, TimelineEntry) else row.author
        row.who = _person_as_seen(person, incident, sees_reporter)
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
        "patient_information": patient_information,
        "comments": comments,
        "sees_reporter": sees_reporter,
        "attachments": attachments,
        "timeline": timeline,
        "close_blockers": blockers,
        "panels": [panel for panel in (make(user, incident) for make in CASE_PANELS) if panel] if sees_case else [],
        "queue_url": reverse("incidents:queue") if queue.can_view_queue(user) else None,
        "mine_url": _optional_url("incidents:mine-detail", pk=incident.pk) if incident.reporter_id == user.pk else None,
    }


def _person_as_seen(person, incident: Incident, sees_reporter: bool) -> str:
    if person is None:
        return _("the system")
    if person.pk == incident.reporter_id and not sees_reporter:
        return _("the reporter")
    return person.get_full_name() or person.username


def _form_slug(cls, key: str, kwargs: dict) -> str:
    return kwargs.get("slug") or getattr(cls, "slug", key)


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
    _require(permissions.can_view_patient(request.user, incident))
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


def _require(decision: Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


# --- Case actions: one POST view per service ------------------------------------------------


def _refuse(request, incident: Incident, form: hf.CaseForm, error: Exception, *, version_of=None):
    """Show the case page again, with the message and the user's input kept."""
    fresh = Incident.objects.select_related(
        "reporter", "unit", "responsible_unit", "category", "category__parent", "handler"
    ).get(pk=incident.pk)
    if isinstance(error, StaleVersionError):
        data = form.data.copy()
        data["version"] = str(version_of() if version_of else fresh.version)
        form.data = data
        return _render_case(request, fresh, status=409, bound=form, stale=error)
    if isinstance(error, ConflictError):
        return _render_case(request, fresh, status=409, bound=form, problem=error.message)
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return _render_case(request, fresh, status=400, bound=form)
    raise error


def _case_action(request, pk: int, *, form_class, perform, success: str, anchor: str, form_kwargs=None, decide=None):
    """Check (404, then 403 with the reason), parse, call one service, redirect back.
    `perform(incident, data)` calls the service; refusals show the page again."""
    incident = _visible_incident(request, pk)
    _require((decide or permissions.can_handle)(request.user, incident))
    kwargs = form_kwargs(incident) if form_kwargs else {}
    form = form_class(request.POST, incident=incident, **kwargs)
    if not form.is_valid():
        return _render_case(request, incident, status=400, bound=form)
    try:
        perform(incident, form.cleaned_data)
    except (StaleVersionError, ConflictError, ValidationError) as error:
        return _refuse(request, incident, form, error)
    messages.success(request, success)
    return redirect(f"{reverse('incidents:detail', kwargs={'pk': incident.pk})}#{anchor}")


def _settings_kwargs(incident: Incident) -> dict:
    return {"settings": ProviderSettings.for_unit(incident.responsible_unit or incident.unit)}


@login_required
@require_POST
def case_take(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.TakeForm,
        perform=lambda incident, data: services.incident_take(
            incident=incident, actor=request.user, version=data["version"]
        ),
        success=_("You are now handling this incident."),
        anchor="handling",
    )


@login_required
@require_POST
def case_assign(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.AssignForm,
        perform=lambda incident, data: services.incident_assign(
            incident=incident, actor=request.user, handler=data["handler"], version=data["version"]
        ),
        success=_("The handler has been assigned."),
        anchor="handling",
    )


@login_required
@require_POST
def case_classify(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.ClassifyForm,
        perform=lambda incident, data: services.incident_classify(
            incident=incident,
            actor=request.user,
            category=data["category"],
            event_class=data["event_class"],
            case_type=data["case_type"],
            version=data["version"],
        ),
        success=_("The classification has been saved."),
        anchor="classification",
    )


@login_required
@require_POST
def case_assess_risk(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.RiskForm,
        form_kwargs=_settings_kwargs,
        perform=lambda incident, data: services.incident_assess_risk(
            incident=incident,
            actor=request.user,
            probability=data["probability"],
            consequence=data["consequence"],
            version=data["version"],
        ),
        success=_("The risk assessment has been saved."),
        anchor="risk",
    )


@login_required
@require_POST
def case_cause_add(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.CauseAddForm,
        perform=lambda incident, data: services.cause_add(
            incident=incident, actor=request.user, area=data["area"], detail=data["detail"]
        ),
        success=_("The cause has been added."),
        anchor="causes",
    )


@login_required
@require_POST
def case_cause_remove(request, pk: int, cause_pk: int):
    incident = _visible_incident(request, pk)
    cause = get_object_or_404(Cause, pk=cause_pk, incident=incident, removed_at__isnull=True)
    return _case_action(
        request,
        pk,
        form_class=hf.CauseRemoveForm,
        perform=lambda incident, data: services.cause_remove(cause=cause, actor=request.user),
        success=_("The cause has been removed."),
        anchor="causes",
    )


@login_required
@require_POST
def case_action_add(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.ActionForm,
        perform=lambda incident, data: services.action_add(
            incident=incident,
            actor=request.user,
            description=data["description"],
            responsible=data["responsible"],
            due_date=data["due_date"],
            effect_class=data["effect_class"],
            causes=list(data["causes"]),
        ),
        success=_("The action has been added."),
        anchor="actions",
    )


@login_required
@require_POST
def case_action_update(request, pk: int, action_pk: int):
    incident = _visible_incident(request, pk)
    action = get_object_or_404(Action, pk=action_pk, incident=incident)
    return _case_action(
        request,
        pk,
        form_class=hf.ActionUpdateForm,
        form_kwargs=lambda incident: {"action": action},
        perform=lambda incident, data: services.action_update(
            action=action,
            actor=request.user,
            version=data["version"],
            **_action_changes(incident, data),
        ),
        success=_("The action has been saved."),
        anchor=f"action-{action.pk}",
    )


def _action_changes(incident: Incident, data: dict) -> dict:
    """On a closed incident only the status of an action may change, so only it is sent."""
    if incident.status == Status.CLOSED:
        return {"state": data["state"]}
    return {
        "description": data["description"],
        "responsible": data["responsible"],
        "due_date": data["due_date"],
        "state": data["state"],
        "effect_class": data["effect_class"],
        "causes": list(data["causes"]),
    }


@login_required
@require_POST
def case_forward(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.ForwardForm,
        form_kwargs=_settings_kwargs,
        perform=lambda incident, data: services.incident_forward(
            incident=incident,
            actor=request.user,
            to_unit=data["to_unit"],
            message=data["message"],
            answer_due=data["answer_due"],
            version=data["version"],
        ),
        success=_("The incident has been forwarded."),
        anchor="forwards",
    )


@login_required
@require_POST
def case_forward_answer(request, pk: int, forward_pk: int):
    incident = _visible_incident(request, pk)
    forward = get_object_or_404(Forward.objects.select_related("to_unit"), pk=forward_pk, incident=incident)
    return _case_action(
        request,
        pk,
        form_class=hf.ForwardAnswerForm,
        form_kwargs=lambda incident: {"forward": forward},
        decide=lambda user, incident: permissions.can_answer_forward(user, forward),
        perform=lambda incident, data: services.forward_answer(
            forward=forward, actor=request.user, answer=data["answer"]
        ),
        success=_("Your answer has been sent."),
        anchor="forwards",
    )


@login_required
@require_POST
def case_request_investigation(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.RequestForm,
        form_kwargs=lambda incident: {"slug": "investigation"},
        perform=lambda incident, data: services.incident_request_investigation(
            incident=incident, actor=request.user, reason=data["reason"], version=data["version"]
        ),
        success=_("An investigation has been requested."),
        anchor="handling",
    )


@login_required
@require_POST
def case_request_lex_maria(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.RequestForm,
        form_kwargs=lambda incident: {"slug": "lex_maria"},
        perform=lambda incident, data: services.incident_request_lex_maria(
            incident=incident, actor=request.user, reason=data["reason"], version=data["version"]
        ),
        success=_("A Lex Maria assessment has been requested."),
        anchor="handling",
    )


@login_required
@require_POST
def case_patient_information(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.PatientInformationForm,
        perform=lambda incident, data: services.patient_information_record(
            incident=incident,
            actor=request.user,
            **{name: value for name, value in data.items() if name != "version"},
        ),
        success=_("The information to the patient has been recorded."),
        anchor="patient-information",
    )


@login_required
@require_POST
def case_feedback(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.FeedbackForm,
        perform=lambda incident, data: services.incident_feedback(
            incident=incident, actor=request.user, text=data["text"], version=data["version"]
        ),
        success=_("The feedback has been saved. The reporter sees it when the incident is closed."),
        anchor="feedback",
    )


@login_required
@require_POST
def case_close(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.CloseForm,
        perform=lambda incident, data: services.incident_close(
            incident=incident, actor=request.user, version=data["version"]
        ),
        success=_("The incident is closed. The reporter has been told that feedback is available."),
        anchor="handling",
    )


@login_required
@require_POST
def case_reopen(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.ReasonForm,
        form_kwargs=lambda incident: {"slug": "reopen"},
        perform=lambda incident, data: services.incident_reopen(
            incident=incident, actor=request.user, reason=data["reason"], version=data["version"]
        ),
        success=_("The incident has been reopened."),
        anchor="handling",
    )


@login_required
@require_POST
def case_withdraw(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.ReasonForm,
        form_kwargs=lambda incident: {"slug": "withdraw"},
        perform=lambda incident, data: services.incident_withdraw(
            incident=incident, actor=request.user, reason=data["reason"], version=data["version"]
        ),
        success=_("The incident has been withdrawn. It stays in the register with your reason."),
        anchor="handling",
    )


@login_required
@require_POST
def case_comment(request, pk: int):
    return _case_action(
        request,
        pk,
        form_class=hf.CommentForm,
        decide=permissions.can_comment,
        form_kwargs=lambda incident: {
            "may_address_reporter": bool(permissions.can_share_comment(request.user, incident))
        },
        perform=lambda incident, data: services.comment_add(
            incident=incident, actor=request.user, text=data["text"], to_reporter=data.get("to_reporter", False)
        ),
        success=_("Your comment has been added."),
        anchor="comments",
    )
