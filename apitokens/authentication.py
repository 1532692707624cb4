"""How a program proves who it is to the API (REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]).

- `Authorization: Token <secret>`: a personal API token (apitokens.models). The header is the
  one integrators have always sent, so existing clients keep working; the secret is looked
  up by its SHA-256 digest. An unknown secret, or one of a deactivated account, gets the one
  message that does not say which tokens exist; a secret that matches a revoked or expired
  token says so, since its holder already knows the token.
- `Authorization: Bearer <access token>`: an OAuth2 access token from the client-credentials
  grant at /oauth/token/ (django-oauth-toolkit). A client application is registered by the
  administrator and tied to a *service user*; the API acts as that user, so what the client
  may see and do is what the service user's memberships (roles in units) allow, scoped
  exactly as for a person. The token's scope narrows it further: `read` allows only reading
  (GET, HEAD, OPTIONS), `read write` also changes data (docs/api.md, "Authentication").

Both count refused credentials per client address and stop answering an address that used
up its failures (apitokens.throttling).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_backends import get_oauthlib_core
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from apitokens.models import ApiToken, digest
from apitokens.services import api_token_used
from apitokens.throttling import note_failure, refuse_if_locked_out

WRITE_SCOPE = "write"


class CredentialsRefused(exceptions.APIException):
    """401 with a reason its holder may know, and the challenge of the scheme that was used."""

    status_code = 401
    default_code = "authentication_failed"

    def __init__(self, detail: str, code: str, challenge: str):
        super().__init__(detail, code)
        self.auth_header = challenge


def _scheme(request) -> bytes:
    parts = get_authorization_header(request).split()
    return parts[0].lower() if parts else b""


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <secret>`."""

    keyword = "Token"

    def authenticate(self, request):
        if _scheme(request) != self.keyword.lower().encode():
            return None
        refuse_if_locked_out(request)
        parts = get_authorization_header(request).split()
        try:
            secret = parts[1].decode() if len(parts) == 2 else ""
        except UnicodeError:
            secret = ""
        token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first() if secret else None
        if token is None or not token.user.is_active:
            note_failure(request)
            raise exceptions.AuthenticationFailed()
        if token.is_revoked:
            note_failure(request)
            raise CredentialsRefused(
                _("This API token was revoked on %(date)s. Create a new token.")
                % {"date": f"{timezone.localtime(token.revoked_at):%Y-%m-%d}"},
                code="token_revoked",
                challenge=self.keyword,
            )
        if token.is_expired:
            note_failure(request)
            raise CredentialsRefused(
                _("This API token expired on %(date)s. Create a new token.")
                % {"date": f"{timezone.localtime(token.expires_at):%Y-%m-%d}"},
                code="token_expired",
                challenge=self.keyword,
            )
        api_token_used(token)
        return token.user, token


class BearerAuthentication(OAuth2Authentication):
    """`Authorization: Bearer <access token>` from the client-credentials grant."""

    www_authenticate_realm = "psweb"

    def authenticate(self, request):
        if _scheme(request) != b"bearer":
            return None
        refuse_if_locked_out(request)
        try:
            # The Django request: its form data is not the API's (JSON) body, so the toolkit
            # never asks the API's parsers for it.
            valid, verified = get_oauthlib_core().verify_request(request._request, scopes=[])
        except ValueError:  # a malformed query string
            valid, verified = False, None
        access_token = verified.access_token if valid else None
        user = None
        if access_token is not None:
            application = access_token.application
            user = access_token.user or (application.user if application is not None else None)
        if user is None or not user.is_active:
            note_failure(request)
            raise CredentialsRefused(
                _("The access token was not accepted. It is unknown or has expired: get a new one at /oauth/token/."),
                code="invalid_token",
                challenge=f'Bearer realm="{self.www_authenticate_realm}", error="invalid_token"',
            )
        if request.method not in SAFE_METHODS and not access_token.allow_scopes([WRITE_SCOPE]):
            raise exceptions.PermissionDenied(
                _("This access token may only read. Ask for the scope “read write” to change data.")
            )
        return user, access_token
