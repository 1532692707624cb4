"""Local accounts as break-glass accounts (issue 16, item 3; accounts.local_login).

LOCAL_LOGIN=admins lets only administrators sign in with a password, with one answer for every
refusal; `off` has no password form; LOCAL_LOGIN_OTP asks for a code from an authenticator app
(TOTP, RFC 6238) before the session is signed in; the Django admin cannot be reached past it.
The codes are computed here with django-otp's own TOTP from the device's key, as an app would.
"""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import local_login
from accounts.forms import LoginForm
from accounts.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.test_settings import loaded_settings, manage

LOGIN_URL = "/logga-in/"
CODE_URL = "/logga-in/kod/"

ADMINS = override_settings(LOCAL_LOGIN="admins", LOCAL_LOGIN_OTP=False)
OFF = override_settings(LOCAL_LOGIN="off", LOCAL_LOGIN_OTP=False)
OTP = override_settings(LOCAL_LOGIN="admins", LOCAL_LOGIN_OTP=True)


def _sv(message) -> str:
    with translation.override("sv"):
        return str(message)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _attempt(client, username: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def _code(device, offset: int = 0) -> str:
    return f"{(totp(device.bin_key, device.step, device.t0, device.digits, device.drift) + offset) % 10**6:06d}"


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def _failures(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


# --- the defaults ---------------------------------------------------------------------------


def test_the_tests_run_with_every_local_account_and_no_code(settings):
    # DEBUG or the tests: as before (the login tests and the browser tests rely on it)
    assert settings.LOCAL_LOGIN == "all"
    assert settings.LOCAL_LOGIN_OTP is False


def test_all_lets_a_reporter_sign_in(client, cast, password):
    with override_settings(LOCAL_LOGIN="all", LOCAL_LOGIN_OTP=False):
        response = _attempt(client, "reporter", password)

    assert response.status_code == 302
    assert _signed_in(client)


# --- LOCAL_LOGIN=admins ---------------------------------------------------------------------


@ADMINS
def test_admins_refuses_a_reporter_with_the_right_password_as_with_a_wrong_one(client, cast, password):
    right = _attempt(client, "reporter", password)
    assert not _signed_in(client)
    wrong = _attempt(client, "reporter", "not-the-password")
    unknown = _attempt(client, "nobody-by-this-name", "not-the-password")

    message = _sv(local_login.ADMINS_ONLY_MESSAGE)
    for response in (right, wrong, unknown):
        assert response.status_code == 200
        assert message in response.content.decode()
        assert _sv(LoginForm.error_messages["invalid_login"]) not in response.content.decode()
    assert not _signed_in(client)
    # each counts as a failed sign-in, the right password too: the lockout answers alike
    assert _failures("reporter") == 2
    assert _failures("nobody-by-this-name") == 1


@ADMINS
def test_the_message_sends_staff_to_their_sithscard(client, cast, password):
    page = _attempt(client, "reporter", password).content.decode()

    assert "e-tjänstekort (SITHS)" in page


@ADMINS
def test_admins_locks_out_a_reporter_after_five_tries_whatever_the_password(client, cast, password):
    for _ in range(5):
        _attempt(client, "reporter", password)

    response = _attempt(client, "reporter", password)

    assert response.status_code in (403, 429)
    assert "registration/locked_out.html" in [t.name for t in response.templates]


@ADMINS
def test_admins_lets_the_system_administrator_sign_in(client, cast, password):
    response = _attempt(client, "admin", password)

    assert response.status_code == 302
    assert _signed_in(client)
    assert client.session[local_login.LOGIN_METHOD_SESSION_KEY] == local_login.LOCAL_ONE_FACTOR


@ADMINS
@pytest.mark.parametrize(
    "kind", ["admin role only", "staff only", "superuser only"], ids=["role", "staff", "superuser"]
)
def test_each_kind_of_administrator_may_sign_in(client, tree, password, kind):
    user = UserFactory(username="breakglass", is_staff=kind == "staff only", is_superuser=kind == "superuser only")
    if kind == "admin role only":
        MembershipFactory(user=user, unit=tree.region, role=Role.ADMIN)

    assert _attempt(client, "breakglass", password).status_code == 302
    assert _signed_in(client)


@ADMINS
def test_an_ended_admin_membership_no_longer_counts(client, tree, password):
    user = UserFactory(username="former")
    MembershipFactory(
        user=user, unit=tree.region, role=Role.ADMIN, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2020, 12, 31)
    )

    response = _attempt(client, "former", password)

    assert response.status_code == 200
    assert not _signed_in(client)


@ADMINS
def test_the_page_says_the_password_is_for_administrators(client, db):
    page = client.get(LOGIN_URL).content.decode()

    assert 'id="id_username"' in page
    assert "systemadministratörer" in page or "system administrators" in page


# --- LOCAL_LOGIN=off ------------------------------------------------------------------------


@OFF
def test_off_shows_no_password_form(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_username"' not in page
    assert 'id="id_password"' not in page


@OFF
def test_off_refuses_a_post_even_with_the_right_password(client, cast, password):
    response = _attempt(client, "admin", password)

    assert response.status_code == 403
    assert not _signed_in(client)
    assert 'id="id_password"' not in response.content.decode()


# --- LOCAL_LOGIN_OTP: the second step --------------------------------------------------------


@OTP
def test_the_password_alone_does_not_sign_in(client, cast, password):
    _device(cast.admin)

    response = _attempt(client, "admin", password)

    assert response.status_code == 302
    assert response["Location"] == CODE_URL
    assert not _signed_in(client)
    page = client.get(CODE_URL)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    assert not _signed_in(client)


@OTP
def test_the_right_code_signs_in_and_goes_on_to_next(client, cast, password):
    device = _device(cast.admin)
    _attempt(client, "admin", password, next="/admin/")

    response = client.post(CODE_URL, {"code": _code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert _signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session[local_login.LOGIN_METHOD_SESSION_KEY] == local_login.LOCAL_TWO_FACTORS
    assert local_login.PENDING_SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 200


@OTP
def test_a_wrong_code_is_refused_and_starts_no_session(client, cast, password):
    device = _device(cast.admin)
    _attempt(client, "admin", password)

    response = client.post(CODE_URL, {"code": _code(device, offset=1)})

    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert not _signed_in(client)
    # and right after it, django-otp's throttle refuses even the right code for a while
    throttled = client.post(CODE_URL, {"code": _code(device)})
    assert throttled.status_code == 200
    assert not _signed_in(client)


@OTP
def test_a_code_that_is_not_six_digits_says_so(client, cast, password):
    _device(cast.admin)
    _attempt(client, "admin", password)

    response = client.post(CODE_URL, {"code": "12ab"})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not _signed_in(client)


@OTP
def test_five_wrong_codes_end_the_pending_sign_in(client, cast, password):
    device = _device(cast.admin)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False) as traveller:
        _attempt(client, "admin", password)
        for _ in range(local_login.MAX_WRONG_CODES - 1):
            assert client.post(CODE_URL, {"code": _code(device, offset=1)}).status_code == 200
            traveller.shift(20)  # past django-otp's doubling wait (1, 2, 4, 8 s)
        last = client.post(CODE_URL, {"code": _code(device, offset=1)})
        traveller.shift(60)

        assert last.status_code == 302
        assert last["Location"] == LOGIN_URL
        assert local_login.PENDING_SESSION_KEY not in client.session
        # the right code is no use now: the password must be given again
        response = client.post(CODE_URL, {"code": _code(device)})
    assert response["Location"] == LOGIN_URL
    assert not _signed_in(client)


@OTP
def test_the_pending_sign_in_expires(client, cast, password):
    device = _device(cast.admin)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False) as traveller:
        _attempt(client, "admin", password)
        traveller.shift(local_login.PENDING_MAX_AGE + 1)
        response = client.post(CODE_URL, {"code": _code(device)})

    assert response["Location"] == LOGIN_URL
    assert not _signed_in(client)


@OTP
def test_a_user_without_a_device_cannot_sign_in_and_is_told_whom_to_ask(client, cast, password):
    response = _attempt(client, "admin", password)

    assert response.status_code == 200
    assert _sv(local_login.NO_DEVICE_MESSAGE) in response.content.decode()
    assert not _signed_in(client)
    assert local_login.PENDING_SESSION_KEY not in client.session


@OTP
def test_the_code_page_without_a_password_first_sends_back(client, cast):
    _device(cast.admin)

    assert client.get(CODE_URL)["Location"] == LOGIN_URL
    assert client.post(CODE_URL, {"code": "123456"})["Location"] == LOGIN_URL
    assert not _signed_in(client)


@OTP
def test_admins_mode_still_refuses_a_reporter_with_a_device(client, cast, password):
    _device(cast.reporter)

    response = _attempt(client, "reporter", password)

    assert response.status_code == 200
    assert _sv(local_login.ADMINS_ONLY_MESSAGE) in response.content.decode()
    assert local_login.PENDING_SESSION_KEY not in client.session


# --- the management command -----------------------------------------------------------------


def test_totp_device_prints_a_uri_whose_code_verifies(cast):
    out = StringIO()
    call_command("totp_device", "admin", stdout=out, stderr=StringIO())

    uri = re.search(r"otpauth://\S+", out.getvalue()).group(0)
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    query = parse_qs(parts.query)
    secret = query["secret"][0]
    assert secret in out.getvalue()
    assert query["digits"] == ["6"] and query["period"] == ["30"] and query["issuer"] == ["psweb"]
    # an app that knows only the URI computes a code the device accepts
    code = totp(b32decode(secret), step=30, t0=0, digits=6)
    device = TOTPDevice.objects.get(user=cast.admin)
    assert device.confirmed
    assert device.verify_token(f"{code:06d}")


def test_totp_device_replaces_the_earlier_device(cast):
    call_command("totp_device", "admin", stdout=StringIO(), stderr=StringIO())
    first = TOTPDevice.objects.get(user=cast.admin)

    call_command("totp_device", "admin", stdout=StringIO(), stderr=StringIO())

    devices = TOTPDevice.objects.filter(user=cast.admin)
    assert devices.count() == 1
    assert devices.get().key != first.key


def test_totp_device_removes_and_refuses_an_unknown_user(cast):
    _device(cast.admin)
    call_command("totp_device", "admin", "--remove", stdout=StringIO())
    assert not TOTPDevice.objects.filter(user=cast.admin).exists()

    with pytest.raises(CommandError, match="no user named"):
        call_command("totp_device", "nobody-by-this-name", stdout=StringIO())


@OTP
def test_the_command_warns_when_the_account_may_not_sign_in_locally(cast):
    err = StringIO()
    call_command("totp_device", "reporter", stdout=StringIO(), stderr=err)

    assert "LOCAL_LOGIN" in err.getvalue()


@OTP
def test_a_device_from_the_command_signs_in(client, cast, password):
    out = StringIO()
    call_command("totp_device", "admin", stdout=out, stderr=StringIO())
    secret = parse_qs(urlsplit(re.search(r"otpauth://\S+", out.getvalue()).group(0)).query)["secret"][0]

    _attempt(client, "admin", password)
    response = client.post(CODE_URL, {"code": f"{totp(b32decode(secret)):06d}"})

    assert response.status_code == 302
    assert _signed_in(client)


# --- the Django admin -----------------------------------------------------------------------


@OTP
def test_the_admin_login_sends_to_psweb_sign_in(client, cast):
    response = client.get(reverse("admin:login"), {"next": "/admin/accounts/user/"})

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN_URL
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/admin/accounts/user/"]


@OTP
def test_a_password_posted_to_the_admin_login_signs_nobody_in(client, cast, password):
    _device(cast.admin)

    response = client.post(reverse("admin:login"), {"username": "admin", "password": password, "next": "/admin/"})

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN_URL
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302


@override_settings(LOCAL_LOGIN="all", LOCAL_LOGIN_OTP=False)
def test_the_admin_login_sends_to_psweb_sign_in_in_development_too(client, cast, password):
    response = client.get("/admin/")
    assert urlsplit(response["Location"]).path == reverse("admin:login")

    response = client.get(response["Location"])
    assert urlsplit(response["Location"]).path == LOGIN_URL

    _attempt(client, "admin", password, next="/admin/")
    assert client.get("/admin/").status_code == 200


def test_a_session_from_a_password_alone_does_not_open_the_admin_once_codes_are_required(client, cast, password):
    with override_settings(LOCAL_LOGIN="admins", LOCAL_LOGIN_OTP=False):
        _attempt(client, "admin", password)
        assert client.get("/admin/").status_code == 200

    with OTP:
        response = client.get("/admin/")
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("admin:login")
        # the admin's sign-in page explains instead of sending round in a circle
        assert client.get(response["Location"]).status_code == 403


@OTP
def test_single_sign_on_sessions_open_the_admin(login, cast):
    # sso/ signs in with django.contrib.auth.login, as force_login does: no password, no code
    assert login(cast.admin).get("/admin/").status_code == 200


# --- production defaults and start-up checks -------------------------------------------------


def test_production_defaults_are_admins_with_a_code():
    values = loaded_settings("LOCAL_LOGIN", "LOCAL_LOGIN_OTP")

    assert values == {"LOCAL_LOGIN": "admins", "LOCAL_LOGIN_OTP": True}


def test_development_defaults_let_the_demo_users_in():
    values = loaded_settings("LOCAL_LOGIN", "LOCAL_LOGIN_OTP", DEBUG="true")

    assert values == {"LOCAL_LOGIN": "all", "LOCAL_LOGIN_OTP": False}


def test_an_unknown_local_login_value_stops_start_up():
    result = manage("check", LOCAL_LOGIN="everyone")

    assert result.returncode != 0
    assert "LOCAL_LOGIN must be admins, all or off" in result.stderr


def test_check_deploy_warns_of_passwords_for_all_and_without_a_code():
    result = manage("check", "--deploy", "--fail-level", "WARNING", LOCAL_LOGIN="all", LOCAL_LOGIN_OTP="false")

    assert result.returncode != 0
    assert "accounts.W004" in result.stderr
    assert "accounts.W005" in result.stderr


@override_settings(LOCAL_LOGIN="off", LOCAL_LOGIN_OTP=True)
def test_api_tokens_are_not_affected(api_client, cast):
    from apitokens.services import api_token_create

    _, secret = api_token_create(user=cast.reporter, name="integration")

    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
