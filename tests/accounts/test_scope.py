"""The scope rule through the ORM: subtree, validity dates, roles, care providers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services
from accounts.access import has_perm, scope_paths
from accounts.models import Membership, OrgUnit
from accounts.roles import Perm, Role
from tests.factories import MembershipFactory, UserFactory, make_unit

pytestmark = pytest.mark.django_db


def test_it_finds_a_subtree_with_one_indexed_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1) as ctx:
        names = set(OrgUnit.objects.subtree_of(tree.akut).values_list("name", flat=True))
    assert names == {
        "Akutsjukvård",
        "Medicinkliniken",
        "Avdelning 5, medicin",
        "Ortopedkliniken",
        "Avdelning 12, ortopedi",
    }
    assert "LIKE" in ctx.captured_queries[0]["sql"]


def test_it_uses_the_path_index_for_subtree_queries(tree):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM accounts_orgunit WHERE path LIKE %s", [tree.akut.path + "%"])
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "orgunit_path_prefix" in plan


def test_it_sets_care_provider_and_depth_on_create(tree):
    assert tree.medicin_ward.care_provider == tree.region
    assert tree.region.care_provider == tree.region
    assert tree.medicin_ward.depth == 4
    assert tree.hemsjukvard.care_provider == tree.municipality


def test_it_moves_a_whole_subtree(tree):
    # when: Ortopedkliniken moves to the municipality (an unusual but legal re-organisation)
    services.orgunit_update(
        unit=tree.orto, name=tree.orto.name, kind=tree.orto.kind, parent=tree.municipality, hsa_id="", is_active=True
    )
    # then: the ward moves along, with the new care provider and depth
    ward = OrgUnit.objects.get(pk=tree.orto_ward.pk)
    assert ward.path == f"{tree.municipality.path}{tree.orto.pk}/{ward.pk}/"
    assert ward.care_provider_id == tree.municipality.pk
    assert ward.depth == 2
    assert not OrgUnit.objects.subtree_of(tree.akut).filter(pk=ward.pk).exists()


def test_it_refuses_to_move_a_unit_below_itself(tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        services.orgunit_update(
            unit=tree.akut, name="Akutsjukvård", kind=tree.akut.kind, parent=tree.medicin, hsa_id="", is_active=True
        )
    assert "parent" in excinfo.value.message_dict


def test_a_membership_covers_the_unit_and_everything_below(cast, tree):
    assert has_perm(cast.handler, Perm.INCIDENT_TRIAGE, tree.medicin_ward)
    assert has_perm(cast.handler, Perm.INCIDENT_TRIAGE, tree.medicin)
    assert not has_perm(cast.handler, Perm.INCIDENT_TRIAGE, tree.orto_ward)
    assert not has_perm(cast.handler, Perm.INCIDENT_TRIAGE, tree.akut)


def test_a_reporter_cannot_triage(cast, tree):
    assert has_perm(cast.reporter, Perm.INCIDENT_REPORT, tree.medicin_ward)
    assert not has_perm(cast.reporter, Perm.INCIDENT_TRIAGE, tree.medicin_ward)


def test_care_providers_are_separate(cast, tree):
    assert has_perm(cast.chief_physician, Perm.LEXMARIA_DECIDE, tree.orto_ward)
    assert not has_perm(cast.chief_physician, Perm.LEXMARIA_DECIDE, tree.hemsjukvard)
    assert has_perm(cast.mas, Perm.LEXMARIA_DECIDE, tree.hemsjukvard)
    assert not has_perm(cast.mas, Perm.INCIDENT_VIEW, tree.medicin_ward)


def test_memberships_count_only_while_valid(tree):
    today = timezone.localdate()
    user = UserFactory(username="temp")
    MembershipFactory(user=user, unit=tree.medicin, role=Role.HANDLER, valid_from=today + dt.timedelta(days=1))
    MembershipFactory(
        user=user,
        unit=tree.orto,
        role=Role.HANDLER,
        valid_from=today - dt.timedelta(days=30),
        valid_to=today - dt.timedelta(days=1),
    )
    MembershipFactory(user=user, unit=tree.hemsjukvard, role=Role.HANDLER, valid_from=today, valid_to=today)
    assert scope_paths(user)[Perm.INCIDENT_TRIAGE] == (tree.hemsjukvard.path,)


def test_a_deactivated_user_has_no_scope(cast, tree):
    cast.handler.is_active = False
    cast.handler.save()
    assert not has_perm(cast.handler, Perm.INCIDENT_VIEW, tree.medicin)


def test_an_inactive_unit_grants_nothing(cast, tree):
    OrgUnit.objects.filter(pk=tree.medicin.pk).update(is_active=False)
    fresh = type(cast.handler).objects.get(pk=cast.handler.pk)
    assert not has_perm(fresh, Perm.INCIDENT_VIEW, tree.medicin_ward)


def test_the_database_refuses_a_membership_that_ends_before_it_starts(tree):
    from django.db import IntegrityError

    user = UserFactory(username="bad")
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=user,
            unit=tree.medicin,
            role=Role.HANDLER,
            valid_from=dt.date(2026, 5, 1),
            valid_to=dt.date(2026, 4, 30),
        )


def test_memberships_are_visible_to_managers_of_the_unit_and_above(cast, tree):
    visible = set(Membership.objects.visible_to(cast.manager).values_list("user__username", flat=True))
    assert {"reporter", "handler", "manager", "indicator_editor"} <= visible
    assert "handler_orto" not in visible
    assert "mas" not in visible
    # a reporter sees only their own
    assert set(Membership.objects.visible_to(cast.reporter).values_list("user__username", flat=True)) == {"reporter"}


def test_nested_units_fold_into_one_scope_path(tree):
    user = UserFactory(username="double")
    MembershipFactory(user=user, unit=tree.medicin, role=Role.HANDLER)
    MembershipFactory(user=user, unit=tree.medicin_ward, role=Role.MANAGER)
    assert scope_paths(user)[Perm.INCIDENT_VIEW] == (tree.medicin.path,)


def test_a_new_unit_gets_its_care_providers_root(tree):
    unit = make_unit("Ny mottagning", tree.orto)
    assert unit.care_provider_id == tree.region.pk
