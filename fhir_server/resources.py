"""psweb's incidents as FHIR R5 resources (issue 15, item 6): plain dicts in FHIR's JSON form,
built from what `incidents.viewing.CaseView` lets the caller see. No request, no access log
here: the views decide whether the patient is shown and log it.

An incident is an `AdverseEvent` (https://hl7.org/fhir/R5/adverseevent.html, FHIR 5.0.0:
"an event that may be related to unintended effects on a patient or research participant …
also extends to potential or avoided events"), mapped element by element:

    identifier          the reference (AV-2026-000189)
    status              submitted/in progress → in-progress, closed → completed,
                        withdrawn → entered-in-error (AdverseEventStatus)
    actuality           the event class: harm and serious harm → actual; a risk, a near miss,
                        a risk of serious harm → potential. Before classification (and for
                        those who do not see the classification): the reporter's own kind,
                        "it happened" → actual, otherwise potential
    category            the case type (psweb's CodeSystem `case-type`)
    code                the event category (psweb's CodeSystem `incident-category`), staff only
    seriousness         serious (serious harm, risk of serious harm) or non-serious
                        (http://terminology.hl7.org/CodeSystem/adverse-event-seriousness),
                        with psweb's event class beside it (CodeSystem `event-class`), staff only
    subject             see SUBJECT RULE below
    occurrenceDateTime  when it happened;  recordedDate  when it was reported
    location            the unit where it happened, by its HSA-id
    recorder            a contained PractitionerRole: someone at that unit, never named
    participant         the responsible unit (function RESP, v3 ParticipationType)
    contributingFactor  the causes, as cause areas (psweb's CodeSystem `cause-area`)
    preventiveAction    the actions (not cancelled ones), their description as text
    meta                lastUpdated = updated_at, versionId = the incident's version

SUBJECT RULE. `AdverseEvent.subject` is required (1..1, Patient | Group | Practitioner |
RelatedPerson | ResearchSubject):

- a care incident with a patient involved → a `Patient` reference. It carries the personal
  identity number (system urn:oid:1.2.752.129.2.1.3.1, a samordningsnummer
  urn:oid:1.2.752.129.2.1.3.3: Inera's RIVTA `PersonIdType`) only when the caller may see
  it (`incident.view_patient`, decided and logged by the view, as the REST API does);
  otherwise the reference holds only the extension data-absent-reason `masked` (withheld) or
  `unknown` (no number was recorded);
- a work-environment incident, or a care incident without a patient → a contained `Group`,
  "staff of <unit>" (type practitioner) or "patients of <unit>" (type person), definitional,
  managed by the unit (its HSA-id). Never a `Practitioner`: psweb does not record which
  employee was affected, and naming one would say who a report is about.

Identifiers: HSA-ids of units use system urn:oid:1.2.752.29.4.19 (the HSA catalogue). Free
text of the report (the description, the immediate actions) is not sent: an `AdverseEvent`
is for counting and following events, the case content stays in the REST API.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.personnummer import is_coordination_number
from actions.models import Action
from incidents.models import CaseType, Category, Cause, CauseArea, EventClass, Incident, ReportedKind, Status
from incidents.viewing import CaseView

FHIR_VERSION = "5.0.0"
HSA_SYSTEM = "urn:oid:1.2.752.29.4.19"
PERSONNUMMER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.3"
SERIOUSNESS_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
PARTICIPATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

STATUS = {
    Status.SUBMITTED: "in-progress",
    Status.IN_PROGRESS: "in-progress",
    Status.CLOSED: "completed",
    Status.WITHDRAWN: "entered-in-error",
}
ACTUAL_CLASSES = frozenset({EventClass.HARM, EventClass.SERIOUS_HARM})
SERIOUS_CLASSES = frozenset({EventClass.SERIOUS_HARM, EventClass.SERIOUS_HARM_RISK})


def instant(value: dt.datetime | None) -> str | None:
    """A FHIR instant/dateTime: Swedish local time to the second, with its offset."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _without_empty(data: dict) -> dict:
    """FHIR has no empty values: an element is there with content, or not at all."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _unit_reference(unit, resource_type: str) -> dict:
    identifier = {"system": HSA_SYSTEM, "value": unit.hsa_id} if unit.hsa_id else None
    return _without_empty({"type": resource_type, "identifier": identifier, "display": unit.name})


# --- CodeSystems: psweb's own taxonomy -----------------------------------------------------

CODE_SYSTEMS = {
    "incident-category": "IncidentCategory",
    "cause-area": "CauseArea",
    "event-class": "EventClass",
    "case-type": "CaseType",
}


def code_system_url(base: str, name: str) -> str:
    return f"{base}/fhir/CodeSystem/{name}"


def _coding(base: str, system: str, code: str, display: str) -> dict:
    return {"system": code_system_url(base, system), "code": code, "display": display}


def _inactive(is_active: bool) -> dict:
    return {} if is_active else {"property": [{"code": "inactive", "valueBoolean": True}]}


def _category_concepts(categories: list[Category], parent_id: int | None) -> list[dict]:
    return [
        _without_empty(
            {
                "code": category.code,
                "display": category.name,
                **_inactive(category.is_active),
                "concept": _category_concepts(categories, category.pk),
            }
        )
        for category in categories
        if category.parent_id == parent_id
    ]


def _concepts(name: str) -> list[dict]:
    if name == "incident-category":
        categories = list(Category.objects.order_by("case_type", "sort", "name"))
        return _category_concepts(categories, None)
    if name == "cause-area":
        return [
            {"code": area.code, "display": area.name, **_inactive(area.is_active)}
            for area in CauseArea.objects.order_by("sort", "name")
        ]
    choices = EventClass if name == "event-class" else CaseType
    return [{"code": choice.value, "display": str(choice.label)} for choice in choices]


def _count(concepts: list[dict]) -> int:
    return sum(1 + _count(concept.get("concept", [])) for concept in concepts)


def code_system(base: str, name: str) -> dict:
    """One of psweb's code systems, complete (https://hl7.org/fhir/R5/codesystem.html). The
    categories and cause areas are the administrator's: retired ones stay, marked inactive,
    because old incidents carry them."""
    concepts = _concepts(name)
    resource = {
        "resourceType": "CodeSystem",
        "id": name,
        "url": code_system_url(base, name),
        "name": CODE_SYSTEMS[name],
        "title": {
            "incident-category": _("Event categories"),
            "cause-area": _("Cause areas"),
            "event-class": _("Event classes"),
            "case-type": _("Case types"),
        }[name],
        "status": "active",
        "publisher": "psweb",
        "caseSensitive": True,
        "content": "complete",
        "count": _count(concepts),
        "concept": concepts,
    }
    if name == "incident-category":
        resource["hierarchyMeaning"] = "is-a"
    if name in ("incident-category", "cause-area"):
        resource["property"] = [
            {"code": "inactive", "uri": "http://hl7.org/fhir/concept-properties#inactive", "type": "boolean"}
        ]
    return resource


# --- AdverseEvent --------------------------------------------------------------------------


def _actuality(incident: Incident, sees_class: bool) -> str:
    if sees_class and incident.event_class:
        return "actual" if incident.event_class in ACTUAL_CLASSES else "potential"
    return "potential" if incident.reported_kind in (ReportedKind.RISK, ReportedKind.NEAR_MISS) else "actual"


def _seriousness(base: str, incident: Incident) -> dict | None:
    if not incident.event_class:
        return None
    serious = incident.event_class in SERIOUS_CLASSES
    return {
        "coding": [
            {
                "system": SERIOUSNESS_SYSTEM,
                "code": "serious" if serious else "non-serious",
                "display": "Serious" if serious else "Non-serious",
            },
            _coding(base, "event-class", incident.event_class, incident.get_event_class_display()),
        ]
    }


def _patient_subject(patient_identifier: str | None, recorded: bool) -> dict:
    if patient_identifier:
        system = SAMORDNINGSNUMMER_SYSTEM if is_coordination_number(patient_identifier) else PERSONNUMMER_SYSTEM
        return {"type": "Patient", "identifier": {"system": system, "value": patient_identifier}}
    absent = "masked" if recorded else "unknown"
    return {"type": "Patient", "extension": [{"url": DATA_ABSENT_REASON, "valueCode": absent}]}


def subject_is_patient(incident: Incident) -> bool:
    """The subject rule's first case: a care incident with a patient involved."""
    return incident.patient_involved and incident.case_type != CaseType.WORK_ENVIRONMENT


def _group(incident: Incident) -> dict:
    unit = incident.unit
    staff = incident.case_type == CaseType.WORK_ENVIRONMENT
    name = (_("Staff of %(unit)s") if staff else _("Patients of %(unit)s")) % {"unit": unit.name}
    return {
        "resourceType": "Group",
        "id": "subject",
        "type": "practitioner" if staff else "person",
        "membership": "definitional",
        "name": name,
        "managingEntity": _unit_reference(unit, "Organization"),
    }


def _causes(incident: Incident, view: CaseView) -> list:
    """The causes staff see (`CaseView.causes`), from `incident.causes` as prefetched for a
    page of a search (`PREFETCH`): one query for the page, not one per incident."""
    if not view.sees_case:
        return []
    return [cause for cause in incident.causes.all() if cause.removed_at is None]


def _actions(incident: Incident, view: CaseView) -> list:
    """The actions the viewer sees (`CaseView.actions`), not cancelled ones: staff all of them
    (prefetched), the reporter those shown to her."""
    actions = incident.actions.all() if view.sees_case else view.actions().order_by("created_at", "id")
    return [action for action in actions if action.state != Action.State.CANCELLED]


# What `adverse_event` reads of each incident, for a page at a time.
PREFETCH = (
    Prefetch("causes", queryset=Cause.objects.select_related("area").order_by("created_at", "id")),
    Prefetch("actions", queryset=Action.objects.order_by("created_at", "id")),
)


def adverse_event(incident: Incident, *, view: CaseView, base: str, patient_identifier: str | None = None) -> dict:
    """The incident as `view.user` may see it. `patient_identifier` is given only when the
    caller may see it and the view logs the display; otherwise the patient is masked."""
    staff = view.sees_staff_fields
    contained = [
        {
            "resourceType": "PractitionerRole",
            "id": "recorder",
            "organization": _unit_reference(incident.unit, "Organization"),
        }
    ]
    if subject_is_patient(incident):
        subject = _patient_subject(patient_identifier, bool(incident.patient_identifier))
    else:
        contained.append(_group(incident))
        subject = {"reference": "#subject", "type": "Group"}
    causes, actions = _causes(incident, view), _actions(incident, view)
    participants = []
    if staff and incident.responsible_unit:
        participants.append(
            {
                "function": {
                    "coding": [{"system": PARTICIPATION_SYSTEM, "code": "RESP", "display": "responsible party"}]
                },
                "actor": _unit_reference(incident.responsible_unit, "Organization"),
            }
        )
    category = incident.category if staff else None
    return _without_empty(
        {
            "resourceType": "AdverseEvent",
            "id": str(incident.pk),
            "meta": {"versionId": str(incident.version), "lastUpdated": instant(incident.updated_at)},
            "contained": contained,
            "identifier": [{"system": f"{base}/fhir/sid/incident-reference", "value": incident.reference}],
            "status": STATUS[incident.status],
            "actuality": _actuality(incident, staff),
            "category": (
                [{"coding": [_coding(base, "case-type", incident.case_type, incident.get_case_type_display())]}]
                if incident.case_type
                else []
            ),
            "code": (
                {"coding": [_coding(base, "incident-category", category.code, category.name)], "text": str(category)}
                if category
                else None
            ),
            "subject": subject,
            "occurrenceDateTime": instant(incident.occurred_at),
            "recordedDate": instant(incident.reported_at),
            "location": _unit_reference(incident.unit, "Location"),
            "seriousness": _seriousness(base, incident) if staff else None,
            "recorder": {"reference": "#recorder", "type": "PractitionerRole"},
            "participant": participants,
            "contributingFactor": [
                {"itemCodeableConcept": {"coding": [_coding(base, "cause-area", cause.area.code, cause.area.name)]}}
                for cause in causes
            ],
            "preventiveAction": [
                {"itemCodeableConcept": {"text": action.description}} for action in actions if action.description
            ],
        }
    )


# --- The server's own resources ------------------------------------------------------------


def capability_statement(base: str) -> dict:
    """What this server does (https://hl7.org/fhir/R5/capabilitystatement.html): read and
    search of AdverseEvent, read and search of psweb's CodeSystems, JSON only."""
    date_param = "http://hl7.org/fhir/SearchParameter/"
    return {
        "resourceType": "CapabilityStatement",
        "id": "psweb",
        "url": f"{base}/fhir/metadata",
        "name": "PswebFhirServer",
        "title": "psweb FHIR server",
        "status": "active",
        "date": "2026-12-07",
        "publisher": "psweb",
        "kind": "instance",
        "software": {"name": "psweb"},
        "implementation": {
            "description": _("Incidents (avvikelser) as AdverseEvent, read-only"),
            "url": f"{base}/fhir",
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": _(
                        "The same credentials as the REST API: an API token (“Authorization: Token …”), an OAuth2 "
                        "access token (“Authorization: Bearer …”) or a signed-in session. Each user sees the incidents "
                        "the REST API shows them."
                    )
                },
                "resource": [
                    {
                        "type": "AdverseEvent",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "versioning": "versioned",
                        "readHistory": False,
                        "searchParam": [
                            {
                                "name": "_lastUpdated",
                                "definition": f"{date_param}Resource-lastUpdated",
                                "type": "date",
                            },
                            {"name": "date", "definition": f"{date_param}clinical-date", "type": "date"},
                            {"name": "_count", "type": "number"},
                        ],
                    },
                    {
                        "type": "CodeSystem",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                    },
                ],
            }
        ],
    }


def operation_outcome(code: str, text: str, *, expression: str = "") -> dict:
    """An error as FHIR says it (https://hl7.org/fhir/R5/operationoutcome.html)."""
    issue = {"severity": "error", "code": code, "details": {"text": text}}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def searchset(*, entries: list[dict], self_url: str, next_url: str | None, base: str) -> dict:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(timezone.now()),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/fhir/{entry['resourceType']}/{entry['id']}",
                "resource": entry,
                "search": {"mode": "match"},
            }
            for entry in entries
        ],
    }
