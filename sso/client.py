"""The OpenID Connect client: Authlib's, configured from settings.

Discovery from `OIDC_ISSUER` (`/.well-known/openid-configuration`, read again after a day),
the authorization code flow with PKCE (S256) and a nonce, and the ID token's checks:
signature against the provider's JWKS (fetched once more when a token names a `kid` psweb
has not seen: key rotation), issuer, audience, nonce and expiry (Authlib's `CodeIDToken`).
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.urls import reverse

DISCOVERY_PATH = "/.well-known/openid-configuration"
METADATA_MAX_AGE = 24 * 3600  # seconds; the JWKS is fetched again at once on an unknown kid
TIMEOUT = 10  # seconds for each request to the identity provider

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class IssuerMismatchError(Exception):
    """The discovery document names another issuer than OIDC_ISSUER."""


def enabled() -> bool:
    """Single sign-on is on when an issuer is configured."""
    return bool(settings.OIDC_ISSUER)


def _issuer() -> str:
    return settings.OIDC_ISSUER.rstrip("/")


def client():
    """The Authlib client for the configured provider, its discovery document loaded."""
    key = (_issuer(), settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPES)
    with _lock:
        app = _clients.get(key)
        if app is None:
            app = OAuth().register(
                "sso",
                client_id=settings.OIDC_CLIENT_ID,
                client_secret=settings.OIDC_CLIENT_SECRET,
                server_metadata_url=_issuer() + DISCOVERY_PATH,
                client_kwargs={
                    "scope": settings.OIDC_SCOPES,
                    "code_challenge_method": "S256",
                    "default_timeout": TIMEOUT,
                },
            )
            _clients[key] = app
        if time.time() - app.server_metadata.get("_loaded_at", 0) > METADATA_MAX_AGE:
            app.server_metadata.clear()
    metadata = app.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != _issuer():
        # OpenID Connect Discovery 1.0, 4.3: the issuer must be the one asked for.
        app.server_metadata.clear()
        raise IssuerMismatchError
    return app


def redirect_uri() -> str:
    """`<PSWEB_BASE_URL>/oidc/callback/`, as registered with the identity provider."""
    return settings.PSWEB_BASE_URL.rstrip("/") + reverse("sso-callback")


def post_logout_redirect_uri() -> str:
    return settings.PSWEB_BASE_URL.rstrip("/") + reverse("login")


def logout_url(id_token: str) -> str:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the provider's
    end_session_endpoint with id_token_hint and post_logout_redirect_uri, or "" when the
    provider offers none."""
    endpoint = client().server_metadata.get("end_session_endpoint")
    if not endpoint:
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri(),
            "client_id": settings.OIDC_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
