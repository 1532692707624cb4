"""Investigation fixtures: an analysis leader, an incident, and an investigation worked
through to its report, all through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from incidents.models import CauseArea
from investigations import services
from investigations.models import CareInjury, Investigation, Method
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report


@pytest.fixture
def analyst(tree):
    user = UserFactory(username="analyst", first_name="Anna", last_name="Analys")
    MembershipFactory(user=user, unit=tree.region, role=Role.ANALYST)
    return user


@pytest.fixture
def incident(cast, tree):
    return report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier="191212121212")


def opened(cast, incident, analyst, method=Method.EVENT_ANALYSIS) -> Investigation:
    return services.investigation_open(
        incidents=[incident], actor=cast.manager, method=method, reason="Allvarlig händelse.", leader=analyst
    )


def worked_through(cast, incident, analyst) -> Investigation:
    """An investigation with everything the report needs, in progress."""
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)
    services.course_add(
        investigation=inv, actor=analyst, at=timezone.now() - dt.timedelta(days=3), description="Dosen gavs två gånger."
    )
    cause = services.cause_add(
        investigation=inv, actor=analyst, area=CauseArea.objects.first(), detail="Ingen kontroll"
    )
    services.patient_participation_record(
        investigation=inv,
        actor=analyst,
        invited=True,
        invited_on=timezone.localdate(),
        account="Jag fick två tabletter och sa det till personalen.",
    )
    services.conclusions_record(
        investigation=inv,
        actor=analyst,
        care_injury=CareInjury.YES,
        avoidable=True,
        serious_increased_care=True,
        conclusions="Bristande dubbelkontroll.",
    )
    services.action_add(
        investigation=inv,
        actor=analyst,
        description="Inför dubbelkontroll vid insulin.",
        responsible=cast.manager,
        due_date=timezone.localdate() + dt.timedelta(days=60),
        effect_class="effective",
        causes=[cause],
    )
    return Investigation.objects.get(pk=inv.pk)
