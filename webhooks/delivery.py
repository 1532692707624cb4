"""Sending a webhook event: the outbox's sender for `OutboxMessage.Kind.WEBHOOK`.

The Standard Webhooks scheme (https://www.standardwebhooks.com/): the headers `webhook-id`
(the outbox message's id, the same on every retry: the receiver dedupes on it),
`webhook-timestamp` (Unix seconds at this attempt) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the secret's bytes), so
any Standard Webhooks library verifies it. A 2xx answer is delivery; anything else, a
redirect or no answer within `TIMEOUT_SECONDS` raises, and the outbox retries with backoff
until the message is dead. Redirects are never followed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import urllib.error
import urllib.request

from outbox.models import OutboxMessage
from outbox.services import UndeliverableError
from webhooks.models import Subscriber

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's marker, not a secret)
TIMEOUT_SECONDS = 10
USER_AGENT = "psweb-webhooks/1"


class DeliveryFailedError(Exception):
    pass


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx then raises HTTPError: a failed attempt


_opener = urllib.request.build_opener(_NoRedirects)


def webhook_send(message: OutboxMessage) -> None:
    subscriber = Subscriber.objects.filter(pk=int(message.recipient)).first()
    if subscriber is None or not subscriber.active:
        raise UndeliverableError("The webhook subscriber is no longer active.")
    body = message.body.encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - an https (or, in development, http) URL checked on save
        subscriber.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": str(message.pk),
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(
                secret=subscriber.secret, msg_id=str(message.pk), timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DeliveryFailedError(f"The subscriber answered HTTP {exc.code}.") from None
    if not 200 <= status < 300:
        raise DeliveryFailedError(f"The subscriber answered HTTP {status}.")
