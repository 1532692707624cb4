"""/api/v1/audit-rounds/ and /api/v1/audit-responses/ (issue 18, item 4): who sees which rounds
and responses, the results of a round with the units that never answered counted, the
drill-down by unit, every write and its refusals (403 with the reason, 400 field by field, 409
for a stale version), and lists whose queries do not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import Action
from audits import services
from audits.models import Response, Round, Status
from tests.audits.conftest import HYGIENE, answer_all, send

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/audit-rounds/"
RESPONSES = "/api/v1/audit-responses/"


def round_url(round_, query=""):
    return f"{ROUNDS}{round_.pk}/{query}"


def url(response, tail=""):
    return f"{RESPONSES}{response.pk}/{tail}"


def fresh(response) -> Response:
    return Response.objects.get(pk=response.pk)


@pytest.fixture
def round_(cast, tree):
    """The region's safety officer sends the medication checklist to Avdelning 5 and 12."""
    return send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward])


@pytest.fixture
def ward(round_, tree):
    return Response.objects.get(round=round_, unit=tree.medicin_ward)


def submitted(response, acast):
    answer_all(response, acast.nurse)
    return services.submit(response=response, actor=acast.ward_manager, version=fresh(response).version)


# --- Rounds ---------------------------------------------------------------------------------------


def test_the_round_list_counts_the_responses_each_reader_may_see(api, cast, acast, round_, ward, conforms):
    submitted(ward, acast)

    body = conforms(api(cast.safety_officer).get(ROUNDS), "PaginatedAuditRoundList")
    (row,) = body["results"]
    assert (row["id"], row["reference"], row["status"]) == (round_.pk, round_.reference, "open")
    assert row["template"] == {"code": "LAKEMEDEL", "title": "Egenkontroll läkemedelshantering", "version": 1}
    assert (row["responses"], row["answered"], row["response_rate"]) == (2, 1, "50.0")
    # The nurse of Avdelning 12 sees the round through her unit's response, counted alone.
    (orto,) = api(acast.nurse_orto).get(ROUNDS).json()["results"]
    assert (orto["responses"], orto["answered"], orto["response_rate"]) == (1, 0, "0.0")
    for user in (cast.mas, cast.municipal_handler, cast.admin, cast.outsider):
        assert api(user).get(ROUNDS).json()["results"] == []
        assert api(user).get(round_url(round_)).status_code == 404


def test_the_round_list_filters_by_status_template_and_year(api, cast, tree, round_):
    hygiene = send(cast.safety_officer, [tree.medicin_ward], code=HYGIENE, opens_in_days=10, title="BHK")
    client = api(cast.safety_officer)

    def ids(query):
        response = client.get(f"{ROUNDS}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=planned") == {hygiene.pk}
    assert ids("status=open&status=planned") == {hygiene.pk, round_.pk}
    assert ids("template=bhk-obs") == {hygiene.pk}
    year = round_.period_start.year
    assert ids(f"year={year}") == {hygiene.pk, round_.pk}
    assert ids(f"year={year - 1}") == set()
    refused = client.get(f"{ROUNDS}?year=last")
    assert refused.status_code == 400 and "year" in refused.json()["errors"]
    assert client.get(f"{ROUNDS}?status=archived").status_code == 400


def test_the_round_detail_gives_the_results_with_the_units_that_never_answered(
    api, cast, acast, round_, ward, conforms
):
    answer_all(ward, acast.nurse)
    missing = ward.round.template_version.statements.get(key="svinn")
    services.answer_save(
        response=ward, actor=acast.nurse, statement=missing, fields={"value": "missing", "comment": "Ingen rutin."}
    )
    submitted_ward = services.submit(response=ward, actor=acast.ward_manager, version=fresh(ward).version)
    assert submitted_ward.status == Status.SUBMITTED

    body = conforms(api(cast.safety_officer).get(round_url(round_)), "AuditRoundDetail")

    results = body["results"]
    assert (results["responses"], results["answered"], results["not_answered"]) == (2, 1, 1)
    assert results["response_rate"] == "50.0"
    by_key = {row["key"]: row for row in results["statements"]}
    assert by_key["lokala-rutiner"]["counts"] == {
        "in_place": 1,
        "introducing": 0,
        "planned": 0,
        "missing": 0,
        "not_answered": 1,
    }
    assert by_key["lokala-rutiner"]["share"] == "100.0" and by_key["lokala-rutiner"]["observed"] is None
    assert by_key["svinn"]["counts"]["missing"] == 1 and by_key["svinn"]["share"] == "0.0"
    assert by_key["svinn"]["previous_share"] is None and by_key["svinn"]["below_threshold"] is False
    assert [row["key"] for row in body["statements"]][:2] == ["lokala-rutiner", "delegering"]
    assert body["statements"][0]["values"] == ["in_place", "introducing", "planned", "missing"]


def test_only_those_who_read_results_get_them(api, cast, acast, round_):
    nurse = api(acast.nurse).get(round_url(round_))
    assert nurse.status_code == 200 and nurse.json()["results"] is None
    # The manager of Medicinkliniken reads the results of her own units only.
    manager = api(cast.manager).get(round_url(round_)).json()["results"]
    assert (manager["responses"], manager["answered"]) == (1, 0)


def test_the_results_drill_down_to_a_units_subtree(api, cast, tree, acast, round_, ward):
    submitted(ward, acast)
    client = api(cast.safety_officer)

    medicin = client.get(round_url(round_, f"?unit={tree.medicin.pk}")).json()["results"]
    assert (medicin["unit"], medicin["unit_name"]) == (tree.medicin.pk, tree.medicin.name)
    assert (medicin["responses"], medicin["answered"]) == (1, 1)
    assert medicin["statements"][0]["counts"]["not_answered"] == 0

    other_provider = client.get(round_url(round_, f"?unit={tree.hemsjukvard.pk}"))
    assert other_provider.status_code == 400
    (error,) = other_provider.json()["errors"]["unit"]
    assert error["message"] == f"The unit is not one of the round's care provider, {tree.region.name}."
    assert client.get(round_url(round_, "?unit=999999999")).status_code == 400
    assert client.get(round_url(round_, "?unit=ward")).status_code == 400


# --- Responses ------------------------------------------------------------------------------------


def test_a_unit_sees_its_own_response_and_not_anothers(api, cast, acast, tree, round_, ward, conforms):
    answer_all(ward, acast.nurse)

    body = conforms(api(acast.nurse).get(RESPONSES), "PaginatedAuditResponseList")
    (row,) = body["results"]
    assert (row["id"], row["round"], row["round_reference"]) == (ward.pk, round_.pk, round_.reference)
    assert row["unit"] == {"id": tree.medicin_ward.pk, "name": tree.medicin_ward.name}
    assert row["answers"][0] == {
        "statement": "lokala-rutiner",
        "value": "in_place",
        "observed": None,
        "compliant": None,
        "comment": "",
        "answered_at": row["answers"][0]["answered_at"],
    }
    assert api(acast.nurse_orto).get(url(ward)).status_code == 404
    assert ward.pk not in {r["id"] for r in api(acast.nurse_orto).get(RESPONSES).json()["results"]}
    assert len(api(cast.safety_officer).get(RESPONSES).json()["results"]) == 2


def test_the_response_list_filters_by_round_unit_and_status(api, cast, tree, acast, round_, ward):
    submitted(ward, acast)
    other = send(cast.safety_officer, [tree.orto_ward], title="Läkemedel igen")
    client = api(cast.safety_officer)

    def ids(query):
        response = client.get(f"{RESPONSES}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    orto = set(Response.objects.filter(unit=tree.orto_ward).values_list("pk", flat=True))
    assert ids(f"round={other.pk}") == set(other.responses.values_list("pk", flat=True))
    assert ids(f"unit={tree.medicin.pk}") == {ward.pk}
    assert ids(f"unit={tree.orto_ward.pk}") == orto
    assert ids("status=submitted") == {ward.pk}
    assert ids("status=open&status=submitted") == orto | {ward.pk}
    assert client.get(f"{RESPONSES}?status=done").status_code == 400


def test_the_detail_says_what_stops_submitting(api, acast, ward, conforms):
    body = conforms(api(acast.nurse).get(url(ward)), "AuditResponseDetail")

    assert body["status"] == "open" and body["answers"] == []
    assert [row["statement"] for row in body["missing"]][:2] == ["lokala-rutiner", "delegering"]
    assert body["missing"][0]["message"].startswith("Not answered: 1. ")


# --- Answering ------------------------------------------------------------------------------------


def test_the_staff_answer_a_statement_and_an_empty_body_removes_it(api, acast, ward, conforms):
    client = api(acast.nurse)

    response = client.put(url(ward, "answers/svinn/"), {"value": "missing", "comment": "Ingen rutin."}, format="json")

    assert response.status_code == 200, response.json()
    assert conforms(response, "AuditAnswer")["value"] == "missing"
    answer = fresh(ward).answers.get()
    assert (answer.statement.key, answer.value, answer.comment, answer.answered_by) == (
        "svinn",
        "missing",
        "Ingen rutin.",
        acast.nurse,
    )
    assert fresh(ward).version == ward.version  # answers are saved one by one
    assert client.put(url(ward, "answers/svinn/"), {}, format="json").status_code == 200
    assert not fresh(ward).answers.exists()


def test_an_answer_is_refused_field_by_field(api, cast, acast, tree):
    hygiene = send(cast.safety_officer, [tree.medicin_ward], code=HYGIENE)
    ward = hygiene.responses.get()
    client = api(acast.nurse)

    more = client.put(url(ward, "answers/steg-1/"), {"observed": 10, "compliant": 12}, format="json")
    assert more.status_code == 400
    (error,) = more.json()["errors"]["compliant"]
    assert error["message"] == "More cannot be compliant than were observed."
    negative = client.put(url(ward, "answers/steg-1/"), {"observed": -1}, format="json")
    assert negative.status_code == 400 and "observed" in negative.json()["errors"]
    too_many = client.put(url(ward, "answers/steg-1/"), {"observed": 2**31, "compliant": 1}, format="json")
    assert too_many.status_code == 400 and "observed" in too_many.json()["errors"]
    status_value = client.put(url(ward, "answers/steg-1/"), {"value": "yes", "status": "approved"}, format="json")
    assert status_value.status_code == 400 and "status" in status_value.json()["errors"]
    assert client.put(url(ward, "answers/no-such-step/"), {"observed": 1}, format="json").status_code == 404
    assert not ward.answers.exists()


def test_only_the_units_staff_answer_and_only_while_it_is_open(api, cast, acast, ward):
    viewer = api(cast.viewer).put(url(ward, "answers/svinn/"), {"value": "in_place"}, format="json")
    assert viewer.status_code == 403
    assert viewer.json()["detail"] == "Only the unit's staff can answer its self-audit."
    assert (
        api(acast.nurse_orto).put(url(ward, "answers/svinn/"), {"value": "in_place"}, format="json").status_code == 404
    )

    submitted(ward, acast)
    closed = api(acast.nurse).put(url(ward, "answers/svinn/"), {"value": "planned"}, format="json")
    assert closed.status_code == 403
    assert closed.json()["detail"] == "The response is submitted: the manager can return it for changes."


# --- Transitions ----------------------------------------------------------------------------------


def test_the_manager_submits_a_complete_response(api, acast, ward, conforms):
    answer_all(ward, acast.nurse)

    response = api(acast.ward_manager).post(url(ward, "submit/"), {"version": ward.version}, format="json")

    assert response.status_code == 200, response.json()
    body = conforms(response, "AuditResponseDetail")
    assert body["status"] == "submitted" and body["missing"] == [] and body["submitted_at"]
    assert fresh(ward).submitted_by == acast.ward_manager


def test_a_nurse_cannot_submit(api, acast, ward):
    answer_all(ward, acast.nurse)

    response = api(acast.nurse).post(url(ward, "submit/"), {"version": ward.version}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only the unit's manager can submit the self-audit."
    assert fresh(ward).status == Status.OPEN


def test_submitting_lists_what_is_missing(api, acast, ward):
    response = api(acast.ward_manager).post(url(ward, "submit/"), {"version": ward.version}, format="json")

    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]["answers"]]
    assert len(messages) == ward.round.template_version.statements.count()
    assert messages[0].startswith("Not answered: 1. ")
    assert fresh(ward).status == Status.OPEN


def test_a_stale_version_is_a_conflict(api, acast, ward):
    answer_all(ward, acast.nurse)
    stale = ward.version
    services.action_add(
        response=ward,
        actor=acast.ward_manager,
        fields={
            "description": "Gå igenom rutinen.",
            "responsible": acast.ward_manager,
            "due_date": timezone.localdate() + dt.timedelta(days=30),
        },
    )

    response = api(acast.ward_manager).post(url(ward, "submit/"), {"version": stale}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert [change["kind"] for change in response.json()["changes"]] == ["action_added"]
    assert fresh(ward).status == Status.OPEN


def test_the_manager_approves_or_returns_a_submitted_response(api, acast, ward, round_):
    ward = submitted(ward, acast)
    assert api(acast.nurse).post(url(ward, "approve/"), {"version": ward.version}, format="json").status_code == 403
    client = api(acast.ward_manager)  # one client, signed in as the manager from here on

    no_reason = client.post(url(ward, "return/"), {"version": ward.version, "reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]

    returned = client.post(
        url(ward, "return/"), {"version": ward.version, "reason": "Kommentera svinnet."}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == "open"
    assert client.post(url(ward, "approve/"), {"version": returned.json()["version"]}, format="json").status_code == 409

    ward = submitted(fresh(ward), acast)
    approved = client.post(url(ward, "approve/"), {"version": ward.version}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approved_at"]


# --- Actions --------------------------------------------------------------------------------------


def test_the_staff_add_an_action_for_a_statement(api, acast, ward, conforms):
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    body = {
        "description": "Inför rutin för svinnrapportering.",
        "responsible": acast.ward_manager.pk,
        "due_date": due,
        "statement": "svinn",
    }

    response = api(acast.nurse).post(url(ward, "actions/"), body, format="json")

    assert response.status_code == 201, response.json()
    assert conforms(response, "Action")["source"]["reference"] == ward.reference
    action = Action.objects.get(pk=response.json()["id"])
    assert (action.audit_response_id, action.responsible, action.created_by) == (
        ward.pk,
        acast.ward_manager,
        acast.nurse,
    )
    entry = fresh(ward).timeline.get(kind="action_added")
    assert entry.message.startswith("Svinn rapporteras")


def test_an_action_is_refused_field_by_field(api, cast, acast, ward):
    client = api(acast.nurse)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    body = {"description": "Rutin.", "responsible": acast.ward_manager.pk, "due_date": due}

    unknown = client.post(url(ward, "actions/"), {**body, "responsible": 999999999}, format="json")
    assert unknown.status_code == 400 and "responsible" in unknown.json()["errors"]
    no_statement = client.post(url(ward, "actions/"), {**body, "statement": "nothing"}, format="json")
    assert no_statement.status_code == 400 and "statement" in no_statement.json()["errors"]
    past = client.post(url(ward, "actions/"), {**body, "due_date": "2020-01-01"}, format="json")
    assert past.status_code == 400 and "due_date" in past.json()["errors"]
    viewer = api(cast.viewer).post(url(ward, "actions/"), body, format="json")
    assert viewer.status_code == 403
    assert not Action.objects.filter(audit_response=ward).exists()


# --- Queries --------------------------------------------------------------------------------------


def test_the_lists_queries_do_not_grow(api, cast, acast, tree):
    client = api(cast.safety_officer)

    def count(n: int) -> tuple[int, int]:
        while Round.objects.count() < n:
            sent = send(cast.safety_officer, [tree.medicin_ward], title=f"Omgång {Round.objects.count()}")
            answer_all(sent.responses.get(), acast.nurse)
        client.get(ROUNDS)
        client.get(RESPONSES)
        with CaptureQueriesContext(connection) as rounds:
            assert len(client.get(ROUNDS).json()["results"]) == n
        with CaptureQueriesContext(connection) as responses:
            assert len(client.get(RESPONSES).json()["results"]) == n
        return len(rounds), len(responses)

    assert count(3) == count(20)
