"""The admin never shows a token (issue 15, item 8): the administrator, who has no case
access, must not be able to act with someone else's token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import Application

from apitokens.models import ApiToken, digest
from apitokens.services import api_token_create

pytestmark = pytest.mark.django_db


def test_no_page_of_the_admin_shows_a_token(cast, login):
    token, secret = api_token_create(user=cast.chief_physician, name="Lex Maria export")
    client = login(cast.admin)

    pages = [
        client.get(reverse("admin:apitokens_apitoken_changelist")),
        client.get(reverse("admin:apitokens_apitoken_change", args=[token.pk])),
        client.get(reverse("admin:accounts_user_change", args=[cast.chief_physician.pk])),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert all(secret not in page.content.decode() and token.digest not in page.content.decode() for page in pages)
    assert token.prefix in pages[0].content.decode()


def test_drf_plain_tokens_are_gone_from_the_admin():
    assert not [model for model in admin.site._registry if model._meta.app_label == "authtoken"]


def test_the_administrator_creates_a_token_and_sees_it_once(cast, login):
    client = login(cast.admin)
    expires = timezone.localtime() + dt.timedelta(days=90)

    response = client.post(
        reverse("admin:apitokens_apitoken_add"),
        {"user": cast.viewer.pk, "name": "BI", "expires_at_0": f"{expires:%Y-%m-%d}", "expires_at_1": "12:00:00"},
    )

    token = ApiToken.objects.get(user=cast.viewer)
    page = response.content.decode()
    secret = page.split('<code id="api-token-secret">')[1].split("</code>")[0]
    assert response.status_code == 200
    assert token.name == "BI" and token.created_by == cast.admin
    assert token.digest == digest(secret)
    assert secret not in client.get(reverse("admin:apitokens_apitoken_change", args=[token.pk])).content.decode()


def test_the_admin_refuses_a_token_valid_too_long(cast, login):
    client = login(cast.admin)

    response = client.post(
        reverse("admin:apitokens_apitoken_add"),
        {"user": cast.viewer.pk, "name": "BI", "expires_at_0": "2099-01-01", "expires_at_1": "12:00:00"},
    )

    assert response.status_code == 200
    assert "A token may be valid for at most 730 days." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_admin_revokes_tokens(cast, login):
    token, _secret = api_token_create(user=cast.viewer, name="BI")

    login(cast.admin).post(
        reverse("admin:apitokens_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_client_application_is_registered_for_client_credentials_and_a_service_user(cast, login):
    client = login(cast.admin)

    response = client.post(
        reverse("admin:oauth2_provider_application_add"),
        {
            "name": "Journalsystemet",
            "user": cast.viewer.pk,
            "client_id": "journal",
            "client_secret": "the-secret-shown-once-0123456789",
            "hash_client_secret": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get(client_id="journal")
    assert application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.client_secret != "the-secret-shown-once-0123456789"
    change = client.get(reverse("admin:oauth2_provider_application_change", args=[application.pk]))
    assert "the-secret-shown-once" not in change.content.decode()


def test_a_client_application_needs_a_service_user(cast, login):
    response = login(cast.admin).post(
        reverse("admin:oauth2_provider_application_add"),
        {"name": "X", "client_id": "x", "client_secret": "s" * 40, "hash_client_secret": "on"},
    )

    assert response.status_code == 200
    assert "A client application acts as a service user: choose one." in response.content.decode()
    assert not Application.objects.exists()
