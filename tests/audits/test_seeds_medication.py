"""Jämtland Härjedalen's yearly self-audit of medication handling (`../shared/seeds/003_…`),
rebuilt through the services and read back from the round's results page.

135 units get the round. For the first statement, "Narkotikakontroll utförs regelbundet minst
en gång per månad", 80 units answer på plats, 1 answers saknas (with its comment) and 54
never submit: the page counts those 54 as "ej svarat" instead of dropping them, and the
response rate is 81 of 135."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from audits import services
from audits.models import Response, Value
from tests.audits.conftest import MEDICATION, answer_all, send
from tests.conftest import _member
from tests.factories import make_unit

pytestmark = pytest.mark.django_db

UNITS, IN_PLACE, MISSING = 135, 80, 1
STATEMENT = "narkotikakontroll"


def _counts_in_table(html: str, key: str) -> dict[str, int]:
    """The units per answer of one statement's table on the page, by `data-value`."""
    table = re.search(rf'<table[^>]*id="statement-{key}".*?</table>', html, re.S)
    assert table, f"no table for {key}"
    rows = re.findall(r'<tr data-value="([a-z_]+)">.*?<td class="num" data-count>(\d+)</td>', table.group(0), re.S)
    return {value: int(count) for value, count in rows}


def test_the_medication_self_audit_counts_80_in_place_1_missing_and_54_not_answered(client):
    # given: the region, one clinic with its 135 units, its manager and the safety officer
    region = make_unit("Region Jämtland Härjedalen")
    clinic = make_unit("Hälso- och sjukvården", region, "verksamhet")
    units = [make_unit(f"Enhet {number:03d}", clinic, "enhet") for number in range(1, UNITS + 1)]
    manager = _member("jh_manager", clinic, Role.MANAGER)
    officer = _member("jh_safety_officer", region, Role.SAFETY_OFFICER)
    round_ = send(officer, units, code=MEDICATION, title="Egenkontroll läkemedelshantering 2025")
    responses = list(Response.objects.filter(round=round_).order_by("unit__path"))
    statement = round_.template_version.statements.get(key=STATEMENT)

    # when: 80 units answer everything in place, one answers the narcotics check missing, and
    # the manager submits those 81; the other 54 never submit
    for response in responses[: IN_PLACE + MISSING]:
        answer_all(response, manager, Value.IN_PLACE)
    services.answer_save(
        response=responses[IN_PLACE],
        actor=manager,
        statement=statement,
        fields={"value": Value.MISSING, "comment": "Ingen narkotikaansvarig sjuksköterska är utsedd."},
    )
    for response in responses[: IN_PLACE + MISSING]:
        services.submit(response=response, actor=manager, version=response.version)

    # then: the results page (in Swedish, as the safety officer reads it) shows the counts
    client.force_login(officer)
    page = client.get(reverse("audits:round", kwargs={"pk": round_.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    not_answered = UNITS - IN_PLACE - MISSING
    assert _counts_in_table(html, STATEMENT) == {
        Value.IN_PLACE: IN_PLACE,
        Value.INTRODUCING: 0,
        Value.PLANNED: 0,
        Value.MISSING: MISSING,
        "not_answered": not_answered,
    }
    assert not_answered == 54
    results = page.context["results"]
    answered = IN_PLACE + MISSING
    assert (results.responses, results.answered, results.not_answered) == (UNITS, answered, not_answered)
    rate = Decimal(answered) * 100 / UNITS
    assert results.rate == rate
    shown = f"{rate:.1f}".replace(".", ",")
    assert re.search(rf"data-rate>{re.escape(shown)} %<", html), shown
    assert shown == "60,0"
    # Every other statement: 81 in place, 54 not answered.
    other = _counts_in_table(html, "delegering")
    assert (other[Value.IN_PLACE], other["not_answered"]) == (answered, not_answered)
