"""The OpenAPI schema as a contract (docs/api.md): a valid OpenAPI 3 document, JSON bodies only,
every operation named and described by what it does, and the error contract on every operation."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

ERROR_COMPONENTS = {"Error", "ValidationError", "ConflictError", "MeasurementsError"}
METHODS = {"get", "post", "put", "patch", "delete"}


def operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                if method in METHODS:
                    yield path, method, operation


def test_it_is_a_valid_openapi_document(schema):
    validate(schema)


def test_every_request_body_is_json_only(schema):
    not_json = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, method, operation in operations(schema)
        if "requestBody" in operation and set(operation["requestBody"]["content"]) != {"application/json"}
    }

    assert not_json == {}


def test_every_operation_has_a_description_of_its_own(schema):
    described = [(path, method, operation.get("description", "")) for path, method, operation in operations(schema)]

    assert [(p, m) for p, m, text in described if not text.strip()] == []
    assert [(p, m) for p, m, text in described if "service errors as API answers" in text] == []


def test_transitions_are_named_by_what_they_do(schema):
    ids = {operation["operationId"] for _, _, operation in operations(schema)}

    assert {"incidents_take", "incidents_classify", "incidents_close", "lexmaria_decide"} <= ids
    assert {"incidents_take_create", "incidents_close_create"}.isdisjoint(ids)
    # Adding to a sub-collection keeps its verb.
    assert {"incidents_comments_create", "investigations_causes_create"} <= ids
    assert len(ids) == len(list(operations(schema)))


def test_every_error_answer_has_a_body_of_the_error_contract(schema):
    def component(response):
        ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        return ref.rsplit("/", 1)[-1]

    wrong = [
        (path, method, code, component(response))
        for path, method, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code.startswith("4") and component(response) not in ERROR_COMPONENTS
    ]

    assert wrong == []
    for _, _, operation in operations(schema):
        assert {"400", "401", "403", "404"} <= set(operation["responses"])
        assert all("X-Request-ID" in response["headers"] for response in operation["responses"].values())


def test_the_error_components_describe_field_errors_nested_by_index(schema):
    components = schema["components"]["schemas"]

    assert components["ValidationError"]["properties"]["errors"]["allOf"] == [
        {"$ref": "#/components/schemas/FieldErrors"}
    ]
    assert set(components["ValidationError"]["required"]) >= {"detail", "code", "errors"}
    nested = components["FieldErrors"]["additionalProperties"]["oneOf"]
    assert {"$ref": "#/components/schemas/FieldErrors"} in nested
    assert components["FieldError"]["required"] == ["code", "message"]
    assert components["ConflictError"]["properties"]["blockers"]["items"] == {"$ref": "#/components/schemas/Blocker"}


def test_a_required_version_on_patch_is_documented_as_required(schema):
    patch = schema["paths"]["/api/v1/incidents/{id}/"]["patch"]
    name = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert "version" in schema["components"]["schemas"][name]["required"]


def test_the_group_keys_of_incident_counts_may_be_null(schema):
    properties = schema["components"]["schemas"]["IncidentCount"]["properties"]

    assert properties["category"]["nullable"] is True
    assert properties["event_class"]["nullable"] is True


def test_creates_and_transitions_have_a_swedish_example(schema):
    ids = ["incidents_create", "incidents_take", "incidents_classify", "incidents_close", "measurements_create"]
    by_id = {operation["operationId"]: operation for _, _, operation in operations(schema)}

    for operation_id in ids:
        content = by_id[operation_id]["requestBody"]["content"]["application/json"]
        assert content.get("examples"), operation_id
