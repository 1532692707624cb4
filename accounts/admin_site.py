"""Django's admin site, signed in to only through psweb's sign-in page.

The admin's own login form would ask for a password and nothing more, a way past the second
factor of local sign-in (LOCAL_LOGIN_OTP, accounts.local_login). So `/admin/login/` sends the
visitor to `/logga-in/` (and back again afterwards), where LOCAL_LOGIN and the code apply; and
with LOCAL_LOGIN_OTP on, a session signed in with a password alone never opens the admin
(NIST SP 800-63B 4.2.1: an administrator's access at AAL2, two factors; OWASP ASVS 2.1).
Sessions from single sign-on (SITHS is itself two factors, card and PIN) are not affected.

INSTALLED_APPS names `accounts.admin_apps.PswebAdminConfig` instead of "django.contrib.admin", so `admin.site` is
a `PswebAdminSite` and every app registers with it as before.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import local_login


class PswebAdminSite(AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and local_login.second_factor_satisfied(request)

    def login(self, request, extra_context=None):
        """psweb's sign-in page instead of the admin's password-only form."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        next_url = next_url or reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, login_url=reverse("login"))
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if not local_login.second_factor_satisfied(request):
            raise PermissionDenied(
                _(
                    "The administration needs a sign-in with a code from your authenticator app. "
                    "Sign out and sign in again."
                )
            )
        raise PermissionDenied(_("Your account may not use the administration."))
