"""Only people who may hold the role can be named (issue 15, item 10).

An action's responsible person and an investigation's leader must work in the care of the
case's care provider (any unit of it: issue 12 lets an action go to another clinic), or — for
an investigation — be on its team. A statistics-only viewer or someone of another care
provider is refused, by the API and the forms alike: both call
`accounts.selectors.may_be_named` through the same services.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.selectors import may_be_named, staff_of
from actions.models import Action
from incidents import services
from investigations import services as investigation_services
from investigations.models import Investigation
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report
from tests.investigations.conftest import opened

pytestmark = pytest.mark.django_db

IN_A_MONTH = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def private_nurse(tree):
    """A nurse of another care provider (the municipality's home care)."""
    user = UserFactory(username="privat_ssk", first_name="Petra", last_name="Privat")
    MembershipFactory(user=user, unit=tree.hemsjukvard, role=Role.HANDLER)
    return user


@pytest.fixture
def analyst(tree):
    user = UserFactory(username="analyst", first_name="Anna", last_name="Analys")
    MembershipFactory(user=user, unit=tree.region, role=Role.ANALYST)
    return user


def _taken(cast, tree):
    return services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)


def _add_action(api, cast, incident, responsible):
    return api(cast.handler).post(
        f"/api/v1/incidents/{incident.pk}/actions/",
        {"description": "Inför dubbelkontroll.", "responsible": responsible.pk, "due_date": IN_A_MONTH},
        format="json",
    )


def test_the_rule_names_staff_of_the_care_provider_and_not_viewers_or_strangers(cast, tree, private_nurse):
    # another clinic of the same care provider is fine (issue 12); the viewer, someone of
    # another care provider and someone without a membership are not
    assert may_be_named(cast.handler_orto, unit=tree.medicin_ward)
    assert may_be_named(cast.chief_physician, unit=tree.medicin_ward)
    assert not may_be_named(cast.viewer, unit=tree.medicin_ward)
    assert not may_be_named(private_nurse, unit=tree.medicin_ward)
    assert not may_be_named(cast.outsider, unit=tree.medicin_ward)
    # the forms offer the unit's own staff only, within the same rule
    offered = set(staff_of(unit=tree.medicin_ward))
    assert cast.handler in offered and cast.viewer not in offered and cast.handler_orto not in offered


@pytest.mark.parametrize("who", ["viewer", "private_nurse", "outsider"])
def test_the_api_refuses_an_action_for_someone_who_may_not_hold_it(api, cast, tree, private_nurse, who):
    incident = _taken(cast, tree)
    person = private_nurse if who == "private_nurse" else getattr(cast, who)

    answer = _add_action(api, cast, incident, person)

    assert answer.status_code == 400, answer.json()
    assert [e["code"] for e in answer.json()["errors"]["responsible"]]
    assert not Action.objects.filter(incident=incident).exists()


def test_the_api_names_someone_of_another_clinic_of_the_same_care_provider(api, cast, tree):
    incident = _taken(cast, tree)

    answer = _add_action(api, cast, incident, cast.handler_orto)

    assert answer.status_code == 201, answer.json()


def test_reassigning_an_action_to_a_viewer_is_refused_but_an_old_name_stays(api, cast, tree):
    incident = _taken(cast, tree)
    action = Action.objects.get(pk=_add_action(api, cast, incident, cast.manager).json()["id"])
    url = f"/api/v1/actions/{action.pk}/"

    refused = api(cast.handler).patch(url, {"version": action.version, "responsible": cast.viewer.pk}, format="json")
    # the manager later becomes a viewer only: the action keeps her, and other fields still change
    cast.manager.memberships.update(role=Role.VIEWER)
    kept = api(cast.handler).patch(
        url, {"version": action.version, "responsible": cast.manager.pk, "description": "Ny text."}, format="json"
    )

    assert refused.status_code == 400 and "responsible" in refused.json()["errors"]
    assert kept.status_code == 200, kept.json()


@pytest.mark.parametrize("who", ["viewer", "private_nurse"])
def test_the_form_neither_offers_nor_takes_them(login, cast, tree, private_nurse, who):
    incident = _taken(cast, tree)
    person = private_nurse if who == "private_nurse" else cast.viewer
    client = login(cast.handler)

    page = client.post(
        reverse("incidents:case-action-add", kwargs={"pk": incident.pk}),
        {
            "version": incident.version,
            "description": "Inför dubbelkontroll.",
            "responsible": person.username,
            "due_date": IN_A_MONTH,
        },
    )

    assert page.status_code == 400 or page.status_code == 200
    assert f'value="{person.username}"' not in page.content.decode()
    assert not Action.objects.filter(incident=incident).exists()


@pytest.mark.parametrize("who", ["viewer", "private_nurse"])
def test_an_investigation_leader_must_work_in_the_care_provider_or_the_team(api, cast, tree, private_nurse, who):
    incident = report(cast.reporter, tree.medicin_ward)
    person = private_nurse if who == "private_nurse" else cast.viewer

    opening = api(cast.manager).post(
        "/api/v1/investigations/",
        {"incidents": [incident.pk], "method": "event_analysis", "reason": "Allvarlig.", "leader": person.pk},
        format="json",
    )

    assert opening.status_code == 400 and "leader" in opening.json()["errors"]
    assert not Investigation.objects.exists()


def test_a_team_member_of_another_care_provider_may_lead_and_be_responsible(api, cast, tree, private_nurse, analyst):
    investigation = opened(cast, report(cast.reporter, tree.medicin_ward), analyst)
    url = f"/api/v1/investigations/{investigation.pk}/leader/"

    refused = api(cast.manager).post(url, {"version": investigation.version, "leader": private_nurse.pk}, format="json")
    investigation_services.member_add(investigation=investigation, actor=analyst, user=private_nurse)
    investigation.refresh_from_db()
    assigned = api(cast.manager).post(
        url, {"version": investigation.version, "leader": private_nurse.pk}, format="json"
    )

    assert refused.status_code == 400 and "leader" in refused.json()["errors"]
    assert assigned.status_code == 200, assigned.json()
