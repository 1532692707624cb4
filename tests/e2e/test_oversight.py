"""The region's vårdval unit reads a care provider's incident under its oversight agreement in
the browser: "Granskning" in the menu lists what she reads, the case opens without the
patient's identity and with no handling step, and the provider's chief physician sees who
oversees it. Axe finds no serious problem on these pages, on a desk and on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from oversight.models import Agreement, AgreementUser
from tests.e2e.helpers import picture, serious_violations
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IDENTITY = ("191212121212", "19121212-1212", "121212-1212")


def test_the_vardval_unit_reads_the_providers_incident(page, phone_page, live_server, cast, tree, sign_in):
    # given: an agreement naming Ingrid of the region over Västerås stad, and an incident there
    overseer = UserFactory(username="vardval", first_name="Ingrid", last_name="Berg")
    MembershipFactory(user=overseer, unit=tree.region, role=Role.VIEWER)
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        purchaser=tree.region,
        provider=tree.municipality,
        valid_from=today - dt.timedelta(days=30),
        valid_to=today + dt.timedelta(days=300),
    )
    AgreementUser.objects.create(agreement=agreement, user=overseer)
    incident = report(cast.municipal_handler, tree.hemsjukvard, patient_involved=True, patient_identifier=IDENTITY[0])

    # when: she follows the menu to what she reads, and opens the incident
    sign_in(page, overseer)
    page.get_by_role("link", name="Granskning", exact=True).click()
    assert "Våra granskningsavtal" in page.locator("main").inner_text()
    assert not serious_violations(page)
    picture(page, "oversight-list")
    page.get_by_role("link", name=incident.reference).click()

    # then: the case reads without the patient's identity, and offers no step
    text = page.locator("main").inner_text()
    assert incident.reference in page.locator("h1").inner_text()
    assert not any(identity in text for identity in IDENTITY)
    assert not page.locator("[data-step-toggle]").count()
    assert not serious_violations(page)

    # and on a phone neither page has a serious problem
    sign_in(phone_page, overseer)
    for url in ("/granskning/", f"/avvikelser/{incident.pk}/"):
        phone_page.goto(f"{live_server.url}{url}")
        assert not serious_violations(phone_page), url

    # and: the municipality's chief physician sees who oversees it
    page.context.clear_cookies()  # signed out
    sign_in(page, cast.mas)
    page.get_by_role("link", name="Granskning", exact=True).click()
    main = page.locator("main").inner_text()
    assert "Vem granskar oss" in main and "Ingrid Berg" in main
    assert not serious_violations(page)
