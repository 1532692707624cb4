"""Webhook subscribers (issue 15, item 5): a system that wants to hear of a care provider's
case events as they happen, instead of polling the API.

An administrator registers a subscriber in the admin: an address, the event types it wants
and the care provider whose events it gets. Events carry ids and the event's type only —
never case content or identity; the subscriber fetches the object through the API with its
own credentials, which the scope rule then applies to (docs/api.md, "Webhooks").

The secret signs every delivery (HMAC-SHA256, the Standard Webhooks format `whsec_<base64>`).
It is kept in clear, unlike an API token's, because signing needs it; the admin shows it once,
when the subscriber is created, and never again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webhooks.catalogue import EVENT_TYPES

# The national reference unit's kind (indicators.models.NATIONAL_KIND): a root, but no care
# provider, so nothing subscribes to it.
NATIONAL_KIND = "riket"


def validate_subscriber_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        return
    raise ValidationError(_("The address must start with https://."), code="https_required")


class Subscriber(models.Model):
    name = models.CharField(_("name"), max_length=200, help_text=_("Which system this is, and who runs it."))
    url = models.URLField(
        _("address"),
        max_length=500,
        validators=[validate_subscriber_url],
        help_text=_("Events are sent here with POST."),
    )
    secret = models.CharField(max_length=100, editable=False)
    event_types = ArrayField(
        models.CharField(max_length=40, choices=[(event, event) for event in EVENT_TYPES]),
        verbose_name=_("events"),
        default=list,
    )
    care_provider = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("care provider"),
        limit_choices_to={"parent": None},
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscriber")
        verbose_name_plural = _("webhook subscribers")
        indexes = [models.Index(fields=["care_provider"], condition=models.Q(active=True), name="webhook_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.care_provider_id is not None:
            provider = self.care_provider
            if provider.parent_id is not None or provider.kind.code == NATIONAL_KIND:
                raise ValidationError({"care_provider": _("Choose a care provider: the root of an organisation.")})
        if not self.event_types:
            raise ValidationError({"event_types": _("Choose at least one event.")})


# Who changed an address, an event list or the active flag is part of the audit trail.
pghistory.track(exclude=["secret"])(Subscriber)
