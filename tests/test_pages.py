"""The start page, the error pages and the page shell as a user sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from accounts.roles import Role
from psweb import views
from tests.factories import MembershipFactory


def _page(response) -> str:
    return response.content.decode()


# --- Start page -------------------------------------------------------------------------------


def test_the_start_page_shows_units_with_care_provider_and_roles(login, cast, tree):
    response = login(cast.handler).get(reverse("home"))

    page = _page(response)
    assert response.status_code == 200
    assert tree.region.name in page
    assert tree.medicin.name in page
    assert str(Role.HANDLER.label) in page


def test_two_roles_in_one_unit_show_the_unit_once(login, cast, tree):
    MembershipFactory(user=cast.handler, unit=tree.medicin, role=Role.MANAGER)

    response = login(cast.handler).get(reverse("home"))

    [group] = response.context["groups"]
    assert group.care_provider == tree.region
    [entry] = group.units
    assert entry.unit == tree.medicin
    assert entry.roles == [str(Role.HANDLER.label), str(Role.MANAGER.label)]
    assert _page(response).count(f'data-unit="{tree.medicin.pk}"') == 1


def test_units_of_two_care_providers_are_grouped_by_provider(login, cast, tree):
    MembershipFactory(user=cast.handler, unit=tree.hemsjukvard, role=Role.REPORTER)

    response = login(cast.handler).get(reverse("home"))

    providers = [group.care_provider for group in response.context["groups"]]
    assert providers == [tree.region, tree.municipality]


def test_memberships_that_have_ended_are_not_shown(login, cast, tree):
    MembershipFactory(
        user=cast.reporter,
        unit=tree.orto_ward,
        role=Role.HANDLER,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2020, 12, 31),
    )

    page = _page(login(cast.reporter).get(reverse("home")))

    assert tree.medicin_ward.name in page
    assert tree.orto_ward.name not in page


def test_a_user_without_membership_is_told_what_to_do(login, cast):
    response = login(cast.outsider).get(reverse("home"))

    assert response.status_code == 200
    assert response.context["groups"] == []
    assert 'class="notice notice--info"' in _page(response)
    assert 'class="unit"' not in _page(response)


def test_the_start_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Page shell -------------------------------------------------------------------------------


def test_the_shell_has_landmarks_and_a_skip_link(login, cast):
    page = _page(login(cast.reporter).get(reverse("home")))

    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in page


def test_the_menu_marks_the_current_page(login, cast):
    page = _page(login(cast.manager).get(reverse("membership-list")))

    assert f'href="{reverse("membership-list")}" aria-current="page"' in page
    assert f'href="{reverse("home")}" aria-current' not in page


def test_the_menu_offers_only_what_the_user_may_open(login, cast):
    reporter_page = _page(login(cast.reporter).get(reverse("home")))

    assert reverse("membership-list") not in reporter_page
    assert reverse("accesslog-review") not in reporter_page


def test_the_report_button_is_on_every_page_for_those_who_may_report(login, cast):
    for url in (reverse("home"), reverse("membership-list"), reverse("incidents:mine")):
        response = login(cast.reporter).get(url)
        assert response.context["nav"]["report_url"] == reverse("incidents:report")
        assert f'class="button button--report" href="{reverse("incidents:report")}"' in _page(response)

    outsider_page = login(cast.outsider).get(reverse("home"))
    assert outsider_page.context["nav"]["report_url"] is None
    assert "button--report" not in _page(outsider_page)


def test_the_membership_roster_lists_people_in_scope(login, cast, tree):
    response = login(cast.manager).get(reverse("membership-list"))

    page = _page(response)
    assert response.status_code == 200
    assert cast.handler.username in page
    assert cast.handler_orto.username not in page


def test_the_membership_roster_filters_by_role(login, cast):
    response = login(cast.manager).get(reverse("membership-list"), {"role": Role.HANDLER, "valid": "true"})

    roles = {m.role for m in response.context["object_list"]}
    assert roles == {Role.HANDLER}
    assert 'value="handler" selected' in _page(response)


# --- Error pages ------------------------------------------------------------------------------


def test_an_unknown_page_answers_404_with_a_way_home(client, db):
    response = client.get("/det-har-finns-inte/")

    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]
    page = _page(response)
    assert f'href="{reverse("home")}"' in page
    assert '<html lang="sv">' in page


def test_a_refusal_answers_403_with_the_reason(login, cast):
    response = login(cast.reporter).get(reverse("accesslog-review"))

    assert response.status_code == 403
    assert "errors/403.html" in [t.name for t in response.templates]
    reason = response.context["reason"]
    assert reason
    assert str(reason) in _page(response)
    assert response["X-Request-ID"] in _page(response)


@pytest.mark.parametrize("url", ["/api/v1/finns-inte/", "/api/finns-inte/"])
def test_an_unknown_api_path_answers_json_404(client, db, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_the_server_error_page_shows_the_request_id_without_touching_the_database(rf: RequestFactory):
    request = rf.get("/")
    request.request_id = "abc123def456"

    response = views.server_error(request)

    assert response.status_code == 500
    page = _page(response)
    assert "abc123def456" in page
    assert '<html lang="' in page
    assert 'href="/"' in page


def test_a_server_error_in_the_api_answers_json_with_the_request_id(rf: RequestFactory):
    request = rf.get("/api/v1/me/")
    request.request_id = "abc123def456"

    response = views.server_error(request)

    assert response.status_code == 500
    assert b"abc123def456" in response.content
    assert response["Content-Type"].startswith("application/json")


def test_a_bad_request_page_is_readable(rf: RequestFactory, db):
    request = rf.get("/")
    request.user = AnonymousUser()
    response = views.bad_request(request)

    assert response.status_code == 400
    assert b"<h1>" in response.content
