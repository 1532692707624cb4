"""The sign-in page's password form under LOCAL_LOGIN, and the second step, the code
(LOCAL_LOGIN_OTP). The rules and their sources: accounts.local_login."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django_otp import verify_token

from accounts import local_login
from accounts.forms import LoginCodeForm


class LocalLoginMixin:
    """For accounts.views.LoginView: the password form only as LOCAL_LOGIN allows, and with
    LOCAL_LOGIN_OTP a second step before the session is signed in."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["local_login"] = settings.LOCAL_LOGIN
        return context

    def post(self, request, *args, **kwargs):
        if not local_login.form_shown():
            # LOCAL_LOGIN=off: nothing is checked, no session starts.
            return self.render_to_response(self.get_context_data(form=None), status=403)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not settings.LOCAL_LOGIN_OTP:
            response = super().form_valid(form)
            self.request.session[local_login.LOGIN_METHOD_SESSION_KEY] = local_login.LOCAL_ONE_FACTOR
            return response
        user = form.get_user()
        device = local_login.confirmed_device(user)
        if device is None:
            form.add_error(None, local_login.NO_DEVICE_MESSAGE)
            return self.form_invalid(form)
        local_login.begin_pending(self.request, user, device, self.get_success_url())
        return HttpResponseRedirect(reverse("login-code"))


class LoginCodeView(FormView):
    """The second step: the code from the authenticator app. Only now is the session signed in."""

    template_name = "registration/login_code.html"
    form_class = LoginCodeForm
    extra_context = {"title": gettext_lazy("Code from your authenticator app")}

    def dispatch(self, request, *args, **kwargs):
        self.state = local_login.pending(request)
        self.user = None
        if self.state is not None:
            self.user = get_user_model().objects.filter(pk=self.state["user"], is_active=True).first()
        if self.user is None or not local_login.may_sign_in_locally(self.user):
            local_login.clear_pending(request)
            if request.method == "POST" or self.state is not None:
                messages.error(request, _("The sign-in was not completed in time. Start again."))
            return HttpResponseRedirect(reverse("login"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        device = local_login.confirmed_device(self.user)
        if device is None or device.persistent_id != self.state["device"]:
            local_login.clear_pending(request)
            messages.error(request, _("The sign-in was not completed in time. Start again."))
            return HttpResponseRedirect(reverse("login"))
        allowed, details = device.verify_is_allowed()
        if not allowed:
            # django-otp's throttle: each wrong code doubles the wait before the next is tried.
            until = (details or {}).get("locked_until")
            when = timezone.localtime(until).strftime("%H:%M:%S") if until else ""
            form.add_error("code", _("Too many wrong codes in a row. Try again after %(time)s.") % {"time": when})
            return self.form_invalid(form)
        verified = verify_token(self.user, self.state["device"], form.cleaned_data["code"])
        if verified is None:
            if local_login.note_wrong_code(request, self.state):
                messages.error(request, _("Too many wrong codes. Sign in again with your user name and password."))
                return HttpResponseRedirect(reverse("login"))
            form.add_error(
                "code", _("Wrong code. Check that it is the code for psweb and that it has not just changed.")
            )
            return self.form_invalid(form)
        next_url = self.state["next"]
        local_login.clear_pending(request)
        # django-otp keeps the device that verified the user in the session (user_logged_in).
        self.user.otp_device = verified
        auth_login(request, self.user, backend=self.state["backend"])
        request.session[local_login.LOGIN_METHOD_SESSION_KEY] = local_login.LOCAL_TWO_FACTORS
        return HttpResponseRedirect(next_url)
