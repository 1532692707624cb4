"""Thin Celery tasks for the statistics."""

from celery import shared_task

from indicators import cube


@shared_task(name="indicators.stats_compact")
def stats_compact() -> None:
    """Fold the statistics deltas into the compacted counts (figures are exact either way;
    this keeps the delta tables short so that reading stays fast)."""
    cube.compact()
