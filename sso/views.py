"""`/oidc/login/` sends the browser to the identity provider; `/oidc/callback/` takes it back.

Every failure ends on the sign-in page with a Swedish message saying why, logs a short code
(never a claim, a name or an HSA-id) and creates nothing: the user and her memberships are
written only after every check of the ID token has passed (`services.sign_in_user`).
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError

from sso import client as oidc
from sso.services import SignInRefusedError, identity_from_claims, sign_in_user

logger = logging.getLogger(__name__)

NEXT_SESSION_KEY = "sso_next"
# accounts.views.LogoutView sends the browser here after signing out of psweb (the key is
# named there too: accounts imports no app above it).
PROVIDER_LOGOUT_SESSION_KEY = "provider_logout_url"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def refusal_reasons() -> dict[str, str]:
    return {
        "provider-unreachable": _(
            "the identity provider did not answer. Try again in a while, or contact the IT service desk."
        ),
        "issuer-mismatch": _("the identity provider is not the one psweb is configured for."),
        "cancelled": _("the sign-in was cancelled at the identity provider."),
        "state": _("the sign-in took too long or was started in another window. Please try again."),
        "provider-error": _("the identity provider refused the sign-in. Please try again."),
        "no-id-token": _("the identity provider sent no ID token."),
        "iss": _("the answer came from another issuer than psweb's identity provider."),
        "aud": _("the answer was meant for another service than psweb."),
        "nonce": _("the answer did not belong to this sign-in. Please try again."),
        "expired": _("the answer from the identity provider has expired. Please try again."),
        "signature": _("the signature of the answer from the identity provider could not be verified."),
        "token": _("the answer from the identity provider could not be read."),
        "missing-hsa-id": _("the identity provider did not send your HSA-id. Contact the IT service desk."),
        "hsa-id-too-long": _("the HSA-id from the identity provider is not valid. Contact the IT service desk."),
        "inactive-user": _("your account in psweb is deactivated. Contact your system administrator."),
        "conflict": _("someone signed in with the same identity at the same moment. Please try again."),
    }


def _refuse(request, code: str) -> HttpResponseRedirect:
    logger.warning("sso: sign-in refused: %s", code)
    reason = refusal_reasons().get(code, refusal_reasons()["token"])
    messages.error(request, _("The sign-in could not be completed: %(reason)s") % {"reason": reason})
    return HttpResponseRedirect(resolve_url("login"))


def _claim_error_code(error: ClaimError) -> str:
    if isinstance(error, ExpiredTokenError) or error.claim in ("exp", "iat", "nbf"):
        return "expired"
    if error.claim in ("iss", "aud", "nonce"):
        return error.claim
    if error.claim == "azp":
        return "aud"
    return "token"


@never_cache
@require_GET
def sso_login(request):
    if not oidc.enabled():
        raise Http404
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        request.session[NEXT_SESSION_KEY] = next_url
    else:
        request.session.pop(NEXT_SESSION_KEY, None)
    try:
        return oidc.client().authorize_redirect(request, oidc.redirect_uri())
    except oidc.IssuerMismatchError:
        return _refuse(request, "issuer-mismatch")
    except (requests.RequestException, ValueError):
        return _refuse(request, "provider-unreachable")


@never_cache
@require_GET
def sso_callback(request):
    if not oidc.enabled():
        raise Http404
    if request.GET.get("error"):
        return _refuse(request, "cancelled" if request.GET["error"] == "access_denied" else "provider-error")
    try:
        app = oidc.client()
        token = app.authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims or not token.get("id_token"):
            return _refuse(request, "no-id-token")
        claims = dict(claims)
        if not claims.get(settings.OIDC_CLAIM_HSA_ID) and app.server_metadata.get("userinfo_endpoint"):
            # Some providers put the HSA claims only in the userinfo answer.
            extra = app.userinfo(token=token)
            if extra.get("sub") == claims.get("sub"):
                claims = {**extra, **claims}
        identity = identity_from_claims(claims)
        user = sign_in_user(identity)
    except oidc.IssuerMismatchError:
        return _refuse(request, "issuer-mismatch")
    except MismatchingStateError:
        return _refuse(request, "state")
    except OAuthError:
        return _refuse(request, "provider-error")
    except ClaimError as error:
        return _refuse(request, _claim_error_code(error))
    except (BadSignatureError, InvalidKeyIdError):
        return _refuse(request, "signature")
    except JoseError:
        return _refuse(request, "token")
    except SignInRefusedError as refused:
        return _refuse(request, refused.code)
    except requests.RequestException:
        return _refuse(request, "provider-unreachable")
    except IntegrityError:
        return _refuse(request, "conflict")

    next_url = request.session.pop(NEXT_SESSION_KEY, "")
    login(request, user, backend=BACKEND)
    request.session[PROVIDER_LOGOUT_SESSION_KEY] = oidc.logout_url(token["id_token"])
    return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
