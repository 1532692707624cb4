"""The page "Oversight": for a care provider, who oversees it ("Who oversees us"); for a
purchaser, its agreements, and for their named users what they read under them today."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from incidents import hooks as incident_hooks
from incidents.models import Incident
from lexmaria import hooks as lexmaria_hooks
from lexmaria.models import LexMariaCase
from oversight import selectors

LIMIT = 50


@login_required
@require_GET
def agreement_list(request):
    user = request.user
    if not selectors.sees_oversight_page(user):
        raise PermissionDenied(
            _("This page is for the users an oversight agreement names and for those who see incidents at its parties.")
        )
    reading = []
    for agreement in selectors.current_agreements(user):
        providers = [agreement.provider_id]
        incidents = []
        if agreement.incidents:
            incidents = list(
                Incident.objects.visible_to(user)
                .filter(selectors.incident_in(providers))
                .select_related("unit", "responsible_unit")
                .order_by("-reported_at", "-pk")[:LIMIT]
            )
        cases = []
        if agreement.lexmaria:
            cases = list(
                LexMariaCase.objects.visible_to(user)
                .filter(unit__care_provider_id__in=providers)
                .select_related("unit")
                .order_by("-pk")[:LIMIT]
            )
        # Each case listed is a read under the agreement: one AccessLog row each, as its page.
        incident_hooks.record_granted_reads(request, incidents)
        lexmaria_hooks.record_granted_reads(request, cases)
        reading.append({"agreement": agreement, "incidents": incidents, "cases": cases})
    context = {
        "title": _("Oversight"),
        "overseeing_us": list(selectors.overseeing_us(user)),
        "ours": list(selectors.our_agreements(user)),
        "reading": reading,
        "limit": LIMIT,
    }
    return render(request, "oversight/list.html", context)
