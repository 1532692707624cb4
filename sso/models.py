"""What single sign-on keeps: the commissions whose unit psweb does not know."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnmatchedCommission(models.Model):
    """A person signed in with a commission (medarbetaruppdrag) for a unit HSA-id that no
    active org unit has. She is signed in without a membership and chooses the unit when
    she reports; the administrator adds the unit's HSA-id (or the unit) and marks the row
    resolved. The next sign-in in a known unit resolves it by itself."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    unit_hsa_id = models.CharField(_("unit HSA-id"), max_length=64)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now=True)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        ordering = ["resolved", "-last_seen"]
        verbose_name = _("unmatched commission")
        verbose_name_plural = _("unmatched commissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit_hsa_id"], name="sso_unmatched_commission_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_hsa_id} ({self.user})"
