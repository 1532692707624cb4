"""Reads of the action register, always scoped to a user (`Action.objects.visible_to`).

A row carries its source's kind and reference, and a link to the source only when the user
may see the source as a case: the responsible person of an action on a case she cannot
otherwise read sees the action and the reference, not the case. Every list costs the same
number of queries however many rows it shows (the sources and their units are joined).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from actions.models import CLOSED, OPEN_STATES, Action
from actions.sources import person_name_as_seen, related, source_of, sources_visible_q

# How many done actions "Mina åtgärder" shows below the open ones.
RECENTLY_DONE = 20


def with_overdue_first(queryset: QuerySet) -> QuerySet:
    """Open actions by due date (so the overdue ones come first), then done and cancelled.
    The order is the index `action_open_first`: a page is read from it, never sorted whole."""
    return queryset.annotate(closed=CLOSED).order_by("closed", "due_date", "id")


def action_list(*, user) -> QuerySet:
    """Every action `user` may see, overdue first, with what each row shows."""
    actions = Action.objects.visible_to(user).select_related("responsible", *related())
    return with_overdue_first(actions)


def my_actions(*, user) -> tuple[list[Action], list[Action]]:
    """(open actions, overdue first; the latest done or cancelled ones) of which `user` is
    the responsible person."""
    mine = Action.objects.filter(responsible=user).select_related("responsible", *related())
    open_ = list(with_overdue_first(mine.filter(state__in=OPEN_STATES)))
    closed = list(mine.exclude(state__in=OPEN_STATES).order_by("-done_at", "-id")[:RECENTLY_DONE])
    return open_, closed


@dataclass(frozen=True)
class ActionRow:
    action: Action
    source_label: str
    reference: str
    source_url: str | None  # None: the user may not open the source
    overdue: bool
    responsible_name: str = ""  # as the user may know them ("the reporter", sources.hides)


def rows(actions, *, user) -> list[ActionRow]:
    """What a list shows of each action; one query for which sources the user may open."""
    actions = list(actions)
    sees_source = (
        set(
            Action.objects.filter(pk__in=[a.pk for a in actions])
            .filter(sources_visible_q(user))
            .values_list("pk", flat=True)
        )
        if actions
        else set()
    )
    today = timezone.localdate()
    result = []
    for action in actions:
        kind = source_of(action)
        source = action.source
        result.append(
            ActionRow(
                action=action,
                source_label=str(kind.label),
                reference=kind.reference(source),
                source_url=reverse(kind.url_name, kwargs={"pk": source.pk}) if action.pk in sees_source else None,
                overdue=action.is_overdue(today),
                responsible_name=person_name_as_seen(user, action, action.responsible),
            )
        )
    return result
