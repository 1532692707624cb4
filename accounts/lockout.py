"""Failed sign-ins are throttled per account and address, and per address across accounts.

django-axes locks a user name from one address after AXES_FAILURE_LIMIT wrong passwords. An
attacker who tries a few passwords on each of many accounts stays under that limit on every
one of them (4 wrong passwords on each of 9 accounts went unthrottled, issue 15 item 14: the
"password spraying" of OWASP's Authentication Cheat Sheet and NIST SP 800-63B 5.2.2, which
asks to limit failed attempts on the subscriber's account *and* beyond it). So the failures
from one address are also counted across every user name: AXES_ADDRESS_FAILURE_LIMIT of them
within AXES_COOLOFF_TIME lock that address for every account until they age out.

The address limit is well above the per-account one: a shared ward PC (or a clinic behind one
address) sees several colleagues mistype now and then, and that must not lock them all out.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def address_failures(request) -> int:
    """Failed sign-ins from the request's address within the cool-off time, whatever the user name."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def address_locked(request) -> bool:
    return address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler (AXES_HANDLER), with an address past its limit counted as locked
    for every user name: axes compares one number with one limit, so that address's failures
    are reported as reaching it."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        if address_locked(request):
            return max(failures, get_failure_limit(request, credentials))
        return failures
