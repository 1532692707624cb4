"""Forms for signing in."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import local_login


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong user name or password. Check both and try again."),
        "inactive": _("This account is deactivated. Contact your system administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("User name")
        username.error_messages["required"] = _("Enter your user name.")
        username.widget.attrs.update({"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
        # Autofocus moves screen-reader users past the page heading; the error summary takes
        # focus instead when there is something to correct.
        username.widget.attrs.pop("autofocus", None)
        password = self.fields["password"]
        password.label = _("Password")
        password.error_messages["required"] = _("Enter your password.")
        password.widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        # LOCAL_LOGIN=admins: one answer for a wrong password, an unknown user name and a user
        # who may not sign in with a password (accounts.local_login).
        if settings.LOCAL_LOGIN != "all":
            return ValidationError(local_login.ADMINS_ONLY_MESSAGE, code="invalid_login")
        return super().get_invalid_login_error()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not local_login.may_sign_in_locally(user):
            local_login.count_as_failure(self.request, self.cleaned_data.get("username", ""))
            raise self.get_invalid_login_error()


class LoginCodeForm(forms.Form):
    """The second step of local sign-in: the code the authenticator app shows (RFC 6238)."""

    code = forms.CharField(
        label=_("Code"),
        help_text=_("The 6 digits your authenticator app shows for psweb right now."),
        error_messages={"required": _("Enter the code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false", "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}|\d{8}", code):
            raise ValidationError(_("The code is 6 digits, such as 123456."), code="format")
        return code
