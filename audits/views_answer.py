"""Egenkontroll pages for the units (issue 18): "Egenkontroll", the responses a member answers,
and one response's page, where the unit answers every statement on one screen and its manager
submits, approves or returns it.

Each statement's answer is its own small form, saved as it is given: with JavaScript htmx posts
it on every change and swaps the statement back with "Saved" or the error; without, the form's
button posts it and the page opens again on the statement. The transitions and adding an action
are operations (psweb.case_pages): a POST to a short URL that checks who may, parses, calls one
service and redirects back; refusals show the page again with the message. A response the user
cannot see is not found (404); one she sees but may not change answers 403 with the reason.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import has_perm, scope_q
from accounts.roles import Perm
from actions.models import Action
from audits import forms_answer as f
from audits import permissions, services
from audits.models import (
    ANSWERABLE,
    ANSWERED,
    NEGATIVE,
    Answer,
    Response,
    Scale,
    Statement,
    Status,
    TimelineEntry,
    Value,
)
from psweb.case_pages import Operation, require, run_operation, version_of
from psweb.cases import person_name

ANSWER_FIELDS = ("value", "observed", "compliant", "comment")
# "Egenkontroll" lists what was answered this long back.
ANSWERED_SHOWN_DAYS = 365
# At most this many rows per list: a region-wide role answers for every unit of the region.
LIST_LIMIT = 100


# --- Egenkontroll ------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    """The responses of the user's units she may answer: open and overdue first (soonest due
    first), then those submitted or approved during the last year."""
    user = request.user
    if not any(has_perm(user, perm) for perm in (Perm.AUDIT_ANSWER, Perm.AUDIT_VIEW, Perm.AUDIT_RUN)):
        raise PermissionDenied(_("Self-audits are answered by the units' staff and followed up by their managers."))
    mine = (
        Response.objects.visible_to(user)
        .filter(scope_q(user, Perm.AUDIT_ANSWER, "unit") | scope_q(user, Perm.AUDIT_SUBMIT, "unit"))
        .select_related("round", "unit")
    )
    today = timezone.localdate()
    since = timezone.now() - dt.timedelta(days=ANSWERED_SHOWN_DAYS)
    to_answer = list(mine.filter(status__in=ANSWERABLE).order_by("round__due_on", "unit__path", "pk")[:LIST_LIMIT])
    answered = list(
        mine.filter(status__in=ANSWERED, submitted_at__gte=since).order_by("-submitted_at", "pk")[:LIST_LIMIT]
    )
    return render(
        request,
        "audits/home.html",
        {
            "title": _("Self-audits"),
            "to_answer": [{"response": r, "overdue": r.round.due_on < today} for r in to_answer],
            "answered": [{"response": r, "overdue": False} for r in answered],
            "may_see_rounds": has_perm(user, Perm.AUDIT_VIEW) or has_perm(user, Perm.AUDIT_RUN),
        },
    )


# --- One response ------------------------------------------------------------------------


def _visible(request, pk: int) -> Response:
    """The response if the user may see it; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        Response.objects.visible_to(request.user).select_related(
            "round",
            "round__template_version",
            "round__template_version__template",
            "unit",
            "submitted_by",
            "approved_by",
        ),
        pk=pk,
    )


def _response_url(response: Response, anchor: str = "") -> str:
    url = reverse("audits:response", kwargs={"pk": response.pk})
    return f"{url}#{anchor}" if anchor else url


def _may_submit(user, response: Response):
    """What the page offers: the manager, while the response can be submitted."""
    decision = permissions.can_submit(user, response)
    return bool(decision) and response.status in ANSWERABLE


def _may_decide(user, response: Response):
    return bool(permissions.can_approve(user, response)) and response.status == Status.SUBMITTED


def _action_add(actor, response, data, item):
    return services.action_add(
        response=response,
        actor=actor,
        statement=data.get("statement"),
        fields={name: data[name] for name in ("description", "responsible", "due_date")},
    )


# The page's operations (psweb.case_pages). Who may is asked first (403 with the reason); the
# state is left to the service, which refuses with 409 ("This cannot be done while …").
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "submit",
            "skicka-in/",
            f.SubmitForm,
            permissions.can_submit,
            lambda actor, case, d, item: services.submit(response=case, actor=actor, version=version_of(d)),
            gettext_lazy("The self-audit has been submitted."),
            "status",
        ),
        Operation(
            "approve",
            "godkann/",
            f.ApproveForm,
            permissions.can_approve,
            lambda actor, case, d, item: services.approve(response=case, actor=actor, version=version_of(d)),
            gettext_lazy("The self-audit has been approved."),
            "status",
        ),
        Operation(
            "return",
            "returnera/",
            f.ReturnForm,
            permissions.can_approve,
            lambda actor, case, d, item: services.return_for_changes(
                response=case, actor=actor, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The self-audit has been returned to the unit."),
            "status",
        ),
        Operation(
            "action-add",
            "atgard/",
            f.ActionForm,
            permissions.can_add_action,
            _action_add,
            gettext_lazy("The action has been added to the action register. The responsible person is told."),
            "actions",
        ),
    ]
}


def _choices(statement: Statement, value: str) -> list[dict]:
    return [{"value": v, "label": Value(v).label, "checked": v == value} for v in statement.values]


def _item(
    response: Response,
    statement: Statement,
    answer: Answer | None,
    *,
    may_answer: bool,
    may_add_action: bool,
    posted: dict | None = None,
    errors: dict | None = None,
    saved: bool = False,
    action_form=None,
) -> dict:
    """What the page shows of one statement: its answer (or what was just posted, with the
    errors), whether the answer needs a comment, and the action form a negative answer offers."""
    if posted is not None:
        data = {name: (posted.get(name) or "").strip() for name in ANSWER_FIELDS}
    elif answer is not None:
        data = {
            "value": answer.value,
            "observed": "" if answer.observed is None else str(answer.observed),
            "compliant": "" if answer.compliant is None else str(answer.compliant),
            "comment": answer.comment,
        }
    else:
        data = dict.fromkeys(ANSWER_FIELDS, "")
    value = data["value"]
    negative = value in NEGATIVE
    below = False
    # A count with fewer compliant than observed offers an action too (a status has "saknas").
    if statement.scale == Scale.COUNT and answer is not None and answer.observed and answer.compliant is not None:
        below = answer.compliant < answer.observed
    offer_action = may_add_action and (negative or below)
    if offer_action and action_form is None:
        action_form = f.ActionForm(response=response, statement=statement)
    return {
        "statement": statement,
        "answer": answer,
        "is_count": statement.scale == Scale.COUNT,
        "data": data,
        "value_label": Value(value).label if value in Value.values else "",
        "choices": _choices(statement, value),
        "negative": negative,
        "errors": errors or {},
        "saved": saved,
        "may_answer": may_answer,
        "action_form": action_form if offer_action else None,
        "url": reverse("audits:answer", kwargs={"pk": response.pk, "statement": statement.pk}),
    }


def _errors_of(error: ValidationError) -> dict[str, list[str]]:
    """The service's errors by answer field; any other under "all" (shown above the fields)."""
    found: dict[str, list[str]] = {}
    items = error.message_dict.items() if hasattr(error, "error_dict") else [("all", error.messages)]
    for field, messages_ in items:
        found.setdefault(field if field in ANSWER_FIELDS else "all", []).extend(messages_)
    return found


def _context(
    request,
    response: Response,
    *,
    bound=None,
    problem: str = "",
    stale=None,
    statement_errors: tuple[int, dict, dict] | None = None,
) -> dict:
    """The whole page. `statement_errors`: (statement id, what was posted, the errors) of an
    answer that could not be saved (no JavaScript)."""
    user = request.user
    today = timezone.localdate()
    answer_decision = permissions.can_answer(user, response)
    add_action_decision = permissions.can_add_action(user, response)
    may_answer, may_add_action = bool(answer_decision), bool(add_action_decision)
    answers = {a.statement_id: a for a in response.answers.select_related("answered_by")}
    bound_action = bound if isinstance(bound, f.ActionForm) else None
    bound_statement = str(bound_action.data.get("statement") or "") if bound_action else ""
    version = response.round.template_version
    by_area: dict[int, list[Statement]] = {}
    for statement in version.statements.order_by("position"):
        by_area.setdefault(statement.area_id, []).append(statement)
    areas = []
    for area in version.areas.order_by("position"):
        items = []
        for statement in by_area.get(area.pk, []):
            posted = errors = None
            if statement_errors is not None and statement_errors[0] == statement.pk:
                _pk, posted, errors = statement_errors
            action_form = bound_action if bound_statement == str(statement.pk) else None
            items.append(
                _item(
                    response,
                    statement,
                    answers.get(statement.pk),
                    may_answer=may_answer,
                    may_add_action=may_add_action,
                    posted=posted,
                    errors=errors,
                    action_form=action_form,
                )
            )
        areas.append({"area": area, "items": items})
    forms = {}
    if _may_submit(user, response):
        forms["submit"] = bound if isinstance(bound, f.SubmitForm) else f.SubmitForm(response=response)
    if _may_decide(user, response):
        forms["approve"] = bound if isinstance(bound, f.ApproveForm) else f.ApproveForm(response=response)
        forms["return"] = bound if isinstance(bound, f.ReturnForm) else f.ReturnForm(response=response)
    if may_add_action:
        forms["action_add"] = (
            bound_action if bound_action is not None and not bound_statement else f.ActionForm(response=response)
        )
    timeline = list(response.timeline.select_related("actor").order_by("at", "id"))
    for entry in [*timeline, *(stale.changes if stale else ())]:
        entry.label = TimelineEntry.Kind(entry.kind).label if entry.kind in TimelineEntry.Kind.values else entry.kind
        entry.who = entry.actor_name_for(user) or _("the system")
    actions = [
        {"action": action, "overdue": action.is_overdue(today)}
        for action in Action.objects.filter(audit_response=response)
        .select_related("responsible")
        .order_by("due_date", "id")
    ]
    round_ = response.round
    return {
        "title": f"{round_.title} – {response.unit.name}",
        "response": response,
        "round": round_,
        "template": round_.template_version.template,
        "overdue": response.status in ANSWERABLE and round_.due_on < today,
        "areas": areas,
        "missing": list(services.missing(response).values()) if response.status in ANSWERABLE else [],
        "may_answer": may_answer,
        "answer_denied": "" if may_answer else answer_decision.reason,
        # Said to those who answer but cannot submit, so that they know who does.
        "submit_denied": _submit_denied(user, response) if response.status in ANSWERABLE else "",
        "forms": forms,
        "actions": actions,
        "timeline": timeline,
        "problem": problem,
        "stale": stale,
        "submitted_by": person_name(response.submitted_by) if response.submitted_by_id else "",
        "approved_by": person_name(response.approved_by) if response.approved_by_id else "",
    }


def _submit_denied(user, response: Response) -> str:
    decision = permissions.can_submit(user, response)
    return "" if decision else str(decision.reason)


def _render_page(request, response: Response, *, status: int = 200, **kwargs):
    return render(request, "audits/response.html", _context(request, response, **kwargs), status=status)


@login_required
@require_GET
def response_detail(request, pk: int):
    return _render_page(request, _visible(request, pk))


@login_required
@require_POST
def answer_save(request, pk: int, statement: int):
    """Save one statement's answer: htmx swaps the statement back with "Saved" or the error;
    without JavaScript the page opens again on the statement. Bad input saves nothing (400)."""
    response = _visible(request, pk)
    statement = get_object_or_404(Statement, pk=statement, version_id=response.round.template_version_id)
    require(permissions.can_answer(request.user, response))
    posted = {name: request.POST.get(name, "") for name in ANSWER_FIELDS}
    try:
        services.answer_save(response=response, actor=request.user, statement=statement, fields=posted)
    except ValidationError as error:
        if request.htmx:
            item = _item(
                response,
                statement,
                Answer.objects.filter(response=response, statement=statement).first(),
                may_answer=True,
                may_add_action=bool(permissions.can_add_action(request.user, response)),
                posted=posted,
                errors=_errors_of(error),
            )
            return render(request, "audits/_answer.html", {"item": item, "response": response}, status=400)
        return _render_page(request, response, status=400, statement_errors=(statement.pk, posted, _errors_of(error)))
    if request.htmx:
        item = _item(
            response,
            statement,
            Answer.objects.filter(response=response, statement=statement).select_related("answered_by").first(),
            may_answer=True,
            may_add_action=bool(permissions.can_add_action(request.user, response)),
            saved=True,
        )
        missing = list(services.missing(response).values())
        return render(
            request,
            "audits/_answer.html",
            {"item": item, "response": response, "missing": missing, "oob_missing": True},
        )
    messages.success(request, _("The answer has been saved."))
    return redirect(_response_url(response, f"statement-{statement.pk}"))


def _operation(request, pk: int, name: str):
    response = _visible(request, pk)
    return run_operation(
        request,
        response,
        OPERATIONS[name],
        None,
        render_case=_render_page,
        reload=lambda: _visible(request, pk),
        detail_url=_response_url(response),
        form_kwargs={"response": response},
    )


@login_required
@require_POST
def response_submit(request, pk: int):
    return _operation(request, pk, "submit")


@login_required
@require_POST
def response_approve(request, pk: int):
    return _operation(request, pk, "approve")


@login_required
@require_POST
def response_return(request, pk: int):
    return _operation(request, pk, "return")


@login_required
@require_POST
def response_action_add(request, pk: int):
    return _operation(request, pk, "action-add")
