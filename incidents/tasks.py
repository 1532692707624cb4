"""Thin Celery tasks for incidents."""

from celery import shared_task

from incidents.services.reminders import reminders_send


@shared_task(name="incidents.reminders")
def incident_reminders() -> dict:
    return reminders_send()


@shared_task(name="incidents.reach_compact")
def reach_compact() -> None:
    """Fold the work queue's +1/−1 counts per unit and status (`ReachCount`): the counts are
    exact either way; folding keeps the table short so reading stays constant."""
    from incidents import reach

    reach.compact()
