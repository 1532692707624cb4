"""The daily reminders of complaints waiting for an answer (PSL 8 kap. 2 §: "skyndsamt"; the
patientnämnd counts the answers that come by its date, PN-SVAR).

To the complaint's handler, or without one every complaint handler of its unit
(`handlers_of`): once when the due date comes within the provider's `remind_days_before`
(ComplaintSettings, default 7; once per due date, so a due date moved by a pause is reminded
again), and every day after the due date has passed (one per complaint and day). A paused
complaint is not reminded: its due date will move. Each carries the reference, the due date
and a link, never the complainant, the patient or the complaint's words.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from complaints.models import AWAITING_ANSWER, Complaint, ComplaintSettings
from complaints.services.core import _notify, handlers_of


def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Queue today's reminders. Safe to run several times a day: the dedupe keys hold."""
    from outbox.models import Notification

    today = today or timezone.localdate()
    by_provider, default = ComplaintSettings.by_provider()
    longest = max([default.remind_days_before, *(s.remind_days_before for s in by_provider.values())])
    waiting = list(
        Complaint.objects.filter(
            status__in=AWAITING_ANSWER, paused_since__isnull=True, due_on__lte=today + dt.timedelta(days=longest)
        )
        .select_related("unit", "handler")
        .order_by("due_on", "pk")
    )
    due = []
    for complaint in waiting:
        if complaint.due_on < today:
            due.append((complaint, "reminder_overdue", f"complaint:{complaint.pk}:overdue:{today.isoformat()}"))
            continue
        days = by_provider.get(complaint.unit.care_provider_id, default).remind_days_before
        if complaint.due_on <= today + dt.timedelta(days=days):
            due.append((complaint, "reminder_soon", f"complaint:{complaint.pk}:soon:{complaint.due_on.isoformat()}"))
    already = set(
        Notification.objects.filter(dedupe_key__in=[key for _c, _t, key in due]).values_list("user_id", "dedupe_key")
    )
    sent = {"soon": 0, "overdue": 0}
    for complaint, template, key in due:
        for user in handlers_of(complaint):
            if (user.pk, key) in already:
                continue
            _notify(complaint, user, template, key, due=complaint.due_on.isoformat())
            sent["soon" if template == "reminder_soon" else "overdue"] += 1
    return sent
