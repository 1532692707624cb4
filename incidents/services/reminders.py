"""The daily reminders: incidents not triaged in time, actions soon due and past due,
forwarded incidents whose answer is overdue. An overdue reminder is one e-mail per person per
day; the reminder before the due date is sent once per action and due date (dedupe keys).
Each carries the reference, a date and a link, never free text or patient data."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Perm
from accounts.selectors import users_with_perm_in
from incidents.models import Action, Forward, Incident, ProviderSettings, Status

# Action owners hear about an action this many days before it is due (and on the day).
ACTION_DUE_SOON_DAYS = 7
OPEN_ACTION_STATES = (Action.State.PLANNED, Action.State.IN_PROGRESS)


def _triage_days_by_provider() -> tuple[dict[int, int], int]:
    rows = ProviderSettings.objects.all()
    default = next((row.triage_days for row in rows if row.care_provider_id is None), ProviderSettings().triage_days)
    return {row.care_provider_id: row.triage_days for row in rows if row.care_provider_id}, default


def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Queue today's reminders. Safe to run several times a day: the dedupe keys hold."""
    from outbox.models import Notification
    from outbox.services import notify

    today = today or timezone.localdate()
    sent = {"triage": 0, "actions_soon": 0, "actions": 0, "answers": 0}

    by_provider, default_days = _triage_days_by_provider()
    oldest_deadline = timezone.now() - dt.timedelta(days=min([default_days, *by_provider.values()]))
    waiting = Incident.objects.filter(status=Status.SUBMITTED, reported_at__lt=oldest_deadline).select_related(
        "responsible_unit"
    )
    for incident in waiting:
        days = by_provider.get(incident.responsible_unit.care_provider_id, default_days)
        if incident.reported_at >= timezone.now() - dt.timedelta(days=days):
            continue
        for user in users_with_perm_in(unit=incident.responsible_unit, perm=Perm.INCIDENT_TRIAGE):
            notify(
                user=user,
                template="incidents/email/reminder_triage",
                context={"reference": incident.reference, "days": days},
                path=_path(incident),
                dedupe_key=f"reminder:triage:{incident.pk}:{today.isoformat()}",
            )
            sent["triage"] += 1

    soon_actions = list(
        Action.objects.filter(
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=ACTION_DUE_SOON_DAYS),
            state__in=OPEN_ACTION_STATES,
        )
        .exclude(incident__status=Status.WITHDRAWN)
        .select_related("incident", "responsible")
    )
    # Once per action: a new due date is a new reminder, another day in the window is not.
    # The window lasts a week, so what was sent on an earlier day is not counted again.
    soon_keys = {
        action.pk: f"reminder:action_soon:{action.pk}:{action.due_date.isoformat()}" for action in soon_actions
    }
    already = set(Notification.objects.filter(dedupe_key__in=soon_keys.values()).values_list("user_id", "dedupe_key"))
    for action in soon_actions:
        key = soon_keys[action.pk]
        if action.responsible.is_active and (action.responsible_id, key) not in already:
            notify(
                user=action.responsible,
                template="incidents/email/reminder_action_soon",
                context={"reference": action.incident.reference, "due": action.due_date.isoformat()},
                path=_path(action.incident),
                dedupe_key=key,
            )
            sent["actions_soon"] += 1

    overdue_actions = (
        Action.objects.filter(due_date__lt=today, state__in=OPEN_ACTION_STATES)
        .exclude(incident__status=Status.WITHDRAWN)
        .select_related("incident", "responsible")
    )
    for action in overdue_actions:
        if action.responsible.is_active:
            notify(
                user=action.responsible,
                template="incidents/email/reminder_action",
                context={"reference": action.incident.reference, "due": action.due_date.isoformat()},
                path=_path(action.incident),
                dedupe_key=f"reminder:action:{action.pk}:{today.isoformat()}",
            )
            sent["actions"] += 1

    late_answers = Forward.objects.filter(Q(answered_at__isnull=True), answer_due__lt=today).select_related(
        "incident", "to_unit"
    )
    for forward in late_answers:
        for user in users_with_perm_in(unit=forward.to_unit, perm=Perm.INCIDENT_TRIAGE):
            notify(
                user=user,
                template="incidents/email/reminder_answer",
                context={
                    "reference": forward.incident.reference,
                    "due": forward.answer_due.isoformat(),
                    "unit": forward.to_unit.name,
                },
                path=_path(forward.incident),
                dedupe_key=f"reminder:answer:{forward.pk}:{today.isoformat()}",
            )
            sent["answers"] += 1
    return sent


def _path(incident: Incident) -> str:
    return reverse("incidents:detail", kwargs={"pk": incident.pk})
