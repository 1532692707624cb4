"""Incident statistics for the REST API (DESIGN §6). Field names are a public contract.
Counts only: no names, no free text."""

from __future__ import annotations

from rest_framework import serializers


class IncidentCountSerializer(serializers.Serializer):
    """One group: the keys asked for in `group_by`, and the count."""

    period_start = serializers.DateField(required=False)
    period = serializers.CharField(required=False)
    # A group key is null for the incidents that have no value yet (not classified, no risk).
    category = serializers.IntegerField(required=False, allow_null=True, help_text="null: not classified yet.")
    category_name = serializers.CharField(required=False, allow_null=True)
    event_class = serializers.CharField(required=False, allow_null=True, help_text="null: not classified yet.")
    case_type = serializers.CharField(required=False, allow_null=True)
    unit = serializers.IntegerField(required=False, allow_null=True)
    unit_name = serializers.CharField(required=False, allow_null=True)
    status = serializers.CharField(required=False)
    risk_level = serializers.CharField(required=False, allow_null=True, help_text="null: risk not assessed yet.")
    count = serializers.IntegerField()

    def to_representation(self, row):
        # Only the keys grouped by: DRF would give a nullable field that is absent as null.
        data = super().to_representation(row)
        return {key: value for key, value in data.items() if key in row} if isinstance(row, dict) else data


class LeadTimesSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    triage_median = serializers.FloatField(allow_null=True)
    triage_p90 = serializers.FloatField(allow_null=True)
    close_median = serializers.FloatField(allow_null=True)
    close_p90 = serializers.FloatField(allow_null=True)


class CauseCountSerializer(serializers.Serializer):
    area = serializers.IntegerField()
    area_name = serializers.CharField()
    count = serializers.IntegerField()


class LexMariaYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    decision = serializers.CharField()
    count = serializers.IntegerField()


class IncidentSummarySerializer(serializers.Serializer):
    reported = serializers.IntegerField()
    closed = serializers.IntegerField()
    late = serializers.IntegerField(help_text="Reported more than 72 hours after the event.")
    open_now = serializers.IntegerField()
    lead_times = LeadTimesSerializer()
    actions_open = serializers.IntegerField()
    actions_overdue = serializers.IntegerField()
    forwards_waiting = serializers.IntegerField()
    causes = CauseCountSerializer(many=True)
    lex_maria_by_year = LexMariaYearSerializer(many=True)
