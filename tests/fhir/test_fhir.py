"""/fhir/: incidents as FHIR R5 AdverseEvent (issue 15, item 6). Every resource psweb answers
is validated with fhir.resources (R5); the scope and identity rules are the REST API's: another
unit's incident is 404, the patient's identity only with `incident.view_patient` and one
AccessLog row per display, never in a search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources import get_fhir_model_class

from accounts.models import AccessLog, OrgUnit
from incidents import services
from incidents.models import CaseType, Category, CauseArea, EventClass, Incident, ReportedKind
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

PERSONNUMMER = "191212121212"
SAMORDNINGSNUMMER = "191212721219"
WARD_HSA = "SE2321000016-15CQ"
FHIR_JSON = "application/fhir+json"


# Codes of required bindings that fhir.resources (structure and types only) does not check:
# AdverseEventStatus, AdverseEventActuality, GroupType, GroupMembershipBasis, IssueType.
REQUIRED_CODES = {
    ("AdverseEvent", "status"): {"in-progress", "completed", "entered-in-error", "unknown"},
    ("AdverseEvent", "actuality"): {"actual", "potential"},
    ("Group", "type"): {"person", "practitioner", "device", "careteam", "healthcareservice", "location"},
    ("Group", "membership"): {"definitional", "enumerated"},
}
ISSUE_TYPES = {"invalid", "login", "forbidden", "not-found", "not-supported", "throttled", "exception"}


def valid(data: dict) -> dict:
    """`data` as a FHIR R5 resource: fhir.resources refuses an unknown element, a wrong type or
    a missing required element; the codes of the required bindings are checked here."""
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    for (resource_type, element), codes in REQUIRED_CODES.items():
        if data["resourceType"] == resource_type:
            assert data[element] in codes, f"{resource_type}.{element} = {data[element]!r}"
    for found in data.get("issue", []):
        assert found["code"] in ISSUE_TYPES and found["severity"] == "error"
    for entry in data.get("entry", []):
        valid(entry["resource"])
    for inner in data.get("contained", []):
        valid(inner)
    return data


@pytest.fixture
def fhir(api_client):
    """fhir(user): a client signed in as `user`, in English."""

    def _as(user):
        api_client.force_login(user)
        api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return api_client

    return _as


def read(client, incident):
    response = client.get(f"/fhir/AdverseEvent/{incident.pk}")
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response


def searched(client, query="") -> tuple[list[int], int]:
    """The ids of every page of a search (following `next`), and the number of pages."""
    found, pages, url = [], 0, f"/fhir/AdverseEvent?_count=2{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        bundle = valid(response.json())
        pages += 1
        found += [int(entry["resource"]["id"]) for entry in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return found, pages


def issue(response) -> dict:
    body = valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


def handled(incident, handler, *, event_class=EventClass.SERIOUS_HARM):
    category = Category.objects.filter(case_type=CaseType.CARE, is_active=True, parent__isnull=False).first()
    services.incident_take(incident=incident, actor=handler)
    services.incident_classify(
        incident=incident, actor=handler, category=category, event_class=event_class, case_type=CaseType.CARE
    )
    area = CauseArea.objects.filter(is_active=True).first()
    services.cause_add(incident=incident, actor=handler, area=area)
    services.action_add(
        incident=incident,
        actor=handler,
        description="Dubbelkontroll av Waran vid kvällens utdelning.",
        responsible=handler,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    return Incident.objects.get(pk=incident.pk), category, area


# --- the server and its code systems ------------------------------------------------------------


def test_metadata_is_a_capability_statement(fhir, cast):
    response = fhir(cast.handler).get("/fhir/metadata")

    statement = valid(response.json())
    assert response["Content-Type"].startswith(FHIR_JSON)
    assert statement["fhirVersion"] == "5.0.0"
    adverse_event = statement["rest"][0]["resource"][0]
    assert adverse_event["type"] == "AdverseEvent"
    assert {p["name"] for p in adverse_event["searchParam"]} == {"_lastUpdated", "date", "_count"}


@pytest.mark.parametrize("name", ["incident-category", "cause-area", "event-class", "case-type"])
def test_the_taxonomy_is_published_as_code_systems(fhir, cast, name):
    system = valid(fhir(cast.reporter).get(f"/fhir/CodeSystem/{name}").json())

    assert system["url"] == f"http://testserver/fhir/CodeSystem/{name}"
    assert system["content"] == "complete" and system["count"] > 0


def test_the_category_code_system_nests_subcategories_and_marks_retired_ones(fhir, cast):
    child = Category.objects.filter(parent__isnull=False).select_related("parent").first()
    Category.objects.filter(pk=child.pk).update(is_active=False)

    system = fhir(cast.reporter).get("/fhir/CodeSystem/incident-category").json()

    parent = next(c for c in system["concept"] if c["code"] == child.parent.code)
    nested = next(c for c in parent["concept"] if c["code"] == child.code)
    assert nested["property"] == [{"code": "inactive", "valueBoolean": True}]


def test_the_code_systems_are_searchable_by_url(fhir, cast):
    client = fhir(cast.reporter)

    everything = valid(client.get("/fhir/CodeSystem").json())
    one = valid(client.get("/fhir/CodeSystem?url=http://testserver/fhir/CodeSystem/cause-area").json())

    assert [e["resource"]["id"] for e in everything["entry"]] == [
        "incident-category",
        "cause-area",
        "event-class",
        "case-type",
    ]
    assert [e["resource"]["id"] for e in one["entry"]] == ["cause-area"]


# --- read: the mapping ----------------------------------------------------------------------------


def test_an_incident_reads_as_an_adverse_event(fhir, cast, tree):
    OrgUnit.objects.filter(pk=tree.medicin_ward.pk).update(hsa_id=WARD_HSA)
    incident, category, area = handled(report(cast.reporter, tree.medicin_ward), cast.handler)

    event = valid(read(fhir(cast.handler), incident).json())

    assert event["id"] == str(incident.pk)
    assert event["identifier"][0]["value"] == incident.reference
    assert (event["status"], event["actuality"]) == ("in-progress", "actual")
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert event["seriousness"]["coding"][1]["code"] == "serious_harm"
    assert event["code"]["coding"][0]["code"] == category.code
    assert event["contributingFactor"][0]["itemCodeableConcept"]["coding"][0]["code"] == area.code
    assert event["preventiveAction"][0]["itemCodeableConcept"]["text"].startswith("Dubbelkontroll")
    hsa = {"system": "urn:oid:1.2.752.29.4.19", "value": WARD_HSA}
    assert event["location"]["identifier"] == hsa
    assert event["recorder"] == {"reference": "#recorder", "type": "PractitionerRole"}
    recorder = next(r for r in event["contained"] if r["id"] == "recorder")
    assert recorder["organization"]["identifier"] == hsa
    assert event["participant"][0]["actor"]["display"] == tree.medicin_ward.name
    assert event["meta"]["versionId"] == str(incident.version)
    assert "Waran" not in str({k: v for k, v in event.items() if k != "preventiveAction"})  # no report text


@pytest.mark.parametrize(
    ("event_class", "actuality", "seriousness"),
    [
        (EventClass.RISK, "potential", "non-serious"),
        (EventClass.NEAR_MISS, "potential", "non-serious"),
        (EventClass.HARM, "actual", "non-serious"),
        (EventClass.SERIOUS_HARM_RISK, "potential", "serious"),
        (EventClass.SERIOUS_HARM, "actual", "serious"),
    ],
)
def test_the_event_class_gives_actuality_and_seriousness(fhir, cast, tree, event_class, actuality, seriousness):
    incident, _category, _area = handled(
        report(cast.reporter, tree.medicin_ward), cast.handler, event_class=event_class
    )

    event = valid(read(fhir(cast.handler), incident).json())

    assert (event["actuality"], event["seriousness"]["coding"][0]["code"]) == (actuality, seriousness)


def test_the_reporter_reads_her_report_without_the_handling(fhir, cast, tree):
    incident, _category, _area = handled(report(cast.reporter, tree.medicin_ward), cast.handler)

    event = valid(read(fhir(cast.reporter), incident).json())

    assert "code" not in event and "seriousness" not in event and "contributingFactor" not in event
    assert event["actuality"] == "actual"  # her own words: it happened


def test_a_withdrawn_incident_was_entered_in_error(fhir, cast, tree):
    withdrawn = report(cast.reporter, tree.medicin_ward)
    services.incident_withdraw(incident=withdrawn, actor=cast.handler, reason="Dubblett.")

    event = valid(read(fhir(cast.handler), withdrawn).json())

    assert event["status"] == "entered-in-error"


# --- the subject: patient, masked, or a group -------------------------------------------------------


def test_the_patient_only_with_view_patient_and_each_display_is_logged(fhir, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)

    shown = valid(read(fhir(cast.handler), incident).json())
    hidden = valid(read(fhir(cast.reporter), incident).json())

    assert shown["subject"] == {
        "type": "Patient",
        "identifier": {"system": "urn:oid:1.2.752.129.2.1.3.1", "value": PERSONNUMMER},
    }
    assert PERSONNUMMER not in str(hidden)
    assert hidden["subject"]["extension"][0]["valueCode"] == "masked"
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id, log.patient_identifier, log.unit) == (
        cast.handler,
        "view_patient",
        str(incident.pk),
        PERSONNUMMER,
        tree.medicin_ward,
    )


def test_a_samordningsnummer_has_its_own_system(fhir, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=SAMORDNINGSNUMMER)

    subject = valid(read(fhir(cast.safety_officer), incident).json())["subject"]

    assert subject["identifier"]["system"] == "urn:oid:1.2.752.129.2.1.3.3"


def test_a_search_never_shows_the_patient_nor_logs(fhir, cast, tree):
    report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)

    bundle = valid(fhir(cast.handler).get("/fhir/AdverseEvent").json())

    assert PERSONNUMMER not in str(bundle)
    assert bundle["entry"][0]["resource"]["subject"]["extension"][0]["valueCode"] == "masked"
    assert not AccessLog.objects.exists()


def test_a_number_without_a_patient_involved_is_neither_shown_nor_logged(fhir, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(pk=incident.pk).update(patient_involved=False, patient_identifier=PERSONNUMMER)

    event = valid(read(fhir(cast.handler), incident).json())

    assert PERSONNUMMER not in str(event)
    assert not AccessLog.objects.exists()


def test_a_patient_without_a_number_is_unknown_and_not_logged(fhir, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True)

    subject = valid(read(fhir(cast.handler), incident).json())["subject"]

    assert subject["extension"][0]["valueCode"] == "unknown"
    assert not AccessLog.objects.exists()


def test_a_work_environment_incident_is_about_the_staff_of_the_unit(fhir, cast, tree):
    incident = report(
        cast.reporter, tree.medicin_ward, case_type=CaseType.WORK_ENVIRONMENT, reported_kind=ReportedKind.RISK
    )

    event = valid(read(fhir(cast.handler), incident).json())

    assert event["subject"] == {"reference": "#subject", "type": "Group"}
    group = next(r for r in event["contained"] if r["id"] == "subject")
    assert (group["type"], group["membership"]) == ("practitioner", "definitional")
    assert group["name"] == f"Staff of {tree.medicin_ward.name}"
    assert event["actuality"] == "potential"


def test_a_care_incident_without_a_patient_is_about_the_units_patients(fhir, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    event = valid(read(fhir(cast.handler), incident).json())

    group = next(r for r in event["contained"] if r["id"] == "subject")
    assert group["type"] == "person"


# --- scope ------------------------------------------------------------------------------------


def test_others_get_404_and_nothing_is_logged(fhir, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)

    for user in (cast.handler_orto, cast.municipal_handler, cast.viewer, cast.outsider, cast.admin):
        response = read(fhir(user), incident)
        assert response.status_code == 404
        assert issue(response)["code"] == "not-found"
    assert not AccessLog.objects.exists()


def test_a_draft_is_no_adverse_event_even_for_its_author(fhir, cast, tree):
    draft = services.draft_start(actor=cast.reporter, fields={"description": "Utkast", "case_type": CaseType.CARE})

    assert read(fhir(cast.reporter), draft).status_code == 404


# --- search -----------------------------------------------------------------------------------


def test_a_search_pages_through_exactly_what_the_user_sees(fhir, cast, tree):
    medicin = [report(cast.reporter, tree.medicin_ward).pk for _ in range(5)]
    orto = report(cast.handler_orto, tree.orto_ward).pk

    as_handler, pages = searched(fhir(cast.handler))
    as_orto, _pages = searched(fhir(cast.handler_orto))

    assert as_handler == sorted(medicin, reverse=True) and pages == 3
    assert as_orto == [orto]
    assert searched(fhir(cast.outsider)) == ([], 1)


def test_a_search_filters_by_last_updated_and_by_date(fhir, cast, tree):
    old, new = report(cast.reporter, tree.medicin_ward), report(cast.reporter, tree.medicin_ward)
    when = timezone.make_aware(dt.datetime(2026, 3, 1, 12, 0))
    Incident.objects.filter(pk=old.pk).update(updated_at=when, occurred_at=when)
    client = fhir(cast.handler)

    since, _ = searched(client, "&_lastUpdated=gt2026-03-01T12:00:00%2B01:00")
    on_the_day, _ = searched(client, "&date=2026-03-01")
    in_march, _ = searched(client, "&date=ge2026-03&date=lt2026-04")
    before, _ = searched(client, "&_lastUpdated=le2026-03-01")

    assert since == [new.pk]
    assert on_the_day == in_march == before == [old.pk]


def test_a_search_pages_queries_do_not_grow_with_its_entries(fhir, cast, tree):
    handled(report(cast.reporter, tree.medicin_ward), cast.handler)
    client = fhir(cast.handler)
    client.get("/fhir/AdverseEvent")
    with CaptureQueriesContext(connection) as one:
        client.get("/fhir/AdverseEvent")
    for _ in range(4):
        handled(report(cast.reporter, tree.medicin_ward), cast.handler)

    with CaptureQueriesContext(connection) as five:
        bundle = client.get("/fhir/AdverseEvent").json()

    assert len(bundle["entry"]) == 5
    assert len(five) == len(one)


@pytest.mark.parametrize(
    ("query", "parameter", "code"),
    [
        ("_count=many", "_count", "invalid"),
        ("_count=0", "_count", "invalid"),
        ("date=xx2026-01-01", "date", "invalid"),
        ("date=2026-13-01", "date", "invalid"),
        ("_lastUpdated=gt2026-01-01T10:00", "_lastUpdated", "invalid"),
        ("_cursor=not-a-cursor", "_cursor", "invalid"),
        ("patient=191212121212", "patient", "not-supported"),
    ],
)
def test_a_bad_search_is_a_400_operation_outcome(fhir, cast, query, parameter, code):
    response = fhir(cast.handler).get(f"/fhir/AdverseEvent?{query}")

    assert response.status_code == 400
    found = issue(response)
    assert (found["code"], found["expression"]) == (code, [parameter])


# --- errors -----------------------------------------------------------------------------------


def test_errors_are_operation_outcomes_with_the_rest_apis_status(fhir, cast, tree, api_client):
    incident = report(cast.reporter, tree.medicin_ward)

    anonymous = api_client.get(f"/fhir/AdverseEvent/{incident.pk}")
    posted = fhir(cast.handler).post("/fhir/AdverseEvent", {}, format="json")
    other_type = fhir(cast.handler).get("/fhir/Patient/1")
    no_such_system = fhir(cast.handler).get("/fhir/CodeSystem/icd-10")

    assert (anonymous.status_code, issue(anonymous)["code"]) == (401, "login")
    assert (posted.status_code, issue(posted)["code"]) == (405, "not-supported")
    assert (other_type.status_code, issue(other_type)["code"]) == (404, "not-supported")
    assert (no_such_system.status_code, issue(no_such_system)["code"]) == (404, "not-found")
    assert issue(no_such_system)["details"]["text"] == "Not found, or you do not have access to it."
