"""The daily sweep of egenkontroll (Celery beat, `audits.tasks.sweep`): rounds whose day has
come open; responses still open after their due date become overdue and are escalated to the
manager above the unit's own; open responses are reminded once, `remind_days_before` the due
date, to the unit's managers; overdue ones are reminded to them every seventh day; a
recurring round's next round is made when its period has ended. Every notification carries
the reference, the round's title, the date and a link — nothing else. Safe to run several
times a day: the outbox's dedupe keys and the states hold."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audits.models import Response, Round, RoundStatus, Status
from audits.services.core import _notify, managers_above, managers_of, mark_overdue, round_open, round_recur


def sweep(*, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    counts = {"opened": 0, "overdue": 0, "reminded": 0, "escalated": 0, "recurred": 0}
    for round_ in Round.objects.filter(status=RoundStatus.PLANNED, opens_on__lte=today).order_by("opens_on", "pk"):
        round_open(round_=round_)
        counts["opened"] += 1
    late = Response.objects.filter(
        status=Status.OPEN, round__due_on__lt=today, round__status=RoundStatus.OPEN
    ).select_related("round", "unit")
    for response in late:
        mark_overdue(response=response)
        for user in managers_above(response.unit):
            _notify(
                response, user, "escalated", f"audit:{response.pk}:escalated", due=response.round.due_on.isoformat()
            )
        Response.objects.filter(pk=response.pk).update(escalated_on=today)
        counts["overdue"] += 1
        counts["escalated"] += 1
    waiting = Response.objects.filter(
        status__in=(Status.OPEN, Status.OVERDUE), round__status=RoundStatus.OPEN
    ).select_related("round", "unit")
    for response in waiting:
        due = response.round.due_on
        if response.status == Status.OPEN:
            if due - dt.timedelta(days=response.round.remind_days_before) <= today <= due:
                key = f"audit:{response.pk}:soon:{due.isoformat()}"
            else:
                continue
        elif (today - due).days % 7 == 0:
            key = f"audit:{response.pk}:overdue:{today.isoformat()}"
        else:
            continue
        for user in managers_of(response.unit):
            template = "reminder_soon" if response.status == Status.OPEN else "reminder_overdue"
            _notify(response, user, template, key, due=due.isoformat())
        Response.objects.filter(pk=response.pk).update(reminded_on=today)
        counts["reminded"] += 1
    ended = Round.objects.exclude(recurrence="").filter(period_end__lt=today, next__isnull=True)
    for round_ in ended:
        if round_recur(round_=round_) is not None:
            counts["recurred"] += 1
    return counts
