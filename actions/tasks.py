"""Celery tasks of the action register: thin, safe to run twice."""

from celery import shared_task

from actions.reminders import reminders_send


@shared_task(name="actions.reminders")
def action_reminders() -> dict:
    return reminders_send()
