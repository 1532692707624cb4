"""End a session after a period of inactivity (SESSION_IDLE_TIMEOUT).

A ward PC is shared: a session left open must not stay usable for the next person. The
time of the last request is kept in the session; a request that comes later than the
timeout signs the user out before the view runs. Pages redirect to the sign-in page with
a message; API requests go on as anonymous and so get DRF's JSON 401/403; htmx requests
get an HX-Redirect so the whole page goes to the sign-in page, not a fragment of it.

Must come after AuthenticationMiddleware and MessageMiddleware.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "psweb_last_seen"
# Writing the session on every request would cost a database write per page; a minute's
# resolution is plenty for a timeout counted in tens of minutes.
_TOUCH_EVERY_SECONDS = 60


class IdleSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            idle_limit = int(settings.SESSION_IDLE_TIMEOUT.total_seconds())
            if isinstance(last_seen, int) and now - last_seen > idle_limit:
                return self._sign_out(request, idle_limit)
            if not isinstance(last_seen, int) or now - last_seen >= _TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _sign_out(self, request, idle_limit: int):
        logout(request)
        if request.path.startswith("/api/"):
            # Token-authenticated clients are not affected: they carry no session.
            return self.get_response(request)
        messages.info(
            request,
            _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
            % {"minutes": max(1, idle_limit // 60)},
        )
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        # A form sent after the timeout: its data is gone with the session (the CSRF token
        # rotated too), so come back to the page, not to a POST-only address.
        return redirect_to_login(request.headers.get("Referer") or request.path)
