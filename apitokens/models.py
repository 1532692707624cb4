"""Personal API tokens, stored as a digest (issue 15, item 8).

A token is a secret: whoever holds it acts as its user, and every read it makes is logged
in that user's name. psweb therefore keeps only the SHA-256 digest of a high-entropy secret
(32 random bytes, so a fast hash is enough: there is nothing to guess) and shows the secret
once, when it is created. The first characters are kept in clear as a `prefix`, so that a
person can tell their tokens apart in a list without the secret being readable anywhere.

Each token has a name (what it is for), an expiry, the time it was last used and a
revocation time. Tokens are never deleted: revoking keeps the row, so the audit trail can
still say which token a request came with.
"""

from __future__ import annotations

import hashlib

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# New secrets look like "psw_<43 url-safe characters>"; tokens migrated from DRF's plain
# tokens are 40 hex characters and keep working unchanged.
SECRET_PREFIX = "psw_"  # noqa: S105 (a marker, not a secret)
PREFIX_LENGTH = 12


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApiTokenQuerySet:
        """A person's own tokens; the administrator sees everyone's in the admin, without secrets."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def usable(self, at=None) -> ApiTokenQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at)


# Who created or revoked a token, and when, is history (the request's user and address come
# with it); its last use is not.
@pghistory.track(exclude=["last_used_at"])
class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is used for."))
    prefix = models.CharField(_("beginning of the token"), max_length=PREFIX_LENGTH)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
