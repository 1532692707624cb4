"""`python manage.py create_api_token USER --name NAME [--expires YYYY-MM-DD | --days N]`.

Creates a new API token for USER and prints its secret, the only thing written to standard
output, so a script can capture it: `TOKEN=$(python manage.py create_api_token bot --name BI)`.
The secret is shown this once: psweb keeps only its digest. Revoke tokens in the admin or
with `revoke_api_tokens`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apitokens.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USER and print its secret (shown only once) on standard output."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user name of the (service) user the token acts as.")
        parser.add_argument("--name", required=True, help="What the token is used for, e.g. 'BI export'.")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--expires", help="The last day the token works (YYYY-MM-DD, Swedish time).")
        when.add_argument("--days", type=int, help="How many days the token works (default: API_TOKEN_DEFAULT_DAYS).")

    def handle(self, *args, username: str, name: str, expires: str | None, days: int | None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}. Create the user first (for example in the admin).")
        expires_at = None
        if expires:
            try:
                last_day = dt.date.fromisoformat(expires)
            except ValueError as error:
                raise CommandError(f"--expires takes a date as YYYY-MM-DD, not {expires!r}.") from error
            expires_at = timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))
        elif days is not None:
            expires_at = timezone.now() + dt.timedelta(days=days)
        try:
            token, secret = api_token_create(user=user, name=name, expires_at=expires_at)
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from refused
        self.stderr.write(
            f"Created the token {token.name!r} ({token.prefix}…) for {username}, valid until "
            f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}. It is shown only this once."
        )
        self.stdout.write(secret)
