"""Indicator, measurement and indicator-series representations for the REST API (DESIGN §6).
Field names are a public contract."""

from __future__ import annotations

from rest_framework import serializers

from indicators.models import IndicatorDefinition, Measurement, MethodVersion
from psweb.api import ModelSerializer, RefuseUnknownFields, ValidationErrorSerializer


class MethodVersionSerializer(ModelSerializer):
    class Meta:
        model = MethodVersion
        fields = ["code", "name", "valid_from"]
        read_only_fields = fields


class IndicatorSerializer(ModelSerializer):
    methods = MethodVersionSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorDefinition
        fields = [
            "code",
            "name",
            "description",
            "kind",
            "numerator_label",
            "denominator_label",
            "multiplier",
            "unit_label",
            "target_kind",
            "target_value",
            "target_low",
            "target_high",
            "direction",
            "frequency",
            "rolling_months",
            "source",
            "is_active",
            "methods",
        ]
        read_only_fields = fields


class MeasurementSerializer(ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "indicator",
            "unit",
            "period_start",
            "period_end",
            "period_kind",
            "numerator",
            "denominator",
            "value",
            "method",
            "source",
            "comment",
            "is_valid",
            "invalid_reason",
            "entered_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeasurementInSerializer(RefuseUnknownFields, serializers.Serializer):
    """One measurement to save: the indicator's code, the unit's id ("riket" for the national
    reference value), the period, the numbers (the value is derived), the method (blank: the
    one in use then) and a comment. Checked by the same rules as the form and the import."""

    indicator = serializers.CharField(max_length=30)
    unit = serializers.CharField(max_length=64, help_text="The unit's id, its HSA-id, or `riket`.")
    period_start = serializers.CharField(max_length=10, help_text="YYYY-MM-DD")
    period_end = serializers.CharField(max_length=10, required=False, allow_blank=True, help_text="YYYY-MM-DD")
    numerator = serializers.CharField(max_length=30, help_text="A number; a decimal point or comma.")
    denominator = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True)
    method = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MeasurementsResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The position in the list, from 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class MeasurementsErrorSerializer(ValidationErrorSerializer):
    """The error contract's 400, with each row's errors under its index in `errors` (from 0) and,
    as before, listed in `rows` (numbered from 1)."""

    rows = RowErrorSerializer(many=True, required=False, help_text="Each error with its row, from 1.")


class InvalidateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SeriesPointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    period = serializers.CharField(source="label")
    numerator = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    denominator = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    value = serializers.DecimalField(
        max_digits=24, decimal_places=6, allow_null=True, help_text="Exact; round for display only."
    )
    display_value = serializers.DecimalField(
        source="display", max_digits=24, decimal_places=1, allow_null=True, help_text="One decimal, half up."
    )
    target = serializers.SerializerMethodField()
    target_met = serializers.BooleanField(allow_null=True)
    trend = serializers.CharField(allow_null=True, help_text="better, worse or unchanged (desired direction).")
    method = serializers.CharField()
    method_changed = serializers.BooleanField()
    points = serializers.IntegerField(help_text="How many measurements were added up.")

    def get_target(self, point) -> str:
        return self.context.get("target", "")
