"""While the database cannot be reached, every page and API call answers a clear 503 (with
Retry-After, in Swedish, saying to send again: psweb notices what was saved), never a 500 with a trace; once it is
back, the next request works without restarting anything. (The same with a real PostgreSQL
restarted under load: tests/integration/test_database_restart.py.)"""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    def down():
        monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)

    return down


@pytest.mark.parametrize("path", ["/", "/arenden/", "/rapportera/", "/healthz"])
def test_a_page_answers_503_while_the_database_is_down(cast, database_down, path):
    client = Client(raise_request_exception=False)
    client.force_login(cast.handler)
    database_down()

    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Databasen går inte att nå just nu." in page
    assert "psweb märker om det ändå hann sparas" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_an_api_call_answers_503_as_json(cast, database_down):
    from tests.factories import api_token_for

    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {api_token_for(cast.handler)}")
    database_down()

    response = client.post("/api/v1/incidents/", {"description": "Fall"}, content_type="application/json")

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "30"


def test_the_next_request_works_once_the_database_is_back(cast, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(cast.handler)
    original = BaseDatabaseWrapper.ensure_connection

    def refuse(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    assert client.get("/arenden/").status_code == 503
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", original)

    assert client.get("/arenden/").status_code == 200
