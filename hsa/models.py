"""What the HSA sync keeps (docs/hsa.md): each run with its diff, and the reporter memberships
it made, so that it ends only its own and never one granted in psweb."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, OrgUnit, User


class SyncRun(models.Model):
    """One run of `sync_hsa`: a dry run (the diff it would apply) or the applied diff."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=500)
    dry_run = models.BooleanField(_("dry run"), default=False)
    counts = models.JSONField(_("counts"), default=dict)
    diff = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("HSA sync")
        verbose_name_plural = _("Organisation from HSA")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.file_name}"


class ProvisionedMembership(models.Model):
    """A reporter membership the HSA sync made: the person holds one or more HSA commissions
    (medarbetaruppdrag) placed at the unit. Rows are never deleted; the newest row of a
    (user, unit) is the one the next sync compares with the export."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="provisioned")
    # The HSA-ids of the commissions that give it, sorted.
    commissions = ArrayField(models.CharField(max_length=64), default=list)
    # The day a sync found none of them in the export any more and ended the membership.
    removed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "unit"], name="hsa_provisioned_user_unit")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.unit_id}: {', '.join(self.commissions)}"
