"""Who may read the API's schema and its interactive docs (issue 15, item 15).

The schema lists every operation, parameter and error of the API: a map worth keeping from
strangers on an internal service. By default it is for signed-in users (a session, or an API
client with its credentials); API_DOCS_PUBLIC=true opens both for everyone (docs/api.md).
Decided per request, so the setting can be changed without touching the URL configuration.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from rest_framework.permissions import BasePermission


class DocsAccess(BasePermission):
    """`/api/schema/`: everyone with API_DOCS_PUBLIC, else an authenticated caller (401 otherwise)."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


def signed_in_unless_public(view):
    """`/api/docs/`, a page for people: a visitor who is not signed in is sent to sign in."""
    protected = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return (view if settings.API_DOCS_PUBLIC else protected)(request, *args, **kwargs)

    return wrapper
