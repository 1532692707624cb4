"""/api/v1/lexmaria/: opening, the chief physician's decision, the report to IVO and its
blockers, the IVO dialogue, the follow-up, stale versions, and constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from investigations import services as investigation_services
from investigations.models import Method
from lexmaria.models import Decision, LexMariaCase, Status
from tests.lexmaria.conftest import (
    PERSONNUMMER,
    add_action,
    decided,
    fresh,
    opened,
    reported,
    serious_incident,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/lexmaria/"
TODAY = timezone.localdate


def url(case, tail=""):
    return f"{LIST}{case.pk}/{tail}"


def test_the_chief_physician_decides_to_report_with_a_motivation(api, cast, case):
    response = api(cast.chief_physician).post(
        url(case, "decide/"),
        {"decision": "report", "motivation": "Allvarlig vårdskada.", "version": case.version},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["decision"], body["motivation"]) == (
        "decided_to_report",
        "report",
        "Allvarlig vårdskada.",
    )
    assert body["decided_by"] == cast.chief_physician.pk
    assert body["clock"]["deadline_kind"] == "report"
    assert body["report_due_on"] == (TODAY() + dt.timedelta(days=14)).isoformat()


def test_a_decision_not_to_report_closes_the_case_and_can_be_reopened(api, cast, case):
    client = api(cast.chief_physician)

    closed = client.post(url(case, "decide/"), {"decision": "no_report", "motivation": "Ingen vårdskada."}).json()
    assert (closed["status"], closed["decision"]) == ("closed", "no_report")
    assert closed["closed_at"] is not None

    reopened = client.post(url(case, "reopen/"), {"reason": "Nya uppgifter från anhöriga."}, format="json")
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["decision"]) == ("assessment", "")


@pytest.mark.parametrize("actor", ["safety_officer", "manager"])
def test_nobody_but_the_chief_physician_decides(api, cast, case, actor):
    response = api(getattr(cast, actor)).post(
        url(case, "decide/"), {"decision": "report", "motivation": "Ja."}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "Only the chief physician decides on Lex Maria."
    assert fresh(case).status == Status.ASSESSMENT


@pytest.mark.parametrize("actor", ["reporter", "handler", "handler_orto", "manager_orto", "mas", "viewer", "outsider"])
def test_the_decision_is_invisible_outside_the_cases_scope(api, cast, case, actor):
    # `mas` is the chief physician (MAS) of another care provider: deciding there is no power here.
    response = api(getattr(cast, actor)).post(
        url(case, "decide/"), {"decision": "report", "motivation": "Ja."}, format="json"
    )

    assert response.status_code == 404
    assert fresh(case).status == Status.ASSESSMENT


def test_a_decision_needs_a_known_decision_and_a_motivation(api, cast, case):
    response = api(cast.chief_physician).post(url(case, "decide/"), {"decision": "maybe", "motivation": " "})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"decision", "motivation"}
    assert fresh(case).status == Status.ASSESSMENT


def test_deciding_twice_is_a_conflict(api, cast, case):
    decided(cast, case)

    response = api(cast.chief_physician).post(url(case, "decide/"), {"decision": "no_report", "motivation": "Nej."})

    assert response.status_code == 409
    assert fresh(case).decision == Decision.REPORT


def test_a_stale_version_is_refused_with_what_changed(api, cast, case):
    seen = case.version
    api(cast.safety_officer).post(url(case, "owner/"), {"owner": cast.safety_officer.pk, "version": seen})

    response = api(cast.chief_physician).post(
        url(case, "decide/"), {"decision": "report", "motivation": "Ja.", "version": seen}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert [change["kind"] for change in response.json()["changes"]] == ["owner_assigned"]


def test_reported_is_refused_while_an_action_lacks_a_responsible_person(api, cast, case, incident):
    add_action(cast, incident, responsible=cast.outsider, description="Ny rutin för fallriskbedömning")
    cast.outsider.is_active = False
    cast.outsider.save()
    decided(cast, case)

    response = api(cast.safety_officer).post(
        url(case, "mark-reported/"), {"ivo_reference": "3.7.1-1/2026", "sent_on": TODAY().isoformat()}
    )

    assert response.status_code == 409
    assert response.json()["blockers"] == [
        {
            "code": "action_responsible_left",
            "message": f"{incident.reference}, “Ny rutin för fallriskbedömning”: the responsible person has left; "
            "name another.",
        }
    ]
    assert fresh(case).status == Status.DECIDED_TO_REPORT
    assert fresh(case).ivo_reference == ""


def test_reported_is_refused_without_any_actions(api, cast, case):
    decided(cast, case)

    response = api(cast.safety_officer).post(
        url(case, "mark-reported/"), {"ivo_reference": "3.7.1-1/2026", "sent_on": TODAY().isoformat()}
    )

    assert response.status_code == 409
    assert len(response.json()["blockers"]) == 1


def test_the_ivo_dialogue_runs_to_closing(api, cast, case, incident):
    add_action(cast, incident)
    decided(cast, case)
    client = api(cast.safety_officer)
    today = TODAY().isoformat()

    sent = client.post(url(case, "mark-reported/"), {"ivo_reference": "3.7.1-4711/2026", "sent_on": today})
    assert (sent.status_code, sent.json()["status"], sent.json()["ivo_reference"]) == (
        200,
        "reported",
        "3.7.1-4711/2026",
    )
    assert len(sent.json()["promised_actions"]) == 1

    asked = client.post(
        url(case, "supplement-request/"),
        {"what": "Namngiven ansvarig saknas.", "requested_on": today, "due_on": "2099-01-31"},
    ).json()
    assert asked["status"] == "supplement_requested"
    assert asked["clock"]["deadline_kind"] == "supplement"
    assert [row["what"] for row in asked["supplements"]] == ["Namngiven ansvarig saknas."]

    answered = client.post(url(case, "supplement-send/"), {"answer": "Ansvarig namngiven.", "sent_on": today}).json()
    assert answered["status"] == "supplement_sent"
    assert answered["supplements"][0]["answered_on"] == today

    ivo = client.post(
        url(case, "ivo-decision/"), {"kind": "closed_with_criticism", "decided_on": today, "text": "Kritik."}
    ).json()
    assert (ivo["status"], ivo["ivo_decision"]) == ("ivo_decision", "closed_with_criticism")

    closed = client.post(url(case, "close/"), {}).json()
    assert closed["status"] == "closed"
    kinds = [row["kind"] for row in client.get(url(case, "timeline/")).json()]
    assert kinds[-5:] == ["reported", "supplement_requested", "supplement_sent", "ivo_decision", "closed"]


def test_the_yearly_follow_up_records_each_promised_action(api, cast, case):
    reported(cast, case)
    promised = case.promised_actions.get()
    client = api(cast.safety_officer)

    response = client.post(
        url(case, f"promised-actions/{promised.pk}/follow-up/"),
        {"carried_out": True, "effect_class": "very_effective", "evidence": "Stickprov i journalen."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["carried_out"], response.json()["effect_class"]) == (True, "very_effective")
    summary = client.get(f"{LIST}follow-up/", {"year": TODAY().year}).json()
    assert (summary["cases"], summary["promised"], summary["done"], summary["percent_done"]) == (1, 1, 1, "100.0")
    assert summary["done_by_effect"]["very_effective"] == 1


def test_the_follow_up_summary_refuses_a_year_that_is_not_one(api, cast):
    response = api(cast.safety_officer).get(f"{LIST}follow-up/", {"year": "förra"})

    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_the_safety_officer_opens_a_case_for_an_incident(api, cast, tree):
    incident = serious_incident(cast, tree.medicin_ward)

    response = api(cast.safety_officer).post(
        LIST, {"incidents": [incident.pk], "reason": "Patienten avled."}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["incidents"], body["unit"]) == ("assessment", [incident.pk], incident.unit_id)
    assert body["clock"]["deadline_kind"] == "decision"
    assert body["reference"].startswith(f"LM-{TODAY().year}-")


def test_a_case_opens_for_all_of_an_investigations_incidents(api, cast, tree):
    first, second = serious_incident(cast, tree.medicin_ward), serious_incident(cast, tree.medicin_ward)
    investigation = investigation_services.investigation_open(
        incidents=[first, second], actor=cast.manager, method=Method.EVENT_ANALYSIS, reason="Allvarlig."
    )

    response = api(cast.chief_physician).post(
        LIST, {"investigation": investigation.pk, "reason": "Två patienter skadades."}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert sorted(response.json()["incidents"]) == sorted([first.pk, second.pk])
    assert response.json()["investigation"] == investigation.pk


def test_a_manager_cannot_open_a_case(api, cast, tree):
    incident = serious_incident(cast, tree.medicin_ward)

    response = api(cast.manager).post(LIST, {"incidents": [incident.pk], "reason": "Allvarlig."}, format="json")

    assert response.status_code == 403
    assert not LexMariaCase.objects.exists()


def test_opening_needs_incidents_or_an_investigation(api, cast):
    response = api(cast.safety_officer).post(LIST, {"reason": "Allvarlig."}, format="json")

    assert response.status_code == 400
    assert "incidents" in response.json()["errors"]


def test_the_ivo_report_has_age_and_sex_and_never_the_personnummer(api, cast, case, incident):
    add_action(cast, incident)

    response = api(cast.chief_physician).get(url(case, "ivo-report/"))

    assert response.status_code == 200
    body = response.json()
    assert body["consequences"]["patients"][0]["sex"] == "man"
    assert body["consequences"]["patients"][0]["age"] == _age_on(incident.occurred_at)
    assert body["actions"][0]["responsible"] == (cast.manager.get_full_name() or cast.manager.username)
    assert "7. Actions" in body["text"]
    raw = response.content.decode()
    assert PERSONNUMMER not in raw and PERSONNUMMER[2:8] not in raw


def _age_on(moment) -> int:
    on = timezone.localtime(moment).date()
    return on.year - 1912 - ((on.month, on.day) < (12, 12))


def test_the_list_is_filtered_and_its_queries_do_not_grow(api, cast, tree):
    client = api(cast.chief_physician)
    first = opened(cast, serious_incident(cast, tree.medicin_ward))
    decided(cast, first, Decision.NO_REPORT)
    client.get(LIST)  # the session's first request loads the user and their memberships
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for _ in range(4):
        opened(cast, serious_incident(cast, tree.medicin_ward))
    with CaptureQueriesContext(connection) as five:
        body = client.get(LIST).json()

    assert len(body["results"]) == 5
    assert len(five) == len(one)
    assert [row["id"] for row in client.get(LIST, {"decision": "no_report"}).json()["results"]] == [first.pk]
    assert len(client.get(LIST, {"status": "assessment"}).json()["results"]) == 4


def test_a_manager_sees_the_cases_of_the_units_involved_and_nothing_else(api, cast, tree, case):
    orto = opened(cast, serious_incident(cast, tree.orto_ward, handler=cast.handler_orto))

    ids = [row["id"] for row in api(cast.manager).get(LIST).json()["results"]]

    assert ids == [case.pk]
    assert api(cast.manager).get(url(orto)).status_code == 404
