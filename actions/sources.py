"""What the action register knows of each kind of source, registered by the source's app.

The register imports no case app (it sits at the level of the case kit). Each case app
describes itself once, in its `AppConfig.ready()`, with an `ActionSource`: the foreign key
on `Action` that points at it, what it is called, its reference and page, who may see it and
who may manage its actions, and how its timeline records a change to one of them.

    register(ActionSource(field="incident", label=_("Incident"), …))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise


@dataclass(frozen=True)
class ActionSource:
    field: str  # the foreign key on Action, one of actions.models.SOURCE_FIELDS
    label: str | Promise  # "Incident", for lists and filters
    url_name: str  # the source's page, reversed with pk=
    unit_field: str  # the source's unit that places its actions in the org tree
    # Q over Action: the actions whose source `user` may see (as a case, not as its reporter).
    visible_q: Callable[..., Q]
    # (user, source) -> Decision: may add actions to it and change every field of them.
    may_manage: Callable
    # (source) -> bool: the source takes new actions and changes other than progress.
    is_open: Callable
    # (source) -> str: why only the progress may change now (the source's own words).
    closed_message: Callable
    # The source's timeline kinds for an action added and an action changed.
    added_kind: str
    changed_kind: str
    # (source) -> bool: the progress of its actions may still change (not when withdrawn).
    takes_progress: Callable = lambda source: True
    # Q over Action: actions whose source needs no reminders (a withdrawn incident).
    dormant_q: Callable[[], Q] | None = None
    # (source, cause ids) -> the causes, if every one is an active cause of the source, else
    # None. None here: the source has no causes an action can address.
    causes_of: Callable | None = None

    def reference(self, source) -> str:
        return source.reference or ""


SOURCES: dict[str, ActionSource] = {}


def register(source: ActionSource) -> None:
    """Add (or, on a second `ready()`, replace) a kind of source."""
    SOURCES[source.field] = source


def source_of(action) -> ActionSource:
    return SOURCES[action.source_field]


def sources_visible_q(user) -> Q:
    """Q over Action: the actions whose source `user` may see as a case."""
    condition = Q(pk__in=[])
    for source in SOURCES.values():
        condition |= source.visible_q(user)
    return condition


def visible_q(user) -> Q:
    """Q over Action: whoever may see the source, and always the responsible person."""
    return Q(responsible=user) | sources_visible_q(user)


def unit_q(unit_ids) -> Q:
    """Q over Action: the source's unit is one of `unit_ids` (a subtree, as ids)."""
    condition = Q(pk__in=[])
    for source in SOURCES.values():
        condition |= Q(**{f"{source.field}__{source.unit_field}__any": list(unit_ids)})
    return condition


def related() -> list[str]:
    """select_related paths that give every listed action its source and the source's unit."""
    return [path for source in SOURCES.values() for path in (source.field, f"{source.field}__{source.unit_field}")]


def dormant_q() -> Q:
    """Q over Action: actions whose source needs no reminders."""
    condition = Q(pk__in=[])
    for source in SOURCES.values():
        if source.dormant_q is not None:
            condition |= source.dormant_q()
    return condition
