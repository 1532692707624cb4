"""SAML 2.0 single sign-on: pysaml2's service provider, configured from settings.

psweb is a SAML 2.0 service provider (SP) in the Web Browser SSO profile (SAML 2.0 Profiles,
4.1): `/saml2/login/` sends an AuthnRequest by the HTTP-Redirect binding, the identity
provider (IdP) answers with a Response by the HTTP-POST binding to `/saml2/acs/`, and
`/saml2/metadata/` publishes the SP's metadata (SAML 2.0 Metadata) for the IdP's
administrator. pysaml2 checks the Response (SAML 2.0 Core and Profiles 4.1.4.3): the
signature of the assertion against the IdP's certificate in its metadata, the audience
(the SP's entity id), the validity period (NotBefore/NotOnOrAfter, one minute of clock
skew), the recipient (the ACS URL) and InResponseTo against the requests psweb sent from
this browser (`outstanding`, kept in a signed cookie; IdP-initiated, unsolicited responses
are refused).

The person is read from the assertion's attributes and signed in by exactly the rules of the
OpenID Connect sign-in (`sso.services.sign_in_user`: user by HSA-id, reporter membership in
the commission's unit, unmatched commissions). The default attribute names are those of
Sambi's attribute profile as Inera's IdP releases them ("IdP 2.0 Attributlista",
inera.atlassian.net/wiki/spaces/ST, and sambi.se: `http://sambi.se/attributes/1/employeeHsaId`,
`.../givenName`, `.../surname`; `.../healthCareUnitHsaId` and `.../mail` follow the same
naming). Each `SAML_ATTR_*` setting may name an attribute by its Name or by its
FriendlyName (`employeeHsaId`), so an IdP that uses other names can be followed by setting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import status_message_factory
from saml2.saml import name_id_from_string
from saml2.samlp import STATUS_UNKNOWN_PRINCIPAL

from sso.services import Identity, identity_from, role_pairs

METADATA_MAX_AGE = 24 * 3600  # seconds before the IdP's metadata is read again
CLOCK_SKEW = 60  # seconds of difference accepted between the IdP's clock and psweb's

_configs: dict[tuple, tuple[float, SPConfig]] = {}
_lock = threading.Lock()


def enabled() -> bool:
    """SAML is on when the IdP's metadata is configured."""
    return bool(settings.SAML_IDP_METADATA)


def _base() -> str:
    return settings.PSWEB_BASE_URL.rstrip("/")


def entity_id() -> str:
    return settings.SAML_SP_ENTITY_ID or _base() + reverse("saml2-metadata")


def acs_url() -> str:
    return _base() + reverse("saml2-acs")


def sls_url() -> str:
    return _base() + reverse("saml2-ls")


def _has_key() -> bool:
    return bool(settings.SAML_SP_KEY_FILE and settings.SAML_SP_CERT_FILE)


def _attribute_settings() -> list[str]:
    return [
        name
        for name in (
            settings.SAML_ATTR_HSA_ID,
            settings.SAML_ATTR_UNIT_HSA_ID,
            settings.SAML_ATTR_GIVEN_NAME,
            settings.SAML_ATTR_FAMILY_NAME,
            settings.SAML_ATTR_EMAIL,
            settings.SAML_ATTR_ROLES,
        )
        if name
    ]


def _config_dict() -> dict:
    source = settings.SAML_IDP_METADATA
    if source.startswith("https://"):  # trusted by TLS; psweb checks no signature on the metadata
        metadata = {"remote": [{"url": source}]}
    elif source.startswith("http://"):
        raise ImproperlyConfigured("SAML_IDP_METADATA must be fetched over https.")
    else:
        if not Path(source).is_file():
            raise ImproperlyConfigured("SAML_IDP_METADATA names no readable file.")
        metadata = {"local": [source]}
    sp = {
        "endpoints": {
            "assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)],
            "single_logout_service": [(sls_url(), BINDING_HTTP_REDIRECT)],
        },
        "allow_unsolicited": False,
        "authn_requests_signed": _has_key(),
        "want_assertions_signed": True,
        "want_response_signed": False,
        "optional_attributes": _attribute_settings(),
    }
    config = {
        "entityid": entity_id(),
        "name": ("psweb", "sv"),  # the ServiceName of the requested attributes in the metadata
        "service": {"sp": sp},
        "metadata": metadata,
        "accepted_time_diff": CLOCK_SKEW,
        "allow_unknown_attributes": True,
    }
    if _has_key():
        config["key_file"] = settings.SAML_SP_KEY_FILE
        config["cert_file"] = settings.SAML_SP_CERT_FILE
        config["encryption_keypairs"] = [
            {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
        ]
    return config


def config() -> SPConfig:
    """pysaml2's SP configuration, its IdP metadata loaded (read again after a day)."""
    key = (
        settings.SAML_IDP_METADATA,
        entity_id(),
        acs_url(),
        settings.SAML_SP_KEY_FILE,
        settings.SAML_SP_CERT_FILE,
        tuple(_attribute_settings()),
    )
    with _lock:
        loaded = _configs.get(key)
        if loaded is None or time.time() - loaded[0] > METADATA_MAX_AGE:
            conf = SPConfig()
            conf.load(_config_dict())
            loaded = (time.time(), conf)
            _configs[key] = loaded
    return loaded[1]


def client() -> Saml2Client:
    return Saml2Client(config())


def idp_entity_id(conf: SPConfig) -> str:
    """The configured IdP, or the only IdP in its metadata."""
    if settings.SAML_IDP_ENTITY_ID:
        return settings.SAML_IDP_ENTITY_ID
    idps = list(conf.metadata.identity_providers())
    if len(idps) != 1:
        raise ImproperlyConfigured("The SAML metadata has several IdPs: set SAML_IDP_ENTITY_ID.")
    return idps[0]


def authn_request(saml_client: Saml2Client) -> tuple[str, str]:
    """The request's ID and the IdP's URL carrying it (HTTP-Redirect binding)."""
    request_id, info = saml_client.prepare_for_authenticate(
        entityid=idp_entity_id(saml_client.config), binding=BINDING_HTTP_REDIRECT
    )
    location = dict(info["headers"])["Location"]
    return request_id, location


def idp_logout_service(conf: SPConfig, idp: str) -> dict | None:
    """The IdP's SingleLogoutService for the HTTP-Redirect binding, or None if it has none."""
    services = conf.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
    return services[0] if services else None


def logout_request(saml_client: Saml2Client, signed_in: Mapping) -> str:
    """The IdP's URL carrying a LogoutRequest for the session `signed_in` (SAML 2.0 Core 3.7.1,
    Profiles 4.4: SP-initiated single logout, HTTP-Redirect binding, signed when psweb has a key)."""
    idp = signed_in["idp"]
    service = idp_logout_service(saml_client.config, idp)
    if service is None:
        raise ImproperlyConfigured("The IdP has no SingleLogoutService for HTTP-Redirect.")
    destination = service["location"]
    _request_id, request = saml_client.create_logout_request(
        destination,
        idp,
        name_id=name_id_from_string(signed_in["name_id"]),
        session_indexes=[signed_in["session_index"]] if signed_in.get("session_index") else None,
        sign=False,  # the HTTP-Redirect binding signs the query string instead (Bindings 3.4.4.1)
    )
    info = saml_client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, sign=_has_key())
    return dict(info["headers"])["Location"]


def logout_response(saml_client: Saml2Client, request, *, success: bool, relay_state: str = "") -> str:
    """The IdP's URL carrying psweb's LogoutResponse to an IdP-initiated LogoutRequest."""
    idp = request.issuer.text
    service = idp_logout_service(saml_client.config, idp)
    if service is None:
        raise ImproperlyConfigured("The IdP has no SingleLogoutService for HTTP-Redirect.")
    destination = service.get("response_location") or service["location"]
    status = None if success else status_message_factory("Unknown session", STATUS_UNKNOWN_PRINCIPAL)
    response = saml_client.create_logout_response(request, [BINDING_HTTP_REDIRECT], status, sign=False)
    info = saml_client.apply_binding(
        BINDING_HTTP_REDIRECT, str(response), destination, relay_state, response=True, sign=_has_key()
    )
    return dict(info["headers"])["Location"]


def metadata_xml() -> str:
    """The SP's metadata (SAML 2.0 Metadata, 2.4.4 SPSSODescriptor)."""
    return str(entity_descriptor(config()))


def attributes(response) -> dict[str, list[str]]:
    """The assertion's attribute values, by Name and by FriendlyName (Name wins)."""
    by_name: dict[str, list[str]] = {}
    by_friendly: dict[str, list[str]] = {}
    for statement in response.assertion.attribute_statement or []:
        for attribute in statement.attribute:
            values = [str(value.text or "").strip() for value in attribute.attribute_value]
            if attribute.name:
                by_name.setdefault(attribute.name.strip(), []).extend(values)
            if attribute.friendly_name:
                by_friendly.setdefault(attribute.friendly_name.strip(), []).extend(values)
    return {**by_friendly, **by_name}


def _first(values: Mapping[str, list[str]], name: str, max_length: int) -> str:
    found = [value for value in values.get(name, []) if value] if name else []
    return found[0][:max_length] if found else ""


def identity_from_attributes(values: Mapping[str, list[str]]) -> Identity:
    """The person the assertion names, checked as `services.identity_from_claims` does."""
    roles = role_pairs(values.get(settings.SAML_ATTR_ROLES, [])) if settings.SAML_ATTR_ROLES else ()
    return identity_from(
        lambda name, max_length: _first(values, name, max_length),
        (
            settings.SAML_ATTR_HSA_ID,
            settings.SAML_ATTR_UNIT_HSA_ID,
            settings.SAML_ATTR_GIVEN_NAME,
            settings.SAML_ATTR_FAMILY_NAME,
            settings.SAML_ATTR_EMAIL,
        ),
        roles,
    )
