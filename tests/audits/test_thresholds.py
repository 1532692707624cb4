"""The threshold rule (Kronoberg: a PVK result under 85 % requires an action for the unit): a
unit whose submitted result for a statement is under its threshold gets exactly one required
action in the action register, however often the response is returned and submitted again;
a result at the threshold gets none."""

from __future__ import annotations

import pytest
from django.utils import translation

from actions.models import Action
from audits import services
from audits.examples import HYGIENE, PVK_KAD
from audits.models import RequiredAction, Response, TimelineEntry
from tests.audits.conftest import answer_all, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def submitted_with(cast, tree, acast, *, code: str, key: str, observed: int, compliant: int) -> Response:
    """The ward's response with every statement fully compliant but `key`, submitted."""
    ward = Response.objects.get(round=send(cast.safety_officer, [tree.medicin_ward], code=code), unit=tree.medicin_ward)
    answer_all(ward, acast.nurse)
    target = ward.round.template_version.statements.get(key=key)
    services.answer_save(
        response=ward, actor=acast.nurse, statement=target, fields={"observed": observed, "compliant": compliant}
    )
    return services.submit(response=ward, actor=acast.ward_manager)


def test_a_pvk_result_under_85_percent_requires_one_action(cast, tree, acast):
    # when the ward submits 16 of 20 catheters documented (80 %)
    ward = submitted_with(cast, tree, acast, code=PVK_KAD, key="pvk-dokumenterad", observed=20, compliant=16)

    # then one required action for that statement, in the register, with the manager responsible
    [required] = RequiredAction.objects.filter(response=ward)
    assert required.statement.key == "pvk-dokumenterad"
    [action] = Action.objects.filter(audit_response=ward)
    assert action == required.action
    assert action.responsible == acast.ward_manager
    assert "80,0 %" in action.description and "85 %" in action.description
    assert ward.timeline.filter(kind=TimelineEntry.Kind.ACTION_REQUIRED).count() == 1

    # when it is returned and submitted again, still under the threshold
    ward = services.return_for_changes(response=ward, actor=acast.ward_manager, reason="Kontrollera igen.")
    services.submit(response=ward, actor=acast.ward_manager)

    # then it still has exactly one
    assert RequiredAction.objects.filter(response=ward).count() == 1
    assert Action.objects.filter(audit_response=ward).count() == 1


def test_a_pvk_result_at_85_percent_requires_none(cast, tree, acast):
    ward = submitted_with(cast, tree, acast, code=PVK_KAD, key="pvk-dokumenterad", observed=20, compliant=17)

    assert not RequiredAction.objects.filter(response=ward).exists()
    assert not Action.objects.filter(audit_response=ward).exists()


@pytest.mark.parametrize(("compliant", "required"), [(8, 1), (9, 0)])
def test_the_hygiene_observation_requires_an_action_under_90_percent(cast, tree, acast, compliant, required):
    ward = submitted_with(cast, tree, acast, code=HYGIENE, key="alla-steg", observed=10, compliant=compliant)

    assert list(RequiredAction.objects.filter(response=ward).values_list("statement__key", flat=True)) == (
        ["alla-steg"] * required
    )
    assert Action.objects.filter(audit_response=ward).count() == required
