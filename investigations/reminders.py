"""The daily follow-up reminder of investigations (DOMAIN.md: action plans are followed up
6–8 months after the decision).

When an investigation's follow-up date has come and some of its actions are not evaluated
yet, the analysis leader (or, without one, those who decide investigations in its unit) is
reminded to evaluate them, and each action's responsible person to report on their action.
Once per person, investigation and follow-up date (dedupe key); the e-mail carries the
reference, the date and a link, never free text or patient data.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from incidents.deciders import investigation_deciders
from investigations.models import Investigation, Status

DUE_STATES = (Status.REPORT_READY, Status.FOLLOW_UP)


def follow_up_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Queue today's follow-up reminders; returns how many people were reminded, by part.
    Safe to run several times a day: what was sent before is neither sent nor counted again."""
    from outbox.models import Notification
    from outbox.services import notify

    today = today or timezone.localdate()
    sent = {"investigations": 0, "leaders": 0, "action_owners": 0}
    due = (
        Investigation.objects.filter(status__in=DUE_STATES, follow_up_on__lte=today, actions__evaluated_at__isnull=True)
        .distinct()
        .select_related("leader", "unit")
        .order_by("follow_up_on", "pk")
    )
    for investigation in due:
        open_links = list(investigation.actions.filter(evaluated_at__isnull=True).select_related("action__responsible"))
        leaders = _leaders(investigation)
        # A cancelled action's owner has nothing to report; the leader still evaluates it.
        owners = [
            link.action.responsible
            for link in open_links
            if link.action.state != Action.State.CANCELLED and link.action.responsible.is_active
        ]
        recipients = {user.pk: (user, True) for user in leaders}
        for user in owners:
            recipients.setdefault(user.pk, (user, False))
        key = f"reminder:follow_up:{investigation.pk}:{investigation.follow_up_on.isoformat()}"
        already = set(
            Notification.objects.filter(user__in=recipients, dedupe_key=key).values_list("user_id", flat=True)
        )
        sent["investigations"] += 1
        for user, leads in recipients.values():
            if user.pk in already:
                continue
            notify(
                user=user,
                template="investigations/email/follow_up_reminder",
                context={
                    "reference": investigation.reference,
                    "follow_up_on": investigation.follow_up_on.isoformat(),
                    "open_actions": len(open_links),
                    "leads": leads,
                },
                path=_path(investigation),
                dedupe_key=key,
            )
            sent["leaders" if leads else "action_owners"] += 1
    return sent


def _leaders(investigation: Investigation) -> list:
    leader = investigation.leader
    if leader is not None and leader.is_active:
        return [leader]
    return list(investigation_deciders(investigation.unit))


def _path(investigation: Investigation) -> str:
    return reverse("investigations:detail", kwargs={"pk": investigation.pk})
