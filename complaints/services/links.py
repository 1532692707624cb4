"""A complaint and the incidents (avvikelser) it concerns (issue 17, item 3).

SOSFS 2011:9 5 kap. 6 §: complaints feed the provider's systematic quality work, so a
complaint that reveals an event becomes an incident, or is linked to the incident already
reported, and from there to a Lex Maria assessment or an investigation.

- `incident_create`: the complaint's handler reports an incident of the event through the
  incidents' own report (`incident_report`): she is its reporter, it is of care, in the
  complaint's responsible unit unless she says otherwise, described in her own words — never
  the complainant's contact details — with the patient's identity carried over when she
  chooses. The incident's timeline has its ordinary "Draft started" and "Reported" entries.
- `incident_link`: an incident the handler may see (`Incident.objects.visible_to`).
- `lex_maria_request`, `investigation_request`: on a linked incident. Requesting is the
  incident's handlers' step (`incidents.permissions.can_handle`: incident.triage in its
  responsible unit), which a complaint handler usually does not hold. She who does requests
  it herself, in the incident, through the incidents' services. Anyone else asks the
  incident's handlers: they are told (reference and link), the question stands on the
  incident's page in the panel of its complaints (`complaints.incident_hooks`), and the
  complaint's page shows whether they requested it — the answer is the request itself.

The incidents' timeline has no kind for "linked to a complaint" (`incidents.models.
TimelineEntry.Kind`), so a link is written on the complaint's timeline only; the incident's
page shows it in the panel.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from accounts.roles import Perm
from accounts.selectors import users_with_perm_in
from complaints import permissions
from complaints.models import OPEN_STATES, Complaint, ComplaintIncident, TimelineEntry
from complaints.services.core import KIT
from incidents import permissions as incident_permissions
from incidents.models import OPEN_STATES as INCIDENT_OPEN_STATES
from incidents.models import CaseType, Incident, ReportedKind
from incidents.models import Status as IncidentStatus
from incidents.services import incident_report, incident_request_investigation, incident_request_lex_maria
from psweb.cases import ConflictError, bump, clean_text, raise_errors, record, require

# What the handler gives for an incident created from a complaint.
INCIDENT_FIELDS = ("unit", "occurred_at", "description", "reported_kind", "immediate_actions", "with_patient")


def _check_open(complaint: Complaint) -> None:
    if complaint.status not in OPEN_STATES:
        raise ConflictError(KIT.refusal(complaint))


def _contact_in(text: str, complaint: Complaint) -> bool:
    """Does `text` repeat the complainant's contact details (a name, a phone number, an
    address)? They stay with the complaint's handlers."""
    contact = getattr(complaint, "contact", None)
    if contact is None:
        return False
    lowered = text.lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    for value in (contact.name, contact.email, contact.address):
        if value and len(value.strip()) > 3 and value.strip().lower() in lowered:
            return True
    phone = "".join(ch for ch in contact.phone if ch.isdigit())
    return len(phone) >= 6 and phone in digits


def _incident_fields(complaint: Complaint, fields: dict[str, Any]) -> dict[str, Any]:
    """The report's fields from the handler's, checked; ValidationError naming each bad one."""
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    errors: dict[str, str] = {}
    description = clean_text(
        fields.get("description"), "description", errors, required=_("Describe the event the complaint concerns.")
    )
    if description and _contact_in(description, complaint):
        errors["description"] = _(
            "Write the description without the complainant's contact details: they stay with the complaint."
        )
    occurred_at = fields.get("occurred_at")
    if not isinstance(occurred_at, dt.datetime):
        errors["occurred_at"] = _("Give the date and time it happened.")
    unit = fields.get("unit") or complaint.unit
    if not isinstance(unit, OrgUnit):
        unit = OrgUnit.objects.filter(pk=unit).first() if str(unit).isdigit() else None
        if unit is None:
            errors["unit"] = _("Choose a unit from the list.")
    reported_kind = fields.get("reported_kind") or ReportedKind.HAPPENED
    raise_errors(errors)
    report = {
        "unit": unit,
        "occurred_at": occurred_at,
        "description": description,
        "immediate_actions": fields.get("immediate_actions") or "",
        "case_type": CaseType.CARE,
        "reported_kind": reported_kind,
        "patient_involved": True,
    }
    if fields.get("with_patient", True) and complaint.patient_identifier:
        report["patient_identifier"] = complaint.patient_identifier
    return report


def _link(complaint: Complaint, incident: Incident, actor, *, created: bool) -> ComplaintIncident:
    link = ComplaintIncident.objects.create(
        complaint=complaint, incident=incident, created_from_complaint=created, linked_by=actor
    )
    bump(complaint)
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.INCIDENT_CREATED if created else TimelineEntry.Kind.INCIDENT_LINKED,
        message=incident.reference,
        incident_id=incident.pk,
    )
    return link


@transaction.atomic
def incident_create(*, complaint: Complaint, actor, fields: dict[str, Any], version: int | None = None) -> Incident:
    """Report an incident of the event the complaint tells of, linked to it. `fields`:
    `description` and `occurred_at` (required), `unit` (default the complaint's responsible
    unit), `reported_kind` (default: something happened), `immediate_actions`, and
    `with_patient` (default True: the patient's identity is carried over)."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    _check_open(complaint)
    require(incident_permissions.can_report(actor))
    incident, _created = incident_report(
        actor=actor, client_key=None, fields=_incident_fields(complaint, fields), send=True
    )
    _link(complaint, incident, actor, created=True)
    return incident


def _visible_incident(actor, incident: Incident | int | None) -> Incident:
    pk = getattr(incident, "pk", incident)
    found = (
        Incident.objects.visible_to(actor).filter(pk=pk, reported_at__isnull=False).first()
        if isinstance(pk, int)
        else None
    )
    if found is None:
        raise ValidationError({"incident": _("There is no incident with that reference that you may see.")})
    return found


@transaction.atomic
def incident_link(
    *, complaint: Complaint, actor, incident: Incident | int, version: int | None = None
) -> ComplaintIncident:
    """Link an incident already reported that the handler may see (by her own roles, or as
    its reporter)."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    _check_open(complaint)
    incident = _visible_incident(actor, incident)
    if incident.status == IncidentStatus.WITHDRAWN:
        raise ValidationError({"incident": _("The incident was withdrawn.")})
    if ComplaintIncident.objects.filter(complaint=complaint, incident=incident).exists():
        raise ConflictError(_("The incident is already linked to this complaint."))
    return _link(complaint, incident, actor, created=False)


def _linked(complaint: Complaint, incident: Incident | int) -> Incident:
    pk = getattr(incident, "pk", incident)
    link = (
        ComplaintIncident.objects.filter(complaint=complaint, incident_id=pk).select_related("incident").first()
        if isinstance(pk, int)
        else None
    )
    if link is None:
        raise ValidationError({"incident": _("Choose an incident linked to this complaint.")})
    return link.incident


def _ask_handlers(complaint: Complaint, incident: Incident, actor, *, template: str, what: str) -> int:
    """Tell the incident's handlers (incident.triage in its responsible unit) that the
    complaint's handler asks them for `what`: reference and link, never the reason's text
    (it stands in the panel on the incident's page)."""
    from outbox.services import notify

    unit = incident.responsible_unit or incident.unit
    told = 0
    for user in users_with_perm_in(unit=unit, perm=Perm.INCIDENT_TRIAGE):
        if user.pk == actor.pk:
            continue
        notify(
            user=user,
            template=f"complaints/email/{template}",
            context={"reference": incident.reference, "complaint": complaint.reference},
            path=reverse("incidents:detail", kwargs={"pk": incident.pk}) + "#complaints",
            actor=actor,
            dedupe_key=f"complaint:{complaint.pk}:{what}:{incident.pk}",
        )
        told += 1
    return told


def _request(
    *,
    complaint: Complaint,
    actor,
    incident,
    reason: str,
    version: int | None,
    field: str,
    already: str,
    kind: str,
    service,
    template: str,
    what: str,
) -> Incident:
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    _check_open(complaint)
    incident = _linked(complaint, incident)
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, max_length=2000)
    raise_errors(errors)
    if incident_permissions.can_handle(actor, incident):
        # Her own step in the incident: the incidents' service checks the rest (state, once).
        incident = service(incident=incident, actor=actor, reason=reason)
        asked = False
    else:
        if incident.status not in INCIDENT_OPEN_STATES:
            raise ConflictError(_("The incident is not open."))
        if getattr(incident, field):
            raise ConflictError(already)
        if complaint.timeline.filter(kind=kind, data__incident_id=incident.pk, data__asked=True).exists():
            raise ConflictError(_("The incident's handlers have already been asked."))
        _ask_handlers(complaint, incident, actor, template=template, what=what)
        asked = True
    bump(complaint)
    message = (
        _("The handlers of %(incident)s are asked to request it.") if asked else _("Requested in %(incident)s.")
    ) % {"incident": incident.reference}
    record(
        complaint,
        actor=actor,
        kind=kind,
        message=f"{message} {reason}".strip(),
        incident_id=incident.pk,
        asked=asked,
        reason=reason,
    )
    return incident


@transaction.atomic
def lex_maria_request(
    *, complaint: Complaint, actor, incident: Incident | int, reason: str = "", version: int | None = None
) -> Incident:
    """A Lex Maria assessment of a linked incident: requested in the incident when the
    handler may handle it (which opens the Lex Maria case), else asked of its handlers."""
    return _request(
        complaint=complaint,
        actor=actor,
        incident=incident,
        reason=reason,
        version=version,
        field="lex_maria_requested_at",
        already=_("A Lex Maria assessment has already been requested."),
        kind=TimelineEntry.Kind.LEX_MARIA_REQUESTED,
        service=incident_request_lex_maria,
        template="lex_maria_asked",
        what="lex_maria",
    )


@transaction.atomic
def investigation_request(
    *, complaint: Complaint, actor, incident: Incident | int, reason: str = "", version: int | None = None
) -> Incident:
    """An investigation of a linked incident: requested in the incident when the handler may
    handle it (those who decide investigations are told), else asked of its handlers."""
    return _request(
        complaint=complaint,
        actor=actor,
        incident=incident,
        reason=reason,
        version=version,
        field="investigation_requested_at",
        already=_("An investigation has already been requested."),
        kind=TimelineEntry.Kind.INVESTIGATION_REQUESTED,
        service=incident_request_investigation,
        template="investigation_asked",
        what="investigation",
    )
