"""What the case pages share (incidents, investigations, Lex Maria cases): a table of
operations, each a POST to its own short URL that checks, parses, calls one service and
redirects back.

An `Operation` names its form, who may (a permission predicate: a Decision with a reason,
answered as 403), the row of the case it is about (if any), and the service it performs. A
refusal (stale version, wrong state, bad input) shows the case page again with the message
and what the user typed; a stale form comes back holding the current version, so that the
user can look at what changed and send it again deliberately.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404, redirect

from accounts.access import Decision, Denied
from psweb.cases import ConflictError, StaleVersionError, require

__all__ = ["Operation", "add_errors", "in_states", "require", "run_operation", "version_of"]


@dataclass(frozen=True)
class Operation:
    name: str  # URL name (<app>:<name>) and form key on the page
    path: str  # below the case's URL; a row's id is the path's second parameter
    form: type
    decide: Callable | None  # (user, case) -> Decision; None when `item_decide` decides
    perform: Callable  # (actor, case, cleaned data, item) -> anything
    success: str | Callable  # the message, or (what perform returned) -> the message
    anchor: str  # where the page opens afterwards; "{item}" stands for the row's id
    item: type[Model] | QuerySet | None = None  # the rows of this kind the URL may name
    item_field: str = ""  # the row's foreign key to the case
    # Who may, when that is a property of the row rather than of the case (a forward is
    # answered by the unit it was sent to): (user, row) -> Decision, asked instead of `decide`.
    item_decide: Callable | None = None
    # Keyword arguments this operation's form needs beyond the case and the row:
    # (user, case, row) -> dict.
    form_kwargs: Callable | None = None
    # The form posts the row's own version (an incident's action has one), not the case's.
    item_versioned: bool = False


def in_states(states, decision: Callable, message) -> Callable:
    """`decision`, and then only while the case is in one of `states` (else `message`)."""

    def decide(user, case) -> Decision:
        allowed = decision(user, case)
        if allowed and case.status not in states:
            return Denied(str(message))
        return allowed

    return decide


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
    row = get_object_or_404(op.item, pk=item_pk, **{op.item_field: case}) if op.item is not None else None
    require(op.item_decide(request.user, row) if op.item_decide else op.decide(request.user, case))
    kwargs = {**(form_kwargs or {}), **(op.form_kwargs(request.user, case, row) if op.form_kwargs else {})}
    if row is not None:
        kwargs["item"] = row
    form = op.form(request.POST, **kwargs)
    if not form.is_valid():
        return render_case(request, case, status=400, bound=form)
    try:
        done = op.perform(request.user, case, form.cleaned_data, row)
    except StaleVersionError as error:
        fresh = reload()
        current = type(row).objects.get(pk=row.pk) if op.item_versioned else fresh
        data = form.data.copy()
        data["version"] = str(current.version)
        form.data = data
        return render_case(request, fresh, status=409, bound=form, stale=error)
    except ConflictError as error:
        return render_case(request, reload(), status=409, bound=form, problem=error.message)
    except ValidationError as error:
        add_errors(form, error)
        return render_case(request, reload(), status=400, bound=form)
    messages.success(request, str(op.success(done) if callable(op.success) else op.success))
    anchor = op.anchor.format(item=row.pk) if row is not None else op.anchor
    return redirect(f"{detail_url}#{anchor}")
