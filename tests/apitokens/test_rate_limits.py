"""Rate limits (issue 15, item 9): per user, per address, and on refused credentials, with
429, `Retry-After` and the IETF draft's `RateLimit`/`RateLimit-Policy` fields. The limits are
low here (tests/apitokens/conftest.py `limits`); every other test runs with limits no test
reaches (psweb/settings.py)."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from oauth2_provider.models import Application

from apitokens.schema import rate_limit_responses
from apitokens.services import api_token_create
from apitokens.throttling import Rate

pytestmark = pytest.mark.django_db


def token_client(secret: str, address: str = "192.0.2.10") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)


def test_each_answer_tells_what_is_left(cast, limits):
    limits(user="5/minute", address="100/minute")
    client = token_client(api_token_create(user=cast.handler, name="sync")[1])

    first = client.get("/api/v1/me/")
    second = client.get("/api/v1/me/")

    assert first.status_code == 200
    assert first["RateLimit-Policy"] == '"address";q=100;w=60, "user";q=5;w=60'
    assert first["RateLimit"] == '"address";r=99;t=40, "user";r=4;t=40'
    assert second["RateLimit"] == '"address";r=98;t=40, "user";r=3;t=40'


def test_a_user_over_the_limit_gets_429_with_retry_after(cast, limits):
    limits(user="3/minute")
    client = token_client(api_token_create(user=cast.handler, name="sync")[1])
    answers = [client.get("/api/v1/me/").status_code for _ in range(3)]

    refused = client.get("/api/v1/me/")

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused["RateLimit"] == '"user";r=0;t=40'
    assert refused.json() == {
        "detail": "Too many requests with these credentials. Try again in 40 seconds.",
        "code": "throttled",
    }


def test_the_user_limit_counts_every_credential_of_the_user(cast, limits):
    limits(user="2/minute")
    one = token_client(api_token_create(user=cast.handler, name="one")[1], address="192.0.2.1")
    two = token_client(api_token_create(user=cast.handler, name="two")[1], address="192.0.2.2")
    other = token_client(api_token_create(user=cast.manager, name="other")[1])

    assert [one.get("/api/v1/me/").status_code, two.get("/api/v1/me/").status_code] == [200, 200]
    assert two.get("/api/v1/me/").status_code == 429
    assert other.get("/api/v1/me/").status_code == 200


def test_an_address_over_the_limit_gets_429_whoever_asks(cast, limits):
    limits(address="2/minute")
    handler = token_client(api_token_create(user=cast.handler, name="sync")[1])
    manager = token_client(api_token_create(user=cast.manager, name="sync")[1])
    elsewhere = token_client(api_token_create(user=cast.manager, name="elsewhere")[1], address="198.51.100.7")

    assert [handler.get("/api/v1/me/").status_code, manager.get("/api/v1/me/").status_code] == [200, 200]
    refused = manager.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused.json()["detail"] == "Too many requests from this address. Try again in 40 seconds."
    assert elsewhere.get("/api/v1/me/").status_code == 200


def test_an_address_that_sends_bad_tokens_is_stopped_even_with_a_good_one(cast, limits):
    # given: three refused tokens from one address (today 200 in 1.5 s all got a plain 401)
    limits(auth_failure="3/minute")
    guesses = [token_client(f"{n:040x}").get("/api/v1/me/").status_code for n in range(3)]

    # when
    good = token_client(api_token_create(user=cast.handler, name="sync")[1])
    refused = good.get("/api/v1/me/")

    # then
    assert guesses == [401, 401, 401]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused["RateLimit-Policy"] == '"auth_failure";q=3;w=60'
    assert refused.json()["detail"] == "Too many refused credentials from this address. Try again in 40 seconds."
    assert token_client("0" * 40, address="198.51.100.7").get("/api/v1/me/").status_code == 401


def test_bad_bearer_tokens_count_as_refused_credentials(db, limits):
    limits(auth_failure="2/minute")
    client = Client(HTTP_AUTHORIZATION="Bearer made-up", REMOTE_ADDR="192.0.2.10")

    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [401, 401, 429]


def test_the_token_endpoint_stops_an_address_that_guesses_secrets(cast, limits):
    limits(auth_failure="2/minute", address="100/minute")
    application = Application.objects.create(
        name="BI",
        user=cast.viewer,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="the-right-secret-0123456789",
    )

    def ask(secret: str):
        basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
        return Client(REMOTE_ADDR="192.0.2.10").post(
            "/oauth/token/",
            urlencode({"grant_type": "client_credentials"}),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )

    answers = [ask(f"guess-{n}").status_code for n in range(2)]
    refused = ask("the-right-secret-0123456789")

    assert answers == [401, 401]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused.json()["error"] == "too_many_requests"


def test_session_requests_are_limited_per_user_too(cast, limits):
    limits(user="1/minute")
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.force_login(cast.handler)

    assert [client.get("/api/v1/me/").status_code for _ in range(2)] == [200, 429]


def test_the_address_is_the_connections_not_one_the_client_claims(cast, limits):
    limits(address="1/minute")
    client = token_client(api_token_create(user=cast.handler, name="sync")[1])

    client.get("/api/v1/me/", HTTP_X_FORWARDED_FOR="203.0.113.1")
    refused = client.get("/api/v1/me/", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert refused.status_code == 429


@pytest.mark.parametrize(
    ("text", "rate"), [("600/minute", Rate(600, 60)), ("20/m", Rate(20, 60)), ("5/hour", Rate(5, 3600))]
)
def test_rates_are_written_as_drf_writes_them(text, rate):
    assert Rate.parse(text) == rate


def test_the_schema_documents_429_and_the_headers_on_every_operation(db):
    schema = rate_limit_responses(SchemaGenerator().get_schema(request=None, public=True), None, None, True)

    operations = [
        (path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/v1/") and method in {"get", "post", "put", "patch", "delete"}
    ]
    assert operations
    for path, operation in operations:
        refused = operation["responses"]["429"]
        assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(refused["headers"]), path
        assert all("RateLimit" in answer.get("headers", {}) for answer in operation["responses"].values()), path
    schemes = schema["components"]["securitySchemes"]
    assert schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token/"
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A personal API token: `Authorization: Token <secret>` (shown once when created).",
    }


def test_with_redis_every_process_counts_into_the_same_window(cast, limits, redis_url):
    # given: the counters in a real Redis, as in production (CACHE_URL=redis://…)
    import redis
    from django.core.cache import caches
    from django.test import override_settings

    limits(user="3/minute")
    server = redis.Redis.from_url(redis_url)
    shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    client = token_client(api_token_create(user=cast.handler, name="sync")[1])
    with override_settings(CACHES={**settings.CACHES, "ratelimit": shared}, API_RATE_LIMIT_CACHE="ratelimit"):
        answers = [client.get("/api/v1/me/").status_code for _ in range(2)]
        (key,) = server.keys("*psweb:ratelimit:user:*")
        expires_in = server.ttl(key)

        # when: another web process counts one request of the same user
        server.incr(key)
        third = client.get("/api/v1/me/")
        caches["ratelimit"].clear()

    # then
    assert answers == [200, 200]
    assert 0 < expires_in <= 61
    assert third.status_code == 429 and third["RateLimit"] == '"user";r=0;t=40'
