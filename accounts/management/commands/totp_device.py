"""`python manage.py totp_device USERNAME [--remove]`: the authenticator app of a break-glass account.

With LOCAL_LOGIN_OTP on (the default with DEBUG off), signing in with a password also asks for
a code from an authenticator app (TOTP, RFC 6238; accounts.local_login). This command gives the
account a new, confirmed device, replacing any earlier one, and prints its otpauth:// address
(Google Authenticator's "Key Uri Format": as a QR code, e.g. `qrencode -t ansiutf8 'URI'`, or
typed in) and its secret in base32, once: the administrator puts them into the app straight
away. --remove takes the device away (a lost phone); the account then cannot sign in locally.
"""

from __future__ import annotations

from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import local_login

DEVICE_NAME = "break-glass"


class Command(BaseCommand):
    help = "Create (or replace) the TOTP authenticator device of an account and print its secret once."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The account's user name.")
        parser.add_argument("--remove", action="store_true", help="Remove the account's device instead.")

    def handle(self, *args, username: str, remove: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named {username!r}. Nothing was changed.")
        with transaction.atomic():
            removed, _ = TOTPDevice.objects.filter(user=user).delete()
            if remove:
                self.stdout.write(f"Removed {removed} authenticator device(s) of {username}.")
                return
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        secret = b32encode(device.bin_key).decode()
        self.stdout.write(
            f"Authenticator device for {username}{' (the earlier one is removed)' if removed else ''}.\n"
            "Put it into the authenticator app now; it is not shown again.\n"
            f"URI:    {device.config_url}\n"
            f"Secret: {secret} (base32; TOTP, SHA-1, 6 digits, 30 seconds)"
        )
        if not local_login.may_sign_in_locally(user):
            self.stderr.write(
                f"Note: LOCAL_LOGIN does not let {username} sign in with a password: only superusers, "
                "staff and system administrators may under LOCAL_LOGIN=admins, nobody under off."
            )
        if not user.has_usable_password():
            self.stderr.write(f"Note: {username} has no password; set one with `manage.py changepassword {username}`.")
