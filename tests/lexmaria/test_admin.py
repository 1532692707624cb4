"""The system administrator sets a care provider's internal Lex Maria deadlines in the admin;
new cases of that provider follow them, others keep the default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lexmaria.models import LexMariaSettings
from tests.lexmaria.conftest import opened, serious_incident

pytestmark = pytest.mark.django_db

ADD = reverse("admin:lexmaria_lexmariasettings_add")


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_a_providers_own_deadline_applies_to_its_new_cases(cast, tree, login):
    client = login(cast.admin)

    response = client.post(
        ADD, {"care_provider": tree.region.pk, "decision_days": 7, "report_days": 10, "warn_days_before": 2}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    region_case = opened(cast, serious_incident(cast, tree.medicin_ward))
    assert region_case.decision_due_on == timezone.localdate() + dt.timedelta(days=7)
    assert LexMariaSettings.for_unit(tree.hemsjukvard).decision_days == 14  # the default, elsewhere


def test_a_warning_that_would_come_after_the_deadline_is_refused(cast, tree, login):
    client = login(cast.admin)

    response = client.post(
        ADD, {"care_provider": tree.region.pk, "decision_days": 3, "report_days": 10, "warn_days_before": 5}
    )

    assert response.status_code == 200
    assert "The warning must come before the deadline: fewer days than 3." in response.content.decode()
    assert not LexMariaSettings.objects.filter(care_provider=tree.region).exists()


def test_the_settings_are_for_the_system_administrator_only(cast, login):
    response = login(cast.chief_physician).get(reverse("admin:lexmaria_lexmariasettings_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
