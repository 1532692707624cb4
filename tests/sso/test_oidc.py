"""Single sign-on with OpenID Connect against a real provider (oidc-provider, tests/sso/conftest.py):
just-in-time users identified by HSA-id, their reporter membership, unmatched commissions,
each refused ID token, key rotation and logout at both ends."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from accounts.models import Membership, local_today
from accounts.roles import Role
from sso.models import UnmatchedCommission
from tests.factories import UserFactory, make_unit
from tests.sso.conftest import UNKNOWN_UNIT_HSA_ID, USERS, WARD_HSA_ID

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def ward(db):
    region = make_unit("Region Testland", hsa_id="SE2321000016-0000")
    clinic = make_unit("Medicinkliniken", parent=region, kind_code="verksamhet")
    return make_unit("Avdelning 7", parent=clinic, hsa_id=WARD_HSA_ID)


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def messages_on(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_sign_in_page_offers_siths_first_when_configured(provider, client):
    page = client.get(reverse("login")).content.decode()

    assert "Log in with e-tjänstekort (SITHS)" in page
    assert page.index("Log in with e-tjänstekort (SITHS)") < page.index('name="username"')
    assert 'href="/oidc/login/"' in page


def test_without_an_issuer_there_is_no_sso(client, settings):
    settings.OIDC_ISSUER = ""

    assert "SITHS" not in client.get(reverse("login")).content.decode()
    assert client.get("/oidc/login/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_a_new_nurse_signs_in_and_can_report_at_once(idp_browser, ward, client):
    response = idp_browser.sign_in("anna")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(hsa_id=USERS["anna"]["employeeHsaId"])
    assert signed_in_user(client) == user
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Sjöberg", "anna.sjoberg@region.example.invalid")
    assert user.username == USERS["anna"]["employeeHsaId"]
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.unit, membership.role, membership.valid_from, membership.valid_to) == (
        ward,
        Role.REPORTER,
        local_today(),
        None,
    )
    assert client.get(reverse("incidents:report")).status_code == 200

    # The PKCE challenge and the nonce went out with the authorization request.
    client.logout()
    start = client.get("/oidc/login/")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]


def test_signing_in_again_creates_nothing_new_and_keeps_next(idp_browser, ward, client):
    idp_browser.sign_in("anna")
    client.logout()

    response = idp_browser.sign_in(None, next_url="/mina-avvikelser/")

    assert response["Location"] == "/mina-avvikelser/"
    assert User.objects.filter(hsa_id=USERS["anna"]["employeeHsaId"]).count() == 1
    assert Membership.objects.filter(unit=ward).count() == 1


def test_an_existing_user_is_found_by_hsa_id_after_her_email_changed(provider, idp_browser, ward, client):
    existing = UserFactory(
        username="anna.s", hsa_id=USERS["anna"]["employeeHsaId"], email="anna.gammal@region.example.invalid"
    )
    Membership.objects.create(user=existing, unit=ward, role=Role.HANDLER)
    # Another account with her new address is not her: e-mail identifies nobody.
    UserFactory(username="namne", email="anna.sjoberg@region.example.invalid")
    users_before = User.objects.count()

    idp_browser.sign_in("anna")

    assert signed_in_user(client) == existing
    existing.refresh_from_db()
    assert existing.email == "anna.sjoberg@region.example.invalid"
    assert existing.username == "anna.s" and existing.has_usable_password()
    assert User.objects.count() == users_before
    # She already has a role in her commission's unit: no reporter membership on top.
    assert list(Membership.objects.filter(user=existing).values_list("role", flat=True)) == [Role.HANDLER]


def test_an_unknown_unit_signs_her_in_without_membership_and_is_listed(idp_browser, admin_client, client):
    idp_browser.sign_in("bertil")

    user = signed_in_user(client)
    assert user.is_authenticated and user.hsa_id == USERS["bertil"]["employeeHsaId"]
    assert not Membership.objects.filter(user=user).exists()
    unmatched = UnmatchedCommission.objects.get()
    assert (unmatched.user, unmatched.unit_hsa_id, unmatched.resolved) == (user, UNKNOWN_UNIT_HSA_ID, False)
    # and she reports at once, choosing the unit in the form (PSL 6 kap. 4 §)
    assert client.get(reverse("incidents:report")).status_code == 200

    page = admin_client.get(reverse("admin:sso_unmatchedcommission_changelist")).content.decode()
    assert UNKNOWN_UNIT_HSA_ID in page
    with translation.override("sv"):
        assert capfirst(UnmatchedCommission._meta.verbose_name_plural) == "Omatchade medarbetaruppdrag"


def test_an_unmatched_commission_is_resolved_once_the_unit_is_known(provider, idp_browser, client):
    idp_browser.sign_in("bertil")
    client.logout()
    unit = make_unit("Nya enheten", hsa_id=UNKNOWN_UNIT_HSA_ID)

    idp_browser.sign_in(None)

    assert UnmatchedCommission.objects.get().resolved
    assert Membership.objects.get(user__hsa_id=USERS["bertil"]["employeeHsaId"]).unit == unit


def test_roles_from_the_role_claim(provider, idp_browser, ward, settings):
    settings.OIDC_ROLE_CLAIM = "psweb_roles"
    users = {**USERS, "anna": {**USERS["anna"], "psweb_roles": [f"handler@{WARD_HSA_ID}", "king@X", "manager@NOPE"]}}
    provider.set_users(users)

    idp_browser.sign_in("anna")

    roles = set(Membership.objects.filter(user__hsa_id=USERS["anna"]["employeeHsaId"]).values_list("role", flat=True))
    assert roles == {Role.REPORTER, Role.HANDLER}


@pytest.mark.parametrize(
    ("defect", "reason"),
    [
        ("wrong-audience", "the answer was meant for another service than psweb."),
        ("bad-nonce", "the answer did not belong to this sign-in."),
        ("expired", "the answer from the identity provider has expired."),
        ("wrong-issuer", "the answer came from another issuer than psweb's identity provider."),
        ("foreign-key", "the signature of the answer from the identity provider could not be verified."),
    ],
)
def test_a_defective_id_token_is_refused_and_creates_nothing(
    provider, idp_browser, ward, client, caplog, defect, reason
):
    provider.tamper(defect)

    with caplog.at_level(logging.WARNING, logger="sso"):
        response = idp_browser.sign_in("anna")

    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(response["Location"])
    assert f"The sign-in could not be completed: {reason}" in messages_on(page)
    assert not page.wsgi_request.user.is_authenticated
    assert not User.objects.filter(hsa_id=USERS["anna"]["employeeHsaId"]).exists()
    assert not Membership.objects.exists()
    # Logged without personal data.
    assert "sso: sign-in refused" in caplog.text
    for value in USERS["anna"].values():
        assert value not in caplog.text


def test_the_refusal_is_in_swedish():
    with translation.override("sv"):
        from django.utils.translation import gettext

        assert gettext("The sign-in could not be completed: %(reason)s").startswith(
            "Inloggningen kunde inte slutföras:"
        )
        assert gettext("Log in with e-tjänstekort (SITHS)") == "Logga in med e-tjänstekort (SITHS)"


def test_a_missing_hsa_id_is_refused(idp_browser, client):
    response = idp_browser.sign_in("no-hsa")

    page = client.get(response["Location"])
    assert "did not send your HSA-id" in messages_on(page)
    assert User.objects.filter(email="utan@region.example.invalid").count() == 0


def test_a_cancelled_or_replayed_callback_is_refused(provider, client, settings):
    page = client.get("/oidc/callback/?error=access_denied&state=x", follow=True)
    assert "The sign-in could not be completed: the sign-in was cancelled" in messages_on(page)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = client.get("/oidc/callback/?error=access_denied&state=x", follow=True)
    assert "Inloggningen kunde inte slutföras: inloggningen avbröts i inloggningstjänsten." in messages_on(page)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/oidc/callback/?code=stolen&state=unknown", follow=True)
    assert "took too long or was started in another window" in messages_on(page)
    assert not page.wsgi_request.user.is_authenticated


def test_a_rotated_signing_key_is_fetched_and_accepted(provider, idp_browser, ward, client):
    idp_browser.sign_in("anna")  # psweb now holds the provider's first key
    first_kids = provider.signing_kids()
    client.logout()

    provider.restart()  # a new signing key, a new kid
    assert provider.signing_kids().isdisjoint(first_kids)
    idp_browser.session.cookies.clear()
    response = idp_browser.sign_in("cecilia")

    assert response["Location"] == reverse("home")
    assert signed_in_user(client).hsa_id == USERS["cecilia"]["employeeHsaId"]


def test_logout_ends_the_session_at_psweb_and_at_the_provider(provider, idp_browser, ward, client):
    idp_browser.sign_in("anna")
    client.get(reverse("logout"))  # a GET only offers the button
    assert not idp_browser.provider_asks_for_login()  # the provider's session is alive

    response = client.post(reverse("logout"))

    assert not signed_in_user(client).is_authenticated
    end_session = urlsplit(response["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/logga-in/"]
    assert query["id_token_hint"][0].count(".") == 2
    # The provider asks whether to sign out; the browser says yes.
    question = idp_browser.session.get(response["Location"], timeout=10)
    assert question.status_code == 200
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', question.text))
    action = re.search(r'<form id="op.logoutForm" method="post" action="([^"]+)"', question.text)
    answer = idp_browser.session.post(
        action.group(1), data={**form, "logout": "yes"}, allow_redirects=False, timeout=10
    )
    assert answer.headers["Location"].startswith("http://testserver/logga-in/")
    assert idp_browser.provider_asks_for_login()


def test_a_local_sign_out_without_sso_stays_local(client):
    user = UserFactory(username="lokal")
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")


def test_a_discovery_document_naming_another_issuer_is_refused(provider, client, settings):
    # The same provider reached under another name: its discovery document names 127.0.0.1.
    settings.OIDC_ISSUER = provider.issuer.replace("127.0.0.1", "localhost")

    page = client.get("/oidc/login/", follow=True)

    assert "the identity provider is not the one psweb is configured for." in messages_on(page)


def test_an_unreachable_provider_is_said_so(provider, client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"

    page = client.get("/oidc/login/", follow=True)

    assert "the identity provider did not answer." in messages_on(page)
    assert page.redirect_chain == [(reverse("login"), 302)]
