"""Authorization matrix rows for API credentials (apitokens).

- The page "API tokens": each signed-in person lists, creates and revokes their own tokens;
  someone else's token is 404.
- The OAuth2 token endpoint: a session is no credential there (a client authenticates with its
  id and secret), so every actor without them gets 401 (invalid_client).

The admin's pages for tokens and client applications are in the "admin:*" row.
"""

from __future__ import annotations

import datetime as dt

from apitokens.services import api_token_create
from tests.authorization.matrix import LOGIN, Redirect, Row, World, everyone, signed_in


def token_of(username: str):
    def make(w: World) -> dict:
        return {"pk": api_token_create(user=getattr(w.cast, username), name="matrix")[0].pk}

    return make


NEW_TOKEN = {"name": "Export", "last_day": (dt.date.today() + dt.timedelta(days=30)).isoformat()}

# fmt: off
ROWS: list[Row] = [
    Row("api-tokens", "GET", signed_in(200, anonymous=LOGIN)),
    Row("api-tokens", "POST", signed_in(200, anonymous=LOGIN), data=NEW_TOKEN, label="create one's own"),
    Row("api-tokens", "PUT", signed_in(405, anonymous=LOGIN)),
    Row("api-token-revoke", "POST", signed_in(404, anonymous=LOGIN, reporter=Redirect("api-tokens")),
        kwargs=token_of("reporter"), label="the reporter's token"),
    Row("api-token-revoke", "GET", signed_in(405, anonymous=LOGIN), kwargs=token_of("reporter")),
    Row("oauth:token", "POST", everyone(401), data={"grant_type": "client_credentials"},
        label="no client credentials"),
    Row("oauth:token", "GET", everyone(405)),
]
# fmt: on
