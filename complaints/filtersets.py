"""Filtering the complaint queue and its export: one FilterSet, over an already scoped queryset
(`complaints.selectors.complaint_list`), which it only ever narrows.

The search finds a complaint by its reference however it is typed (`KL-2026-000012`,
`2026-12`, `012`: psweb.references), by the patientnämnd's case number, or by words of the
handler's summary — never by the complainant's own words, and never by a personal identity
number (refused: it would travel in the URL, psweb.search).
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from complaints.models import AREA_CHOICES, Channel, Complaint, Status
from complaints.services import KIT
from incidents.search import refuse_personnummer
from psweb.filters import StrictBooleanFilter


def complaint_search_q(value: str) -> Q:
    """The complaints a search text means: by reference when it reads as one, else by the
    patientnämnd's number or a word of the summary."""
    value = value.strip()
    references = KIT.references_for(value)
    if references is not None:
        return Q(reference__in=references)
    return Q(board_reference__iexact=value) | Q(summary__icontains=value)


class ComplaintFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        distinct=False,  # a value of the complaint's own row: no duplicates to remove
        choices=Status.choices,
        label=_("Status"),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        label=_("Unit (with the units below it)"),
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    area = django_filters.ChoiceFilter(choices=AREA_CHOICES, label=_("Problem area"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Answer due from"))
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Answer due until"))
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=200,
        validators=[refuse_personnummer],
        label=_("Search"),
        help_text=_(
            "A reference (KL-2026-000012, 2026-12 or 012), the patient board's case number, or words of the summary."
        ),
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        # The subtree as a list of unit ids (one array parameter); a complaint concerning a unit
        # of the subtree counts, the responsible unit among them (one semi-join, no OR: see
        # `ComplaintQuerySet.visible_to`).
        subtree = list(OrgUnit.objects.filter(path__startswith=value.path).values_list("pk", flat=True))
        concerned = Complaint.units.through.objects.filter(orgunit_id__any=subtree).values("complaint_id")
        return queryset.filter(pk__in=concerned)

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue()
        return queryset.exclude(pk__in=Complaint.objects.overdue().values("pk"))

    def filter_text(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(complaint_search_q(value))
