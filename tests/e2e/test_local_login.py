"""A break-glass administrator signs in with password and authenticator code in the browser
(LOCAL_LOGIN=admins, LOCAL_LOGIN_OTP on; accounts.local_login); the pages pass axe."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.helpers import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@override_settings(LOCAL_LOGIN="admins", LOCAL_LOGIN_OTP=True)
def test_an_administrator_signs_in_with_password_and_code(page, live_server, cast, password):
    device = TOTPDevice.objects.create(user=cast.admin, name="test", confirmed=True)

    page.goto(f"{live_server.url}/logga-in/")
    assert serious_violations(page) == []
    page.fill("#id_username", cast.admin.username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/logga-in/kod/")
    assert serious_violations(page) == []
    page.fill("#id_code", f"{totp(device.bin_key):06d}")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("form.account__logout button").is_visible()


@override_settings(LOCAL_LOGIN="admins", LOCAL_LOGIN_OTP=True)
def test_a_wrong_code_puts_focus_on_the_error_summary(page, live_server, cast, password):
    device = TOTPDevice.objects.create(user=cast.admin, name="test", confirmed=True)
    page.goto(f"{live_server.url}/logga-in/")
    page.fill("#id_username", cast.admin.username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/logga-in/kod/")

    page.fill("#id_code", f"{(totp(device.bin_key) + 1) % 10**6:06d}")
    page.locator("main form button[type=submit]").click()

    page.locator(".error-summary").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert serious_violations(page) == []
