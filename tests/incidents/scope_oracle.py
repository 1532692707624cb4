"""The incident scope rule (DESIGN §3) in plain Python, from the rows in the database, without
`Reach`, `visible_to` or any query psweb builds: the oracle the faster forms are held to.

A user sees an incident when they reported it, or when it is reported (not a draft) and its
unit or responsible unit lies where they hold `incident.view`, or a forward came from such a
unit, or asked one for an answer, or an extension shows it (an investigation's team)."""

from __future__ import annotations

from accounts.access import has_perm
from accounts.roles import Perm
from incidents.hooks import VISIBILITY_EXTENSIONS
from incidents.models import Forward, Incident


def visible_ids(user, incidents=None) -> set[int]:
    incidents = list(
        incidents if incidents is not None else Incident.objects.select_related("unit", "responsible_unit")
    )
    forwards: dict[int, list[Forward]] = {}
    for forward in Forward.objects.select_related("from_unit", "to_unit"):
        forwards.setdefault(forward.incident_id, []).append(forward)
    extended = set()
    for extension in VISIBILITY_EXTENSIONS:
        extended |= set(Incident.objects.filter(extension(user)).values_list("pk", flat=True))

    def sees(unit) -> bool:
        return unit is not None and has_perm(user, Perm.INCIDENT_VIEW, unit)

    found = set()
    for incident in incidents:
        if incident.reporter_id == user.pk:
            found.add(incident.pk)
            continue
        if incident.reported_at is None:
            continue
        if (
            sees(incident.unit)
            or sees(incident.responsible_unit)
            or incident.pk in extended
            or any(
                sees(f.from_unit) or (f.kind == Forward.Kind.ASK and sees(f.to_unit))
                for f in forwards.get(incident.pk, ())
            )
        ):
            found.add(incident.pk)
    return found
