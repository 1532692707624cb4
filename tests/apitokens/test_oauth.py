"""OAuth2 client credentials (issue 15, item 8): a client application registered by the
administrator, tied to a service user; short-lived access tokens from /oauth/token/, sent as
`Authorization: Bearer`; the scope `read` only reads."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from accounts.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "a-client-secret-of-the-journal-system-0123456789"


@pytest.fixture
def service_user(tree):
    user = UserFactory(username="journal-integration", first_name="Journalsystemet", last_name="")
    MembershipFactory(user=user, unit=tree.medicin, role=Role.HANDLER)
    return user


@pytest.fixture
def application(service_user):
    return Application.objects.create(
        name="Journalsystemet",
        user=service_user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=SECRET,
    )


def ask_for_token(client_id: str, secret: str, **fields):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    # A machine client has no CSRF cookie: the endpoint must not ask for one.
    return Client(enforce_csrf_checks=True).post(
        "/oauth/token/",
        urlencode({"grant_type": "client_credentials", **fields}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def bearer(access_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {access_token}", HTTP_ACCEPT_LANGUAGE="en")


def test_a_client_gets_a_ten_minute_token_and_acts_as_its_service_user(application):
    # when
    response = ask_for_token(application.client_id, SECRET, scope="read")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and body["scope"] == "read"
    assert "refresh_token" not in body
    me = bearer(body["access_token"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "journal-integration"


def test_the_access_token_is_not_stored_in_clear(application):
    access_token = ask_for_token(application.client_id, SECRET).json()["access_token"]

    stored = AccessToken.objects.get()
    assert stored.token == "" and access_token not in repr(list(AccessToken.objects.values()))


def test_the_client_sees_what_its_service_user_may_see(application, cast, tree):
    from tests.incidents.conftest import report

    ours = report(cast.reporter, tree.medicin_ward)
    theirs = report(cast.reporter, tree.orto_ward)
    client = bearer(ask_for_token(application.client_id, SECRET).json()["access_token"])

    assert client.get(f"/api/v1/incidents/{ours.pk}/").status_code == 200
    assert client.get(f"/api/v1/incidents/{theirs.pk}/").status_code == 404


def test_a_wrong_secret_gets_401(application):
    response = ask_for_token(application.client_id, "not-the-secret")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_the_scope_read_only_reads(application):
    client = bearer(ask_for_token(application.client_id, SECRET, scope="read").json()["access_token"])

    response = client.post("/api/v1/incidents/", {}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This access token may only read. Ask for the scope “read write” to change data.",
        "code": "permission_denied",
    }


def test_the_scope_write_reaches_the_view(application):
    client = bearer(ask_for_token(application.client_id, SECRET, scope="read write").json()["access_token"])

    response = client.post("/api/v1/incidents/", {}, content_type="application/json")

    assert response.status_code == 400  # the view's own validation: authenticated and allowed to try


def test_an_expired_access_token_is_refused(application):
    access_token = ask_for_token(application.client_id, SECRET).json()["access_token"]
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))

    response = bearer(access_token).get("/api/v1/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="psweb", error="invalid_token"'
    assert response.json()["code"] == "invalid_token"


def test_an_unknown_access_token_is_refused(db):
    response = bearer("made-up").get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "The access token was not accepted. It is unknown or has expired: get a new one at /oauth/token/.",
        "code": "invalid_token",
    }


def test_a_deactivated_service_user_gets_no_token_and_its_tokens_stop(application, service_user):
    from accounts.services import user_deactivate

    access_token = ask_for_token(application.client_id, SECRET).json()["access_token"]

    user_deactivate(user=service_user, actor=None)

    assert bearer(access_token).get("/api/v1/me/").status_code == 401
    assert ask_for_token(application.client_id, SECRET).json()["error"] == "unauthorized_client"


def test_an_application_without_a_service_user_gets_no_token(application):
    Application.objects.filter(pk=application.pk).update(user=None)

    response = ask_for_token(application.client_id, SECRET)

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_only_the_client_credentials_grant_is_offered(application, service_user):
    Application.objects.filter(pk=application.pk).update(authorization_grant_type=Application.GRANT_PASSWORD)
    service_user.set_password("psweb-test-password")
    service_user.save()

    response = ask_for_token(
        application.client_id,
        SECRET,
        grant_type="password",
        username="journal-integration",
        password="psweb-test-password",
    )

    assert response.status_code in (400, 401)
    assert not AccessToken.objects.exists()


def test_an_access_token_in_the_query_string_is_not_accepted(application):
    access_token = ask_for_token(application.client_id, SECRET).json()["access_token"]

    response = Client().get(f"/api/v1/me/?access_token={access_token}")

    assert response.status_code == 401


def test_expired_access_tokens_are_pruned_nightly(application):
    from apitokens.tasks import oauth_tokens_prune

    ask_for_token(application.client_id, SECRET)
    fresh = ask_for_token(application.client_id, SECRET).json()["access_token"]
    AccessToken.objects.filter(pk=AccessToken.objects.order_by("pk").first().pk).update(
        expires=timezone.now() - dt.timedelta(minutes=1)
    )

    oauth_tokens_prune.delay()

    assert AccessToken.objects.count() == 1
    assert bearer(fresh).get("/api/v1/me/").status_code == 200
    assert settings.CELERY_BEAT_SCHEDULE["oauth-tokens-prune"]["task"] == oauth_tokens_prune.name
