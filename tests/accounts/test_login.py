"""Signing in and out, failed-login throttling and the idle-session timeout, as a user meets them."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.forms import LoginForm
from accounts.middleware import LAST_SEEN_KEY

LOGIN_URL = "/logga-in/"
LOGOUT_URL = "/logga-ut/"


def _in_swedish(message) -> str:
    """The text as a Swedish-speaking user sees it (English source until the .po has it)."""
    with translation.override("sv"):
        return str(message)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _attempt(client, username: str, password: str):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_the_login_page_is_swedish_by_default(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()
    assert response.templates[0].name == "registration/login.html"


def test_the_urls_are_the_swedish_ones():
    assert reverse("login") == LOGIN_URL
    assert reverse("logout") == LOGOUT_URL


def test_it_signs_in_with_the_right_password(client, cast, password):
    response = _attempt(client, "reporter", password)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in(client)


def test_a_wrong_password_shows_the_error_and_starts_no_session(client, cast):
    response = _attempt(client, "reporter", "not-the-password")

    assert response.status_code == 200
    page = response.content.decode()
    assert _in_swedish(LoginForm.error_messages["invalid_login"]) in page
    assert 'class="error-summary"' in page
    assert not _signed_in(client)


def test_an_empty_form_says_which_fields_are_missing(client, cast):
    response = client.post(LOGIN_URL, {"username": "", "password": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_username"' in page
    assert 'aria-invalid="true"' in page
    assert not _signed_in(client)


def test_after_five_failures_even_the_right_password_is_refused(client, cast, password):
    # given five wrong passwords for one user name from one address
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        _attempt(client, "reporter", "wrong-password")

    # when the sixth attempt has the right password
    response = _attempt(client, "reporter", password)

    # then the lockout page answers and no session starts
    assert response.status_code in (403, 429)
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert '<html lang="sv">' in response.content.decode()
    assert not _signed_in(client)


def test_the_lockout_concerns_only_that_user_name(client, cast, password):
    for _ in range(6):
        _attempt(client, "reporter", "wrong-password")

    response = _attempt(client, "handler", password)

    assert response.status_code == 302
    assert _signed_in(client)


def test_a_successful_sign_in_resets_the_failure_count(client, cast, password):
    # given four failures and then a success
    for _ in range(4):
        _attempt(client, "reporter", "wrong-password")
    assert _attempt(client, "reporter", password).status_code == 302
    client.post(LOGOUT_URL)

    # when four more failures follow (eight in all, but only four since the success)
    for _ in range(4):
        _attempt(client, "reporter", "wrong-password")
    response = _attempt(client, "reporter", password)

    # then the right password still works
    assert response.status_code == 302
    assert _signed_in(client)


def test_logout_by_get_is_refused(login, cast):
    client = login(cast.reporter)

    response = client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert _signed_in(client)
    # The page offers the sign-out button instead of a blank page.
    assert f'action="{LOGOUT_URL}"' in response.content.decode()


def test_logout_by_post_ends_the_session(login, cast):
    client = login(cast.reporter)

    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not _signed_in(client)
    assert _in_swedish(translation.gettext_lazy("You are signed out.")) in client.get(LOGIN_URL).content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_an_idle_session_is_signed_out_and_sent_to_login_with_a_message(login, cast):
    # given a session last seen longer ago than the idle timeout
    client = login(cast.reporter)
    client.get(reverse("home"))
    _age_session(client, int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) + 60)

    # when the user comes back
    response = client.get(reverse("membership-list") + "?role=handler")

    # then they are signed out and sent to the sign-in page, which says why
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL + "?next=")
    assert not _signed_in(client)
    page = client.get(response["Location"]).content.decode()
    minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
    expected = _in_swedish(
        translation.gettext_lazy(
            "You were signed out after %(minutes)d minutes without activity. Please sign in again."
        )
    ) % {"minutes": minutes}
    assert expected in page


def test_an_active_session_stays_signed_in(login, cast):
    client = login(cast.reporter)
    client.get(reverse("home"))
    _age_session(client, int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) - 60)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert _signed_in(client)
    # The visit counts as activity: the clock starts again.
    assert time.time() - client.session[LAST_SEEN_KEY] < 5


def test_an_api_request_with_an_idle_session_gets_a_json_refusal(login, cast):
    client = login(cast.reporter)
    assert client.get("/api/v1/me/").status_code == 200
    _age_session(client, int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) + 60)

    response = client.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert not _signed_in(client)


def test_an_htmx_request_with_an_idle_session_redirects_the_whole_page(login, cast):
    client = login(cast.reporter)
    client.get(reverse("home"))
    _age_session(client, int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) + 60)

    response = client.get(reverse("home"), headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == LOGIN_URL
    assert not _signed_in(client)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_language_switch_changes_the_page_language(client, db, language):
    other = "en" if language == "sv" else "sv"
    client.post(reverse("set_language"), {"language": other, "next": LOGIN_URL})
    client.post(reverse("set_language"), {"language": language, "next": LOGIN_URL})

    response = client.get(LOGIN_URL)

    assert f'<html lang="{language}">' in response.content.decode()
