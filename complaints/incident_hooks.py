"""What each side of a complaint's link to an incident sees (issue 17, item 3), registered in
`incidents.hooks` by `complaints.apps` (incidents never imports complaints).

- The complaint's staff — those who see it with `complaint.view`: its handlers, the managers,
  the chief physician and the safety team of its units — read its linked incidents, so that
  the answer can say what the provider found and does: `incidents_of_my_complaints` makes
  them visible (`VISIBILITY_EXTENSIONS`) and `incident_grant` lets them read every section as
  staff do (`READ_GRANTS`), read only: the handling predicates decide by role in the
  incident's units, which the complaint does not give. Under the grant the reporter is "the
  reporter" (`incidents.permissions.can_see_reporter` asks for the incident's own roles) and
  the patient's identity is not shown (the complaint shows its own patient to whom it may);
  every read of the incident's page or the API's incident is logged with the complaint's
  reference (`incidents.hooks.record_granted_read`). The patientnämnd's officer reads none.
- The incident's staff learn *that* complaints exist (`incident_panel`, `CASE_PANELS`):
  their references, status and answer due date, a link only for whoever may see the
  complaint, and what its handler asked of them (a Lex Maria assessment, an investigation:
  `complaints.services.links`) — never who complained, how to reach them, nor their words.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.access import has_perm, scope_q
from accounts.roles import Perm
from complaints.models import Complaint, ComplaintIncident, TimelineEntry, concerned_q
from incidents.hooks import ReadGrant


def complaints_seen_as_staff(user):
    """The complaints `user` sees with `complaint.view` (not as the patientnämnd's officer):
    the responsible unit or a unit it concerns lies in her scope."""
    if not has_perm(user, Perm.COMPLAINT_VIEW):
        return Complaint.objects.none()
    return Complaint.objects.filter(concerned_q(user))


def incidents_of_my_complaints(user) -> Q:
    """`incidents.hooks.VISIBILITY_EXTENSIONS`: the incidents linked to the complaints the user
    sees as staff, less those her own roles show her anyway (which keeps the list of ids that
    `Incident.objects.visible_to` reads short for a manager or the safety team)."""
    if not getattr(user, "is_authenticated", False) or not has_perm(user, Perm.COMPLAINT_VIEW):
        return Q(pk__in=[])
    own = scope_q(user, Perm.INCIDENT_VIEW, "unit") | scope_q(user, Perm.INCIDENT_VIEW, "responsible_unit")
    return Q(complaint_links__complaint__in=complaints_seen_as_staff(user).values("pk")) & ~own


def _sees_for_own_roles(user, incident) -> bool:
    units = [unit for unit in (incident.unit, incident.responsible_unit) if unit is not None]
    return any(has_perm(user, Perm.INCIDENT_VIEW, unit) for unit in units)


def incident_grant(user, incident) -> ReadGrant | None:
    """`incidents.hooks.READ_GRANTS`: the complaint under which `user` reads `incident`, or None.
    Costs no query for a user without `complaint.view` or who sees the incident for her own
    roles; otherwise one, remembered on the incident for the rest of the request."""
    if not getattr(user, "is_authenticated", False) or incident.reported_at is None:
        return None
    if not has_perm(user, Perm.COMPLAINT_VIEW) or _sees_for_own_roles(user, incident):
        return None
    memo = incident.__dict__.setdefault("_complaint_grants", {})
    if user.pk not in memo:
        link = (
            ComplaintIncident.objects.filter(
                incident=incident, complaint__in=complaints_seen_as_staff(user).values("pk")
            )
            .select_related("complaint")
            .order_by("linked_at", "id")
            .first()
        )
        memo[user.pk] = (
            ReadGrant(label=_("read for complaint %(reference)s") % {"reference": link.complaint.reference})
            if link is not None
            else None
        )
    return memo[user.pk]


def asked_of_incident(incident) -> list[TimelineEntry]:
    """What complaints' handlers asked this incident's handlers to request (a Lex Maria
    assessment, an investigation), oldest first."""
    return list(
        TimelineEntry.objects.filter(
            data__incident_id=incident.pk,
            data__asked=True,
            kind__in=[TimelineEntry.Kind.LEX_MARIA_REQUESTED, TimelineEntry.Kind.INVESTIGATION_REQUESTED],
        )
        .select_related("actor", "case")
        .order_by("at", "id")
    )


def incident_panel(user, incident) -> dict | None:
    """`incidents.hooks.CASE_PANELS`: the complaints linked to the incident — reference,
    status, answer due date, whether the incident was reported from it — and the questions of
    their handlers; a link to a complaint only for whoever may see it."""
    links = list(
        ComplaintIncident.objects.filter(incident=incident)
        .select_related("complaint")
        .only(
            "created_from_complaint",
            "incident_id",
            "complaint__id",
            "complaint__reference",
            "complaint__status",
            "complaint__due_on",
            "complaint__answered_on",
        )
        .order_by("linked_at", "id")
    )
    if not links:
        return None
    visible = set(
        Complaint.objects.visible_to(user)
        .filter(pk__in=[link.complaint_id for link in links])
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "reference": link.complaint.reference,
            "status": link.complaint.status,
            "status_label": link.complaint.get_status_display(),
            "due_on": link.complaint.due_on,
            "answered_on": link.complaint.answered_on,
            "created_from_complaint": link.created_from_complaint,
            "pk": link.complaint_id if link.complaint_id in visible else None,
        }
        for link in links
    ]
    asked = [
        {
            "complaint": entry.case.reference,
            "what": entry.get_kind_display(),
            "at": entry.at,
            "who": entry.actor_name_for(user),
            "reason": entry.data.get("reason", ""),
        }
        for entry in asked_of_incident(incident)
    ]
    return {"template": "complaints/_incident_panel.html", "complaints": rows, "asked": asked}
