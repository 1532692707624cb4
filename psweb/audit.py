"""Who is acting right now, as the audit trail sees it.

pghistory keeps the context of the current request, task or command (user, url, request
id, task name); this module reads it so the actor can travel with Celery tasks.
"""

from __future__ import annotations


def current_context() -> dict:
    from pghistory.runtime import _tracker

    value = getattr(_tracker, "value", None)
    return dict(value.metadata) if value is not None else {}


def current_actor_id():
    return current_context().get("user")
