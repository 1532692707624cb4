"""Sign-in, sign-out, the lockout page and the membership roster."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import lockout
from accounts.filtersets import MembershipFilterSet
from accounts.forms import LoginForm
from accounts.local_login_views import LocalLoginMixin
from accounts.models import Membership
from accounts.roles import Role
from psweb.html import ScopedListView

PROVIDER_LOGOUT_SESSION_KEY = "provider_logout_url"


class LoginView(LocalLoginMixin, auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("Sign in")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Single sign-on (sso/, on when OIDC_ISSUER is set) comes first on the page.
        context["sso_enabled"] = bool(settings.OIDC_ISSUER)
        context["saml_enabled"] = bool(settings.SAML_IDP_METADATA)  # SAML 2.0 (sso/saml.py), after OIDC
        return context


class LogoutView(auth_views.LogoutView):
    """Sign-out is a POST (Django refuses GET). A GET answers 405 with a page that offers
    the sign-out button, rather than a blank page."""

    template_name = "registration/logged_out.html"
    extra_context = {"title": gettext_lazy("Signed out")}

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        # A session from single sign-on ends at the identity provider too (RP-initiated
        # logout): sso/ left its end-session address here (sso.views.PROVIDER_LOGOUT_SESSION_KEY).
        provider_logout = request.session.get(PROVIDER_LOGOUT_SESSION_KEY, "")
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, _("You are signed out."))
        if was_signed_in and provider_logout:
            return HttpResponseRedirect(provider_logout)
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = render(request, "registration/logout_confirm.html", {"title": _("Sign out")}, status=405)
        response["Allow"] = "POST, OPTIONS"
        return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked user name and address (AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "registration/locked_out.html",
        {
            "title": _("Too many failed sign-ins"),
            "minutes": minutes,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            # Many accounts tried from this address (accounts.lockout), not one account too often.
            "address_locked": lockout.address_locked(request),
        },
        status=429,
    )


class MembershipListView(ScopedListView):
    """Who holds which role in the units the user may see memberships of."""

    model = Membership
    template_name = "accounts/membership_list.html"
    paginate_by = 100

    def narrow_queryset(self, queryset):
        self.filterset = MembershipFilterSet(self.request.GET or None, queryset=queryset.select_related("user", "unit"))
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        # Plain words for "no filter" instead of the widgets' "---------" and "Unknown".
        form.fields["role"].choices = [("", _("All roles")), *Role.choices]
        form.fields["valid"].widget.choices = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]
        context["filter"] = self.filterset
        context["title"] = _("Roles and units")
        return context
