"""Oversight agreements (vårdval, issue 16): a purchaser unit — the region's vårdvalsenhet —
may read a care provider's incidents, Lex Maria cases and reports to IVO under the terms of
its agreement. Read only, never handled; the patient's identity only when the agreement says
so; every read in the AccessLog; shown to the provider on "Who oversees us".
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit


class AgreementQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date | None = None) -> AgreementQuerySet:
        day = day or timezone.localdate()
        return self.filter(valid_from__lte=day, valid_to__gte=day)

    def naming(self, user) -> AgreementQuerySet:
        """The agreements that name `user` as one of the purchaser's readers."""
        return self.filter(named__user=user)


class Agreement(models.Model):
    purchaser = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchaser unit"))
    provider = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("care provider overseen")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"))
    incidents = models.BooleanField(_("incidents"), default=True)
    lexmaria = models.BooleanField(_("Lex Maria cases and reports to IVO"), default=True)
    # Not yet used: the yearly patient-safety report comes with a later issue.
    safety_report = models.BooleanField(
        _("patient safety report"), default=False, help_text=_("Not yet in use: the yearly report comes later.")
    )
    with_patient_identity = models.BooleanField(
        _("with the patient's identity"),
        default=False,
        help_text=_("Without it, the purchaser's readers never see who the patient is."),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="AgreementUser",
        through_fields=("agreement", "user"),
        related_name="+",
        verbose_name=_("named users"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "-valid_from"]
        verbose_name = _("oversight agreement")
        verbose_name_plural = _("oversight agreements")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="agreement_period"),
        ]

    def __str__(self) -> str:
        return _("%(purchaser)s oversees %(provider)s") % {
            "purchaser": self.purchaser.name,
            "provider": self.provider.name,
        }

    def clean(self):
        errors = {}
        provider = self.provider if self.provider_id else None
        purchaser = self.purchaser if self.purchaser_id else None
        if provider is not None and not provider.is_care_provider:
            errors["provider"] = _("Choose a care provider (a unit at the top of the organisation).")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The agreement must end on or after the day it starts.")
        if provider is not None and purchaser is not None and purchaser.path.startswith(provider.path):
            errors["purchaser"] = _("The purchaser must not be a unit of the care provider it oversees.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.valid_from <= day <= self.valid_to

    @property
    def reads(self) -> list[str]:
        """What the agreement lets the purchaser read, as words."""
        found = []
        if self.incidents:
            found.append(str(_("incidents")))
        if self.lexmaria:
            found.append(str(_("Lex Maria cases and reports to IVO")))
        return found


class AgreementUser(models.Model):
    """A user of the purchaser named to read under the agreement, and who named her."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="named")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("named user")
        verbose_name_plural = _("named users")
        constraints = [models.UniqueConstraint(fields=["agreement", "user"], name="agreement_user_once")]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()
