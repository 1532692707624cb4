"""Filtering the investigation list: one FilterSet for the list page and the REST API.

It filters an already scoped queryset (`Investigation.objects.visible_to(user)`), never
widens it. The search finds an investigation by its reference however it is typed
(`UT-2026-000012`, `2026-12`, `012`: psweb.references), by the reference of an incident it
investigates (`AV-2026-000189`), or by words of its title.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidents.search import refuse_personnummer
from incidents.services.common import KIT as INCIDENT_KIT
from investigations.models import Investigation, InvestigationIncident, Method, Status
from investigations.services import KIT
from psweb.references import parse_reference


def investigation_search_q(value: str) -> Q:
    """The investigations a search text means: by reference, by an investigated incident's
    reference (only when typed with the incident prefix, `AV-…`), else by the title's words."""
    value = value.strip()
    references = KIT.references_for(value)
    if references is not None:
        q = Q(reference__in=references)
        typed = parse_reference(value)
        if typed is not None and typed.prefix == INCIDENT_KIT.reference_prefix:
            incidents = INCIDENT_KIT.references_for(value) or []
            linked = InvestigationIncident.objects.filter(incident__reference__in=incidents)
            q |= Q(pk__in=linked.values("investigation_id"))
        return q
    q = Q()
    for word in value.split():
        q &= Q(title__icontains=word)
    return q


class InvestigationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    method = django_filters.ChoiceFilter(choices=Method.choices, label=_("Method"))
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=200,
        validators=[refuse_personnummer],
        label=_("Search"),
        help_text=_(
            "A reference (UT-2026-000012, 2026-12 or 012), the reference of an investigated incident "
            "(AV-2026-000189), or words of the title."
        ),
    )

    class Meta:
        model = Investigation
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(investigation_search_q(value))
