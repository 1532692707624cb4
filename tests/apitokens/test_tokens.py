"""Personal API tokens (issue 15, item 8): stored as a digest, shown once, with a name, an
expiry, the last use and revocation; `Authorization: Token <secret>` as before."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apitokens.models import ApiToken, digest
from apitokens.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def create(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def me(api_client, secret: str):
    return api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="en")


# --- creating ------------------------------------------------------------------------------


def test_the_command_prints_only_the_secret_and_stores_only_its_digest(cast):
    out, err = create("handler", "--name", "BI export")

    secret = out.strip()
    token = ApiToken.objects.get(user=cast.handler)
    assert out == f"{secret}\n"
    assert secret.startswith("psw_") and len(secret) >= 40
    assert token.name == "BI export"
    assert token.digest == digest(secret) and token.prefix == secret[:12]
    assert "BI export" in err and "shown only this once" in err
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apitokens_apitoken")
        assert secret not in repr(cursor.fetchall())


def test_each_call_makes_a_new_token_and_the_old_one_keeps_working(cast, api_client):
    first = create("handler", "--name", "one")[0].strip()

    second = create("handler", "--name", "two")[0].strip()

    assert first != second
    assert me(api_client, first).status_code == 200
    assert me(api_client, second).status_code == 200


def test_the_expiry_is_a_last_day_or_a_number_of_days(cast):
    create("handler", "--name", "until", "--expires", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    create("manager", "--name", "days", "--days", "7")

    until = ApiToken.objects.get(user=cast.handler).expires_at
    days = ApiToken.objects.get(user=cast.manager).expires_at
    assert timezone.localtime(until).date() == timezone.localdate() + dt.timedelta(days=31)
    assert dt.timedelta(days=6, hours=23) < days - timezone.now() <= dt.timedelta(days=7)


def test_without_an_expiry_a_token_is_valid_a_year(cast):
    token, _secret = api_token_create(user=cast.handler, name="default")

    assert dt.timedelta(days=364) < token.expires_at - timezone.now() <= dt.timedelta(days=365)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires", "2001-01-01"], "The expiry must be in the future."),
        (["--days", "5000"], "A token may be valid for at most 730 days."),
        (["--expires", "next week"], "--expires takes a date as YYYY-MM-DD"),
    ],
)
def test_the_command_refuses_a_bad_expiry(cast, args, message):
    with pytest.raises(CommandError, match=message):
        create("handler", "--name", "x", *args)
    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_unknown_or_deactivated_user(cast):
    cast.handler.is_active = False
    cast.handler.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="No user is named 'nobody'"):
        create("nobody", "--name", "x")
    with pytest.raises(CommandError, match="deactivated"):
        create("handler", "--name", "x")
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_name(cast):
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=cast.handler, name="  ")

    assert refused.value.message_dict == {"name": ["Give the token a name that says what it is used for."]}


# --- using ---------------------------------------------------------------------------------


def test_a_token_authenticates_as_its_user_and_notes_the_use(cast, api_client):
    token, secret = api_token_create(user=cast.manager, name="sync")

    response = me(api_client, secret)

    assert response.status_code == 200
    assert response.json()["username"] == "manager"
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=5)


def test_a_token_sees_only_its_users_scope(cast, tree, api_client):
    _token, secret = api_token_create(user=cast.manager, name="sync")

    response = api_client.get("/api/v1/memberships/?page_size=500", HTTP_AUTHORIZATION=f"Token {secret}")

    assert response.status_code == 200
    assert "handler_orto" not in {m["username"] for m in response.json()["results"]}


def test_an_unknown_token_gets_the_message_that_says_nothing_of_which_tokens_exist(db, api_client):
    response = me(api_client, "0123456789abcdef0123456789abcdef01234567")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "The API token was not accepted. It is unknown, or its account is no longer active.",
        "code": "authentication_failed",
    }


def test_a_deactivated_users_token_is_refused_like_an_unknown_one(cast, api_client):
    _token, secret = api_token_create(user=cast.manager, name="sync")
    cast.manager.is_active = False
    cast.manager.save(update_fields=["is_active"])

    response = me(api_client, secret)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_token_is_refused_and_says_so(cast, api_client):
    token, secret = api_token_create(user=cast.manager, name="sync")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.make_aware(dt.datetime(2026, 1, 31, 12)))

    response = me(api_client, secret)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "This API token expired on 2026-01-31. Create a new token.",
        "code": "token_expired",
    }


def test_the_refusal_is_in_swedish_for_a_client_that_asks_for_it(cast, api_client):
    token, secret = api_token_create(user=cast.manager, name="sync")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.make_aware(dt.datetime(2026, 1, 31, 12)))

    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="sv")

    assert response.json()["detail"] == "API-nyckeln slutade gälla 2026-01-31. Skapa en ny."


def test_a_revoked_token_is_refused_and_says_so(cast, api_client):
    token, secret = api_token_create(user=cast.manager, name="sync")
    assert me(api_client, secret).status_code == 200

    api_token_revoke(token=token)
    response = me(api_client, secret)

    assert response.status_code == 401
    assert response.json() == {
        "detail": f"This API token was revoked on {timezone.localdate():%Y-%m-%d}. Create a new token.",
        "code": "token_revoked",
    }


def test_the_revoke_command_ends_the_users_tokens(cast, api_client):
    secret = create("manager", "--name", "sync")[0].strip()

    call_command("revoke_api_tokens", "manager", stderr=StringIO())

    assert me(api_client, secret).json()["code"] == "token_revoked"


def test_deactivating_the_user_revokes_their_tokens(cast, api_client):
    from accounts.services import user_deactivate

    token, secret = api_token_create(user=cast.manager, name="sync")

    user_deactivate(user=cast.manager, actor=cast.admin)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert me(api_client, secret).status_code == 401


def test_a_token_needs_no_csrf_token_for_writes(cast):
    # Token requests come from other systems, not browsers: CSRF applies to session auth only.
    from rest_framework.test import APIClient

    _token, secret = api_token_create(user=cast.manager, name="sync")
    client = APIClient(enforce_csrf_checks=True)

    response = client.post("/api/v1/org-units/", {}, format="json", HTTP_AUTHORIZATION=f"Token {secret}")

    assert response.status_code == 405  # reached the view: authenticated, no CSRF refusal


# --- the plain tokens of before ------------------------------------------------------------


def test_the_data_migration_hashes_plain_tokens_which_keep_working(cast, api_client):
    # given: the table of Django REST framework's plain tokens, as psweb had it
    from django.apps import apps
    from django.utils.module_loading import import_string

    plain = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, "
            "user_id bigint NOT NULL)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [plain, cast.manager.pk])

    # when
    migrate = import_string("apitokens.migrations.0002_hash_plain_tokens.hash_plain_tokens")
    with connection.schema_editor() as editor:
        migrate(apps, editor)

    # then
    token = ApiToken.objects.get(user=cast.manager)
    assert token.name == "migrated plain token" and token.digest == digest(plain)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    assert me(api_client, plain).json()["username"] == "manager"


def test_creating_and_revoking_are_history_and_using_is_not(cast, api_client):
    from apitokens.models import ApiTokenEvent

    token, secret = api_token_create(user=cast.manager, name="sync")
    me(api_client, secret)

    api_token_revoke(token=token)

    assert list(ApiTokenEvent.objects.filter(pgh_obj=token).values_list("pgh_label", "revoked_at")) == [
        ("insert", None),
        ("update", token.revoked_at),
    ]
