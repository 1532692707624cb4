"""/api/v1/investigations/: opening, the working space, transitions with their blockers,
stale versions, what a team member from another care provider sees, and constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import CauseArea
from investigations import services
from investigations.models import Investigation, Status
from tests.incidents.conftest import report
from tests.investigations.conftest import opened, worked_through

pytestmark = pytest.mark.django_db

LIST = "/api/v1/investigations/"


def url(inv, tail=""):
    return f"{LIST}{inv.pk}/{tail}"


def test_a_manager_opens_one_and_the_leader_runs_it_to_the_report(api, cast, incident, analyst):
    created = api(cast.manager).post(
        LIST,
        {"incidents": [incident.pk], "method": "event_analysis", "reason": "Allvarlig.", "leader": analyst.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["method"], body["incidents"], body["leader"]) == (
        "initiated",
        "event_analysis",
        [incident.pk],
        analyst.pk,
    )
    inv = Investigation.objects.get(pk=body["id"])
    client = api(analyst)

    assert client.post(url(inv, "start/"), {"version": body["version"]}, format="json").status_code == 200
    step = client.post(
        url(inv, "course/"),
        {"at": (timezone.now() - dt.timedelta(days=1)).isoformat(), "description": "Dosen gavs två gånger."},
        format="json",
    )
    assert step.status_code == 201
    area = CauseArea.objects.filter(is_active=True).first()
    cause = client.post(url(inv, "causes/"), {"area": area.pk, "detail": "Ingen kontroll"}, format="json").json()
    participation = client.post(
        url(inv, "patient-participation/"),
        {"invited": True, "invited_on": timezone.localdate().isoformat(), "account": "Jag sa det till dem."},
        format="json",
    )
    assert participation.json()["patient_account"] == "Jag sa det till dem."
    client.post(
        url(inv, "conclusions/"),
        {"care_injury": "yes", "avoidable": True, "serious_death": False, "conclusions": "Rutinbrist."},
        format="json",
    )
    action = client.post(
        url(inv, "actions/"),
        {
            "description": "Dubbelkontroll",
            "responsible": cast.manager.pk,
            "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "effect_class": "effective",
            "causes": [cause["id"]],
        },
        format="json",
    )
    assert action.status_code == 201 and action.json()["causes"] == [cause["id"]]
    assert action.json()["incident"] == incident.pk

    ready = client.post(url(inv, "report-ready/"), {}, format="json")
    assert ready.status_code == 200, ready.json()
    detail = client.get(url(inv)).json()
    assert detail["status"] == "report_ready" and detail["follow_up_on"]
    assert [c["area"] for c in detail["causes"]] == [area.pk]
    assert detail["actions"][0]["responsible_name"]
    assert "patient_identifier" not in detail and "reporter" not in detail


def test_report_ready_too_early_is_409_with_the_blockers(api, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)

    response = api(analyst).post(url(inv, "report-ready/"), {}, format="json")

    assert response.status_code == 409
    assert {"code": "course_missing", "message": "Describe the course of events."} in response.json()["blockers"]


def test_a_stale_version_is_409_with_what_changed(api, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    old = Investigation.objects.get(pk=inv.pk).version
    services.member_add(investigation=inv, actor=cast.manager, user=cast.handler)

    response = api(cast.manager).post(
        url(inv, "method/"), {"version": old, "method": "simple", "reason": "Räcker"}, format="json"
    )

    assert response.status_code == 409
    assert [change["kind"] for change in response.json()["changes"]] == ["member_added"]
    assert Investigation.objects.get(pk=inv.pk).method == "event_analysis"


def test_bad_input_is_400_field_by_field_and_changes_nothing(api, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)
    version = Investigation.objects.get(pk=inv.pk).version

    response = api(analyst).post(url(inv, "conclusions/"), {"care_injury": "maybe"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"care_injury", "conclusions"}
    assert Investigation.objects.get(pk=inv.pk).version == version


def test_a_municipal_team_member_sees_this_investigation_only(api, cast, tree, incident, analyst):
    mine = opened(cast, incident, analyst)
    services.member_add(investigation=mine, actor=analyst, user=cast.municipal_handler)
    other = opened(cast, report(cast.reporter, tree.medicin_ward), analyst)
    client = api(cast.municipal_handler)

    listed = [item["id"] for item in client.get(LIST).json()["results"]]

    assert listed == [mine.pk]
    assert client.get(url(other)).status_code == 404
    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    refused = client.post(url(mine, "conclusions/"), {"care_injury": "no", "conclusions": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"]


def test_the_detail_takes_the_same_number_of_queries_with_more_actions(api, cast, incident, analyst):
    inv = worked_through(cast, incident, analyst)
    client = api(cast.chief_physician)
    client.get(url(inv))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(inv)).status_code == 200
        return len(queries)

    before = count()
    for n in range(3):
        services.action_add(
            investigation=inv,
            actor=analyst,
            description=f"Åtgärd {n}",
            responsible=cast.manager,
            due_date=timezone.localdate() + dt.timedelta(days=10 + n),
            causes=list(inv.causes.all()),
        )
    assert count() == before


def test_follow_up_and_close_through_the_api(api, cast, incident, analyst):
    inv = worked_through(cast, incident, analyst)
    services.report_ready(investigation=inv, actor=analyst)
    client = api(analyst)
    assert client.post(url(inv, "follow-up/"), {}, format="json").status_code == 200
    link = inv.actions.get()

    assert client.post(url(inv, "close/"), {}, format="json").status_code == 409
    evaluated = client.post(
        url(inv, f"actions/{link.pk}/evaluate/"),
        {"carried_out": True, "outcome": "worked", "evidence": "Journalgranskning"},
        format="json",
    )
    assert evaluated.status_code == 200 and evaluated.json()["outcome"] == "worked"
    assert client.post(url(inv, "close/"), {}, format="json").json()["status"] == Status.CLOSED
