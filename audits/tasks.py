from celery import shared_task


@shared_task(name="audits.sweep")
def sweep() -> dict:
    """Daily: open, mark overdue, remind, escalate and recur (audits.services.sweep)."""
    from audits.services.sweep import sweep as run

    return run()
