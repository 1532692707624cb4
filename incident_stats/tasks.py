"""Thin Celery tasks for the statistics."""

from celery import shared_task

from incident_stats import cube


@shared_task(name="incident_stats.compact")
def compact() -> None:
    """Fold the statistics deltas into the compacted counts (figures are exact either way;
    this keeps the delta tables short so that reading stays fast)."""
    cube.compact()
