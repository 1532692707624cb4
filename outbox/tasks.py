"""Thin Celery tasks: load by id, call the service. Safe to run twice."""

from celery import shared_task

from outbox import services


@shared_task(name="outbox.deliver", acks_late=True)
def outbox_deliver(message_id: str) -> str:
    message = services.outbox_deliver(message_id=message_id)
    return message.status if message else "skipped"


@shared_task(name="outbox.sweep")
def outbox_sweep() -> int:
    return services.outbox_sweep()
