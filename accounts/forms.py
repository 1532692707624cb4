"""Forms for signing in."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
