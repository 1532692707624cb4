"""The daily reminders of incidents: incidents not triaged in time and forwarded incidents
whose answer is overdue, one e-mail per person per day (dedupe keys). Each carries the
reference, a date and a link, never free text or patient data. Reminders of actions, from
every source, come from the action register (`actions.reminders`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Perm
from accounts.selectors import users_with_perm_in
from incidents.models import Forward, Incident, ProviderSettings, Status


def _triage_days_by_provider() -> tuple[dict[int, int], int]:
    rows = ProviderSettings.objects.all()
    default = next((row.triage_days for row in rows if row.care_provider_id is None), ProviderSettings().triage_days)
    return {row.care_provider_id: row.triage_days for row in rows if row.care_provider_id}, default


def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Queue today's reminders. Safe to run several times a day: the dedupe keys hold."""
    from outbox.services import notify

    today = today or timezone.localdate()
    sent = {"triage": 0, "answers": 0}

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
