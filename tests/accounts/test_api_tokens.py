"""API tokens: `manage.py issue_api_token USER [--rotate]` and `Authorization: Token <key>`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def issue(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_only_the_key_on_stdout(cast):
    out, err = issue("handler")

    key = Token.objects.get(user=cast.handler).key
    assert out == f"{key}\n"
    assert "handler" in err


def test_it_prints_the_same_key_again_without_rotate(cast):
    first, _ = issue("handler")

    second, err = issue("handler")

    assert second == first
    assert err == ""
    assert Token.objects.filter(user=cast.handler).count() == 1


def test_rotate_replaces_the_key_and_the_old_one_stops_working(cast, api_client):
    old = issue("handler")[0].strip()

    new = issue("handler", "--rotate")[0].strip()

    assert new != old
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user is named 'nobody'"):
        issue("nobody")


def test_it_refuses_a_deactivated_user(cast):
    cast.handler.is_active = False
    cast.handler.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="deactivated"):
        issue("handler")
    assert not Token.objects.filter(user=cast.handler).exists()


def test_token_authenticates_api_requests(cast, api_client):
    key = issue("manager")[0].strip()

    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response.json()["username"] == "manager"


def test_token_sees_only_the_users_scope(cast, tree, api_client):
    key = issue("manager")[0].strip()

    response = api_client.get("/api/v1/memberships/?page_size=500", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert "handler_orto" not in {m["username"] for m in response.json()["results"]}


def test_a_deactivated_users_token_is_refused(cast, api_client):
    # given: a token issued while the account was active
    key = issue("manager")[0].strip()
    cast.manager.is_active = False
    cast.manager.save(update_fields=["is_active"])

    # when
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The API token was not accepted. It is unknown, or its account is no longer active.",
        "code": "authentication_failed",
    }


def test_an_unknown_token_is_refused_with_401(db, api_client):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_needs_no_csrf_token_for_writes(cast):
    # Token requests come from other systems, not browsers: CSRF applies to session auth only.
    from rest_framework.test import APIClient

    key = issue("manager")[0].strip()
    client = APIClient(enforce_csrf_checks=True)

    response = client.post("/api/v1/org-units/", {}, format="json", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 405  # reached the view: authenticated, no CSRF refusal
