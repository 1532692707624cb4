"""/api/schema/ and /api/docs/ are for signed-in users unless API_DOCS_PUBLIC says otherwise
(issue 15, item 15; psweb.api_docs, docs/api.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_token_for

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
DOCS = "/api/docs/"
OPENAPI_JSON = "application/vnd.oai.openapi+json"


def test_by_default_a_stranger_gets_neither_the_schema_nor_the_docs(client):
    schema = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI_JSON)
    docs = client.get(DOCS)
    script = client.get(DOCS, {"script": ""})

    assert schema.status_code == 401
    assert b"paths" not in schema.content
    assert docs.status_code == 302 and docs["Location"].startswith("/logga-in/")
    assert script.status_code == 302 and script["Location"].startswith("/logga-in/")


def test_an_api_client_reads_the_schema_with_its_token(cast):
    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_for(cast.handler)}")

    response = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI_JSON)

    assert response.status_code == 200
    assert "/api/v1/me/" in response.json()["paths"]


def test_a_signed_in_user_reads_the_docs(login, cast):
    client = login(cast.viewer)

    assert client.get(DOCS).status_code == 200
    assert client.get(SCHEMA, HTTP_ACCEPT=OPENAPI_JSON).status_code == 200


def test_api_docs_public_opens_both_to_everyone(client, settings):
    settings.API_DOCS_PUBLIC = True

    assert client.get(SCHEMA, HTTP_ACCEPT=OPENAPI_JSON).json()["openapi"].startswith("3.")
    assert client.get(DOCS).status_code == 200
    assert client.get(DOCS, {"script": ""}).status_code == 200


def test_the_default_is_closed():
    from django.conf import settings

    assert settings.API_DOCS_PUBLIC is False
