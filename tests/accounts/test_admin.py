"""The Django admin for system administrators: org tree, users, memberships."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, MembershipEvent, OrgUnit, OrgUnitEvent, User
from accounts.roles import Role
from outbox.models import OutboxMessage
from tests.factories import UserFactory, kind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """The admin in English, so the assertions read the source strings whatever is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _unit_form(unit: OrgUnit, **changes) -> dict:
    data = {
        "name": unit.name,
        "kind": unit.kind_id,
        "parent": unit.parent_id or "",
        "hsa_id": unit.hsa_id,
        "is_active": "on" if unit.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    "name",
    [
        "accounts_orgunitkind",
        "accounts_orgunit",
        "accounts_user",
        "accounts_membership",
        "accounts_orgunitevent",
        "accounts_membershipevent",
    ],
)
def test_the_admin_pages_open_for_the_system_administrator(cast, login, name):
    client = login(cast.admin)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{name}_changelist"), {"q": "Medicin"}).status_code == 200


def test_staff_pages_are_closed_to_other_roles(cast, login):
    response = login(cast.safety_officer).get(reverse("admin:accounts_orgunit_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_access_log_is_not_in_the_admin(cast, login):
    response = login(cast.admin).get("/admin/accounts/accesslog/")
    assert response.status_code == 404


def test_the_unit_list_shows_the_tree(cast, tree, login):
    response = login(cast.admin).get(reverse("admin:accounts_orgunit_changelist"))
    content = response.content.decode()
    assert "— — — — Avdelning 5, medicin" in content
    assert content.index("Medicinkliniken") < content.index("Avdelning 5, medicin")


def test_it_filters_units_by_care_provider_and_searches_by_hsa_id(cast, tree, login):
    OrgUnit.objects.filter(pk=tree.orto.pk).update(hsa_id="SE2321000206-E123")
    client = login(cast.admin)
    url = reverse("admin:accounts_orgunit_changelist")

    by_provider = client.get(url, {"care_provider__id__exact": tree.municipality.pk})
    by_hsa = client.get(url, {"q": "SE2321000206-E123"})

    assert [u.name for u in by_provider.context["cl"].result_list] == ["Västerås stad", "Hemsjukvården"]
    assert [u.name for u in by_hsa.context["cl"].result_list] == ["Ortopedkliniken"]


def test_it_creates_a_unit_through_the_service(cast, tree, login):
    response = login(cast.admin).post(
        reverse("admin:accounts_orgunit_add"),
        {"name": "Avdelning 7, kardiologi", "kind": kind("enhet").pk, "parent": tree.medicin.pk, "hsa_id": ""},
    )

    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="Avdelning 7, kardiologi")
    assert unit.path == f"{tree.medicin.path}{unit.pk}/"
    assert unit.care_provider_id == tree.region.pk
    assert unit.depth == tree.medicin.depth + 1
    assert OrgUnitEvent.objects.filter(pgh_obj=unit, pgh_label="insert").exists()


def test_it_moves_a_subtree_through_the_service(cast, tree, login):
    response = login(cast.admin).post(
        reverse("admin:accounts_orgunit_change", args=[tree.orto.pk]),
        _unit_form(tree.orto, parent=tree.municipality.pk),
    )

    assert response.status_code == 302
    ward = OrgUnit.objects.get(pk=tree.orto_ward.pk)
    assert ward.care_provider_id == tree.municipality.pk
    assert ward.path.startswith(tree.municipality.path)


def test_moving_a_unit_below_itself_is_a_form_error_not_a_crash(cast, tree, login):
    before = OrgUnit.objects.get(pk=tree.medicin.pk)

    response = login(cast.admin).post(
        reverse("admin:accounts_orgunit_change", args=[tree.medicin.pk]),
        _unit_form(tree.medicin, name="Renamed", parent=tree.medicin_ward.pk),
    )

    assert response.status_code == 200
    assert "cannot be moved below itself" in response.content.decode()
    assert response.context["adminform"].form.errors["parent"]
    after = OrgUnit.objects.get(pk=tree.medicin.pk)
    assert (after.name, after.parent_id, after.path) == (before.name, before.parent_id, before.path)


def test_a_unit_cannot_be_deleted_in_the_admin(cast, tree, login):
    client = login(cast.admin)

    response = client.post(reverse("admin:accounts_orgunit_delete", args=[tree.orto_ward.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert OrgUnit.objects.filter(pk=tree.orto_ward.pk).exists()
    changelist = client.get(reverse("admin:accounts_orgunit_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_granting_a_membership_in_the_admin_sends_the_e_mail(cast, tree, login):
    nurse = UserFactory(username="ny.sjukskoterska", email="ny.sjukskoterska@example.invalid")

    response = login(cast.admin).post(
        reverse("admin:accounts_membership_add"),
        {"user": nurse.pk, "unit": tree.orto_ward.pk, "role": Role.REPORTER, "valid_from": "2025-01-01"},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=nurse)
    assert (membership.unit, membership.role) == (tree.orto_ward, Role.REPORTER)
    message = OutboxMessage.objects.get(recipient="ny.sjukskoterska@example.invalid")
    assert message.created_by == cast.admin
    event = MembershipEvent.objects.select_related("pgh_context").get(pgh_obj=membership, pgh_label="insert")
    assert event.pgh_context.metadata["user"] == cast.admin.pk


def test_a_duplicate_membership_is_a_form_error(cast, tree, login):
    existing = Membership.objects.get(user=cast.handler)

    response = login(cast.admin).post(
        reverse("admin:accounts_membership_add"),
        {
            "user": cast.handler.pk,
            "unit": existing.unit_id,
            "role": existing.role,
            "valid_from": existing.valid_from.isoformat(),
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Membership.objects.filter(user=cast.handler).count() == 1


def test_ending_a_membership_is_a_plain_edit(cast, login):
    membership = Membership.objects.get(user=cast.handler)

    response = login(cast.admin).post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"role": membership.role, "valid_from": membership.valid_from.isoformat(), "valid_to": "2099-12-31"},
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_to.isoformat() == "2099-12-31"
    assert not OutboxMessage.objects.filter(recipient=cast.handler.email).exists()


def test_a_membership_cannot_be_deleted_in_the_admin(cast, login):
    membership = Membership.objects.get(user=cast.handler)
    response = login(cast.admin).post(
        reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_memberships_filter_by_validity(cast, login):
    ended = Membership.objects.get(user=cast.handler_orto)
    Membership.objects.filter(pk=ended.pk).update(valid_from="2020-01-01", valid_to="2020-12-31")
    client = login(cast.admin)
    url = reverse("admin:accounts_membership_changelist")

    valid = {m.pk for m in client.get(url, {"validity": "valid"}).context["cl"].result_list}
    gone = {m.pk for m in client.get(url, {"validity": "ended"}).context["cl"].result_list}

    assert ended.pk not in valid
    assert gone == {ended.pk}


def test_the_user_page_shows_roles_read_only(cast, login):
    response = login(cast.admin).get(reverse("admin:accounts_user_change", args=[cast.manager.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Medicinkliniken" in content
    assert 'name="memberships-0-role"' not in content  # shown, not editable
    assert 'name="hsa_id"' in content


def test_users_are_found_by_hsa_id(cast, login):
    cast.manager.hsa_id = "SE2321000206-1234"
    cast.manager.save(update_fields=["hsa_id"])

    response = login(cast.admin).get(reverse("admin:accounts_user_changelist"), {"q": "SE2321000206-1234"})

    assert [u.username for u in response.context["cl"].result_list] == ["manager"]


def test_the_parent_unit_is_chosen_with_autocomplete(cast, tree, login):
    response = login(cast.admin).get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "orgunit", "field_name": "parent", "term": "Ortopedklin"},
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Ortopedkliniken"]


def test_the_add_and_change_forms_open(cast, tree, login):
    client = login(cast.admin)
    membership = Membership.objects.get(user=cast.handler)
    pages = [
        reverse("admin:accounts_orgunit_add"),
        reverse("admin:accounts_orgunit_change", args=[tree.medicin_ward.pk]),
        reverse("admin:accounts_membership_add"),
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        reverse("admin:accounts_user_add"),
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
    change = client.get(reverse("admin:accounts_orgunit_change", args=[tree.medicin_ward.pk])).content.decode()
    assert "Region Västmanland › Västmanlands sjukhus Västerås › Akutsjukvård › Medicinkliniken" in change


def test_it_adds_a_user_with_hsa_id_and_title(cast, login):
    response = login(cast.admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "anna.andersson",
            "usable_password": "true",
            "password1": "Lång-och-säker-2025",
            "password2": "Lång-och-säker-2025",
            "first_name": "Anna",
            "last_name": "Andersson",
            "email": "anna.andersson@example.invalid",
            "title": "Sjuksköterska",
            "hsa_id": "SE2321000206-9999",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="anna.andersson")
    assert (user.hsa_id, user.title) == ("SE2321000206-9999", "Sjuksköterska")
