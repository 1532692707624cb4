"""`/saml2/login/` sends the browser to the SAML IdP, `/saml2/acs/` takes its Response back and
`/saml2/metadata/` describes psweb to the IdP (sso/saml.py). All three answer 404 while SAML
is not configured.

The AuthnRequest's ID (and the page to return to) is kept in a signed cookie for ten minutes,
scoped to `/saml2/`: the IdP's Response arrives by a cross-site POST (SAML 2.0 Bindings, 3.5,
HTTP-POST), which browsers send without psweb's SameSite=Lax session cookie, so the cookie is
SameSite=None and Secure. A Response is accepted only as the answer to that request
(InResponseTo; SAML 2.0 Profiles 4.1.4.3), which binds it to the browser that asked.

Every failure ends on the sign-in page with a Swedish message saying why, logs a short code
(never an attribute, a NameID, a name or an HSA-id) and creates nothing: the user and her
memberships are written only after pysaml2's checks of the Response have passed.

Signing out ends the session at the IdP too, when its metadata offers a SingleLogoutService
for the HTTP-Redirect binding (SAML 2.0 Profiles 4.4): psweb's sign-out
(accounts.views.LogoutView) ends the psweb session and sends the browser to `/saml2/logout/`,
which sends the IdP a LogoutRequest for the NameID and SessionIndex of the sign-in (kept in a
signed, HttpOnly cookie scoped to `/saml2/`, since the session is gone by then) through a
page that forwards the browser (the sign-out form's Content-Security-Policy `form-action`
would stop a redirect to another origin). The IdP answers at `/saml2/ls/`, which also takes
the IdP's own signed LogoutRequest (another service was signed out) and ends the psweb
session of this browser if it is the NameID signed in.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.response import IncorrectlySigned, StatusError, UnsolicitedResponse
from saml2.saml import name_id_from_string
from saml2.sigver import MissingKey, SignatureError, verify_redirect_signature
from saml2.validate import ResponseLifetimeExceed, ToEarly

from sso import saml
from sso import views as oidc_views
from sso.services import SignInRefusedError, sign_in_user

logger = logging.getLogger(__name__)

# accounts.views.LogoutView sends the browser here after signing out of psweb (sso.views has it too).
PROVIDER_LOGOUT_SESSION_KEY = "provider_logout_url"
SESSION_KEY = "saml_signed_in"  # {"idp", "name_id" (XML), "session_index"} of the sign-in
LOGOUT_COOKIE = "psweb_saml_session"
LOGOUT_SALT = "sso.saml.session"
REQUEST_COOKIE = "psweb_saml_request"
REQUEST_COOKIE_PATH = "/saml2/"
REQUEST_SALT = "sso.saml.request"
REQUEST_MAX_AGE = 600  # seconds from the AuthnRequest to the Response
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _reasons() -> dict[str, str]:
    """The OpenID Connect sign-in's reasons (sso/views.py), and those only SAML has."""
    shared = oidc_views.refusal_reasons()
    return {
        **shared,
        "provider-config": _(
            "psweb's connection to the identity provider is not set up correctly. Contact the IT service desk."
        ),
        "no-response": _("the identity provider sent no answer. Please try again."),
        "unsolicited": _("the answer did not belong to a sign-in started here, or it took too long. Please try again."),
        "issuer": shared["iss"],
    }


def _refuse(request, code: str) -> HttpResponseRedirect:
    logger.warning("sso: SAML sign-in refused: %s", code)
    reason = _reasons().get(code, _reasons()["token"])
    messages.error(request, _("The sign-in could not be completed: %(reason)s") % {"reason": reason})
    response = HttpResponseRedirect(resolve_url("login"))
    response.delete_cookie(REQUEST_COOKIE, path=REQUEST_COOKIE_PATH, samesite="None")
    return response


def _parse_error_code(error: Exception) -> str:
    """pysaml2's exception as a short code (saml2/response.py raises these)."""
    if isinstance(error, UnsolicitedResponse):
        return "unsolicited"
    if isinstance(error, (ResponseLifetimeExceed, ToEarly)):
        return "expired"
    if isinstance(error, (SignatureError, IncorrectlySigned)):
        return "signature"
    if isinstance(error, MissingKey):
        return "issuer"
    if isinstance(error, StatusError):
        return "provider-error"
    if "AudienceRestrictions" in str(error):  # AuthnResponse.condition_ok raises a bare Exception
        return "aud"
    return "token"


def _outstanding(request) -> dict[str, str]:
    """The AuthnRequest this browser sent, {request ID: next URL}, or {} when none is valid."""
    try:
        sent = signing.loads(request.COOKIES.get(REQUEST_COOKIE, ""), salt=REQUEST_SALT, max_age=REQUEST_MAX_AGE)
    except signing.BadSignature:
        return {}
    return {str(sent["id"]): str(sent.get("next", ""))}


@never_cache
@require_GET
def saml_login(request):
    if not saml.enabled():
        raise Http404
    next_url = request.GET.get("next", "")
    if not (next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())):
        next_url = ""
    try:
        request_id, location = saml.authn_request(saml.client())
    except ImproperlyConfigured:
        return _refuse(request, "provider-config")
    except Exception:  # pysaml2 reading remote metadata or building the request  # noqa: BLE001
        return _refuse(request, "provider-unreachable")
    response = HttpResponseRedirect(location)
    response.set_cookie(
        REQUEST_COOKIE,
        signing.dumps({"id": request_id, "next": next_url}, salt=REQUEST_SALT),
        max_age=REQUEST_MAX_AGE,
        path=REQUEST_COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="None",
    )
    return response


@csrf_exempt  # the IdP's cross-site POST carries no CSRF token; InResponseTo and the signature bind it
@never_cache
@require_POST
def saml_acs(request):
    if not saml.enabled():
        raise Http404
    encoded = request.POST.get("SAMLResponse", "")
    if not encoded:
        return _refuse(request, "no-response")
    outstanding = _outstanding(request)
    try:
        saml_client = saml.client()
        response = saml_client.parse_authn_request_response(encoded, BINDING_HTTP_POST, outstanding)
        if response is None or response.assertion is None:
            return _refuse(request, "token")
        values = saml.attributes(response)
    except ImproperlyConfigured:
        return _refuse(request, "provider-config")
    except Exception as error:  # pysaml2 raises bare Exceptions too  # noqa: BLE001
        return _refuse(request, _parse_error_code(error))

    try:
        user = sign_in_user(saml.identity_from_attributes(values))
    except SignInRefusedError as refused:
        return _refuse(request, refused.code)
    except IntegrityError:
        return _refuse(request, "conflict")

    next_url = outstanding.get(str(response.in_response_to), "")
    login(request, user, backend=BACKEND)
    redirect = HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    redirect.delete_cookie(REQUEST_COOKIE, path=REQUEST_COOKIE_PATH, samesite="None")
    signed_in = _signed_in(response)
    request.session[SESSION_KEY] = signed_in
    if saml.idp_logout_service(saml_client.config, signed_in["idp"]) is not None:
        request.session[PROVIDER_LOGOUT_SESSION_KEY] = resolve_url("saml2-logout")
        redirect.set_signed_cookie(
            LOGOUT_COOKIE,
            json.dumps(signed_in),
            salt=LOGOUT_SALT,
            max_age=settings.SESSION_COOKIE_AGE,
            path=REQUEST_COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return redirect


def _signed_in(response) -> dict[str, str]:
    """What single logout needs of the sign-in: the IdP, the NameID and the SessionIndex."""
    statements = response.assertion.authn_statement or []
    return {
        "idp": response.issuer(),
        "name_id": str(response.name_id),
        "session_index": (statements[0].session_index or "") if statements else "",
    }


@never_cache
@require_GET
def saml_logout(request):
    """SP-initiated single logout, after accounts.views.LogoutView has ended the psweb session."""
    if not saml.enabled():
        raise Http404
    if request.user.is_authenticated:  # only ever reached signed out: a GET ends no session
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    try:
        signed_in = json.loads(request.get_signed_cookie(LOGOUT_COOKIE, salt=LOGOUT_SALT))
        location = saml.logout_request(saml.client(), signed_in)
    except (KeyError, ValueError, signing.BadSignature):
        return HttpResponseRedirect(resolve_url("login"))
    except Exception:  # the IdP's metadata unreadable, the request not buildable  # noqa: BLE001
        logger.warning("sso: SAML logout request failed")
        return HttpResponseRedirect(resolve_url("login"))
    response = render(request, "sso/saml_logout.html", {"title": _("Signing out"), "location": location})
    response.delete_cookie(LOGOUT_COOKIE, path=REQUEST_COOKIE_PATH, samesite="Lax")
    return response


@never_cache
@require_GET
def saml_ls(request):
    """The IdP's LogoutResponse to psweb's LogoutRequest, or the IdP's own LogoutRequest."""
    if not saml.enabled():
        raise Http404
    if request.GET.get("SAMLRequest"):
        return _idp_logout_request(request)
    try:
        answer = saml.client().parse_logout_request_response(request.GET.get("SAMLResponse", ""), BINDING_HTTP_REDIRECT)
        confirmed = answer is not None and answer.status_ok()
    except Exception:  # noqa: BLE001
        confirmed = False
    if not confirmed:
        logger.warning("sso: SAML logout not confirmed by the IdP")
        messages.warning(
            request,
            _("The identity provider did not confirm the sign-out there. Close the browser to be sure."),
        )
    return HttpResponseRedirect(resolve_url("login"))


def _idp_logout_request(request):
    """IdP-initiated single logout (Profiles 4.4.3.2): only a signed request is taken."""
    if not request.GET.get("Signature"):
        logger.warning("sso: SAML logout request refused: unsigned")
        return HttpResponseBadRequest()
    saml_client = saml.client()
    try:
        parsed = saml_client.parse_logout_request(
            request.GET["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=request.GET.get("RelayState"),
            sigalg=request.GET.get("SigAlg"),
            signature=request.GET["Signature"],
        )
        if parsed is None or not _redirect_signature_valid(saml_client, request.GET, parsed.message.issuer.text):
            raise ValueError
        message = parsed.message
    except Exception:  # noqa: BLE001
        logger.warning("sso: SAML logout request refused: invalid")
        return HttpResponseBadRequest()
    signed_in = request.session.get(SESSION_KEY) or {}
    ours = bool(signed_in) and signed_in.get("idp") == message.issuer.text and _same_name_id(signed_in, message.name_id)
    if ours:
        logout(request)
        logger.info("sso: SAML session ended by the IdP")
    try:
        location = saml.logout_response(
            saml_client, message, success=ours, relay_state=request.GET.get("RelayState", "")
        )
    except Exception:  # noqa: BLE001
        logger.warning("sso: SAML logout response failed")
        return HttpResponseRedirect(resolve_url("login"))
    response = HttpResponseRedirect(location)
    if ours:
        response.delete_cookie(LOGOUT_COOKIE, path=REQUEST_COOKIE_PATH, samesite="Lax")
    return response


def _redirect_signature_valid(saml_client, query, issuer: str) -> bool:
    """The query string's signature (SAML 2.0 Bindings 3.4.4.1) by the configured IdP's key
    from its metadata; pysaml2 as an SP checks it only when told to."""
    if issuer != saml.idp_entity_id(saml_client.config):
        return False
    message = {key: query[key] for key in ("SAMLRequest", "RelayState", "SigAlg", "Signature") if key in query}
    certs = saml_client.metadata.certs(issuer, "idpsso", "signing")
    return any(verify_redirect_signature(message, saml_client.sec.sec_backend, cert) for _name, cert in certs)


def _same_name_id(signed_in: dict, name_id) -> bool:
    if name_id is None:
        return False
    ours = name_id_from_string(signed_in.get("name_id", ""))
    return ours is not None and (ours.text, ours.format) == (name_id.text, name_id.format)


@never_cache
@require_GET
def saml_metadata(request):
    if not saml.enabled():
        raise Http404
    try:
        xml = saml.metadata_xml()
    except ImproperlyConfigured:
        raise Http404 from None
    return HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")
