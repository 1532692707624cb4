"""`/api/v1/reference/…`: the code lists an integrator needs to fill in an incident, so that no
one has to read ids off existing incidents (issue 15, docs/api.md "Reference data").

- `categories/`: the category tree (händelsekategorier) with each category's subcategories;
- `cause-areas/`: the cause areas (orsaksområden) of the Swedish event-analysis method;
- `event-classes/`: the event classes (händelseklasser) and what each requires before closing;
- `risk-matrix/`: a care provider's risk matrix (labels of probability and consequence 1–4 and
  the levels of the score), as `ProviderSettings.for_unit` gives it.

The same for every signed-in user: none of it says anything about a case or a person.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import OrgUnit
from accounts.selectors import memberships_valid_for
from incidents.models import (
    HARM_CLASSES,
    LEX_MARIA_CLASSES,
    PATIENT_HARMED_CLASSES,
    CaseType,
    Category,
    CauseArea,
    EventClass,
    ProviderSettings,
)
from psweb.api import ModelSerializer


class SubcategorySerializer(ModelSerializer):
    in_use = serializers.BooleanField(source="is_active", read_only=True, help_text="Retired: only on old cases.")

    class Meta:
        model = Category
        fields = ["id", "code", "name", "case_type", "in_use"]
        read_only_fields = fields


class CategorySerializer(SubcategorySerializer):
    subcategories = serializers.SerializerMethodField(help_text="The categories under this one, in order.")

    class Meta(SubcategorySerializer.Meta):
        fields = [*SubcategorySerializer.Meta.fields, "subcategories"]
        read_only_fields = fields

    @extend_schema_field(SubcategorySerializer(many=True))
    def get_subcategories(self, category: Category) -> list:
        return SubcategorySerializer(self.context["children"].get(category.pk, []), many=True).data


class CauseAreaSerializer(ModelSerializer):
    in_use = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = CauseArea
        fields = ["id", "code", "name", "in_use"]
        read_only_fields = fields


class EventClassSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=EventClass.choices, help_text="The value of `event_class`.")
    name = serializers.CharField(help_text="The event class in the caller's language.")
    needs_causes = serializers.BooleanField(help_text="At least one cause is required before closing.")
    patient_harmed = serializers.BooleanField(
        help_text="The patient was harmed: informing the patient (PSL 3 kap. 8 §) is required before closing."
    )
    needs_lex_maria = serializers.BooleanField(help_text="A Lex Maria assessment is required before closing.")


class RiskLevelSerializer(serializers.Serializer):
    lowest_score = serializers.IntegerField(help_text="The lowest score (probability × consequence) of the level.")
    name = serializers.CharField()


class RiskMatrixSerializer(serializers.Serializer):
    care_provider = serializers.IntegerField(
        allow_null=True, help_text="The care provider whose matrix this is; null: the defaults."
    )
    probability_labels = serializers.ListField(child=serializers.CharField(), help_text="Probability 1 to 4.")
    consequence_labels = serializers.ListField(child=serializers.CharField(), help_text="Consequence 1 to 4.")
    levels = RiskLevelSerializer(many=True, help_text="The level of a score is the last one whose lowest it reaches.")


CASE_TYPE = OpenApiParameter(
    "case_type", OpenApiTypes.STR, enum=CaseType.values, description="Only the categories of this case type."
)
UNIT = OpenApiParameter(
    "unit",
    {"type": "integer", "minimum": 1},  # an id: a negative one is refused (400)
    description="An org unit's id: the matrix of its care provider. Default: that of your first unit.",
)


class CategoryListView(APIView):
    @extend_schema(
        operation_id="reference_categories_list",
        summary="The incident categories, with their subcategories",
        description=(
            "The top categories (händelsekategorier), each with its subcategories, in the order the report form "
            "shows them. `classify` takes the `id` of any category in use. Retired ones (`in_use: false`) stay "
            "on old incidents."
        ),
        parameters=[CASE_TYPE],
        responses={200: CategorySerializer(many=True)},
        tags=["reference"],
    )
    def get(self, request):
        case_type = request.query_params.get("case_type")
        if case_type and case_type not in CaseType.values:
            raise exceptions.ValidationError(
                {"case_type": [_("Choose one of: %(values)s.") % {"values": ", ".join(CaseType.values)}]}
            )
        categories = Category.objects.all()
        if case_type:
            categories = categories.filter(case_type=case_type)
        rows = list(categories)
        children: dict[int, list[Category]] = {}
        for category in rows:
            if category.parent_id:
                children.setdefault(category.parent_id, []).append(category)
        context = {"children": children}
        tops = [category for category in rows if category.parent_id is None]
        return Response(CategorySerializer(tops, many=True, context=context).data)


class CauseAreaListView(APIView):
    @extend_schema(
        operation_id="reference_cause_areas_list",
        summary="The cause areas",
        description="The cause areas (orsaksområden) a cause is given in; `area` of a cause is the `id`.",
        responses={200: CauseAreaSerializer(many=True)},
        tags=["reference"],
    )
    def get(self, request):
        return Response(CauseAreaSerializer(CauseArea.objects.all(), many=True).data)


class EventClassListView(APIView):
    @extend_schema(
        operation_id="reference_event_classes_list",
        summary="The event classes",
        description=(
            "The event classes (händelseklasser) from the lowest to the most serious, with what each requires "
            "before the incident can close."
        ),
        responses={200: EventClassSerializer(many=True)},
        tags=["reference"],
    )
    def get(self, request):
        rows = [
            {
                "value": value,
                "name": str(label),
                "needs_causes": value in HARM_CLASSES,
                "patient_harmed": value in PATIENT_HARMED_CLASSES,
                "needs_lex_maria": value in LEX_MARIA_CLASSES,
            }
            for value, label in EventClass.choices
        ]
        return Response(EventClassSerializer(rows, many=True).data)


class RiskMatrixView(APIView):
    @extend_schema(
        operation_id="reference_risk_matrix_retrieve",
        summary="The risk matrix of a care provider",
        description=(
            "What `assess-risk` takes: probability and consequence 1–4 with the care provider's labels, and the "
            "levels of their product (the score). Each care provider may set its own; otherwise the defaults."
        ),
        parameters=[UNIT],
        responses={200: RiskMatrixSerializer},
        tags=["reference"],
    )
    def get(self, request):
        raw = request.query_params.get("unit", "")
        if raw:
            if not raw.isdigit():
                raise exceptions.ValidationError({"unit": [_("Give the unit's id (a whole number).")]})
            unit = get_object_or_404(OrgUnit, pk=int(raw))
        else:
            memberships = memberships_valid_for(user=request.user)
            unit = memberships[0].unit if memberships else None
        settings = ProviderSettings.for_unit(unit) if unit is not None else ProviderSettings.by_provider()[1]
        data = {
            "care_provider": settings.care_provider_id,
            "probability_labels": settings.probability_labels,
            "consequence_labels": settings.consequence_labels,
            "levels": [{"lowest_score": lowest, "name": name} for lowest, name in settings.risk_levels],
        }
        return Response(RiskMatrixSerializer(data).data)
