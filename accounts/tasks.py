"""Thin Celery tasks for accounts."""

from celery import shared_task

from accounts.services import sessions_prune


@shared_task(name="accounts.sessions_prune")
def accounts_sessions_prune() -> int:
    return sessions_prune()
