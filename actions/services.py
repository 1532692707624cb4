"""Every write to an action, whatever its source (DESIGN §4, the action register).

A source's own service (`incidents.services.action_add`, `investigations.services.action_add`,
…) locks its case, checks who may and the case's state, and calls `action_create` here,
inside its transaction. Changes go through `action_update`: by those who may manage the
source (every field) or by the responsible person (the progress: started, done, and a note
on what was done). Either way the source's version is bumped and its timeline records the
change, so a handler sees on the case that the action is done.

The responsible person is notified when an action is assigned to them, and again when it
is reassigned to someone else; reminders before and after the due date come from
`actions.reminders`. Notifications carry the source's reference, a date and a link only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Allowed, Denied
from accounts.models import User
from accounts.selectors import may_be_named
from actions.models import Action, EffectClass
from actions.sources import source_of
from psweb.cases import (
    ConflictError,
    StaleVersionError,
    as_date,
    bump,
    clean_text,
    fresh_instance,
    person_name,
    raise_errors,
    record,
)

# What the responsible person may change without managing the source, and to which states.
PROGRESS_FIELDS = ("state", "progress_note")
PROGRESS_STATES = (Action.State.IN_PROGRESS, Action.State.DONE)
FIELDS = (
    "description",
    "responsible",
    "due_date",
    "state",
    "effect_class",
    "causes",
    "progress_note",
    "shown_to_reporter",
)


def clean_fields(fields: dict[str, Any], *, current: Action | None, kind, source) -> dict[str, Any]:
    """The fields checked; ValidationError names each bad one."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    today = timezone.localdate()
    for name, value in fields.items():
        if name == "description":
            cleaned[name] = clean_text(value, name, errors, required=_("Describe the action."))
        elif name == "progress_note":
            cleaned[name] = clean_text(value, name, errors)
        elif name == "responsible":
            user = fresh_instance(User, value)
            unchanged = current is not None and user is not None and user.pk == current.responsible_id
            if user is None or not user.is_active:
                errors[name] = _("Name a responsible person who can sign in.")
            elif not unchanged and not may_be_named(
                user, unit=kind.unit(source), also=kind.also_named(source) if kind.also_named else None
            ):
                errors[name] = _(
                    "Name a responsible person who works in this care provider's care (not a statistics-only viewer)."
                )
            cleaned[name] = user
        elif name == "due_date":
            date = as_date(value)
            unchanged = current is not None and date == current.due_date
            if date is None:
                errors[name] = _("Give a due date.")
            elif date < today and not unchanged:
                errors[name] = _("The due date has already passed. Choose today or a later date.")
            cleaned[name] = date
        elif name == "state":
            if value not in Action.State.values:
                errors[name] = _("Choose a status for the action.")
            cleaned[name] = value
        elif name == "effect_class":
            if value and value not in EffectClass.values:
                errors[name] = _("Choose an expected effect from the list.")
            cleaned[name] = value or ""
        elif name == "shown_to_reporter":
            cleaned[name] = bool(value)
            if cleaned[name] and kind.reporter_shown is None:
                errors[name] = _("Only the actions of an incident can be shown to its reporter.")
        elif name == "causes":
            ids = [getattr(c, "pk", c) for c in (value or ())]
            chosen = kind.causes_of(source, ids) if kind.causes_of else (None if ids else [])
            if chosen is None:
                errors[name] = _("Choose causes of this case.")
            cleaned[name] = chosen or []
    raise_errors(errors)
    return cleaned


def action_create(*, source, actor, fields: dict[str, Any]) -> Action:
    """A new action of `source` (locked by the caller, who checked who may). The caller
    writes its own timeline entry (and, for an action shown to the reporter, calls its
    source's `reporter_shown` after it); the responsible person is notified."""
    kind = _source_kind(source)
    fields = {"effect_class": "", **fields}
    cleaned = clean_fields(fields, current=None, kind=kind, source=source)
    chosen_causes = cleaned.pop("causes", [])
    action = Action.objects.create(**{kind.field: source}, created_by=actor, **cleaned)
    if chosen_causes:
        action.causes.set(chosen_causes)
    _notify_assigned(action, actor)
    return action


def may_update(user, action: Action, fields: Iterable[str] | dict = FIELDS):
    """Those who may manage the source change every field; the responsible person the
    progress of her own action: started or done, and what was done. A Decision with the
    reason. `fields` may be the changes themselves, so that the state asked for is checked."""
    decision = source_of(action).may_manage(user, action.source)
    if decision:
        return decision
    if action.responsible_id == getattr(user, "pk", None):
        state = fields.get("state") if isinstance(fields, dict) else None
        if set(fields) <= set(PROGRESS_FIELDS) and state in (None, *PROGRESS_STATES):
            return Allowed
        return Denied(_("As the responsible person you can mark the action started or done, and say what was done."))
    return decision


@transaction.atomic
def action_update(*, action: Action, actor, version: int | None = None, **fields) -> Action:
    """Change an action; `version` is the action's own. On a closed source only the progress
    may still change (actions are often carried out after the case is closed)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    kind = source_of(action)
    source = type(action.source).objects.select_for_update(of=("self",)).get(pk=action.source.pk)
    action = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    decision = may_update(actor, action, fields)
    if not decision:
        raise PermissionDenied(decision.reason)
    if version is not None and version != action.version:
        since = list(
            source.timeline.select_related("actor")
            .filter(data__action_id=action.pk, data__action_version__gt=version)
            .order_by("at", "id")
        )
        raise StaleVersionError(
            _("Someone else changed this action meanwhile. Reload to see the changes, then try again."), since
        )
    if not kind.takes_progress(source) or (not kind.is_open(source) and set(fields) - set(PROGRESS_FIELDS)):
        raise ConflictError(kind.closed_message(source))
    cleaned = clean_fields(fields, current=action, kind=kind, source=source)

    changed: list[str] = []
    if "causes" in cleaned:
        chosen = {c.pk for c in cleaned.pop("causes")}
        if chosen != set(action.causes.values_list("pk", flat=True)):
            action.causes.set(chosen)
            changed.append("causes")
    previous_responsible = action.responsible_id
    for name, value in cleaned.items():
        if getattr(action, name) != value:
            setattr(action, name, value)
            changed.append(name)
    if not changed:
        return action
    update_fields = [name for name in changed if name != "causes"]
    if "state" in changed:
        now = timezone.now()
        if action.state == Action.State.IN_PROGRESS and action.started_at is None:
            action.started_at = now
            update_fields.append("started_at")
        if action.state == Action.State.DONE and action.started_at is None:
            action.started_at = now
            update_fields.append("started_at")
        action.done_at = now if action.state == Action.State.DONE else None
        update_fields.append("done_at")
    action.version += 1
    action.save(update_fields=[*update_fields, "version"])
    bump(source)
    record(
        source,
        actor=actor,
        kind=kind.changed_kind,
        message=action.get_state_display() if "state" in changed else "",
        action_id=action.pk,
        action_version=action.version,
        fields=sorted(changed),
        state=action.state,
    )
    if "responsible" in changed and action.responsible_id != previous_responsible:
        _notify_assigned(action, actor)
    if "shown_to_reporter" in changed and action.shown_to_reporter:
        kind.reporter_shown(source, action, actor)
    return action


def action_progress(*, action: Action, actor, state: str, note: str = "", version: int | None = None) -> Action:
    """ "Mina åtgärder": the responsible person marks her action started or done, with a note
    on what was done."""
    if state not in (Action.State.IN_PROGRESS, Action.State.DONE):
        raise ValidationError({"state": _("Mark the action started or done.")})
    fields: dict[str, Any] = {"state": state}
    if (note or "").strip():
        fields["progress_note"] = note
    elif state == Action.State.DONE:
        raise ValidationError({"progress_note": _("Say what was done.")})
    return action_update(action=action, actor=actor, version=version, **fields)


def _source_kind(source):
    from actions.sources import SOURCES

    for kind in SOURCES.values():
        field = Action._meta.get_field(kind.field)
        if isinstance(source, field.related_model):
            return kind
    raise TypeError(f"{type(source).__name__} is not a registered source of actions.")


def _notify_assigned(action: Action, actor) -> None:
    """The responsible person learns of an action given to them (not of one they took on)."""
    from outbox.services import notify

    responsible = action.responsible
    if responsible.pk == getattr(actor, "pk", None) or not responsible.is_active:
        return
    notify(
        user=responsible,
        template="actions/email/assigned",
        context={
            "reference": source_of(action).reference(action.source),
            "due": action.due_date.isoformat(),
            "by": person_name(actor),
        },
        path=reverse("actions:mine"),
        dedupe_key=f"action:{action.pk}:assigned:{responsible.pk}:{action.version}",
    )
