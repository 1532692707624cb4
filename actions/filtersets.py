"""Filtering the action register: one FilterSet for `/atgarder/` and `/api/v1/actions/`.

It filters an already scoped queryset (`Action.objects.visible_to(user)`), never widens it.
Bad values give a message per field (the API answers 400 with them). Pass `request` so that
`responsible=me` works.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import OrgUnit
from actions.models import SOURCE_FIELDS, Action, EffectClass
from actions.sources import SOURCES, hidden_responsible_q, unit_q
from psweb.filters import HandlerField, StrictBooleanFilter


def source_type_choices():
    return [(field, SOURCES[field].label) for field in SOURCE_FIELDS if field in SOURCES]


@extend_schema_field(OpenApiTypes.STR)
class ResponsibleFilter(django_filters.Filter):
    field_class = HandlerField


@extend_schema_field(OpenApiTypes.INT)
class UnitFilter(django_filters.ModelChoiceFilter):
    """An org unit id (the subtree below it is meant)."""


@extend_schema_field({"type": "string", "enum": list(SOURCE_FIELDS)})
class SourceTypeFilter(django_filters.MultipleChoiceFilter):
    """The kinds of source are registered by the apps, so the schema names them from the model."""


class ActionFilterSet(django_filters.FilterSet):
    unit = UnitFilter(
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        label=_("Unit (with the units below it)"),
        help_text=_("An org unit id: actions whose case belongs to this unit or a unit below it."),
    )
    source_type = SourceTypeFilter(
        choices=source_type_choices,
        method="filter_source_type",
        label=_("Source"),
        help_text=_("What the action comes from: incident, investigation or lexmaria_case; repeat for several."),
    )
    state = django_filters.MultipleChoiceFilter(
        choices=Action.State.choices,
        distinct=False,
        label=_("Status"),
        help_text=_("One or more statuses; repeat the parameter for several."),
    )
    effect_class = django_filters.MultipleChoiceFilter(
        choices=EffectClass.choices,
        distinct=False,
        label=_("Expected effect"),
        help_text=_("One or more effect classes (LÖF/SKR)."),
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_("true: open actions past their due date; false: all others."),
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due from"), help_text=_("A date (YYYY-MM-DD), inclusive.")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due until"), help_text=_("A date (YYYY-MM-DD), inclusive.")
    )
    responsible = ResponsibleFilter(
        method="filter_responsible",
        label=_("Responsible person"),
        help_text=_("A user id, or “me” for your own actions."),
    )

    class Meta:
        model = Action
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        subtree = list(OrgUnit.objects.filter(path__startswith=value.path).values_list("pk", flat=True))
        return queryset.filter(unit_q(subtree))

    def filter_source_type(self, queryset, name, value):
        if not value:
            return queryset
        condition = Q(pk__in=[])
        for field in value:
            condition |= Q(**{f"{field}__isnull": False})
        return queryset.filter(condition)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(state__in=[Action.State.PLANNED, Action.State.IN_PROGRESS], due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_responsible(self, queryset, name, value):
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(responsible_id=getattr(user, "pk", None))
        # Not the actions where the person is hidden as "the reporter": the filter would name them.
        user = getattr(self.request, "user", None)
        queryset = queryset.filter(responsible_id=value)
        return queryset.exclude(hidden_responsible_q(user)) if getattr(user, "is_authenticated", False) else queryset
