"""Rate limits for the API (issue 15, item 9): per user, per address, and on failed
authentication.

Three policies, each a number of requests in a fixed window, counted in Django's cache
(`API_RATE_LIMIT_CACHE`; Redis in production, so every web process shares the counts):

- `user`: every request of one signed-in user or API client (whatever credential it uses);
- `address`: every authenticated API request from one client address, whoever sends it (a
  request without credentials is refused before any throttle, and costs nothing);
- `auth_failure`: refused credentials from one address. When it is used up, that address may
  not try *any* credential until the window ends, so guessing tokens is as slow as the
  policy (today's 200 bad tokens in 1.5 s become 20 a minute).

The rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` ("600/minute"); a policy without a
rate is off. A refused request answers 429 with `Retry-After` (RFC 9110 §10.2.3), and every
counted response carries the `RateLimit-Policy` and `RateLimit` fields of the IETF draft
"RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-11:
`RateLimit-Policy: "user";q=600;w=60`, `RateLimit: "user";r=599;t=42`), so a client can slow
down before it is refused.

The client address is the one Django sees, or the one the trusted proxies in front of psweb
add to `X-Forwarded-For` (`REST_FRAMEWORK["NUM_PROXIES"]`, from `PROXY_COUNT`): a client
cannot choose its own address by sending the header.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "600/minute", "20/m", "10000/hour": DRF's notation."""
        number, _slash, period = text.partition("/")
        unit = period.strip()[:1].lower()
        if not number.strip().isdigit() or unit not in _UNITS:
            raise ValueError(f"A rate is '<number>/<second|minute|hour|day>', not {text!r}.")
        return cls(int(number), _UNITS[unit])


@dataclass(frozen=True)
class Usage:
    policy: str
    rate: Rate
    count: int
    reset: float  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.rate.limit - self.count)

    @property
    def exceeded(self) -> bool:
        return self.count > self.rate.limit

    @property
    def wait(self) -> int:
        return max(1, math.ceil(self.reset))


class RateLimited(exceptions.Throttled):
    """429 with a sentence that says which limit was reached and when to try again."""

    def __init__(self, usage: Usage):
        messages = {
            "user": _("Too many requests with these credentials. Try again in %(wait)s seconds."),
            "address": _("Too many requests from this address. Try again in %(wait)s seconds."),
            "auth_failure": _("Too many refused credentials from this address. Try again in %(wait)s seconds."),
        }
        # Not Throttled's own __init__: it appends a second sentence about the wait.
        exceptions.APIException.__init__(self, messages[usage.policy] % {"wait": usage.wait}, "throttled")
        self.wait = usage.wait


def rate_for(policy: str) -> Rate | None:
    text = (api_settings.DEFAULT_THROTTLE_RATES or {}).get(policy)
    return Rate.parse(text) if text else None


def client_address(request) -> str:
    return BaseThrottle().get_ident(request) or "unknown"


def _key(policy: str, ident: str, rate: Rate, now: float) -> tuple[str, float]:
    start = int(now // rate.window) * rate.window
    return f"psweb:ratelimit:{policy}:{ident}:{start}", start + rate.window - now


def _cache():
    return caches[settings.API_RATE_LIMIT_CACHE]


def count(policy: str, ident: str, rate: Rate) -> Usage:
    """Count one request against the policy and return where the window stands."""
    key, reset = _key(policy, ident, rate, time.time())
    cache = _cache()
    try:
        used = cache.incr(key)
    except ValueError:  # the window's first request
        used = 1 if cache.add(key, 1, timeout=rate.window + 1) else cache.incr(key)
    return Usage(policy, rate, used, reset)


def peek(policy: str, ident: str, rate: Rate) -> Usage:
    key, reset = _key(policy, ident, rate, time.time())
    return Usage(policy, rate, int(_cache().get(key, 0)), reset)


def advertise(request, usage: Usage) -> None:
    """Put the policy and what is left of it in the response's headers. Several policies are
    listed together, as the draft's structured lists allow."""
    django_request = getattr(request, "_request", request)
    usages = getattr(django_request, "_psweb_rate_usages", {})
    usages[usage.policy] = usage
    django_request._psweb_rate_usages = usages
    view = getattr(request, "parser_context", {}).get("view")
    if view is not None and hasattr(view, "headers"):
        view.headers.update(rate_limit_headers(usages.values()))


def rate_limit_headers(usages) -> dict[str, str]:
    usages = list(usages)
    return {
        "RateLimit-Policy": ", ".join(f'"{u.policy}";q={u.rate.limit};w={u.rate.window}' for u in usages),
        "RateLimit": ", ".join(f'"{u.policy}";r={u.remaining};t={u.wait}' for u in usages),
    }


# --- failed authentication -------------------------------------------------------------


def refuse_if_locked_out(request) -> None:
    """Before any credential is checked: an address that used up its failures waits."""
    rate = rate_for("auth_failure")
    if rate is None:
        return
    usage = peek("auth_failure", client_address(request), rate)
    if usage.count >= rate.limit:
        advertise(request, usage)
        raise RateLimited(Usage(usage.policy, rate, usage.count + 1, usage.reset))


def note_failure(request) -> None:
    rate = rate_for("auth_failure")
    if rate is not None:
        advertise(request, count("auth_failure", client_address(request), rate))


# --- the throttles of every API view (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]) ---------


class _PolicyThrottle(BaseThrottle):
    policy = ""

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = rate_for(self.policy)
        ident = self.ident(request)
        if rate is None or ident is None:
            return True
        usage = count(self.policy, ident, rate)
        advertise(request, usage)
        if usage.exceeded:
            raise RateLimited(usage)
        return True


class AddressRateThrottle(_PolicyThrottle):
    """Every API request from one client address."""

    policy = "address"

    def ident(self, request) -> str | None:
        return client_address(request)


class UserRateThrottle(_PolicyThrottle):
    """Every request of one signed-in user, whichever credential (session, API token, OAuth2
    client) it came with."""

    policy = "user"

    def ident(self, request) -> str | None:
        user = request.user
        return str(user.pk) if user is not None and user.is_authenticated else None
