"""The error contract in reality: real error answers of the API validate against the schema's
components (`Error`, `ValidationError`, `ConflictError`), and the plausibility rules of issue 15
(dates, timestamps, deep JSON, a reused `Idempotency-Key`) answer with them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zoneinfo

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import CaseType, Incident, ReportedKind
from psweb.api import RFC3339DateTimeField
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


IN_A_MONTH = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def fields(tree, **extra):
    return {
        "unit": tree.medicin_ward.pk,
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "description": "Patienten fick fel dos.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        "patient_involved": False,
        **extra,
    }


def test_field_errors_carry_a_code_and_a_message(api, cast, tree, conforms):
    response = api(cast.reporter).post(INCIDENTS, fields(tree, description="", unit="x"), format="json")

    assert response.status_code == 400
    body = conforms(response, "ValidationError")
    assert body["code"] == "invalid"
    assert body["errors"]["unit"] == [{"code": "invalid", "message": "A valid integer is required."}]


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("description", 0, "invalid"),  # a number for a text
        ("patient_involved", 1, "invalid"),  # 1 for a yes/no
        ("patient_involved", "true", "invalid"),  # a string for a yes/no
        ("unit", "12", "invalid"),  # a numeric string for an id
        ("unit", True, "invalid"),  # true for an id (it would be unit 1)
    ],
)
def test_a_json_value_of_another_type_is_refused_not_converted(api, cast, tree, conforms, field, value, code):
    response = api(cast.reporter).post(INCIDENTS, fields(tree, **{field: value}), format="json")

    assert response.status_code == 400, response.json()
    assert conforms(response, "ValidationError")["errors"][field][0]["code"] in (code, "incorrect_type")
    assert not Incident.objects.exists()


def test_a_wrong_type_for_an_action_responsible_person_is_refused(api, cast, tree, conforms):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    action = {"description": "Dubbelkontroll", "responsible": str(cast.handler.pk), "due_date": IN_A_MONTH}

    response = api(cast.handler).post(f"{INCIDENTS}{incident.pk}/actions/", action, format="json")

    assert response.status_code == 400
    assert list(conforms(response, "ValidationError")["errors"]) == ["responsible"]


@pytest.mark.parametrize("key", [f"{{{uuid.UUID(int=7)}}}", f"urn:uuid:{uuid.UUID(int=7)}", ""])
def test_an_idempotency_key_outside_the_pattern_is_refused(api, cast, tree, conforms, key):
    response = api(cast.reporter).post(INCIDENTS, fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert list(conforms(response, "ValidationError")["errors"]) == ["Idempotency-Key"]


def test_the_errors_of_a_list_item_are_nested_under_its_index(api, cast, conforms):
    rows = [
        {"indicator": "BHK", "unit": "riket", "period_start": "2026-01-01", "numerator": "1"},
        {"indicator": "BHK", "unit": "riket", "period_start": "2026-01-01"},
    ]

    response = api(cast.indicator_editor).post("/api/v1/measurements/", rows, format="json")

    assert response.status_code == 400
    body = conforms(response, "MeasurementsError")
    assert "1" in body["errors"] and "0" not in body["errors"]
    assert body["errors"]["1"]["numerator"][0]["code"] == "invalid"


def test_a_measurement_body_that_is_not_a_list_answers_the_contract(api, cast, conforms):
    response = api(cast.indicator_editor).post("/api/v1/measurements/", {"indicator": "BHK"}, format="json")

    assert response.status_code == 400
    body = conforms(response, "MeasurementsError")
    assert body["errors"] == {"non_field_errors": [{"code": "invalid", "message": "Send a list of measurements."}]}


def test_a_body_that_is_not_json_is_a_400_with_errors(api, cast, conforms):
    response = api(cast.reporter).post(INCIDENTS, "{not json", content_type="application/json")

    assert response.status_code == 400
    body = conforms(response, "ValidationError")
    assert body["code"] == "parse_error"
    assert body["errors"] == {
        "non_field_errors": [{"code": "parse_error", "message": "The request body is not valid JSON."}]
    }


@pytest.mark.parametrize("depth", [5_000, 100])
def test_json_nested_absurdly_deep_is_a_400_not_a_500(api, cast, conforms, depth):
    body = "[" * depth + "]" * depth

    response = api(cast.reporter).post(INCIDENTS, body, content_type="application/json")

    assert response.status_code == 400
    assert conforms(response, "ValidationError")["errors"]["non_field_errors"][0]["message"] == (
        "The JSON document is nested too deeply (at most 32 levels)."
    )


def test_a_form_body_is_refused_with_415(api, cast, tree, conforms):
    response = api(cast.reporter).post(INCIDENTS, fields(tree), format="multipart")

    assert response.status_code == 415
    assert conforms(response, "Error")["code"] == "unsupported_media_type"
    assert not Incident.objects.exists()


def test_401_403_and_404_answer_the_error_component(api, api_client, cast, conforms):
    assert conforms(api_client.get(INCIDENTS), "Error")["code"] == "not_authenticated"
    stats = api(cast.reporter).get("/api/v1/stats/incidents/")
    assert stats.status_code == 403
    assert conforms(stats, "Error") == {"detail": "You may not see statistics.", "code": "permission_denied"}
    missing = api(cast.reporter).get(f"{INCIDENTS}999999/")
    assert missing.status_code == 404
    conforms(missing, "Error")


def test_bad_statistics_parameters_answer_the_validation_component(api, cast, conforms):
    response = api(cast.chief_physician).get("/api/v1/stats/incidents/?group_by=nonsense&from=yesterday")

    assert response.status_code == 400
    assert {"group_by", "from"} <= set(conforms(response, "ValidationError")["errors"])


def test_a_refused_close_names_each_blocker_with_a_code(api, cast, tree, conforms):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)

    response = api(cast.handler).post(f"{INCIDENTS}{incident.pk}/close/", {"version": incident.version}, format="json")

    assert response.status_code == 409
    body = conforms(response, "ConflictError")
    codes = {blocker["code"] for blocker in body["blockers"]}
    assert {"not_classified", "risk_not_assessed", "feedback_missing"} <= codes
    assert "blocked" not in codes


def test_a_stale_version_answers_the_conflict_component(api, cast, tree, conforms):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)

    response = api(cast.handler).post(f"{INCIDENTS}{incident.pk}/take/", {"version": incident.version}, format="json")

    assert response.status_code == 409
    assert conforms(response, "ConflictError")["code"] == "stale_version"


# --- plausible values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("occurred_at", "message"),
    [
        ("1700-01-01T01:12:12+01:12", "The date must be in 1900 or later."),
        ("1899-12-31T12:00:00Z", "The date must be in 1900 or later."),
        ("9999-12-31T23:00:00+01:00", "The date is more than 100 years ahead: check the year."),
    ],
)
def test_an_implausible_event_date_is_refused_and_nothing_is_saved(api, cast, tree, conforms, occurred_at, message):
    response = api(cast.reporter).post(INCIDENTS, fields(tree, occurred_at=occurred_at), format="json")

    assert response.status_code == 400
    assert conforms(response, "ValidationError")["errors"]["occurred_at"][0]["message"] == message
    assert not Incident.objects.exists()


def test_an_implausible_action_due_date_is_refused(api, cast, tree, conforms):
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    action = {"description": "Dubbelkontroll", "responsible": cast.handler.pk, "due_date": "3026-01-01"}

    response = api(cast.handler).post(f"{INCIDENTS}{incident.pk}/actions/", action, format="json")

    assert response.status_code == 400
    assert conforms(response, "ValidationError")["errors"]["due_date"][0]["code"] == "date_too_late"


def test_the_date_messages_are_in_swedish(api, cast, tree):
    client = api(cast.reporter)
    client.credentials(HTTP_ACCEPT_LANGUAGE="sv")

    response = client.post(INCIDENTS, fields(tree, occurred_at="1850-06-01T12:00:00+01:00"), format="json")

    assert response.json()["errors"]["occurred_at"][0]["message"] == "Datumet måste vara år 1900 eller senare."


def test_timestamps_have_a_whole_minute_offset_even_before_1900():
    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    field = RFC3339DateTimeField()

    early = field.to_representation(dt.datetime(1700, 1, 1, 1, 12, 12, tzinfo=stockholm))
    now = field.to_representation(dt.datetime(2026, 3, 14, 21, 40, tzinfo=stockholm))

    assert early == "1700-01-01T00:00:00Z"
    assert now == "2026-03-14T21:40:00+01:00"


def test_every_timestamp_of_an_incident_is_rfc_3339(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    body = api(cast.reporter).get(f"{INCIDENTS}{incident.pk}/").json()

    for name in ("occurred_at", "reported_at"):
        parsed = dt.datetime.fromisoformat(body[name].replace("Z", "+00:00"))
        assert parsed.utcoffset().seconds % 60 == 0, body[name]


# --- the Idempotency-Key ------------------------------------------------------------------------


def test_the_same_key_with_the_same_body_returns_the_first_incident(api, cast, tree):
    key, body = str(uuid.uuid4()), fields(tree)
    client = api(cast.reporter)

    first = client.post(INCIDENTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(INCIDENTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_a_different_body_is_a_422(api, cast, tree, conforms):
    key = str(uuid.uuid4())
    client = api(cast.reporter)
    client.post(INCIDENTS, fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)

    response = client.post(
        INCIDENTS, fields(tree, description="Något helt annat hände."), format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 422
    assert conforms(response, "Error")["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


def test_a_key_used_by_another_user_names_the_header(api, cast, tree, conforms):
    key = str(uuid.uuid4())
    api(cast.reporter).post(INCIDENTS, fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)

    response = api(cast.handler).post(INCIDENTS, fields(tree), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert list(conforms(response, "ValidationError")["errors"]) == ["Idempotency-Key"]
    assert "client_key" not in json.dumps(response.json())
