"""Reads about investigations. Services write; these only look."""

from __future__ import annotations

from django.db.models import Q

from investigations.models import InvestigationIncident


def incidents_of_my_investigations(user) -> Q:
    """The incidents linked to investigations the user leads or is on the team of."""
    mine = InvestigationIncident.objects.filter(
        Q(investigation__leader=user) | Q(investigation__team__user=user, investigation__team__removed_at__isnull=True)
    ).values("incident_id")
    return Q(pk__in=mine)
