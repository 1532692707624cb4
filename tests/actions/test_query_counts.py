"""The action register's lists cost the same number of queries for 3 actions as for 30:
"Mina åtgärder", the list page and `GET /api/v1/actions/` join each action's source, the
source's unit and the responsible person instead of asking once a row. The actions come from
incidents, an investigation and a Lex Maria case; some are overdue, some done. (How long the
lists take at a million incidents is `bench/scale.py`'s business, not a test's.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from actions import services as register
from actions.models import Action
from incidents import services as incidents
from investigations import services as investigations
from investigations.models import Method
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report
from tests.lexmaria.conftest import opened as lexmaria_opened
from tests.lexmaria.conftest import serious_incident

pytestmark = pytest.mark.django_db

IN_A_MONTH = timezone.localdate() + dt.timedelta(days=30)


@pytest.fixture
def sources(cast, tree):
    """An investigation under way and an open Lex Maria case, besides the incidents."""
    analyst = UserFactory(username="analyst")
    MembershipFactory(user=analyst, unit=tree.region, role=Role.ANALYST)
    investigation = investigations.investigation_open(
        incidents=[report(cast.reporter, tree.medicin_ward)],
        actor=cast.manager,
        method=Method.EVENT_ANALYSIS,
        reason="Allvarlig händelse.",
        leader=analyst,
    )
    investigations.investigation_start(investigation=investigation, actor=analyst)
    case = lexmaria_opened(cast, serious_incident(cast, tree.medicin_ward))
    return {"analyst": analyst, "investigation": investigation, "lexmaria_case": case}


def _add_actions(cast, tree, sources, numbers: range) -> None:
    """The nurse's actions number `numbers`: in turn from an incident of their own, the
    investigation and the Lex Maria case; every fifth overdue, every fifth (another) done."""
    for n in numbers:
        fields = {"description": f"Åtgärd {n}", "responsible": cast.reporter, "due_date": IN_A_MONTH}
        if n % 3 == 0:
            incident = incidents.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
            action = incidents.action_add(incident=incident, actor=cast.handler, **fields)
        elif n % 3 == 1:
            action = investigations.action_add(
                investigation=sources["investigation"], actor=sources["analyst"], **fields
            ).action
        else:
            # Lex Maria has no service of its own for adding actions yet: a row is enough here.
            action = Action.objects.create(
                lexmaria_case=sources["lexmaria_case"], created_by=cast.chief_physician, **fields
            )
        if n % 5 == 0:
            Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - dt.timedelta(days=n + 1))
        elif n % 5 == 2:
            register.action_update(action=action, actor=cast.reporter, state=Action.State.DONE, progress_note="Gjort.")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "who, url, shows",
    [
        ("reporter", "/mina-atgarder/", "Åtgärd 29"),
        ("chief_physician", "/atgarder/", "Åtgärd 29"),
        ("chief_physician", "/api/v1/actions/", "Åtgärd 29"),
    ],
)
def test_the_action_lists_ask_as_many_queries_for_30_actions_as_for_3(login, api, cast, tree, sources, who, url, shows):
    # given three actions of the nurse's, one from each kind of source, one done
    _add_actions(cast, tree, sources, range(3))
    client = api(getattr(cast, who)) if url.startswith("/api/") else login(getattr(cast, who))
    _queries(client, url)  # the first request of a session does one-time work (session, scope)
    three = _queries(client, url)

    # when there are thirty
    _add_actions(cast, tree, sources, range(3, 30))
    thirty = _queries(client, url)

    # then the list shows them all at the same cost
    assert Action.objects.filter(responsible=cast.reporter).count() == 30
    assert shows in client.get(url).content.decode()
    assert thirty == three
