"""`python manage.py issue_api_token USER [--rotate]`: print the user's API token.

The key is the only thing written to standard output, so a script can capture it:
`TOKEN=$(python manage.py issue_api_token integration-bot)`. Messages go to stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Print the API token of USER (creating it if needed). Only the key is written to standard output."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user name of the (service) user the token belongs to.")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the existing token with a new one; the old key stops working.",
        )

    def handle(self, *args, username: str, rotate: bool, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}. Create the user first (for example in the admin).")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is deactivated; an API token would not be accepted.")
        token, created = api_token_issue(user=user, rotate=rotate)
        if created:
            verb = "Replaced the token of" if rotate else "Created a token for"
            self.stderr.write(f"{verb} {username}.")
        self.stdout.write(token.key)
