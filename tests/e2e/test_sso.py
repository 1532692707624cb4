"""Single sign-on in Chromium (Playwright, as tests/e2e): a new nurse signs in with SITHS at a
real OpenID provider and reports at once; signing out ends both sessions; a refused ID token
shows the Swedish reason."""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

import pytest

from accounts.models import Membership
from accounts.roles import Role
from incidents.models import Incident, Status
from tests.factories import make_unit
from tests.sso.conftest import CLIENT_ID, CLIENT_SECRET, USERS, WARD_HSA_ID, Provider, _requirement_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser_provider(live_server, tmp_path_factory):
    """A provider whose client sends the browser back to the live server."""
    import shutil

    from tests.sso.conftest import BASE_DIR

    if shutil.which("node") is None or not (BASE_DIR / "node_modules" / "oidc-provider").is_dir():
        _requirement_or_skip("node and the npm package oidc-provider are needed: npm ci")
    provider = Provider(tmp_path_factory.mktemp("oidc-provider-browser"), psweb=live_server.url)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(browser_provider, live_server, settings):
    browser_provider.tamper("")
    settings.OIDC_ISSUER = browser_provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_SCOPES = "openid profile email"
    settings.OIDC_ROLE_CLAIM = ""
    settings.PSWEB_BASE_URL = live_server.url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], browser_provider.issuer]
    settings.CONTENT_SECURITY_POLICY = policy  # as psweb/settings.py does when OIDC_ISSUER is set
    return browser_provider


@pytest.fixture
def ward(transactional_db):
    region = make_unit("Region Testland")
    return make_unit("Avdelning 7", parent=region, hsa_id=WARD_HSA_ID)


def _sign_in_at_provider(tab, live_server, login: str) -> None:
    tab.goto(f"{live_server.url}/logga-in/")
    tab.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
    tab.fill("input[name=login]", login)
    tab.locator("button[type=submit]").click()


def test_a_new_nurse_signs_in_with_siths_reports_and_signs_out_of_both(page, live_server, sso, ward):
    _sign_in_at_provider(page, live_server, "anna")
    page.wait_for_url(f"{live_server.url}/")
    assert "Anna Sjöberg" in page.locator(".account__name").inner_text()
    assert Membership.objects.get(user__hsa_id=USERS["anna"]["employeeHsaId"]).role == Role.REPORTER

    # She reports at once: the form knows her unit from the commission.
    page.locator("a.button--report").first.click()
    page.wait_for_url(f"{live_server.url}/rapportera/")
    assert page.locator("#id_unit").input_value() == str(ward.pk)
    page.fill("#id_description", "Patienten fick fel dos vid skiftbytet.")
    page.locator("label[for=id_case_type_0]").click()
    page.locator("label[for=id_reported_kind_2]").click()
    page.locator("[data-send]").click()
    page.wait_for_url(f"{live_server.url}/rapportera/*/skickad/")
    assert Incident.objects.get(reporter__hsa_id=USERS["anna"]["employeeHsaId"]).status == Status.SUBMITTED

    # Signing out goes on to the provider, which asks, and comes back to the sign-in page.
    page.locator(".account__logout button").click()
    page.wait_for_url(f"{sso.issuer}/session/end*")
    page.locator("button[name=logout][value=yes]").click()
    page.wait_for_url(f"{live_server.url}/logga-in/*")
    assert "Logga in med e-tjänstekort (SITHS)" in page.content()

    # Both sessions are over: psweb sends her to the sign-in page, the provider asks who she is.
    page.goto(f"{live_server.url}/rapportera/")
    assert urlsplit(page.url).path == "/logga-in/"
    page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
    assert page.locator("input[name=login]").is_visible()


def test_a_refused_id_token_shows_the_reason_in_swedish(page, live_server, sso, ward):
    sso.tamper("wrong-audience")

    _sign_in_at_provider(page, live_server, "cecilia")

    page.wait_for_url(f"{live_server.url}/logga-in/")
    assert (
        "Inloggningen kunde inte slutföras: svaret var avsett för en annan tjänst än psweb."
        in page.locator("main").inner_text()
    )
    assert not Membership.objects.exists()
