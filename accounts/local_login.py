"""Local accounts (user name and password) as break-glass accounts, with a second factor.

Staff sign in with their e-tjänstekort (SITHS) through the region's identity provider (sso/);
in production a password account is kept only for the administrator who must get in when the
identity provider is down. Two settings (README, "Single sign-on", "Break-glass accounts"):

LOCAL_LOGIN
    ``all``: everyone may sign in with a password (development, `make run`, the tests).
    ``admins`` (the default with DEBUG off): only a user who may administer psweb — superuser,
    staff status (the Django admin) or a valid membership with the system administrator role
    (Role.ADMIN) — may. Anyone else is refused with one message, whether the password was
    right or wrong and whether the user name exists: the answer tells nothing of either (OWASP
    Authentication Cheat Sheet, "Authentication and Error Messages"). Such an attempt counts
    as a failed sign-in for django-axes like any other, so that the lockout too answers alike.
    ``off``: no password form, and a POST to it is refused.

LOCAL_LOGIN_OTP (default: on with DEBUG off)
    After the right password, a code from an authenticator app (TOTP, RFC 6238; django-otp) on
    a second page. Until the code is right the session is not signed in: it holds only the
    pending sign-in (`PENDING_SESSION_KEY`), for `PENDING_MAX_AGE` seconds and at most
    `MAX_WRONG_CODES` wrong codes, and django-otp throttles the device itself (each wrong code
    doubles the wait before the next is tried; NIST SP 800-63B 5.2.2). An account without an
    authenticator device cannot sign in locally: `manage.py totp_device USERNAME` makes one.

Single sign-on is not affected by either (SITHS is itself two factors, card and PIN), nor is
the API's token authentication.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from accounts.roles import Role

# How the session was signed in, for the admin (accounts.admin_site): a session from a
# password alone never opens it while LOCAL_LOGIN_OTP is on.
LOGIN_METHOD_SESSION_KEY = "login_method"
LOCAL_ONE_FACTOR = "password"
LOCAL_TWO_FACTORS = "password+totp"

PENDING_SESSION_KEY = "local_login_pending"
PENDING_MAX_AGE = 300
MAX_WRONG_CODES = 5

ADMINS_ONLY_MESSAGE = _(
    "Sign in with your e-tjänstekort (SITHS). User name and password are only for system "
    "administrators; if you are one, check both and try again."
)
NO_DEVICE_MESSAGE = _(
    "This account has no authenticator app for the second step of signing in, so it cannot sign "
    "in with a password. Contact your system administrator."
)


def form_shown() -> bool:
    return settings.LOCAL_LOGIN != "off"


def may_administer(user) -> bool:
    """Superuser, staff status, or a valid system administrator membership in some unit."""
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.valid_on().filter(user=user, role=Role.ADMIN).exists()


def may_sign_in_locally(user) -> bool:
    mode = settings.LOCAL_LOGIN
    if mode == "all":
        return True
    if mode == "admins":
        return may_administer(user)
    return False


def count_as_failure(request, username: str) -> None:
    """Record a refused sign-in as a failed one (django-axes listens for this signal), as
    `django.contrib.auth.authenticate` does for a wrong password."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def second_factor_satisfied(request) -> bool:
    """False for a session signed in with a password alone while the second factor is required."""
    if not settings.LOCAL_LOGIN_OTP:
        return True
    return request.session.get(LOGIN_METHOD_SESSION_KEY) != LOCAL_ONE_FACTOR


def confirmed_device(user):
    """The user's authenticator device (the newest, if several), or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


# --- the pending sign-in between the password and the code ---------------------------------


def begin_pending(request, user, device, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "device": device.persistent_id,
        "started": int(time.time()),
        "next": next_url,
        "wrong": 0,
    }


def pending(request) -> dict | None:
    """The pending sign-in, or None when there is none or it is too old."""
    state = request.session.get(PENDING_SESSION_KEY)
    if not state:
        return None
    if time.time() - state["started"] > PENDING_MAX_AGE:
        clear_pending(request)
        return None
    return state


def note_wrong_code(request, state: dict) -> bool:
    """Count a wrong code; True when that was the last one allowed (the pending sign-in ends)."""
    state["wrong"] += 1
    if state["wrong"] >= MAX_WRONG_CODES:
        clear_pending(request)
        return True
    request.session[PENDING_SESSION_KEY] = state
    return False


def clear_pending(request) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)
