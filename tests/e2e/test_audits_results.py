"""A round's results in the browser (issue 18, item 4): the region's patient-safety officer
opens the rounds, then a round sent to two wards of which one has not answered, and reads the
response rate and the units counted as "ej svarat" for every statement; she narrows the
results to a clinic and comes back up. Axe finds no serious problem, on a desk and on a phone."""

from __future__ import annotations

import pytest

from audits import services
from audits.models import Response
from tests.audits.conftest import answer_all, make_acast, send
from tests.e2e.helpers import picture, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _round_with_one_unanswered(cast, tree):
    acast = make_acast(tree)
    round_ = send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward], title="Läkemedel 2026")
    response = Response.objects.get(round=round_, unit=tree.medicin_ward)
    answer_all(response, acast.nurse)
    services.submit(response=response, actor=acast.ward_manager, version=response.version)
    return round_


def test_the_safety_officer_reads_the_response_rate_and_the_units_not_answered(page, live_server, cast, tree, sign_in):
    round_ = _round_with_one_unanswered(cast, tree)
    statements = round_.template_version.statements.count()

    # when: the safety officer opens the list of rounds
    sign_in(page, cast.safety_officer)
    page.goto(f"{live_server.url}/egenkontroll/omgangar/")
    assert page.locator("h1").inner_text() == "Omgångar av egenkontroll"
    row = page.locator(f"#rounds tr[data-round='{round_.pk}']")
    assert "50,0 %" in row.locator("[data-rate]").inner_text()
    assert not serious_violations(page)

    # and: opens the round
    with page.expect_navigation():
        row.get_by_role("link", name=round_.reference).click()
    assert page.url == f"{live_server.url}/egenkontroll/omgangar/{round_.pk}/"

    # then: the response rate, and "ej svarat" counted for every statement
    assert page.locator("#rate [data-rate]").inner_text() == "50,0 %"
    assert page.locator("#rate [data-not-answered]").inner_text() == "1"
    assert page.get_by_role("heading", name="Svarsfrekvens").count() == 1
    unanswered = page.locator("table.audit-result tr[data-value='not_answered']")
    assert unanswered.count() == statements
    first = page.locator("table.audit-result").first
    assert first.locator("tr[data-value='not_answered'] th").inner_text() == "Ej svarat"
    assert first.locator("tr[data-value='not_answered'] [data-count]").inner_text() == "1"
    assert first.locator("tr[data-value='in_place'] [data-count]").inner_text() == "1"
    picture(page, "audit-round-results")
    assert not serious_violations(page)

    # when: she narrows to Ortopedkliniken through the breadcrumb's units, then goes back up
    page.goto(f"{live_server.url}/egenkontroll/omgangar/{round_.pk}/?enhet={tree.orto.pk}")
    assert page.locator("#rate [data-rate]").inner_text() == "0,0 %"
    with page.expect_navigation():
        page.locator("nav.breadcrumb").get_by_role("link", name=tree.akut.name).click()
    assert page.locator("#rate [data-rate]").inner_text() == "50,0 %"
    assert not serious_violations(page)


def test_the_forms_and_templates_pages_are_accessible(page, live_server, cast, tree, sign_in):
    sign_in(page, cast.safety_officer)
    page.goto(f"{live_server.url}/egenkontroll/omgangar/")
    with page.expect_navigation():
        page.get_by_role("link", name="Ny omgång").click()
    assert page.locator("h1").inner_text() == "Ny omgång av egenkontroll"
    assert not serious_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka omgången").click()
    assert page.locator(".error-summary").count() == 1
    assert not serious_violations(page)

    page.goto(f"{live_server.url}/egenkontroll/mallar/")
    assert not serious_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Kontroll av PVK och KAD").click()
    assert "85 %" in page.locator("main").inner_text()
    assert not serious_violations(page)


def test_the_results_fit_a_phone(phone_page, live_server, cast, tree, sign_in):
    round_ = _round_with_one_unanswered(cast, tree)

    sign_in(phone_page, cast.safety_officer)
    phone_page.goto(f"{live_server.url}/egenkontroll/omgangar/{round_.pk}/")

    assert phone_page.locator("#rate [data-rate]").inner_text() == "50,0 %"
    assert phone_page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways"
    picture(phone_page, "audit-round-results-phone")
    assert not serious_violations(phone_page)
    phone_page.goto(f"{live_server.url}/egenkontroll/omgangar/")
    assert phone_page.evaluate(OVERFLOW) <= 0, "the list scrolls sideways"
    assert not serious_violations(phone_page)
