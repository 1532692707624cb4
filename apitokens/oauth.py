"""OAuth2 client credentials for machine clients (RFC 6749 §4.4), with django-oauth-toolkit.

The administrator registers a client application in the admin and ties it to a *service
user* (an account with memberships, like a person's). The client exchanges its id and secret
at `POST /oauth/token/` for an access token that lives `OAUTH2_ACCESS_TOKEN_SECONDS`
(10 minutes by default) and sends it as `Authorization: Bearer …`; the API then acts as the
service user (apitokens.authentication.BearerAuthentication).

Only the client-credentials grant is offered: no authorization page, no password grant, no
refresh tokens. The token endpoint counts refused client credentials per address like the
API does, and answers 429 when an address has used up its failures.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import TokenView as BaseTokenView

from apitokens.throttling import (
    RateLimited,
    client_address,
    count,
    note_failure,
    rate_for,
    rate_limit_headers,
    refuse_if_locked_out,
)

GRANT = "client_credentials"


class ClientCredentialsValidator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        """Client credentials only, and only for a client tied to an active service user."""
        service_user = getattr(client, "user", None)
        if grant_type != GRANT or service_user is None or not service_user.is_active:
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)


class TokenView(BaseTokenView):
    """django-oauth-toolkit's token endpoint behind psweb's address limits."""

    def post(self, request, *args, **kwargs):
        try:
            refuse_if_locked_out(request)
            rate = rate_for("address")
            if rate is not None:
                usage = count("address", client_address(request), rate)
                request._psweb_rate_usages = {**getattr(request, "_psweb_rate_usages", {}), "address": usage}
                if usage.exceeded:
                    raise RateLimited(usage)
        except RateLimited as refused:
            response = _too_many(refused)
        else:
            response = super().post(request, *args, **kwargs)
            if response.status_code == 401:  # invalid_client: a wrong id or secret
                note_failure(request)
        for name, value in rate_limit_headers(getattr(request, "_psweb_rate_usages", {}).values()).items():
            if value:
                response[name] = value
        return response


def _too_many(refused: RateLimited) -> HttpResponse:
    body = {"error": "too_many_requests", "error_description": str(refused.detail), "detail": str(refused.detail)}
    response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(refused.wait)
    response["Cache-Control"] = "no-store"
    return response
