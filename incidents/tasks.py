"""Thin Celery tasks for incidents."""

from celery import shared_task

from incidents.services.reminders import reminders_send


@shared_task(name="incidents.reminders")
def incident_reminders() -> dict:
    return reminders_send()
