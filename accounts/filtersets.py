"""Filters for org units and memberships. They only ever narrow a queryset that is
already scoped to the user (`visible_to`), in the API and in the HTML roster alike."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, OrgUnit
from accounts.roles import Role


class IdFilter(django_filters.NumberFilter):
    """A primary key: a whole number, so that "1.5" is a clear 400 and not a silent match."""

    field_class = forms.IntegerField


def _subtree(queryset, unit_field: str, unit_id: int):
    path = OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{unit_field}path__startswith": path})


class OrgUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name contains, or HSA-id is"))
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Kind (code, e.g. verksamhet)"))
    parent = IdFilter(field_name="parent__id", label=_("Parent unit id"))
    care_provider = IdFilter(field_name="care_provider__id", label=_("Care provider id"))
    within = IdFilter(method="filter_within", label=_("In the subtree of unit id (the unit included)"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "parent", "care_provider", "within", "is_active"]

    def filter_q(self, queryset, name, value: str):
        return queryset.filter(Q(name__icontains=value) | Q(hsa_id__iexact=value))

    def filter_within(self, queryset, name, value: int):
        return _subtree(queryset, "", value)


class MembershipFilterSet(django_filters.FilterSet):
    unit = IdFilter(field_name="unit__id", label=_("Unit id"))
    within = IdFilter(method="filter_within", label=_("In the subtree of unit id (the unit included)"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))
    username = django_filters.CharFilter(field_name="user__username", label=_("User name"))
    valid = django_filters.BooleanFilter(method="filter_valid", label=_("Valid today"))

    class Meta:
        model = Membership
        fields = ["unit", "within", "role", "username", "valid"]

    def filter_within(self, queryset, name, value: int):
        return _subtree(queryset, "unit__", value)

    def filter_valid(self, queryset, name, value: bool):
        valid = Membership.objects.valid_on().values("pk")
        return queryset.filter(pk__in=valid) if value else queryset.exclude(pk__in=valid)
