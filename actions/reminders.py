"""The daily reminders of the action register: to the responsible person a week before an
action is due (once per action and due date) and every day it is overdue (one e-mail per
action per day), whatever its source. Each carries the source's reference, a date and a
link to "Mina åtgärder", never free text or patient data."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.sources import dormant_q, related, source_of

# Action owners hear about an action this many days before it is due (and on the day).
DUE_SOON_DAYS = 7


def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Queue today's reminders. Safe to run several times a day: the dedupe keys hold."""
    from outbox.models import Notification
    from outbox.services import notify

    today = today or timezone.localdate()
    sent = {"actions_soon": 0, "actions": 0}
    path = reverse("actions:mine")
    candidates = Action.objects.open().exclude(dormant_q()).select_related("responsible", *related())

    soon = list(candidates.filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)))
    # Once per action: a new due date is a new reminder, another day in the window is not.
    # The window lasts a week, so what was sent on an earlier day is not counted again.
    keys = {action.pk: f"reminder:action_soon:{action.pk}:{action.due_date.isoformat()}" for action in soon}
    already = set(Notification.objects.filter(dedupe_key__in=keys.values()).values_list("user_id", "dedupe_key"))
    for action in soon:
        key = keys[action.pk]
        if action.responsible.is_active and (action.responsible_id, key) not in already:
            notify(
                user=action.responsible,
                template="actions/email/reminder_soon",
                context={"reference": source_of(action).reference(action.source), "due": action.due_date.isoformat()},
                path=path,
                dedupe_key=key,
            )
            sent["actions_soon"] += 1

    for action in candidates.filter(due_date__lt=today):
        if action.responsible.is_active:
            notify(
                user=action.responsible,
                template="actions/email/reminder_overdue",
                context={"reference": source_of(action).reference(action.source), "due": action.due_date.isoformat()},
                path=path,
                dedupe_key=f"reminder:action:{action.pk}:{today.isoformat()}",
            )
            sent["actions"] += 1
    return sent
