"""The scope rule, property-based: for random org trees, memberships and validity dates,
an object is visible iff its unit lies in the subtree of one of the user's *valid*
memberships whose role grants the permission.

The expectation is computed in pure Python from the generated data (parent indices, day
offsets, the role table) and compared with what psweb shows through three doors: the ORM
helper `Membership.objects.visible_to(user)`, the API `/api/v1/memberships/` and the HTML
roster `membership-list`. The objects are memberships of other users; the roster also always
shows the user's own memberships.

Isolation: pytest-django's `db` fixture does not reset between Hypothesis examples, so each
example runs inside its own savepoint and is rolled back (hence the suppressed
function-scoped-fixture health check).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.access import has_perm
from accounts.models import Membership, OrgUnit, User, local_today
from accounts.roles import ALL_PERMISSIONS, ROLE_PERMISSIONS, Perm, Role
from tests.factories import kind

pytestmark = pytest.mark.django_db

MAX_UNITS = 25
MAX_USERS = 4
_batches = itertools.count()


@dataclass(frozen=True)
class Grant:
    user: int  # index into the example's users
    unit: int  # index into the example's units
    role: str
    starts: int  # valid_from, in days from today
    days: int | None  # valid_to = valid_from + days; None = until further notice

    def is_valid_today(self) -> bool:
        return self.starts <= 0 and (self.days is None or self.starts + self.days >= 0)


@dataclass(frozen=True)
class Scenario:
    parents: list[int | None]  # parents[i] is the index of unit i's parent; roots are care providers
    n_users: int
    grants: list[Grant]  # the memberships: each user's scope, and the objects others may see

    def covering(self, unit: int) -> set[int]:
        """The unit and all its ancestors: a membership in any of them covers `unit`."""
        chain = {unit}
        while self.parents[unit] is not None:
            unit = self.parents[unit]
            chain.add(unit)
        return chain

    def holds(self, user: int, perm: str, unit: int) -> bool:
        """The scope rule, in plain Python."""
        return any(
            g.user == user and g.is_valid_today() and perm in ROLE_PERMISSIONS[g.role] and g.unit in self.covering(unit)
            for g in self.grants
        )


@st.composite
def scenarios(draw) -> Scenario:
    n_units = draw(st.integers(min_value=2, max_value=MAX_UNITS))
    # Two care providers (units 0 and 1); every later unit hangs below a random earlier one.
    parents = [None, None] + [draw(st.integers(0, i - 1)) for i in range(2, n_units)]
    n_users = draw(st.integers(min_value=1, max_value=MAX_USERS))
    grant = st.builds(
        Grant,
        user=st.integers(0, n_users - 1),
        unit=st.integers(0, n_units - 1),
        role=st.sampled_from([str(role) for role in Role]),
        # around today: expired, ended yesterday, ending today, starting today or tomorrow, open-ended
        starts=st.integers(-3, 2),
        days=st.none() | st.integers(0, 3),
    )
    # unique like the database constraint (user, unit, role, valid_from)
    grants = draw(st.lists(grant, max_size=30, unique_by=lambda g: (g.user, g.unit, g.role, g.starts)))
    return Scenario(parents=parents, n_users=n_users, grants=grants)


@dataclass
class Built:
    units: list[OrgUnit]
    users: list[User]
    memberships: list[Membership]  # in the order of Scenario.grants


def build(scenario: Scenario) -> Built:
    """The scenario in the database, with bulk writes (a handful of queries per example).
    Units get their materialised paths the way `orgunit_create` sets them; that service is
    tested on its own in test_scope.py."""
    root_kind, unit_kind = kind("vardgivare"), kind("enhet")
    batch = next(_batches)
    units = OrgUnit.objects.bulk_create(
        [
            OrgUnit(name=f"Enhet {i}", kind=root_kind if parent is None else unit_kind, path=f"~{batch}~{i}")
            for i, parent in enumerate(scenario.parents)
        ]
    )
    for unit, parent in zip(units, scenario.parents, strict=True):  # parents come before children
        above = None if parent is None else units[parent]
        unit.parent = above
        unit.path = f"{above.path if above else '/'}{unit.pk}/"
        unit.depth = above.depth + 1 if above else 0
        unit.care_provider_id = above.care_provider_id if above else unit.pk
    OrgUnit.objects.bulk_update(units, ["parent", "path", "depth", "care_provider"])
    users = User.objects.bulk_create([User(username=f"prop-{batch}-{i}") for i in range(scenario.n_users)])
    today = local_today()
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                user=users[g.user],
                unit=units[g.unit],
                role=g.role,
                valid_from=today + dt.timedelta(days=g.starts),
                valid_to=None if g.days is None else today + dt.timedelta(days=g.starts + g.days),
            )
            for g in scenario.grants
        ]
    )
    return Built(units=units, users=users, memberships=memberships)


def api_ids(client: Client) -> set[int]:
    ids, url = [], reverse("api:membership-list") + "?page_size=7"  # small pages: the cursor is followed too
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        ids += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    assert len(ids) == len(set(ids)), "a membership appeared on two pages"
    return set(ids)


def html_ids(client: Client) -> set[int]:
    response = client.get(reverse("membership-list"))
    assert response.status_code == 200
    assert not response.context["is_paginated"], "keep the scenarios within one page of the roster"
    return {int(pk) for pk in re.findall(r'data-membership="(\d+)"', response.content.decode())}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_a_membership_is_visible_iff_its_unit_is_in_a_valid_granting_subtree(db, scenario: Scenario):
    with transaction.atomic():
        # given
        built = build(scenario)
        pairs = list(zip(built.memberships, scenario.grants, strict=True))

        for index, viewer in enumerate(built.users):
            others = {m.pk for m, g in pairs if g.user != index and scenario.holds(index, Perm.MEMBERSHIP_VIEW, g.unit)}
            own = {m.pk for m, g in pairs if g.user == index}
            client = Client()
            client.force_login(viewer)

            # when / then: (a) the ORM helper, for other users' memberships
            orm = set(
                Membership.objects.visible_to(viewer)
                .filter(user__in=built.users)
                .exclude(user=viewer)
                .values_list("pk", flat=True)
            )
            assert orm == others, f"ORM, viewer {index}"
            # (b) the API and (c) the HTML roster: the same, plus the viewer's own memberships
            assert api_ids(client) == others | own, f"API, viewer {index}"
            assert html_ids(client) == others | own, f"HTML, viewer {index}"

        transaction.set_rollback(True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_has_perm_holds_in_exactly_the_valid_granting_subtrees(db, scenario: Scenario):
    """The same rule for every permission and every unit, through `has_perm`."""
    with transaction.atomic():
        built = build(scenario)

        mismatches = [
            (user_index, perm, unit_index)
            for user_index, user in enumerate(built.users)
            for perm in sorted(ALL_PERMISSIONS)
            for unit_index, unit in enumerate(built.units)
            if has_perm(user, perm, unit) != scenario.holds(user_index, perm, unit_index)
        ]

        assert mismatches == []
        transaction.set_rollback(True)
