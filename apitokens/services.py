"""Writes for API credentials: create a token (the secret is returned once), revoke it,
revoke everything a user holds. Views, the admin and commands call these."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apitokens.models import PREFIX_LENGTH, SECRET_PREFIX, ApiToken, digest

# last_used_at is written at most this often per token: a busy integration would otherwise
# write a row on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def default_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


def api_token_problems(*, user, name: str, expires_at: dt.datetime) -> dict[str, list[str]]:
    """What is wrong with a token about to be created, field by field (the admin's form asks too)."""
    now = timezone.now()
    problems = {}
    if user is not None and not user.is_active:
        problems["user"] = [_("The account is deactivated; a token for it would not be accepted.")]
    if not name.strip():
        problems["name"] = [_("Give the token a name that says what it is used for.")]
    if expires_at <= now:
        problems["expires_at"] = [_("The expiry must be in the future.")]
    elif expires_at > now + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS):
        problems["expires_at"] = [
            _("A token may be valid for at most %(days)s days.") % {"days": settings.API_TOKEN_MAX_DAYS}
        ]
    return problems


@transaction.atomic
def api_token_create(*, user, name: str, expires_at: dt.datetime | None = None, actor=None) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns (token, secret); the secret is not stored and cannot be
    shown again."""
    expires_at = expires_at or default_expiry()
    problems = api_token_problems(user=user, name=name, expires_at=expires_at)
    if problems:
        raise ValidationError(problems)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=secret[:PREFIX_LENGTH],
        digest=digest(secret),
        expires_at=expires_at,
        created_by=actor,
    )
    token.full_clean(exclude=["digest"])
    token.save()
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """The token stops working now. Revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


@transaction.atomic
def api_credentials_revoke_all(*, user) -> int:
    """Everything that lets a program act as `user` ends now: their API tokens and the OAuth2
    access tokens issued to them or to a client application acting as them. Called when the
    user is deactivated. Returns the number of API tokens revoked."""
    from oauth2_provider.models import get_access_token_model

    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    get_access_token_model().objects.filter(Q(user=user) | Q(application__user=user)).delete()
    return revoked


def api_token_used(token: ApiToken) -> None:
    """Note that the token was used now (to the minute)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
