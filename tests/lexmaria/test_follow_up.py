"""The yearly follow-up of the actions promised to IVO, counted like Västmanland's "69 of 71
done; 43 of limited effect, 23 effective, 3 very effective"."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Membership
from actions.models import Action
from lexmaria import selectors, services
from tests.lexmaria.conftest import GIVENS, add_action, opened, serious_incident

pytestmark = pytest.mark.django_db


def reported_with_actions(cast, unit, effects: list[str], handler=None, actor=None):
    incident = serious_incident(cast, unit, handler=handler)
    for number, effect in enumerate(effects):
        add_action(cast, incident, description=f"Åtgärd {number}", effect_class=effect)
    case = opened(cast, incident, actor=actor)
    services.case_decide(case=case, actor=actor or cast.chief_physician, decision="report", motivation="Allvarlig.")
    return services.case_mark_reported(
        case=case, actor=actor or cast.safety_officer, ivo_reference="R", sent_on=timezone.localdate()
    )


def follow_up(cast, case, description: str, carried_out: bool, effect_class: str = ""):
    action = Action.objects.get(incident__in=case.incidents.all(), description=description)
    services.action_follow_up(
        case=case, actor=cast.safety_officer, action=action, carried_out=carried_out, effect_class=effect_class
    )


def test_the_years_promised_actions_done_and_their_effect(cast, tree):
    # given: two cases reported this year with five actions promised to IVO
    first = reported_with_actions(cast, tree.medicin_ward, ["limited", "limited", "effective"])
    second = reported_with_actions(cast, tree.medicin_ward, ["effective", ""])
    follow_up(cast, first, "Åtgärd 0", carried_out=True)  # limited, as planned
    follow_up(cast, first, "Åtgärd 1", carried_out=False)  # not done
    follow_up(cast, first, "Åtgärd 2", carried_out=True, effect_class="very_effective")  # better than planned
    follow_up(cast, second, "Åtgärd 1", carried_out=True)  # never classified
    # not followed up, but marked done on the incident: counts as done
    Action.objects.filter(incident__in=second.incidents.all(), description="Åtgärd 0").update(state="done")

    # and cases that do not count: reported in another year, not reported, not visible
    Membership.objects.update(valid_from=dt.date(2020, 1, 1))
    with time_machine.travel(dt.datetime(2025, 6, 2, 10, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        reported_with_actions(cast, tree.medicin_ward, ["effective"])
    GIVENS["closed_not_reported"](cast, opened(cast, serious_incident(cast, tree.medicin_ward)))
    reported_with_actions(cast, tree.hemsjukvard, ["limited"], handler=cast.municipal_handler, actor=cast.mas)

    # when
    summary = selectors.yearly_follow_up(cast.safety_officer, timezone.localdate().year)

    # then
    assert (summary.cases, summary.promised, summary.done, summary.followed_up) == (2, 5, 4, 4)
    assert summary.percent_done == Decimal("80.0")
    assert summary.done_by_effect == {"very_effective": 1, "effective": 1, "limited": 1, "": 1}


def test_the_summary_carries_counts_only(cast, tree):
    reported_with_actions(cast, tree.medicin_ward, ["limited"])
    summary = selectors.yearly_follow_up(cast.safety_officer, timezone.localdate().year)

    values = dataclasses.asdict(summary).values()
    assert all(isinstance(value, int | Decimal | dict) for value in values)
    assert summary.percent_done == Decimal("0.0")


def test_nothing_reported_gives_no_percentage_and_others_see_nothing(cast, tree):
    reported_with_actions(cast, tree.medicin_ward, ["limited"])

    assert selectors.yearly_follow_up(cast.safety_officer, 2020).percent_done is None
    for name in ("handler", "viewer", "manager_orto", "mas"):
        assert selectors.yearly_follow_up(getattr(cast, name), timezone.localdate().year).promised == 0, name
