"""Request-wide concerns: request ids, audit context, caching headers, log filter."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from pghistory.middleware import HistoryMiddleware

from accounts import personnummer

_request_id: ContextVar[str] = ContextVar("psweb_request_id", default="-")
# A client's (or the proxy's) X-Request-ID is stored in the access log and printed on log lines:
# only plain ASCII letters, digits, ".", "_" and "-" (no line breaks, markup or spaces), 8 to 64
# of them, and nothing shaped like a personnummer. Anything else gets a fresh id.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def safe_request_id(incoming: str) -> str:
    """`incoming` when it is safe to store and print, else a fresh id (which, being hex, could
    hold a run of ten or twelve digits: drawn again then, about one time in twenty)."""
    candidate = incoming
    while not _SAFE_REQUEST_ID.fullmatch(candidate) or personnummer.IN_TEXT.search(candidate):
        candidate = uuid.uuid4().hex
    return candidate


def request_id_of(request) -> str:
    return getattr(request, "request_id", "")


def client_ip(request) -> str | None:
    """The client address as seen by Django (the proxy sets REMOTE_ADDR correctly in production)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed X-Request-ID from the proxy), echo it
    in the response and put it on every log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = safe_request_id(request.headers.get("X-Request-ID", ""))
        token = _request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory context for every request: acting user, path (never the query string,
    which could hold search terms) and the request id."""

    def get_context(self, request):
        context = super().get_context(request)
        context["request_id"] = request_id_of(request)
        return context


class NoStoreMiddleware:
    """Pages and API answers for signed-in users hold case data: no browser or proxy caches them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (request.path.startswith("/api/") or signed_in) and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class SwedishFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Swedish unless the user chose English with the language switch.

    The browser's Accept-Language is ignored for pages: a shared ward PC with an English
    browser must still show the Swedish interface colleagues know. API clients (the REST API,
    the FHIR facade) may ask for English with Accept-Language.
    """

    def process_request(self, request):
        if request.path.startswith(("/api/", "/fhir/")):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
