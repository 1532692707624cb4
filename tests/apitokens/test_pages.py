"""The page "API tokens": a person's own tokens, the secret shown once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apitokens.models import ApiToken, digest
from apitokens.services import api_token_create

pytestmark = pytest.mark.django_db


def test_a_person_creates_a_token_and_sees_it_once(cast, login):
    client = login(cast.handler)
    last_day = timezone.localdate() + dt.timedelta(days=30)

    response = client.post(reverse("api-tokens"), {"name": "Veckoexport", "last_day": last_day.isoformat()})

    page = response.content.decode()
    secret = page.split('<code id="api-token-secret">')[1].split("</code>")[0]
    token = ApiToken.objects.get(user=cast.handler)
    assert response.status_code == 200
    assert token.name == "Veckoexport" and token.digest == digest(secret) and token.created_by == cast.handler
    assert timezone.localtime(token.expires_at) == timezone.make_aware(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
    )
    again = client.get(reverse("api-tokens")).content.decode()
    assert secret not in again and token.prefix in again
    assert "no-store" in response["Cache-Control"]


def test_the_list_shows_only_ones_own_tokens(cast, login):
    api_token_create(user=cast.handler, name="Handläggarens")
    api_token_create(user=cast.manager, name="Chefens")

    page = login(cast.handler).get(reverse("api-tokens")).content.decode()

    assert "Handläggarens" in page and "Chefens" not in page


def test_a_bad_expiry_is_refused_with_a_message(cast, login):
    response = login(cast.handler).post(reverse("api-tokens"), {"name": "X", "last_day": "2001-01-01"})

    assert response.status_code == 400
    assert "The expiry must be in the future." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_token(cast, login, api_client):
    token, secret = api_token_create(user=cast.handler, name="Gammal")

    response = login(cast.handler).post(reverse("api-token-revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_someone_elses_token_cannot_be_revoked(cast, login):
    token, _secret = api_token_create(user=cast.manager, name="Chefens")

    response = login(cast.handler).post(reverse("api-token-revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
