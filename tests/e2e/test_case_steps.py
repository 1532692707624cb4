"""The case page's steps in a browser: a handler opens "Klassificera" with the keyboard, the form
is fetched and takes the focus, closing it keeps what she typed; without JavaScript the same
link opens the page with the form; a step refused meanwhile follows the link, and the page
says why. Axe finds no serious problem with a step open, at 320 px either."""

from __future__ import annotations

import pytest

from incidents import services
from incidents.models import Incident, Status
from tests.e2e.conftest import DESKTOP
from tests.e2e.helpers import open_step, picture, serious_violations, step_toggle, submit
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FORM = "form[action$='/klassificera/']"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def incident(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, description="Patienten fick dubbel dos insulin.")
    return services.incident_take(incident=incident, actor=cast.handler)


def test_a_step_opens_and_closes_from_the_keyboard(page, live_server, cast, incident, sign_in):
    sign_in(page, cast.handler)
    page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
    toggle = step_toggle(page, "klassificera")
    box = page.locator(f"#{toggle.get_attribute('aria-controls')}")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(FORM).count()

    # Enter on the step: the form is fetched and the focus moves to its first field
    toggle.focus()
    page.keyboard.press("Enter")
    box.locator(FORM).wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.name") == "case_type"
    assert page.url.endswith(f"/avvikelser/{incident.pk}/")  # no new page
    page.select_option(f"{FORM} select[name=event_class]", "harm")
    assert not serious_violations(page)
    picture(page, "case-step-open")

    # Enter again closes it; opened once more, what she chose is still there
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not box.is_visible()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(f"{FORM} select[name=event_class]").input_value() == "harm"

    # and the form sends as any other
    page.select_option(f"{FORM} select[name=case_type]", "care")
    page.select_option(f"{FORM} select[name=category]", "lakemedel-administrering")
    submit(page, FORM)
    assert Incident.objects.get(pk=incident.pk).category.code == "lakemedel-administrering"


def test_without_javascript_the_step_opens_the_page_with_its_form(browser, live_server, cast, incident, sign_in):
    context = browser.new_context(viewport=DESKTOP, locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, cast.handler)
        page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")

        with page.expect_navigation():
            step_toggle(page, "klassificera").click()
        assert "steg=klassificera" in page.url
        assert step_toggle(page, "klassificera").get_attribute("aria-expanded") == "true"
        page.select_option(f"{FORM} select[name=case_type]", "care")
        page.select_option(f"{FORM} select[name=category]", "lakemedel-administrering")
        page.select_option(f"{FORM} select[name=event_class]", "harm")
        submit(page, FORM)
    finally:
        context.close()

    assert Incident.objects.get(pk=incident.pk).event_class == "harm"


def test_a_step_refused_meanwhile_follows_the_link_and_the_page_says_why(page, live_server, cast, incident, sign_in):
    sign_in(page, cast.handler)
    page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
    # the incident is closed by someone else while the page is open
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED)

    with page.expect_navigation():
        step_toggle(page, "klassificera").click()

    assert "steg=klassificera" in page.url
    assert not page.locator(FORM).count()
    assert "Avvikelsen är inte öppen." in page.locator("#classification").inner_text()


def test_the_forward_step_passes_axe_and_reflows_at_320_px(browser, live_server, cast, incident, sign_in):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="sv-SE")
    try:
        page = context.new_page()
        sign_in(page, cast.handler)
        page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
        open_step(page, "vidarebefordra")
        assert page.locator("form[data-form='forward'] select[name=to_unit] option").count() > 3
        assert page.evaluate(OVERFLOW) <= 0
        assert serious_violations(page) == []
        picture(page, "case-step-forward-320")
    finally:
        context.close()
