"""Failed sign-ins from one address across many accounts are throttled too (issue 15, item 14;
accounts.lockout): a few wrong passwords on each of many accounts no longer pass unnoticed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/logga-in/"
ATTACKER = "203.0.113.7"
WARD_PC = "10.1.2.3"
ADDRESS_MESSAGE = (
    "Signing in from your device is blocked for a while: wrong passwords have been tried on several accounts from it."
)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def accounts() -> list:
    return [UserFactory(username=f"konto{n}") for n in range(9)]


def _attempt(client, username: str, password: str, address: str = ATTACKER):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_limits_are_the_documented_ones():
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT) == (5, 20)


def test_four_wrong_passwords_on_each_of_nine_accounts_lock_the_address(client, accounts, password):
    # given four wrong passwords on each of nine accounts, never five on one
    answers = [
        _attempt(client, account.username, f"gissning-{guess}").status_code
        for account in accounts
        for guess in range(4)
    ]

    # then from the twentieth failure on, the address is refused
    assert answers[: settings.AXES_ADDRESS_FAILURE_LIMIT - 1] == [200] * (settings.AXES_ADDRESS_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_ADDRESS_FAILURE_LIMIT - 1 :]) == {429}

    # and even the right password of an account never tried is refused, with a clear message
    fresh = UserFactory(username="orord")
    response = _attempt(client, fresh.username, password)
    assert response.status_code == 429
    assert not _signed_in(client)
    assert ADDRESS_MESSAGE in response.content.decode()


def test_the_message_is_swedish_by_default(client, accounts):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    for account in accounts:
        for guess in range(4):
            _attempt(client, account.username, f"gissning-{guess}")

    page = _attempt(client, accounts[0].username, "gissning").content.decode()

    with translation.override("sv"):
        swedish = translation.gettext(ADDRESS_MESSAGE)
    assert swedish != ADDRESS_MESSAGE, "no Swedish translation"
    assert swedish in page


def test_another_address_is_not_affected(client, accounts, password):
    for account in accounts:
        for guess in range(4):
            _attempt(client, account.username, f"gissning-{guess}")

    response = _attempt(client, accounts[0].username, password, address=WARD_PC)

    assert response.status_code == 302
    assert _signed_in(client)


def test_colleagues_mistyping_on_a_shared_pc_are_not_locked_out(client, accounts, password):
    # given eight colleagues at one ward PC who each mistype twice before getting it right
    for account in accounts[:8]:
        _attempt(client, account.username, "fel", address=WARD_PC)
        _attempt(client, account.username, "fel igen", address=WARD_PC)
        assert _attempt(client, account.username, password, address=WARD_PC).status_code == 302
        client.post("/logga-ut/")

    # then the ninth signs in as usual
    assert _attempt(client, accounts[8].username, password, address=WARD_PC).status_code == 302


def test_one_account_is_still_locked_after_five_failures_with_the_account_message(client, accounts, password):
    for guess in range(5):
        _attempt(client, accounts[0].username, f"gissning-{guess}")

    response = _attempt(client, accounts[0].username, password)

    assert response.status_code == 429
    assert ADDRESS_MESSAGE not in response.content.decode()
    assert _attempt(client, accounts[1].username, password).status_code == 302
