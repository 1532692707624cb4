"""The API base (DESIGN §6): /me/, org units, the membership roster, readable JSON errors,
cursor pagination, the OpenAPI schema and the offline, CSP-clean docs page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.models import local_today
from accounts.roles import Role
from psweb.api import Conflict
from tests.factories import MembershipFactory, UserFactory, make_unit

pytestmark = pytest.mark.django_db


# --- /api/v1/me/ -----------------------------------------------------------------------


def test_me_lists_the_memberships_valid_today(api, cast, tree):
    # given: besides the current one, an expired and a future membership
    today = local_today()
    MembershipFactory(
        user=cast.handler,
        unit=tree.orto,
        role=Role.HANDLER,
        valid_from=today - dt.timedelta(days=30),
        valid_to=today - dt.timedelta(days=1),
    )
    MembershipFactory(
        user=cast.handler, unit=tree.orto_ward, role=Role.MANAGER, valid_from=today + dt.timedelta(days=1)
    )

    # when
    response = api(cast.handler).get("/api/v1/me/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "handler"
    assert [(m["unit"], m["unit_name"], m["role"]) for m in body["memberships"]] == [
        (tree.medicin.pk, "Medicinkliniken", "handler")
    ]


def test_me_shows_every_membership_in_tree_order(api, cast, tree):
    MembershipFactory(user=cast.reporter, unit=tree.region, role=Role.VIEWER)

    body = api(cast.reporter).get("/api/v1/me/").json()

    assert [(m["unit_name"], m["role"]) for m in body["memberships"]] == [
        ("Region Västmanland", "viewer"),
        ("Avdelning 5, medicin", "reporter"),
    ]
    assert body["memberships"][0]["care_provider"] == tree.region.pk


def test_me_of_a_user_without_memberships_is_empty(api, cast):
    body = api(cast.outsider).get("/api/v1/me/").json()

    assert body == {
        "id": cast.outsider.pk,
        "username": "outsider",
        "full_name": cast.outsider.get_full_name(),
        "memberships": [],
    }


def test_anonymous_api_request_gets_401_with_a_readable_message(api_client, cast):
    response = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Sign in, or send an API token in the header “Authorization: Token <key>”.",
        "code": "not_authenticated",
    }


# --- /api/v1/org-units/ ----------------------------------------------------------------


def test_org_unit_detail_has_the_stable_fields(api, cast, tree):
    response = api(cast.reporter).get(f"/api/v1/org-units/{tree.medicin.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("id", "name", "kind", "parent", "care_provider")} == {
        "id": tree.medicin.pk,
        "name": "Medicinkliniken",
        "kind": "verksamhet",
        "parent": tree.akut.pk,
        "care_provider": tree.region.pk,
    }


def test_a_care_provider_is_its_own_care_provider(api, cast, tree):
    body = api(cast.mas).get(f"/api/v1/org-units/{tree.municipality.pk}/").json()

    assert body["parent"] is None
    assert body["care_provider"] == tree.municipality.pk
    assert body["kind"] == "vardgivare"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [unit["name"] for unit in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=klinik", ["Medicinkliniken", "Ortopedkliniken"]),
        ("kind=enhet", ["Avdelning 5, medicin", "Avdelning 12, ortopedi", "Hemsjukvården"]),
        ("parent={akut}", ["Medicinkliniken", "Ortopedkliniken"]),
        ("care_provider={municipality}", ["Västerås stad", "Hemsjukvården"]),
        ("within={orto}", ["Ortopedkliniken", "Avdelning 12, ortopedi"]),
        ("within=999999999", []),
        ("kind=verksamhet&within={akut}&q=orto", ["Ortopedkliniken"]),
    ],
)
def test_org_unit_filters_narrow_the_list(api, cast, tree, query, expected):
    query = query.format(**{name: getattr(tree, name).pk for name in ("akut", "municipality", "orto")})

    names = _names(api(cast.reporter).get(f"/api/v1/org-units/?{query}"))

    assert sorted(names) == sorted(expected)


def test_org_unit_q_matches_the_hsa_id_exactly(api, cast, tree):
    make_unit("Vårdcentral Bäckby", tree.region, "verksamhet", hsa_id="SE2321000206-E123")

    assert _names(api(cast.reporter).get("/api/v1/org-units/?q=se2321000206-e123")) == ["Vårdcentral Bäckby"]


def test_a_bad_filter_value_is_a_400_field_by_field(api, cast):
    response = api(cast.reporter).get("/api/v1/org-units/?parent=abc&within=1.5")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The request contains errors. See the message for each field."
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"parent", "within"}
    assert all(
        set(error) == {"code", "message"} and isinstance(error["message"], str)
        for errors in body["errors"].values()
        for error in errors
    )


def test_an_unknown_org_unit_is_404_with_a_readable_message(api, cast):
    response = api(cast.reporter).get("/api/v1/org-units/999999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found, or you do not have access to it.", "code": "not_found"}


def test_a_write_to_a_read_only_resource_is_405_naming_the_accepted_methods(api, cast):
    response = api(cast.admin).post("/api/v1/org-units/", {"name": "Ny enhet"}, format="json")

    assert response.status_code == 405
    assert response.json()["detail"] == "This address does not accept POST. It accepts: GET, HEAD, OPTIONS."


def test_an_unknown_api_address_is_a_json_404(api, cast):
    response = api(cast.reporter).get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["detail"] == "Not found, or you do not have access to it."


# --- /api/v1/memberships/ --------------------------------------------------------------


def test_membership_roster_shows_the_managers_units_and_own_memberships(api, cast, tree):
    response = api(cast.manager).get("/api/v1/memberships/?page_size=500")

    assert response.status_code == 200
    usernames = sorted(m["username"] for m in response.json()["results"])
    # Medicinkliniken and its ward; nothing of Ortopedkliniken, the region level or the municipality.
    assert usernames == ["handler", "indicator_editor", "manager", "reporter"]


def test_membership_roster_of_a_handler_is_only_their_own(api, cast):
    results = api(cast.handler).get("/api/v1/memberships/").json()["results"]

    assert [(m["username"], m["role"], m["unit_name"]) for m in results] == [("handler", "handler", "Medicinkliniken")]


def test_membership_roster_filters_by_role_and_subtree(api, cast, tree):
    client = api(cast.chief_physician)

    handlers = client.get("/api/v1/memberships/?role=handler").json()["results"]
    in_orto = client.get(f"/api/v1/memberships/?within={tree.orto.pk}").json()["results"]

    assert sorted(m["username"] for m in handlers) == ["handler", "handler_orto"]
    assert sorted(m["username"] for m in in_orto) == ["handler_orto", "manager_orto"]


def test_membership_roster_pages_with_a_cursor(api, cast, tree):
    # given: 7 memberships visible to the chief physician of the region (besides the cast's)
    users = UserFactory.create_batch(7)
    for user in users:
        MembershipFactory(user=user, unit=tree.orto_ward)
    client = api(cast.chief_physician)

    # when: walking the pages three at a time
    seen, url, pages = [], f"/api/v1/memberships/?within={tree.orto_ward.pk}&page_size=3", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        seen += [m["id"] for m in body["results"]]
        url, pages = body["next"], pages + 1

    # then: every row exactly once, newest first, without a page number or a count
    assert pages == 3
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 7


def test_a_forged_cursor_is_a_readable_400(api, cast):
    # A bad parameter, not a missing resource (the schema-based fuzzing holds every list to this).
    response = api(cast.manager).get("/api/v1/memberships/?cursor=not-a-cursor")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "cursor": [{"code": "invalid", "message": "The cursor is not valid: use the links `next` and `previous`."}]
    }


def test_a_page_that_does_not_exist_is_a_readable_400(api, cast):
    response = api(cast.safety_officer).get("/api/v1/org-units/?page=999")

    assert response.status_code == 400
    assert response.json()["errors"] == {"page": [{"code": "invalid", "message": "There is no such page."}]}


# --- the exception handler, for errors that no read-only endpoint raises yet ------------


class _Raises(APIView):
    exc: Exception | None = None

    def post(self, request):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "status", "expected"),
    [
        (
            DjangoValidationError({"valid_to": ["The last day must be on or after the first day."]}),
            400,
            {
                "detail": "The request contains errors. See the message for each field.",
                "code": "invalid",
                "errors": {
                    "valid_to": [{"code": "invalid", "message": "The last day must be on or after the first day."}]
                },
            },
        ),
        (
            DjangoValidationError("The unit is closed."),
            400,
            {
                "detail": "The request contains errors. See the message for each field.",
                "code": "invalid",
                "errors": {"non_field_errors": [{"code": "invalid", "message": "The unit is closed."}]},
            },
        ),
        (
            DjangoPermissionDenied("Only the chief physician decides on Lex Maria."),
            403,
            {"detail": "Only the chief physician decides on Lex Maria.", "code": "permission_denied"},
        ),
        (DjangoPermissionDenied(), 403, {"detail": "You are not allowed to do this.", "code": "permission_denied"}),
        (
            Conflict,  # built inside the test: its default message is translated when it is created
            409,
            {
                "detail": "This was changed by someone else, or the action is not possible in its current state. "
                "Reload and try again.",
                "code": "conflict",
            },
        ),
        (
            Conflict("The incident is already closed."),
            409,
            {"detail": "The incident is already closed.", "code": "conflict"},
        ),
    ],
    ids=["field-errors", "non-field-error", "403-reason", "403-default", "409-default", "409-reason"],
)
def test_errors_are_json_a_person_can_read(cast, exc, status, expected):
    request = APIRequestFactory().post("/api/v1/anything/", {}, format="json")
    force_authenticate(request, user=cast.manager)

    with translation.override("en"):
        if isinstance(exc, type):
            exc = exc()
        response = _Raises.as_view(exc=exc)(request)

    assert response.status_code == status
    assert response.data == expected


# --- schema and docs --------------------------------------------------------------------


def test_the_schema_generates_without_warnings(tmp_path):
    # `--fail-on-warn` turns every drf-spectacular warning (an untyped field, a guessed
    # serializer) into an error, so a new endpoint must describe itself properly.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/me/:" in schema
    assert "/api/v1/org-units/{id}/:" in schema


def test_the_schema_is_served_as_openapi_3(login, cast):
    client = login(cast.reporter)  # signed in: the schema is not public by default (psweb.api_docs)
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_docs_page_needs_no_inline_code_and_no_network(login, cast):
    client = login(cast.reporter)
    response = client.get(reverse("api-docs"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "style-src 'self'" in response["Content-Security-Policy"]
    # no inline script or style: every <script> has a src, there is no <style>, no style=""
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert "style=" not in html
    # every asset is ours: /static/ files that exist (vendored sidecar), or this view itself
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for url in assets:
        assert url.startswith(("/static/", "/api/docs/")), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a vendored static file"


def test_the_docs_initialiser_is_a_script_file_from_the_same_view(login, cast):
    client = login(cast.reporter)
    html = client.get(reverse("api-docs")).content.decode()
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*)"', html).group(1).replace("&amp;", "&")

    response = client.get(script_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
    assert "/api/schema/" in response.content.decode()
