"""Field-level rules of the API (issue #6): for each role, exactly which fields an incident,
an investigation and a Lex Maria case carry and which of them are filled in; and a PATCH or
POST naming a field the endpoint does not take is refused, not silently ignored."""

from __future__ import annotations

import pytest

from incidents.api.serializers import IncidentDetailSerializer
from incidents.models import Incident
from investigations.api.serializers import InvestigationDetailSerializer
from lexmaria.api.serializers import LexMariaCaseDetailSerializer
from tests.authorization.matrix import World
from tests.authorization.matrix_investigations import investigation as an_investigation
from tests.incidents.conftest import report
from tests.lexmaria.conftest import PERSONNUMMER, opened, serious_incident

pytestmark = pytest.mark.django_db

# The fields only some readers get filled in (null for the others).
GUARDED = {"reporter", "reporter_name", "feedback", "patient_identifier"}
# role -> the guarded incident fields it gets filled in; absent roles get 404.
INCIDENT_READERS = {
    "reporter": {"reporter", "reporter_name"},  # their own report; feedback once closed
    "handler": GUARDED,
    "manager": GUARDED,
    "chief_physician": GUARDED,
    "safety_officer": {"patient_identifier"},  # reads "the reporter", never who
}
ALL_ROLES = [
    "reporter",
    "handler",
    "manager",
    "handler_orto",
    "manager_orto",
    "chief_physician",
    "safety_officer",
    "indicator_editor",
    "viewer",
    "admin",
    "mas",
    "municipal_handler",
    "outsider",
]


def test_each_role_gets_exactly_its_incident_fields(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_identifier=PERSONNUMMER, patient_involved=True)
    Incident.objects.filter(pk=incident.pk).update(feedback="Tack, vi har infört dubbelkontroll.")
    every_field = set(IncidentDetailSerializer.Meta.fields)

    for role in ALL_ROLES:
        response = api(getattr(cast, role)).get(f"/api/v1/incidents/{incident.pk}/")
        if role not in INCIDENT_READERS:
            assert response.status_code == 404, role
            continue
        body = response.json()
        assert set(body) == every_field, role
        filled = {name for name in GUARDED if body[name] not in (None, "")}
        assert filled == INCIDENT_READERS[role], role


def test_each_role_gets_exactly_the_investigation_fields(api, cast, tree):
    inv = an_investigation(World(tree, cast))["pk"]
    readers = {"manager", "chief_physician", "safety_officer", "municipal_handler"}

    for role in ALL_ROLES:
        response = api(getattr(cast, role)).get(f"/api/v1/investigations/{inv}/")
        if role not in readers:
            assert response.status_code == 404, role
            continue
        assert set(response.json()) == set(InvestigationDetailSerializer.Meta.fields), role
        assert "patient_identifier" not in response.json()


def test_each_role_gets_exactly_the_lex_maria_fields(api, cast, tree):
    case = opened(cast, serious_incident(cast, tree.medicin_ward))
    readers = {"manager", "chief_physician", "safety_officer"}

    for role in ALL_ROLES:
        response = api(getattr(cast, role)).get(f"/api/v1/lexmaria/{case.pk}/")
        if role not in readers:
            assert response.status_code == 404, role
            continue
        assert set(response.json()) == set(LexMariaCaseDetailSerializer.Meta.fields), role
        assert PERSONNUMMER not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "closed"), ("reference", "AV-2026-999999"), ("reporter", 1), ("handler", 1), ("feedback", "x")],
)
def test_a_patch_naming_a_field_it_may_not_change_is_refused(api, cast, tree, field, value):
    from incidents.services.reporting import draft_start

    draft = draft_start(actor=cast.reporter, fields={"unit": tree.medicin_ward, "description": "Utkast"})

    response = api(cast.reporter).patch(
        f"/api/v1/incidents/{draft.pk}/",
        {"version": draft.version, "description": "Ändrat", field: value},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [{"code": "invalid", "message": "This field cannot be set here."}]}
    draft.refresh_from_db()
    assert (draft.description, draft.status, draft.version) == ("Utkast", "draft", 1)


def test_a_measurement_with_a_typed_value_is_refused(api, cast, tree):
    row = {
        "indicator": "BHK",
        "unit": str(tree.medicin_ward.pk),
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "numerator": "74",
        "denominator": "100",
        "value": "99",
    }

    response = api(cast.indicator_editor).post("/api/v1/measurements/", [row], format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == [{"row": 1, "field": "value", "message": "This field cannot be set here."}]
