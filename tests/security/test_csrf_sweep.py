"""CSRF on every unsafe request of a signed-in browser (issue #6).

Every POST, PUT, PATCH and DELETE row of the authorization matrix is sent again by a signed-in
user who may do it, from a client that enforces CSRF checks as a browser session does, without
the token. Each must be refused with 403 before the view runs: the readable CSRF page for
HTML, a JSON error for the API (DRF's session authentication). The matrix rows cover every URL
pattern and every API operation (tests/authorization/), so a new form or endpoint is in this
sweep as soon as it has its matrix row.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.authorization.matrix import ACTORS, Redirect, Row, World
from tests.authorization.test_authorization_matrix import MATRIX, _requests, _send

pytestmark = pytest.mark.django_db

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The OAuth2 token endpoint authenticates the client by its id and secret, never by a session
# (RFC 6749 §3.2): a forged request from a browser gains nothing, and machine clients send no
# CSRF token. Its matrix rows show a signed-in browser gets 401 there. SAML's assertion
# consumer takes the IdP's cross-site POST, which can carry no token of psweb's: a Response is
# accepted only as the answer to the request this browser sent (InResponseTo, a signed
# cookie; sso/saml_views.py, tests/sso/test_saml.py).
CSRF_EXEMPT = {"oauth:token", "saml2-acs"}
ROWS = [row for row in MATRIX if row.method in UNSAFE and row.route != "admin:*" and row.route not in CSRF_EXEMPT]


def _reaches_the_view(expected) -> bool:
    return not isinstance(expected, Redirect) and expected not in (401, 403, 404)


def _actor(row: Row) -> str:
    """The first signed-in actor the matrix lets through; with none, any signed-in user (the
    CSRF check comes before the view's own permission check)."""
    for actor, expected in zip(ACTORS, row.expected, strict=True):
        if actor != "anonymous" and _reaches_the_view(expected):
            return actor
    return "reporter"


def test_the_sweep_covers_the_pages_and_the_api():
    routes = {row.route for row in ROWS}
    assert len(ROWS) > 40
    assert any(route.startswith("api:") for route in routes)
    assert {"incidents:report-autosave-new", "logout"} <= routes


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_an_unsafe_request_without_the_csrf_token_is_refused(row: Row, tree, cast):
    world = World(tree, cast)
    actor = _actor(row)
    client = Client(enforce_csrf_checks=True)
    client.force_login(getattr(cast, actor))
    with override_settings(**row.settings):
        for url, data in _requests(row, world):
            response = _send(client, row, url, data)

            assert response.status_code == 403, f"{actor} {row.method} {url}: {response.status_code}"
            if row.route.startswith("api:"):
                assert "CSRF" in response.json()["detail"], response.content[:300]
            else:
                assert "errors/403_csrf.html" in [t.name for t in response.templates], response.content[:300]
