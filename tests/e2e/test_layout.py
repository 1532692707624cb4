"""The layout holds: at 1366 px the work queue and the case page need no sideways scrolling and a
chief physician's menu is one row; at 320 px (WCAG 1.4.10) and on a 390 × 844 phone no page
scrolls sideways (a wide table scrolls inside its own labelled box); the phone's menu does not
jump when the page's script arrives; the notification list looks like the rest of psweb; the
icons a browser and a phone ask for are there. Axe finds no serious problem on any page visited."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _new_page
from tests.e2e.helpers import picture, serious_violations
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 320, "height": 640}
PHONE = {"width": 390, "height": 844}

# The page's own width beyond the window: 0 when nothing scrolls sideways.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Collects layout shifts from before the first paint (an init script runs before the page's own).
RECORD_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__shifts.push(entry.value);
  }
}).observe({type: "layout-shift", buffered: true});
"""


@pytest.fixture
def incident(cast, tree):
    """A reported incident from Avdelning 5, with a description long enough to wrap."""
    return report(
        cast.reporter,
        tree.medicin_ward,
        description="Patienten fick dubbel dos insulin vid kvällens läkemedelsutdelning; "
        "blodsockret kontrollerades och läkare kontaktades. " * 3,
    )


@pytest.fixture
def browser_page(browser):
    """page_at(viewport): a fresh page of that size, closed after the test."""
    contexts = []

    def page_at(viewport):
        context, page = _new_page(browser, viewport)
        contexts.append(context)
        return page

    yield page_at
    for context in contexts:
        context.close()


def _open_every_disclosure(page) -> None:
    """Measure the pages with their forms open: <details> are opened, and each step of the case
    page (the wide unit select, the risk form, ...) is opened as a user does, fetching its form."""
    page.evaluate("document.querySelectorAll('main details').forEach((d) => { d.open = true; })")
    closed = page.eval_on_selector_all(
        "main [data-step-toggle][aria-expanded='false']", "(links) => links.map((a) => a.getAttribute('aria-controls'))"
    )
    for box in closed:
        page.locator(f"[data-step-toggle][aria-controls='{box}']").click()
        page.locator(f"#{box} form").wait_for()


def test_at_1366_px_the_queue_and_the_case_page_fit_and_the_menu_is_one_row(
    browser_page, live_server, cast, incident, sign_in
):
    page = browser_page(WIDE)
    sign_in(page, cast.chief_physician)

    # the chief physician's dozen menu entries, the account and the report button: one row
    tops = page.evaluate(
        "[...document.querySelectorAll('.site-nav__list > li')].map((li) => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(tops) >= 10
    assert len(set(tops)) == 1, tops
    assert page.locator(".account__logout button").is_visible()

    for path in ("/arenden/", f"/avvikelser/{incident.pk}/"):
        page.goto(f"{live_server.url}{path}")
        _open_every_disclosure(page)
        assert page.evaluate(OVERFLOW) <= 0, path
        assert serious_violations(page) == [], path
        picture(page, f"layout-1366{path.replace('/', '-')}")

    # the handler column of the queue is inside the window
    page.goto(f"{live_server.url}/arenden/")
    last_header = page.locator(".queue-table thead th").last
    box = last_header.bounding_box()
    assert box["x"] + box["width"] <= WIDE["width"]


@pytest.mark.parametrize("viewport", [NARROW, PHONE], ids=["320px", "390x844"])
def test_on_a_phone_no_page_scrolls_sideways(browser_page, live_server, cast, incident, sign_in, viewport):
    page = browser_page(viewport)
    sign_in(page, cast.handler)

    for path in ("/arenden/", f"/avvikelser/{incident.pk}/", "/rapportera/", "/notiser/"):
        page.goto(f"{live_server.url}{path}")
        _open_every_disclosure(page)
        assert page.evaluate(OVERFLOW) <= 0, path
        assert serious_violations(page) == [], path
        picture(page, f"layout-{viewport['width']}{path.replace('/', '-')}")

    # the risk matrix scrolls inside its own box, which is labelled and takes focus
    page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
    region = page.locator(".table-scroll:has(.risk-matrix)")
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("tabindex") == "0"
    assert page.locator(f"#{region.get_attribute('aria-labelledby')}").inner_text()


def test_the_phones_menu_does_not_jump_when_the_script_arrives(browser_page, live_server, cast, sign_in):
    page = browser_page(PHONE)
    sign_in(page, cast.reporter)
    page.add_init_script(RECORD_SHIFTS)

    # psweb.js arrives late, as on a slow phone connection: the page is painted before it runs
    def late_script(route):
        page.wait_for_timeout(600)
        route.continue_()

    page.route("**/static/js/psweb*.js", late_script)
    for path in ("/", "/rapportera/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        shifts = page.evaluate("window.__shifts")
        assert sum(shifts) < 0.05, (path, shifts)
        # the menu is closed, and its button opens it
        assert not page.locator("nav.site-nav").is_visible()
        toggle = page.locator("[data-menu-toggle]")
        toggle.click()
        assert page.locator("nav.site-nav").is_visible()
        assert toggle.get_attribute("aria-expanded") == "true"


def test_without_javascript_the_phones_menu_is_shown_open(browser, live_server, cast, sign_in):
    context = browser.new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, cast.reporter)

        assert page.locator("nav.site-nav").is_visible()
        assert not page.locator("[data-menu-toggle]").is_visible()
    finally:
        context.close()


def test_the_notification_list_looks_like_psweb(browser_page, live_server, cast, incident, sign_in):
    # given the handler was told of the new incident
    page = browser_page(WIDE)
    sign_in(page, cast.handler)

    page.goto(f"{live_server.url}/notiser/")

    item = page.locator(".notification").first
    assert f"Ny avvikelse i Avdelning 5, medicin: {incident.reference}" in item.inner_text()
    assert page.locator("button.button", has_text="Markera alla som lästa").is_visible()
    styles = page.evaluate(
        """() => {
            const button = document.querySelector('.notification__open');
            const list = document.querySelector('.notification-list');
            const css = (el) => getComputedStyle(el);
            return {
                listStyle: css(list).listStyleType,
                buttonFont: css(button).fontFamily,
                bodyFont: css(document.body).fontFamily,
                buttonBackground: css(button).backgroundColor,
                buttonAlign: css(button).textAlign,
            };
        }"""
    )
    assert styles["listStyle"] == "none"
    assert styles["buttonFont"] == styles["bodyFont"]
    assert styles["buttonBackground"] != "rgb(239, 239, 239)"  # Chromium's grey button
    assert styles["buttonAlign"] == "left"
    assert serious_violations(page) == []

    # opening it goes to the incident and marks it read
    with page.expect_navigation():
        item.locator("button").click()
    assert page.url.endswith(f"/avvikelser/{incident.pk}/")


def test_the_icons_are_served(page, live_server):
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.status == 200
    assert favicon.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}

    page.goto(f"{live_server.url}/logga-in/")
    for rel in ("icon", "apple-touch-icon", "manifest"):
        href = page.locator(f"link[rel='{rel}']").first.get_attribute("href")
        assert page.request.get(f"{live_server.url}{href}").status == 200, rel
    manifest = page.request.get(f"{live_server.url}{page.locator('link[rel=manifest]').get_attribute('href')}").json()
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
