"""The action register's pages: "Mina åtgärder" (`/mina-atgarder/`), every action the user is
responsible for, and the list for handlers, managers and the safety team (`/atgarder/`),
with filters and a CSV/XLSX export. Thin: parse, check, call a service or selector, render."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from actions import selectors, services
from actions.filtersets import ActionFilterSet
from actions.forms import ProgressForm
from actions.models import Action
from psweb import exports
from psweb.case_pages import add_errors
from psweb.cases import ConflictError, StaleVersionError
from psweb.widgets import cache_model_choices

PAGE_SIZE = 50
# The list counts its matches up to this many: a region's chief physician sees every action of
# the region, and counting them all would cost more than the page itself (docs/benchmarks.md).
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts at most COUNT_CAP + 1 rows; `capped` says when there are more."""

    @cached_property
    def count(self) -> int:
        return self.object_list[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def _render_mine(request, *, status: int = 200, bound: ProgressForm | None = None, problem: str = ""):
    open_, closed = selectors.my_actions(user=request.user)
    forms = {action.pk: ProgressForm(action=action) for action in open_}
    if bound is not None and bound.action.pk in forms:
        forms[bound.action.pk] = bound
    rows = selectors.rows([*open_, *closed], user=request.user)
    return render(
        request,
        "actions/mine.html",
        {
            "title": _("My actions"),
            "open_rows": [(row, forms[row.action.pk]) for row in rows[: len(open_)]],
            "closed_rows": rows[len(open_) :],
            "problem": problem,
        },
        status=status,
    )


@login_required
@require_GET
def mine(request):
    return _render_mine(request)


@login_required
@require_POST
def progress(request, pk: int):
    """Mark one's own action started or done. Someone else's action answers 404: this page
    is only about one's own (the list and the case pages serve those who manage actions)."""
    action = get_object_or_404(Action.objects.filter(responsible=request.user), pk=pk)
    form = ProgressForm(request.POST, action=action)
    if not form.is_valid():
        return _render_mine(request, status=400, bound=form)
    try:
        services.action_progress(
            action=action,
            actor=request.user,
            state=form.cleaned_data["state"],
            note=form.cleaned_data["progress_note"],
            version=form.cleaned_data["version"],
        )
    except StaleVersionError as error:
        return _render_mine(request, status=409, problem=error.message)
    except ConflictError as error:
        return _render_mine(request, status=409, bound=form, problem=error.message)
    except ValidationError as error:
        add_errors(form, error)
        return _render_mine(request, status=400, bound=form)
    messages.success(
        request,
        _("The action is marked as done.")
        if form.cleaned_data["state"] == Action.State.DONE
        else _("The action is marked as started."),
    )
    return redirect(f"{reverse('actions:mine')}#action-{action.pk}")


EXPORT_HEADER = [
    "Åtgärd",
    "Källa",
    "Referens",
    "Ansvarig",
    "Klart senast",
    "Status",
    "Förväntad effekt",
    "Försenad",
    "Klar",
]


EXPORT_CHUNK = 2000


def _export_rows(actions, user):
    """The export's rows, read and shaped a chunk at a time (the whole register may be asked
    for): one query per chunk for the actions, one for which sources the user may open."""
    every = actions.iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(itertools.islice(every, EXPORT_CHUNK)):
        for row in selectors.rows(chunk, user=user):
            yield [
                row.action.description,
                row.source_label,
                row.reference,
                row.responsible_name,
                row.action.due_date,
                row.action.get_state_display(),
                row.action.get_effect_class_display(),
                "Ja" if row.overdue else "Nej",
                row.action.done_at.date() if row.action.done_at else None,
            ]


def _offer_units_in_scope(form, user) -> None:
    """The unit filter offers the units where the user sees actions (not every unit of the
    country: 8 000 at national scale, 2 s of rendering), rendered from the cache."""
    field = form.fields["unit"]
    in_scope = Q(pk__in=[])
    for path in scope_paths(user).get(Perm.ACTION_VIEW, ()):
        in_scope |= Q(path__startswith=path)
    field.queryset = OrgUnit.objects.filter(in_scope, is_active=True).order_by("path")
    field.empty_label = _("All units")
    cache_model_choices(field, namespace="actions:list-units", version=OrgUnit.objects.tree_version())


@login_required
@require_GET
def action_list(request):
    if not has_perm(request.user, Perm.ACTION_VIEW):
        raise PermissionDenied(_("The action list is for handlers, managers and the patient-safety team."))
    filterset = ActionFilterSet(request.GET, queryset=selectors.action_list(user=request.user), request=request)
    _offer_units_in_scope(filterset.form, request.user)
    valid = filterset.is_valid()
    actions = filterset.qs if valid else Action.objects.none()
    wanted = request.GET.get("format")
    if wanted in ("csv", "xlsx") and valid:
        return exports.export(
            request, "atgarder", _("Actions"), EXPORT_HEADER, _export_rows(actions, request.user), stream=True
        )
    page = CappedPaginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {key: values for key, values in request.GET.lists() if key not in ("page", "format")}
    query = urlencode(params, doseq=True)
    return render(
        request,
        "actions/list.html",
        {
            "title": _("Actions"),
            "filter_form": filterset.form,
            "page_obj": page,
            "rows": selectors.rows(page.object_list, user=request.user),
            "query": query,
        },
        status=200 if valid else 400,
    )
