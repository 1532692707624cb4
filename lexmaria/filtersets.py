"""Filtering the Lex Maria list: one FilterSet for the list page and the REST API.

It filters an already scoped queryset (`LexMariaCase.objects.visible_to(user)`), never
widens it. The search finds a case by its reference however it is typed (`LM-2026-000004`,
`2026-4`, `004`: psweb.references), by the reference of an incident it assesses
(`AV-2026-000189`) or of its investigation (`UT-2026-000012`), or by IVO's reference.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidents.search import refuse_personnummer
from incidents.services.common import KIT as INCIDENT_KIT
from investigations.services import KIT as INVESTIGATION_KIT
from lexmaria.models import CaseIncident, Decision, LexMariaCase, Status
from lexmaria.services import KIT
from psweb.references import parse_reference


def case_search_q(value: str) -> Q:
    """The cases a search text means: by reference; by an assessed incident's or the
    investigation's reference when typed with its prefix (`AV-…`, `UT-…`); else by IVO's
    reference."""
    value = value.strip()
    references = KIT.references_for(value)
    if references is None:
        return Q(ivo_reference__icontains=value)
    q = Q(reference__in=references)
    typed = parse_reference(value)
    if typed is not None and typed.prefix == INCIDENT_KIT.reference_prefix:
        linked = CaseIncident.objects.filter(incident__reference__in=INCIDENT_KIT.references_for(value) or [])
        q |= Q(pk__in=linked.values("case_id"))
    if typed is not None and typed.prefix == INVESTIGATION_KIT.reference_prefix:
        q |= Q(investigation__reference__in=INVESTIGATION_KIT.references_for(value) or [])
    return q


class LexMariaFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    decision = django_filters.ChoiceFilter(choices=Decision.choices, label=_("Decision"))
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=200,
        validators=[refuse_personnummer],
        label=_("Search"),
        help_text=_(
            "A reference (LM-2026-000004, 2026-4 or 004), the reference of an assessed incident "
            "(AV-2026-000189) or of the investigation (UT-2026-000012), or IVO's reference."
        ),
    )

    class Meta:
        model = LexMariaCase
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(case_search_q(value))
