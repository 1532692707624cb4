"""Thin Celery tasks for complaints: the daily reminders and the PN-SVAR feed."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="complaints.reminders")
def complaint_reminders() -> dict:
    from complaints.services.reminders import reminders_send

    return reminders_send()


@shared_task(name="complaints.pn_svar_feed")
def pn_svar_feed(year: int | None = None) -> dict:
    """PN-SVAR from the nämnd's cases (`complaints.indicator`): one year when given (a case
    changed), else nightly this year and the last (answers to December's cases come in
    January). Safe to run twice: the second run changes nothing."""
    from complaints.indicator import pn_svar_feed as feed

    if year is not None:
        return feed(year=year)
    this_year = timezone.localdate().year
    totals: dict[str, int] = {}
    for each in (this_year - 1, this_year):
        for name, count in feed(year=each).items():
            totals[name] = totals.get(name, 0) + count
    return totals
