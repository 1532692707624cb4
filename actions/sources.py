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

from psweb.cases import person_name


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
    # (source, action, actor) -> None: the action is now shown to the source's reporter
    # (an incident's "Detta görs nu"): the source writes its timeline and tells her. None:
    # the source's actions are never shown to a reporter, and `shown_to_reporter` is refused.
    reporter_shown: Callable | None = None
    # (user, source, person id) -> bool: is this person someone `user` may not know by name
    # on this source (an incident's reporter, for those who may not see who reported)? Such a
    # person is shown as `hidden_label`, without an id. None: the source hides no one.
    hides_person: Callable | None = None
    hidden_label: str | Promise = ""
    # Relations of the source `hides_person` reads, joined by every list (so that deciding
    # costs no query per row): the incident's unit where it happened.
    hides_related: tuple[str, ...] = ()
    # (user) -> Q over Action: the actions whose responsible person `hides_person` hides from
    # `user`; a filter by responsible person leaves them out (it would tell who they are).
    hidden_responsible_q: Callable[..., Q] | None = None
    # (source) -> queryset of users who may be named responsible besides those of the care
    # provider (`accounts.selectors.nameable_for`): an investigation's team, who may come
    # from another care provider. None: the care provider's staff only.
    also_named: Callable | None = None

    def unit(self, source):
        """The unit whose care provider's staff may be named responsible."""
        return getattr(source, self.unit_field, None) or getattr(source, "unit", None)

    def reference(self, source) -> str:
        return source.reference or ""


SOURCES: dict[str, ActionSource] = {}


def register(source: ActionSource) -> None:
    """Add (or, on a second `ready()`, replace) a kind of source."""
    SOURCES[source.field] = source


def source_of(action) -> ActionSource:
    return SOURCES[action.source_field]


def hides(user, action, person) -> bool:
    """Is `person` (a user or an id) hidden from `user` on this action's source?"""
    person_id = getattr(person, "pk", person)
    kind = source_of(action)
    return person_id is not None and kind.hides_person is not None and kind.hides_person(user, action.source, person_id)


def person_name_as_seen(user, action, person) -> str:
    """The person's name, or the source's word for someone it hides from `user` ("the
    reporter"): the same person must not be named in one place and hidden in another."""
    if person is None:
        return ""
    if hides(user, action, person):
        return str(source_of(action).hidden_label)
    return person_name(person)


def hidden_responsible_q(user) -> Q:
    """Q over Action: the actions whose responsible person is hidden from `user`."""
    condition = Q(pk__in=[])
    for source in SOURCES.values():
        if source.hidden_responsible_q is not None:
            condition |= source.hidden_responsible_q(user)
    return condition


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
    return [
        path
        for source in SOURCES.values()
        for path in (
            source.field,
            f"{source.field}__{source.unit_field}",
            *(f"{source.field}__{extra}" for extra in source.hides_related),
        )
    ]


def dormant_q() -> Q:
    """Q over Action: actions whose source needs no reminders."""
    condition = Q(pk__in=[])
    for source in SOURCES.values():
        if source.dormant_q is not None:
            condition |= source.dormant_q()
    return condition
