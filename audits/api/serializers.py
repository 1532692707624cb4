"""Egenkontroll in the REST API (issue 18, item 4). Field names are a public contract: add
fields, never rename or remove them.

What a representation carries is what the pages show the same reader:
- a round (`AuditRoundSerializer`): its reference, title, the template version it was sent
  with, the care provider, the period and dates, its recurrence and state, and how many of
  the responses you may see there are and how many are submitted or approved;
- its detail (`AuditRoundDetailSerializer`) adds the template's statements and, for those who
  read results (`audit.view`, `audit.run`), the results over the units they may read:
  `audits.results.round_results`, with the units that never answered counted as
  `not_answered`, never dropped;
- a unit's response (`AuditResponseSerializer`): its state, version and answers; its detail
  adds what still stops it from being submitted.
Shares are percentages as decimal strings with one decimal (`"87.5"`), as the other
endpoints give decimals; null where nothing was counted.

Request serializers only check types and shapes; the services decide who may, in which
state, and validate the content, so the API and the pages give the same answers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audits.models import Answer, Recurrence, Response, Round, Scale, Value
from psweb.api import ChoiceLabelField, ModelSerializer, PlausibleDateField, RefuseUnknownFields
from psweb.cases import MAX_TEXT

# The largest count the database column holds (PositiveIntegerField).
MAX_COUNT = 2_147_483_647


def percent(**kwargs) -> serializers.DecimalField:
    """A share in %, one decimal, as a decimal string; null where nothing was counted."""
    return serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True, read_only=True, **kwargs)


def _percent(value) -> str | None:
    """A share as the API gives it: a decimal string with one decimal."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class AuditTemplateRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The template's code, e.g. `LAKEMEDEL`.")
    title = serializers.CharField()
    version = serializers.IntegerField(help_text="The number of the version the round was sent with.")


class AuditUnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AuditRoundSerializer(ModelSerializer):
    status_name = ChoiceLabelField("status")
    recurrence = serializers.ChoiceField(
        choices=Recurrence.choices,
        allow_blank=True,
        read_only=True,
        help_text="`monthly`, `quarterly`, `yearly`, or empty: once.",
    )
    template = serializers.SerializerMethodField()
    care_provider = serializers.SerializerMethodField()
    responses = serializers.IntegerField(
        source="visible_responses", read_only=True, help_text="The round's responses you may see (one per unit)."
    )
    answered = serializers.IntegerField(
        source="visible_answered", read_only=True, help_text="Of those, the submitted or approved."
    )
    response_rate = serializers.SerializerMethodField(help_text="answered / responses in %; null without responses.")

    class Meta:
        model = Round
        fields = [
            "id",
            "reference",
            "title",
            "template",
            "care_provider",
            "status",
            "status_name",
            "period_start",
            "period_end",
            "opens_on",
            "due_on",
            "recurrence",
            "previous",
            "responses",
            "answered",
            "response_rate",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AuditTemplateRefSerializer)
    def get_template(self, round_: Round) -> dict:
        version = round_.template_version
        return {"code": version.template.code, "title": version.template.title, "version": version.number}

    @extend_schema_field(AuditUnitRefSerializer)
    def get_care_provider(self, round_: Round) -> dict:
        return {"id": round_.care_provider_id, "name": round_.care_provider.name}

    @extend_schema_field(serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True))
    def get_response_rate(self, round_: Round) -> str | None:
        total = round_.visible_responses
        return _percent(Decimal(round_.visible_answered) * 100 / total) if total else None


class AuditStatementSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The same in every version of the template for the same question.")
    position = serializers.IntegerField()
    area = serializers.CharField(source="area.title")
    text = serializers.CharField()
    scale = serializers.ChoiceField(choices=Scale.choices)
    values = serializers.ListField(
        child=serializers.ChoiceField(choices=Value.choices),
        help_text="The answers the scale offers, in order; empty for a count (observed and compliant).",
    )
    help_text = serializers.CharField()
    routine = serializers.CharField(help_text="The routine the statement refers to.")
    threshold = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Under this share (%) a unit's result requires an action.",
    )


class AuditStatementResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    area = serializers.CharField()
    scale = serializers.ChoiceField(choices=Scale.choices)
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Units per answer value of the scale, and `not_answered`: the units whose response is not "
        "submitted or that left the statement unanswered.",
    )
    observed = serializers.IntegerField(allow_null=True, help_text="A count: the people observed; else null.")
    compliant = serializers.IntegerField(allow_null=True, help_text="A count: how many were compliant; else null.")
    share = percent(
        help_text="A count: compliant / observed; otherwise the answering units with `in_place` or `yes` "
        "(not applicable left out)."
    )
    threshold = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    below_threshold = serializers.BooleanField()
    previous_share = percent(help_text="The same statement (by `key`) in the previous round; null without one.")


class AuditSubtreeResultSerializer(serializers.Serializer):
    unit = AuditUnitRefSerializer()
    responses = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = percent()


class AuditRoundResultsSerializer(serializers.Serializer):
    unit = serializers.IntegerField(allow_null=True, help_text="The subtree asked for with `unit` (its id); null: all.")
    unit_name = serializers.CharField(allow_null=True)
    responses = serializers.IntegerField(help_text="The responses whose results you may read (in the subtree).")
    answered = serializers.IntegerField()
    not_answered = serializers.IntegerField()
    response_rate = percent()
    statements = AuditStatementResultSerializer(many=True)
    children = AuditSubtreeResultSerializer(
        many=True, help_text="Each unit directly below (the care provider, or `unit`) that holds responses."
    )
    actions = serializers.DictField(
        child=serializers.IntegerField(), help_text="The responses' actions in the action register, by state."
    )


def results_data(results) -> dict:
    """`audits.results.RoundResults` as the `results` of a round's detail."""
    statements = []
    for result in results.statements:
        statement = result.statement
        count = statement.scale == Scale.COUNT
        previous = result.previous.share if result.previous is not None else None
        statements.append(
            {
                "key": statement.key,
                "text": statement.text,
                "area": statement.area.title,
                "scale": statement.scale,
                "counts": dict(result.counts),
                "observed": result.observed if count else None,
                "compliant": result.compliant if count else None,
                "share": _percent(result.share),
                "threshold": statement.threshold,
                "below_threshold": result.below_threshold,
                "previous_share": _percent(previous),
            }
        )
    children = [
        {
            "unit": {"id": child.unit.pk, "name": child.unit.name},
            "responses": child.responses,
            "answered": child.answered,
            "response_rate": _percent(child.rate),
        }
        for child in results.children
    ]
    return AuditRoundResultsSerializer(
        {
            "unit": results.unit.pk if results.unit is not None else None,
            "unit_name": results.unit.name if results.unit is not None else None,
            "responses": results.responses,
            "answered": results.answered,
            "not_answered": results.not_answered,
            "response_rate": _percent(results.rate),
            "statements": statements,
            "children": children,
            "actions": results.actions,
        }
    ).data


class AuditRoundDetailSerializer(AuditRoundSerializer):
    """The list's fields, the template's statements and, for those who read results, the results."""

    statements = serializers.SerializerMethodField(help_text="The statements of the template version, in order.")
    results = serializers.SerializerMethodField(
        help_text="The results over the units whose results you may read (with `unit`: its subtree); null if you "
        "may not read results."
    )

    class Meta(AuditRoundSerializer.Meta):
        fields = [*AuditRoundSerializer.Meta.fields, "statements", "results"]
        read_only_fields = fields

    @extend_schema_field(AuditStatementSerializer(many=True))
    def get_statements(self, round_: Round) -> list:
        statements = round_.template_version.statements.select_related("area").order_by("position")
        return AuditStatementSerializer(statements, many=True).data

    @extend_schema_field(AuditRoundResultsSerializer(allow_null=True))
    def get_results(self, round_: Round) -> dict | None:
        results = self.context.get("results")
        return results_data(results) if results is not None else None


class AuditAnswerSerializer(ModelSerializer):
    statement = serializers.CharField(source="statement.key", read_only=True, help_text="The statement's key.")
    value = serializers.ChoiceField(
        choices=Value.choices, allow_blank=True, read_only=True, help_text="Empty for a count."
    )

    class Meta:
        model = Answer
        fields = ["statement", "value", "observed", "compliant", "comment", "answered_at"]
        read_only_fields = fields


class AuditResponseSerializer(ModelSerializer):
    status_name = ChoiceLabelField("status")
    round_reference = serializers.CharField(source="round.reference", read_only=True)
    round_title = serializers.CharField(source="round.title", read_only=True)
    due_on = serializers.DateField(source="round.due_on", read_only=True)
    unit = AuditUnitRefSerializer(read_only=True)
    answers = AuditAnswerSerializer(many=True, read_only=True, help_text="The answers given, by statement order.")

    class Meta:
        model = Response
        fields = [
            "id",
            "reference",
            "round",
            "round_reference",
            "round_title",
            "unit",
            "status",
            "status_name",
            "due_on",
            "submitted_at",
            "approved_at",
            "version",
            "updated_at",
            "answers",
        ]
        read_only_fields = fields


class AuditMissingSerializer(serializers.Serializer):
    statement = serializers.CharField(help_text="The statement's key.")
    message = serializers.CharField(help_text="What is missing, in the caller's language.")


class AuditResponseDetailSerializer(AuditResponseSerializer):
    missing = serializers.SerializerMethodField(
        help_text="What stops the response from being submitted (empty: complete)."
    )

    class Meta(AuditResponseSerializer.Meta):
        fields = [*AuditResponseSerializer.Meta.fields, "missing"]
        read_only_fields = fields

    @extend_schema_field(AuditMissingSerializer(many=True))
    def get_missing(self, response: Response) -> list:
        from audits.services import missing

        return [{"statement": key, "message": message} for key, message in missing(response).items()]


# --- Requests -------------------------------------------------------------------------------------


class AuditAnswerWriteSerializer(RefuseUnknownFields, serializers.Serializer):
    value = serializers.ChoiceField(
        choices=Value.choices,
        required=False,
        allow_blank=True,
        help_text="A status or yes/no statement: one of the statement's `values`.",
    )
    observed = serializers.IntegerField(
        min_value=0, max_value=MAX_COUNT, required=False, allow_null=True, help_text="A count: the people observed."
    )
    compliant = serializers.IntegerField(
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        allow_null=True,
        help_text="A count: how many were compliant (≤ observed).",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, help_text="Required before submitting a negative answer."
    )


class AuditVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The response's version you acted on; a stale one gives 409 with the changes since."
    )


class AuditReturnSerializer(AuditVersionSerializer):
    reason = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, help_text="What should be changed.")


class AuditActionCreateSerializer(RefuseUnknownFields, serializers.Serializer):
    description = serializers.CharField(max_length=MAX_TEXT, help_text="What will be done.")
    responsible = serializers.IntegerField(help_text="User id of the responsible person.")
    due_date = PlausibleDateField(help_text="When it is to be done.")
    statement = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="The key of the statement it answers, if any."
    )
