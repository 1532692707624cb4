"""Thin Celery tasks for investigations."""

from celery import shared_task

from investigations.reminders import follow_up_reminders_send


@shared_task(name="investigations.reminders")
def investigation_reminders() -> dict:
    return follow_up_reminders_send()
