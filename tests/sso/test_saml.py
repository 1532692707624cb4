"""SAML 2.0 single sign-on against a real IdP: pysaml2's `saml2.server.Server` (as djangosaml2's
own tests use it), with its own key and certificate made at fixture time. psweb's AuthnRequest
is read by the IdP, whose signed Response is posted to `/saml2/acs/` by Django's test client,
as the browser's auto-submitted form would (SAML 2.0 Bindings 3.4 and 3.5).

Covered: a new person signs in (user by HSA-id, reporter in the unit with the commission's
HSA-id), an existing user is found by HSA-id after her e-mail changed, an unknown unit gives
an unmatched commission, and each refused Response (foreign signature, altered content, wrong
audience, expired, unsolicited, missing HSA-id, deactivated user) creates nothing.
"""

from __future__ import annotations

import base64
import datetime
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from defusedxml import ElementTree
from django.contrib.auth import get_user_model
from django.urls import reverse
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.response import StatusUnknownPrincipal
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server

from accounts.models import Membership, local_today
from accounts.roles import Role
from sso.models import UnmatchedCommission
from sso.saml_views import LOGOUT_COOKIE, REQUEST_COOKIE
from tests.factories import UserFactory, make_unit

pytestmark = pytest.mark.django_db
User = get_user_model()

PSWEB = "http://testserver"
SP_ENTITY_ID = f"{PSWEB}/saml2/metadata/"
ACS_URL = f"{PSWEB}/saml2/acs/"
IDP_ENTITY_ID = "https://idp.region.example.invalid/saml"
IDP_SSO_URL = "https://idp.region.example.invalid/saml/sso"
IDP_SLO_URL = "https://idp.region.example.invalid/saml/slo"
SLS_URL = f"{PSWEB}/saml2/ls/"
NAME_ID = "9c01e3aa-3046-45d2-a0c7-288842cfb50b"
SAMBI = "http://sambi.se/attributes/1/"
WARD_HSA_ID = "SE2321000016-7B01"
UNKNOWN_UNIT_HSA_ID = "SE2321000016-ZZ98"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"

PEOPLE = {
    "anna": {
        f"{SAMBI}employeeHsaId": ["SE2321000016-9A2B"],
        f"{SAMBI}healthCareUnitHsaId": [WARD_HSA_ID],
        f"{SAMBI}givenName": ["Anna"],
        f"{SAMBI}surname": ["Sjöberg"],
        f"{SAMBI}mail": ["anna.sjoberg@region.example.invalid"],
    },
    "bertil": {
        f"{SAMBI}employeeHsaId": ["SE2321000016-9C4D"],
        f"{SAMBI}healthCareUnitHsaId": [UNKNOWN_UNIT_HSA_ID],
        f"{SAMBI}givenName": ["Bertil"],
        f"{SAMBI}surname": ["Ek"],
    },
    "no-hsa": {f"{SAMBI}givenName": ["Utan"], f"{SAMBI}surname": ["Uppdrag"]},
}
ANNA_HSA_ID = PEOPLE["anna"][f"{SAMBI}employeeHsaId"][0]


def _keypair(directory: Path, name: str) -> tuple[str, str]:
    """A throwaway RSA key and self-signed certificate, for these tests only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


def _idp_config(key: tuple[str, str], sp_metadata: str | None = None) -> IdPConfig:
    conf = {
        "entityid": IDP_ENTITY_ID,
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [(IDP_SSO_URL, BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(IDP_SLO_URL, BINDING_HTTP_REDIRECT)],
                },
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 5},
                        "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                    }
                },
            }
        },
        "key_file": key[0],
        "cert_file": key[1],
    }
    if sp_metadata:
        conf["metadata"] = {"local": [sp_metadata]}
    return IdPConfig().load(conf)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = tmp_path_factory.mktemp("saml")
    keys = {name: _keypair(directory, name) for name in ("idp", "sp", "impostor")}
    idp_metadata = directory / "idp-metadata.xml"
    idp_metadata.write_text(str(entity_descriptor(_idp_config(keys["idp"]))))
    return {"dir": directory, "idp_metadata": str(idp_metadata), **keys}


class Idp:
    """The identity provider, and the user's browser going there and back (Django's client)."""

    def __init__(self, keys, client):
        self.client = client
        sp_metadata = keys["dir"] / "sp-metadata.xml"
        sp_metadata.write_text(client.get("/saml2/metadata/").content.decode())
        self.server = Server(config=_idp_config(keys["idp"], str(sp_metadata)))
        self.impostor = Server(config=_idp_config(keys["impostor"], str(sp_metadata)))

    def start(self, next_url: str = "") -> str:
        """psweb's login start; the ID of the AuthnRequest the IdP receives."""
        response = self.client.get("/saml2/login/" + (f"?next={next_url}" if next_url else ""))
        assert response.status_code == 302, response
        assert response["Location"].startswith(IDP_SSO_URL + "?")
        query = parse_qs(urlsplit(response["Location"]).query)
        assert query["Signature"] and query["SigAlg"]  # psweb signs its AuthnRequest
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        assert request.message.assertion_consumer_service_url == ACS_URL
        return request.message.id

    def answer(self, person: str, request_id: str, *, audience: str = SP_ENTITY_ID, server=None) -> str:
        """The IdP's signed Response, as the XML text the browser would post (base64)."""
        response = (server or self.server).create_authn_response(
            identity=PEOPLE[person],
            in_response_to=request_id,
            destination=ACS_URL,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=NAME_ID),
            authn={"class_ref": "http://id.sambi.se/loa/loa3"},
            sign_assertion=True,
        )
        return str(response)

    def post(self, xml: str):
        return self.client.post("/saml2/acs/", {"SAMLResponse": base64.b64encode(xml.encode()).decode()})

    def sign_in(self, person: str, next_url: str = ""):
        return self.post(self.answer(person, self.start(next_url)))

    def logout_request(self, name_id: str = NAME_ID, *, server=None) -> str:
        """psweb's path carrying the IdP's signed LogoutRequest (HTTP-Redirect binding)."""
        server = server or self.server
        _id, request = server.create_logout_request(
            SLS_URL, SP_ENTITY_ID, name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=name_id), sign=False
        )
        info = server.apply_binding(BINDING_HTTP_REDIRECT, str(request), SLS_URL, sign=True)
        location = dict(info["headers"])["Location"]
        assert location.startswith(SLS_URL)
        return location[len(PSWEB) :]


@pytest.fixture
def saml_on(keys, settings):
    settings.SAML_IDP_METADATA = keys["idp_metadata"]
    settings.SAML_IDP_ENTITY_ID = ""
    settings.SAML_SP_ENTITY_ID = ""
    settings.SAML_SP_KEY_FILE, settings.SAML_SP_CERT_FILE = keys["sp"]
    settings.PSWEB_BASE_URL = PSWEB
    settings.OIDC_ISSUER = ""


@pytest.fixture
def idp(saml_on, keys, client):
    return Idp(keys, client)


@pytest.fixture
def ward(tree):
    return make_unit("Avdelning 6, medicin", tree.medicin, "enhet", hsa_id=WARD_HSA_ID)


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def messages_on(client) -> str:
    return " ".join(str(m) for m in client.get(reverse("login")).context["messages"])


def assert_refused(response, client, reason: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert response.cookies[REQUEST_COOKIE].value == ""  # the request is spent
    assert not signed_in_user(client).is_authenticated
    text = messages_on(client)
    assert "The sign-in could not be completed" in text and reason in text


# --- Off by default ----------------------------------------------------------------------------


def test_without_idp_metadata_there_is_no_saml(client, settings):
    settings.SAML_IDP_METADATA = ""
    settings.OIDC_ISSUER = ""

    assert client.get("/saml2/login/").status_code == 404
    assert client.get("/saml2/metadata/").status_code == 404
    assert client.post("/saml2/acs/", {"SAMLResponse": "x"}).status_code == 404
    assert "SITHS" not in client.get(reverse("login")).content.decode()


def test_the_sign_in_page_offers_siths_by_saml(saml_on, client):
    page = client.get(reverse("login") + "?next=/mina-avvikelser/").content.decode()

    assert "Log in with e-tjänstekort (SITHS)" in page
    assert 'href="/saml2/login/?next=/mina-avvikelser/"' in page


def test_with_openid_connect_as_well_its_button_comes_first(saml_on, client, settings):
    settings.OIDC_ISSUER = "https://idp.region.example.invalid/oidc"

    page = client.get(reverse("login")).content.decode()

    assert page.index('href="/oidc/login/"') < page.index('href="/saml2/login/"')
    assert "Log in with e-tjänstekort (SITHS) by SAML" in page


def test_a_misconfigured_idp_is_said_plainly(saml_on, client, settings, tmp_path):
    settings.SAML_IDP_METADATA = str(tmp_path / "missing.xml")

    response = client.get("/saml2/login/")

    assert response["Location"] == reverse("login")
    assert "not set up correctly" in messages_on(client)


def test_the_metadata_tells_the_idp_where_to_answer(saml_on, keys, client):
    response = client.get("/saml2/metadata/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/samlmetadata+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{MD}EntityDescriptor" and root.get("entityID") == SP_ENTITY_ID
    acs = root.find(f"{MD}SPSSODescriptor/{MD}AssertionConsumerService")
    assert (acs.get("Location"), acs.get("Binding")) == (ACS_URL, BINDING_HTTP_POST)
    requested = {a.get("Name") for a in root.iter(f"{MD}RequestedAttribute")}
    assert f"{SAMBI}employeeHsaId" in requested and f"{SAMBI}healthCareUnitHsaId" in requested
    sp_cert = Path(keys["sp"][1]).read_text().split("-----")[2].replace("\n", "")
    assert sp_cert in response.content.decode()


# --- Signing in -------------------------------------------------------------------------------


def test_a_new_nurse_signs_in_and_can_report_at_once(idp, ward, client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = idp.sign_in("anna")

    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = User.objects.get(hsa_id=ANNA_HSA_ID)
    assert signed_in_user(client) == user
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Sjöberg", "anna.sjoberg@region.example.invalid")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.unit, membership.role, membership.valid_from, membership.valid_to) == (
        ward,
        Role.REPORTER,
        local_today(),
        None,
    )
    assert client.get(reverse("incidents:report")).status_code == 200
    # Neither psweb nor pysaml2 logs who she is.
    assert ANNA_HSA_ID not in caplog.text and "Sjöberg" not in caplog.text


def test_next_is_kept_and_a_second_sign_in_creates_nothing_new(idp, ward, client):
    idp.sign_in("anna")
    client.logout()

    response = idp.sign_in("anna", next_url="/mina-avvikelser/")

    assert response["Location"] == "/mina-avvikelser/"
    assert User.objects.filter(hsa_id=ANNA_HSA_ID).count() == 1
    assert Membership.objects.filter(unit=ward).count() == 1


def test_an_unsafe_next_is_dropped(idp, ward, client):
    response = idp.sign_in("anna", next_url="https://evil.example.invalid/")

    assert response["Location"] == reverse("home")


def test_an_existing_user_is_found_by_hsa_id_after_her_email_changed(idp, ward, client):
    existing = UserFactory(username="anna.s", hsa_id=ANNA_HSA_ID, email="anna.gammal@region.example.invalid")
    Membership.objects.create(user=existing, unit=ward, role=Role.HANDLER)
    UserFactory(username="namne", email="anna.sjoberg@region.example.invalid")  # e-mail identifies nobody
    users_before = User.objects.count()

    idp.sign_in("anna")

    assert signed_in_user(client) == existing
    existing.refresh_from_db()
    assert existing.email == "anna.sjoberg@region.example.invalid"
    assert User.objects.count() == users_before
    assert list(Membership.objects.filter(user=existing).values_list("role", flat=True)) == [Role.HANDLER]


def test_an_unknown_unit_signs_her_in_and_is_an_unmatched_commission(idp, tree, client):
    idp.sign_in("bertil")

    user = signed_in_user(client)
    assert user.is_authenticated and user.hsa_id == PEOPLE["bertil"][f"{SAMBI}employeeHsaId"][0]
    assert not Membership.objects.filter(user=user).exists()
    assert UnmatchedCommission.objects.get(user=user).unit_hsa_id == UNKNOWN_UNIT_HSA_ID


# --- Refused responses ------------------------------------------------------------------------


def test_a_response_signed_by_another_key_is_refused(idp, ward, client):
    response = idp.post(idp.answer("anna", idp.start(), server=idp.impostor))

    assert_refused(response, client, "signature of the answer from the identity provider could not be verified")
    assert not User.objects.filter(hsa_id=ANNA_HSA_ID).exists()
    assert not Membership.objects.filter(unit=ward).exists()


def test_an_altered_response_is_refused(idp, ward, client):
    xml = idp.answer("anna", idp.start()).replace(ANNA_HSA_ID, "SE2321000016-0ADM")
    assert "SE2321000016-0ADM" in xml

    response = idp.post(xml)

    assert_refused(response, client, "could not be verified")
    assert User.objects.filter(hsa_id__in=[ANNA_HSA_ID, "SE2321000016-0ADM"]).count() == 0


def test_a_response_for_another_service_is_refused(idp, ward, client):
    response = idp.post(idp.answer("anna", idp.start(), audience="https://other-service.example.invalid/"))

    assert_refused(response, client, "meant for another service than psweb")
    assert not User.objects.filter(hsa_id=ANNA_HSA_ID).exists()


def test_an_expired_response_is_refused(idp, ward, client):
    xml = idp.answer("anna", idp.start())

    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=8)):
        response = idp.post(xml)

    assert_refused(response, client, "has expired")
    assert not User.objects.filter(hsa_id=ANNA_HSA_ID).exists()


def test_an_unsolicited_response_is_refused(idp, ward, client):
    request_id = idp.start()
    xml = idp.answer("anna", request_id)
    client.cookies.pop(REQUEST_COOKIE)  # another browser, or the IdP starting on its own

    response = idp.post(xml)

    assert_refused(response, client, "did not belong to a sign-in started here")
    assert not User.objects.filter(hsa_id=ANNA_HSA_ID).exists()


def test_a_response_to_another_request_is_refused(idp, ward, client):
    xml = idp.answer("anna", idp.start())
    idp.start()  # a new sign-in replaces the first

    assert_refused(idp.post(xml), client, "did not belong to a sign-in started here")


def test_a_response_cannot_be_used_twice(idp, ward, client, settings):
    xml = idp.answer("anna", idp.start())
    idp.post(xml)
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logout() empties the client's cookies

    assert_refused(idp.post(xml), client, "did not belong to a sign-in started here")


def test_a_response_without_hsa_id_is_refused(idp, ward, client, caplog):
    users_before = User.objects.count()
    with caplog.at_level(logging.INFO):
        response = idp.sign_in("no-hsa")

    assert_refused(response, client, "did not send your HSA-id")
    assert User.objects.count() == users_before
    assert "missing-hsa-id" in caplog.text and "Uppdrag" not in caplog.text


def test_a_deactivated_user_is_refused(idp, ward, client):
    UserFactory(username="anna.s", hsa_id=ANNA_HSA_ID, is_active=False)

    response = idp.sign_in("anna")

    assert_refused(response, client, "your account in psweb is deactivated")
    assert not Membership.objects.filter(unit=ward).exists()


def test_a_post_without_response_is_refused(saml_on, client):
    response = client.post("/saml2/acs/", {})

    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "sent no answer" in messages_on(client)


# --- Single logout ----------------------------------------------------------------------------


def test_signing_out_ends_the_session_at_the_idp_too(idp, ward, client):
    idp.sign_in("anna")
    session_index = client.session["saml_signed_in"]["session_index"]

    response = client.post(reverse("logout"))

    assert response.status_code == 302 and response["Location"] == "/saml2/logout/"
    assert not signed_in_user(client).is_authenticated
    page = client.get("/saml2/logout/")
    assert page.status_code == 200 and page.cookies[LOGOUT_COOKIE].value == ""
    location = page.context["location"]
    assert location.startswith(IDP_SLO_URL + "?") and 'http-equiv="refresh"' in page.content.decode()
    query = parse_qs(urlsplit(location).query)
    request = idp.server.parse_logout_request(
        query["SAMLRequest"][0], BINDING_HTTP_REDIRECT, sigalg=query["SigAlg"][0], signature=query["Signature"][0]
    )
    assert request.message.name_id.text == NAME_ID
    assert [index.text for index in request.message.session_index] == [session_index]

    answer = idp.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
    info = idp.server.apply_binding(BINDING_HTTP_REDIRECT, str(answer), SLS_URL, response=True, sign=True)
    back = dict(info["headers"])["Location"]
    assert back.startswith(SLS_URL)
    final = client.get(back[len(PSWEB) :])
    assert final["Location"] == reverse("login")
    assert "did not confirm" not in messages_on(client)


def test_the_logout_address_does_nothing_for_a_signed_in_user(idp, ward, client):
    idp.sign_in("anna")

    response = client.get("/saml2/logout/")

    assert response["Location"] == reverse("home")
    assert signed_in_user(client).is_authenticated


def test_the_idp_ends_the_psweb_session(idp, ward, client):
    idp.sign_in("anna")

    response = client.get(idp.logout_request())

    assert response.status_code == 302 and response["Location"].startswith(IDP_SLO_URL + "?")
    query = parse_qs(urlsplit(response["Location"]).query)
    answer = idp.server.parse_logout_request_response(query["SAMLResponse"][0], BINDING_HTTP_REDIRECT)
    assert answer.status_ok()
    assert not signed_in_user(client).is_authenticated


def test_an_idp_logout_for_someone_else_ends_nothing(idp, ward, client):
    idp.sign_in("anna")

    response = client.get(idp.logout_request("another-name-id"))

    query = parse_qs(urlsplit(response["Location"]).query)
    with pytest.raises(StatusUnknownPrincipal):  # the IdP reads psweb's answer: no such session here
        idp.server.parse_logout_request_response(query["SAMLResponse"][0], BINDING_HTTP_REDIRECT)
    assert signed_in_user(client).is_authenticated


def test_a_logout_request_signed_by_another_key_is_refused(idp, ward, client):
    idp.sign_in("anna")

    response = client.get(idp.logout_request(server=idp.impostor))

    assert response.status_code == 400
    assert signed_in_user(client).is_authenticated
    unsigned = idp.logout_request().split("&SigAlg=")[0]
    assert client.get(unsigned).status_code == 400
    assert signed_in_user(client).is_authenticated
