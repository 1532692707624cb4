"""A coordinator works the queue: opens a reported incident, takes it, classifies it, assesses
the risk, adds a cause and an action, writes feedback and closes it. The reporter, on a phone,
sees an unread notification, follows it and reads the feedback. Axe finds no serious problem
on any of these pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from actions.models import Action
from incidents.models import Cause, Incident, Status
from tests.e2e.helpers import open_step, picture, serious_violations, submit
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_triages_an_incident_to_closure(page, phone_page, live_server, cast, tree, sign_in):
    # given a fresh report from Avdelning 5
    incident = report(cast.reporter, tree.medicin_ward, description="Patienten fick dubbel dos insulin.")
    sign_in(page, cast.handler)

    # when the coordinator opens the work queue
    page.goto(f"{live_server.url}/arenden/")
    row = page.locator(f"tr[data-incident='{incident.pk}']")
    assert row.is_visible()
    picture(page, "queue")
    assert not serious_violations(page)

    # and opens the incident
    with page.expect_navigation():
        row.locator("a").first.click()
    assert incident.reference in page.locator("h1").inner_text()
    assert not serious_violations(page)

    # takes it
    submit(page, "form[action$='/ta/']")

    # classifies it
    form = "form[action$='/klassificera/']"
    open_step(page, "klassificera")
    page.select_option(f"{form} select[name=case_type]", "care")
    page.select_option(f"{form} select[name=category]", "lakemedel-administrering")
    page.select_option(f"{form} select[name=event_class]", "harm")
    submit(page, form)

    # assesses the risk in the 4×4 matrix
    form = "form[action$='/risk/']"
    open_step(page, "risk")
    page.check(f"{form} input[name=probability][value='2']")
    page.check(f"{form} input[name=consequence][value='3']")
    submit(page, form)

    # adds a cause
    form = "form[action$='/orsaker/']"
    open_step(page, "orsak")
    page.select_option(f"{form} select[name=area]", "procedurer")
    page.fill(f"{form} textarea[name=detail]", "Ingen dubbelkontroll av insulin.")
    submit(page, form)

    # and an action that addresses it
    form = "form[action$='/atgarder/']"
    open_step(page, "atgard")
    page.fill(f"{form} textarea[name=description]", "Inför dubbelkontroll av insulin.")
    page.select_option(f"{form} select[name=responsible]", cast.manager.username)
    page.fill(f"{form} input[name=due_date]", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.locator(f"{form} input[name=causes]").first.check()
    submit(page, form)

    # writes the feedback
    form = "form[action$='/aterkoppling/']"
    open_step(page, "aterkoppling")
    page.fill(f"{form} textarea[name=text]", "Tack! Vi inför dubbelkontroll av insulin.")
    submit(page, form)
    picture(page, "case-ready")
    assert not serious_violations(page)

    # and closes it
    submit(page, "form[action$='/avsluta/']")

    # then the incident is closed with everything recorded, and the page says so
    closed = Incident.objects.get(pk=incident.pk)
    assert closed.status == Status.CLOSED
    assert closed.handler == cast.handler
    assert closed.category.code == "lakemedel-administrering"
    assert closed.risk_score == 6
    assert closed.feedback == "Tack! Vi inför dubbelkontroll av insulin."
    cause = Cause.objects.get(incident=closed)
    action = Action.objects.get(incident=closed)
    assert action.responsible == cast.manager
    assert list(action.causes.all()) == [cause]
    assert page.locator("h1 .status--closed").is_visible()
    picture(page, "case-closed")
    assert not serious_violations(page)

    # and the reporter, on a phone, sees two unread notifications on the menu button: her
    # report was taken, and it was closed (issue 13: she hears before the closing too)
    reporter = sign_in(phone_page, cast.reporter)
    menu = reporter.locator("[data-menu-toggle]")
    assert menu.locator(".nav-count").inner_text().startswith("2")
    menu.click()
    with reporter.expect_navigation():
        reporter.locator("#site-menu a", has_text="Notiser").click()
    assert not serious_violations(reporter)

    # follows it to the report's own page and reads the feedback
    with reporter.expect_navigation():
        reporter.locator(".notification__open").first.click()
    assert reporter.url.endswith(f"/mina-avvikelser/{incident.pk}/#feedback")
    assert "Tack! Vi inför dubbelkontroll av insulin." in reporter.locator("#feedback").inner_text()
    assert reporter.locator("[data-menu-toggle] .nav-count").inner_text().startswith("1")  # this one is read now
    picture(reporter, "reporter-feedback")
    assert not serious_violations(reporter)

    # and the list of their reports links to it too
    reporter.goto(f"{live_server.url}/mina-avvikelser/")
    assert reporter.locator(f"tr[data-incident='{incident.pk}'] a[href$='#feedback']").is_visible()
    assert not serious_violations(reporter)
