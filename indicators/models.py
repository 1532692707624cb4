"""Patient-safety indicators and their measurements: the local home for the point-prevalence
measurements (pressure ulcers, hygiene, VRI) and record reviews (MJG) whose national databases
closed in 2024 (DOMAIN.md).

An `IndicatorDefinition` says what is measured and how it is judged (kind, multiplier, target,
desired direction, frequency, rolling window, method versions). A `Measurement` is one unit's
numerator and denominator for one period; its value is derived, never typed. A point marked
invalid keeps its reason and is left out of every aggregate. National reference values
("riket") are measurements of the national reference unit (`services.national_unit`).
Nothing is deleted: a wrong point is corrected (the history keeps the old numbers) or marked
invalid.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit


class Kind(models.TextChoices):
    PROPORTION = "proportion", _("Proportion (%)")
    RATE = "rate", _("Rate per N")
    COUNT = "count", _("Count")
    MEAN = "mean", _("Mean or index")


class TargetKind(models.TextChoices):
    NONE = "", _("No target")
    AT_LEAST = "at_least", _("At least (≥)")
    AT_MOST = "at_most", _("At most (≤)")
    BELOW = "below", _("Below (<)")
    ABOVE = "above", _("Above (>)")
    RANGE = "range", _("Within a range")
    DECREASE = "decrease", _("Lower than the previous period")
    INCREASE = "increase", _("Higher than the previous period")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    NONE = "none", _("Neither (a range)")


class Frequency(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    TERTIAL = "tertial", _("Per tertial")
    HALF_YEAR = "half_year", _("Twice a year")
    YEAR = "year", _("Yearly")
    POINT = "point", _("Point prevalence")
    CONTINUOUS = "continuous", _("Continuous")


class PeriodKind(models.TextChoices):
    """The length of a measurement's period, derived from its start and end."""

    POINT = "point", _("Point prevalence (one day)")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    TERTIAL = "tertial", _("Tertial")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")
    OTHER = "other", _("Other period")


class IndicatorDefinitionQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorDefinitionQuerySet:
        """The catalogue is the same for everyone who may see indicators or statistics."""
        from accounts.access import has_perm
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self if has_perm(user, Perm.INDICATOR_VIEW) else self.none()


@pghistory.track()
class IndicatorDefinition(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True, allow_unicode=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROPORTION)
    numerator_label = models.CharField(_("numerator"), max_length=200)
    denominator_label = models.CharField(_("denominator"), max_length=200, blank=True)
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=10,
        decimal_places=0,
        default=Decimal(100),
        help_text=_("100 for a percentage, 1000 for per 1 000 care days, 1 for a count or a mean."),
    )
    unit_label = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("For example %, ‰ or index."))
    target_kind = models.CharField(_("target"), max_length=20, choices=TargetKind.choices, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2, null=True, blank=True)
    target_low = models.DecimalField(_("range from"), max_digits=12, decimal_places=2, null=True, blank=True)
    target_high = models.DecimalField(_("range to"), max_digits=12, decimal_places=2, null=True, blank=True)
    direction = models.CharField(_("desired direction"), max_length=10, choices=Direction.choices)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    rolling_months = models.PositiveSmallIntegerField(
        _("rolling window (months)"),
        default=0,
        help_text=_("0: each period on its own. 12: every value covers the twelve months up to its end (MJG)."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorDefinitionQuerySet.as_manager()

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="indicator_kind_known"),
            models.CheckConstraint(condition=Q(target_kind__in=TargetKind.values), name="indicator_target_known"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="indicator_direction_known"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="indicator_multiplier_positive"),
            models.CheckConstraint(
                condition=~Q(target_kind__in=["at_least", "at_most", "below", "above"]) | Q(target_value__isnull=False),
                name="indicator_threshold_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(target_kind="range")
                | (
                    Q(target_low__isnull=False)
                    & Q(target_high__isnull=False)
                    & Q(target_low__lte=models.F("target_high"))
                ),
                name="indicator_range_has_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def has_denominator(self) -> bool:
        return self.kind != Kind.COUNT


@pghistory.track()
class MethodVersion(models.Model):
    """A way of measuring an indicator (e.g. VRI by SKR's PPM, then by Infektionsverktyget /
    ECDC PPS). Each measurement names its method; charts mark where the method changes."""

    indicator = models.ForeignKey(IndicatorDefinition, on_delete=models.PROTECT, related_name="methods")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    valid_from = models.DateField(_("in use from"))

    class Meta:
        ordering = ["indicator", "valid_from", "code"]
        verbose_name = _("method version")
        verbose_name_plural = _("method versions")
        constraints = [models.UniqueConstraint(fields=["indicator", "code"], name="indicator_method_unique")]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.name}"


class MeasurementQuerySet(models.QuerySet):
    def visible_to(self, user) -> MeasurementQuerySet:
        """Measurements of units where the user may see indicators, and the national reference
        values for everyone who may see indicators at all."""
        from accounts.access import has_perm, scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not has_perm(user, Perm.INDICATOR_VIEW):
            return self.none()
        return self.filter(scope_q(user, Perm.INDICATOR_VIEW, "unit") | Q(unit__kind__code=NATIONAL_KIND))


NATIONAL_KIND = "riket"


class ImportBatch(models.Model):
    """One uploaded file of measurements: kept as uploaded (for the preview, the confirmation
    and the audit), and once committed, who committed it and what changed."""

    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"


@pghistory.track(level=pghistory.Statement, exclude=["sync_xid"])  # the import inserts thousands of rows at once
class Measurement(models.Model):
    indicator = models.ForeignKey(IndicatorDefinition, on_delete=models.PROTECT, related_name="measurements")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("unit"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    period_kind = models.CharField(_("period"), max_length=20, choices=PeriodKind.choices)
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=4)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=4, null=True, blank=True)
    # numerator / denominator × multiplier (a count: the numerator), computed by the service.
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=6)
    method = models.CharField(_("method"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    is_valid = models.BooleanField(_("valid"), default=True)
    invalid_reason = models.TextField(_("why it is invalid"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The transaction that last wrote the row, set by the trigger psweb_sync_stamp (psweb/sync.py).
    sync_xid = models.BigIntegerField(db_default=0, editable=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "unit", "period_start"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_start", "period_end", "method"], name="measurement_unique"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="measurement_period"),
            models.CheckConstraint(condition=Q(numerator__gte=0), name="measurement_numerator_not_negative"),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0), name="measurement_denominator_positive"
            ),
            models.CheckConstraint(
                condition=Q(is_valid=True) | ~Q(invalid_reason=""), name="measurement_invalid_has_reason"
            ),
            models.CheckConstraint(condition=Q(period_kind__in=PeriodKind.values), name="measurement_period_known"),
        ]
        indexes = [
            # The series of a subtree: one indicator, valid points, by start date.
            models.Index(fields=["indicator", "period_start"], name="measurement_series", condition=Q(is_valid=True)),
            # `?updated_since=` (psweb/sync.py) reads in this order.
            models.Index(fields=["sync_xid", "id"], name="measurement_sync"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit_id} {self.period_start}–{self.period_end}"
