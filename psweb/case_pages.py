"""What the case pages of investigations and Lex Maria cases share: a table of operations,
each a POST to its own short URL that checks, parses, calls one service and redirects back.

An `Operation` names its form, who may (a permission predicate: a Decision with a reason,
answered as 403), the row of the case it is about (if any), and the service it performs. A
refusal (stale version, wrong state, bad input) shows the case page again with the message
and what the user typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect

from accounts.access import Decision, Denied
from psweb.cases import ConflictError, StaleVersionError


@dataclass(frozen=True)
class Operation:
    name: str  # URL name (<app>:<name>) and form key on the page
    path: str  # below the case's URL
    form: type
    decide: Callable  # (user, case) -> Decision
    perform: Callable  # (actor, case, cleaned data, item) -> anything
    success: str
    anchor: str
    item: type | None = None  # a row of this case named by <item> in the URL
    item_field: str = ""  # the row's foreign key to the case


def in_states(states, decision: Callable, message) -> Callable:
    """`decision`, and then only while the case is in one of `states` (else `message`)."""

    def decide(user, case) -> Decision:
        allowed = decision(user, case)
        if allowed and case.status not in states:
            return Denied(str(message))
        return allowed

    return decide


def require(decision: Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


def add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form, field by field where the field exists."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def version_of(data: dict) -> int | None:
    return data.get("version")


def run_operation(request, case, op: Operation, item_pk, *, render_case, reload, detail_url: str, form_kwargs=None):
    """Check (the caller found the case: 404 first), then 403 with the reason, parse, call
    the service and redirect to `detail_url#anchor`; refusals render the case page again.
    `render_case(request, case, status=, bound=, problem=, stale=)`; `reload()` the case."""
    row = get_object_or_404(op.item.objects.all(), pk=item_pk, **{op.item_field: case}) if op.item else None
    require(op.decide(request.user, case))
    kwargs = {"item": row} if row is not None else {}
    form = op.form(request.POST, **{**kwargs, **(form_kwargs or {})})
    if not form.is_valid():
        return render_case(request, case, status=400, bound=form)
    try:
        op.perform(request.user, case, form.cleaned_data, row)
    except StaleVersionError as error:
        fresh = reload()
        data = form.data.copy()
        data["version"] = str(fresh.version)
        form.data = data
        return render_case(request, fresh, status=409, bound=form, stale=error)
    except ConflictError as error:
        return render_case(request, reload(), status=409, bound=form, problem=error.message)
    except ValidationError as error:
        add_errors(form, error)
        return render_case(request, reload(), status=400, bound=form)
    messages.success(request, str(op.success))
    return redirect(f"{detail_url}#{op.anchor}")
