"""Demo egenkontroll (`devdata.demo.audits`): last year's medication round with about a third
of the units never answering and what was missing commented and acted on, six months of
hygiene observations feeding BHK, this month's open PVK/KAD check with a required action, and
a second run that creates nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from actions.models import Action
from audits.examples import HYGIENE, MEDICATION, PVK_KAD
from audits.feeds import SOURCE_PREFIX, source_of
from audits.models import ANSWERED, Answer, RequiredAction, Response, Round, RoundStatus, Status
from devdata.demo.audits import seed_audits
from indicators.models import Measurement
from outbox.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings) -> int:
    settings.DEBUG = True
    call_command("seed_demo", incidents=0, stdout=io.StringIO())
    return seed_audits()


def counts() -> dict[str, int]:
    return {
        "rounds": Round.objects.count(),
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "actions": Action.objects.count(),
        "measurements": Measurement.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_the_demo_self_audits(demo):
    today = timezone.localdate()
    assert demo == 1 + 6 + 1
    _last_years_medication_round(today.year - 1)
    _six_months_of_hygiene_observations_feed_bhk(today)
    _this_months_pvk_check_requires_an_action(today)

    # when seeded again, nothing is new
    before = counts()
    assert seed_audits() == 0
    assert counts() == before


def _last_years_medication_round(year: int) -> None:
    [round_] = Round.objects.filter(template_version__template__code=MEDICATION)
    assert (round_.period_start, round_.period_end) == (dt.date(year, 1, 1), dt.date(year, 12, 31))
    assert round_.status == RoundStatus.CLOSED
    assert round_.created_by.username == "psstrateg"
    assert round_.opens_on.year == year and round_.created_at.year == year
    responses = round_.responses.all()
    assert responses.count() >= 15
    assert set(responses.values_list("unit__kind__code", flat=True)) == {"enhet"}
    unanswered = responses.exclude(status__in=ANSWERED)
    assert 0.20 <= unanswered.count() / responses.count() <= 0.45
    assert set(unanswered.values_list("status", flat=True)) == {Status.OVERDUE}
    assert not Answer.objects.filter(response__in=unanswered).exists()
    assert responses.filter(status=Status.APPROVED).exists()
    answers = Answer.objects.filter(response__round=round_)
    values = list(answers.values_list("value", flat=True))
    assert values.count("in_place") > len(values) / 2
    assert {"introducing", "planned", "missing"} <= set(values)
    missing = answers.filter(value="missing")
    assert not missing.filter(comment="").exists()
    actions = Action.objects.filter(audit_response__round=round_)
    assert actions.count() >= 1
    assert set(actions.values_list("audit_response", flat=True)) == set(missing.values_list("response", flat=True))
    # the manager who submitted manages the unit
    for response in responses.filter(status__in=ANSWERED).select_related("submitted_by"):
        assert response.submitted_at.year == year and response.submitted_by.memberships.filter(role="manager").exists()


def _six_months_of_hygiene_observations_feed_bhk(today: dt.date) -> None:
    rounds = list(Round.objects.filter(template_version__template__code=HYGIENE).order_by("period_start"))
    assert len(rounds) == 6
    assert rounds[-1].period_end < today.replace(day=1) <= rounds[-1].period_end + dt.timedelta(days=1)
    assert [r.previous for r in rounds[1:]] == rounds[:-1]
    submitted = Response.objects.filter(round__in=rounds, status=Status.SUBMITTED)
    assert submitted.count() == Response.objects.filter(round__in=rounds).count() >= 6 * 6
    shares = []
    for answer in Answer.objects.filter(response__in=submitted, statement__key="alla-steg"):
        assert 10 <= answer.observed <= 30
        shares.append(answer.compliant / answer.observed)
    assert min(shares) >= 0.6 and max(shares) <= 0.92
    fed = Measurement.objects.filter(indicator__code="BHK", source__startswith=SOURCE_PREFIX)
    assert fed.count() == submitted.count()
    response = submitted.select_related("round").first()
    point = fed.get(unit=response.unit, period_start=response.round.period_start)
    assert point.source == source_of(response)
    # under the 90 % of all eight steps: required actions, the older ones done
    required = RequiredAction.objects.filter(response__round__in=rounds)
    assert required.filter(response__round__in=rounds[:3], action__state="done").exists()
    assert required.filter(response__round=rounds[-1]).exclude(action__state="done").exists()


def _this_months_pvk_check_requires_an_action(today: dt.date) -> None:
    [round_] = Round.objects.filter(template_version__template__code=PVK_KAD)
    assert round_.status == RoundStatus.OPEN and round_.period_start == today.replace(day=1)
    assert round_.responses.filter(status=Status.OPEN).exists()
    [required] = RequiredAction.objects.filter(response__round=round_)
    assert required.statement.key == "pvk-dokumenterad"
    assert required.action.audit_response == required.response
    assert required.response.unit.name == "Avdelning 6, medicin"
