"""`python manage.py revoke_api_tokens USER [--name NAME]`: the user's tokens (or the ones
with that name) stop working now."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apitokens.models import ApiToken


class Command(BaseCommand):
    help = "Revoke the API tokens of USER (all of them, or those named --name)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", help="Revoke only the tokens with this name.")

    def handle(self, *args, username: str, name: str | None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}.")
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if name is not None:
            tokens = tokens.filter(name=name)
        revoked = tokens.update(revoked_at=timezone.now())
        self.stderr.write(f"Revoked {revoked} token(s) of {username}.")
