"""The Celery application.

Tasks run eagerly when CELERY_BROKER_URL is unset. The acting user travels with every task
(a message header) so that changes a task makes are attributed in the audit trail.
"""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psweb.settings")

app = Celery("psweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


_ACTOR_HEADER = "psweb_actor"
_contexts: dict[str, object] = {}


@before_task_publish.connect
def _attach_actor(headers=None, **kwargs):
    from psweb.audit import current_actor_id

    if headers is not None and headers.get(_ACTOR_HEADER) is None:
        headers[_ACTOR_HEADER] = current_actor_id()


@task_prerun.connect
def _enter_audit_context(task_id=None, task=None, **kwargs):
    """Changes a task makes are attributed to the task and to the user who caused it."""
    import pghistory

    actor = getattr(task.request, _ACTOR_HEADER, None)
    if actor is None:
        actor = (getattr(task.request, "headers", None) or {}).get(_ACTOR_HEADER)
    metadata = {"celery_task": task.name, "celery_task_id": task_id}
    if actor is not None:
        metadata["user"] = actor
    ctx = pghistory.context(**metadata)
    ctx.__enter__()
    _contexts[task_id] = ctx


@task_postrun.connect
def _exit_audit_context(task_id=None, **kwargs):
    ctx = _contexts.pop(task_id, None)
    if ctx is not None:
        ctx.__exit__(None, None, None)
