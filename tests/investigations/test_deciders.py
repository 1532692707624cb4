"""Who decides on an investigation, per care provider (issue 16, item 5): by default a manager
or the chief physician; where the care provider lets only the chief physician decide (Region
Kronoberg's rule), the manager sees the request but cannot decide, is not told of it, and is not
offered as the one to answer it (`incidents.deciders`)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from incidents import services as incident_services
from incidents.deciders import investigation_deciders
from incidents.models import Incident, InvestigationDeciders, ProviderSettings
from investigations import permissions, services
from investigations.forms import OpenForm
from investigations.models import Method
from investigations.selectors import requested_investigations
from outbox.models import Notification
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _chief_only(provider, value=InvestigationDeciders.CHIEF_ONLY) -> None:
    ProviderSettings.objects.update_or_create(
        care_provider=provider, defaults={"investigation_method_decided_by": value}
    )


def _requested(cast, tree) -> Incident:
    incident = incident_services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    Notification.objects.all().delete()
    return incident_services.incident_request_investigation(
        incident=incident, actor=cast.handler, reason="Upprepade fall av fel dos."
    )


def test_by_default_the_manager_and_the_chief_physician_decide(cast, tree):
    incident = _requested(cast, tree)
    assert set(investigation_deciders(tree.medicin)) == {cast.manager, cast.chief_physician}
    assert permissions.can_open(cast.manager, incident)
    assert list(requested_investigations(user=cast.manager)) == [incident]


def test_where_only_the_chief_physician_decides_the_manager_cannot(cast, tree):
    # given
    _chief_only(tree.region)

    # when a handler requests an investigation
    incident = _requested(cast, tree)

    # then only the chief physician is told and finds it among her requests
    assert set(Notification.objects.values_list("user__username", flat=True)) == {cast.chief_physician.username}
    assert list(requested_investigations(user=cast.manager)) == []
    assert list(requested_investigations(user=cast.chief_physician)) == [incident]
    # the manager is refused, with the reason
    decision = permissions.can_open(cast.manager, incident)
    assert not decision
    assert "only the chief physician decides" in str(decision.reason)
    with pytest.raises(PermissionDenied):
        services.investigation_open(
            incidents=[incident], actor=cast.manager, method=Method.SIMPLE, reason="Enklare utredning."
        )
    # the chief physician opens it, and decides the method
    investigation = services.investigation_open(
        incidents=[incident], actor=cast.chief_physician, method=Method.SIMPLE, reason="Enklare utredning."
    )
    assert permissions.can_decide(cast.chief_physician, investigation)
    assert not permissions.can_decide(cast.manager, investigation)
    # and the manager is not offered as the analysis leader by virtue of her role
    leaders = OpenForm(incident=incident).fields["leader"].queryset
    assert cast.chief_physician in leaders and cast.manager not in leaders


def test_the_setting_of_one_care_provider_leaves_the_other_alone(cast, tree):
    _chief_only(tree.municipality)
    incident = _requested(cast, tree)
    assert permissions.can_open(cast.manager, incident)


def test_a_default_of_chief_only_with_a_provider_that_keeps_managers(cast, tree):
    # The row without a care provider is the default for all; the region's own row overrides it.
    _chief_only(None)
    incident = _requested(cast, tree)
    assert list(requested_investigations(user=cast.manager)) == []
    _chief_only(tree.region, InvestigationDeciders.MANAGER_OR_CHIEF)
    assert list(requested_investigations(user=cast.manager)) == [incident]
    assert permissions.can_open(cast.manager, incident)


def test_the_manager_sees_why_on_the_page(client, login, cast, tree):
    _chief_only(tree.region)
    incident = _requested(cast, tree)
    login(cast.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        f"{reverse('investigations:new')}?avvikelse={incident.pk}", {"method": "simple", "reason": "Enklare."}
    )
    assert response.status_code == 403
    assert "only the chief physician decides" in response.content.decode()
