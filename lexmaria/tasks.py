"""Thin Celery tasks for Lex Maria cases."""

from celery import shared_task

from lexmaria.services import deadline_warnings_send


@shared_task(name="lexmaria.deadline_warnings")
def lexmaria_deadline_warnings() -> int:
    return deadline_warnings_send()
