"""A person signs in, finds their units on the start page, signs out; the pages pass axe
and work on a phone."""

from __future__ import annotations

import pytest

# The live server needs committed data: transactional database (see conftest).
from tests.e2e.helpers import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What a Swedish user reads on the start page, once locale/sv has these translations.
SWEDISH_START_PAGE_TEXT = {
    "Your units and roles": "Dina enheter och roller",
    "Sign out": "Logga ut",
    "Skip to content": "Hoppa till innehållet",
}


def test_a_user_signs_in_sees_the_start_page_in_swedish_and_signs_out(page, live_server, cast, tree, sign_in):
    # given the handler of Medicinkliniken
    # when they sign in through the form
    sign_in(page, cast.handler)

    # then the start page is in Swedish and lists their unit, its care provider and role
    assert page.locator("html").get_attribute("lang") == "sv"
    units = page.locator("section.provider")
    assert units.locator("h3").inner_text().endswith(tree.region.name)
    assert tree.medicin.name in units.inner_text()
    body = page.locator("body").inner_text()
    for swedish in SWEDISH_START_PAGE_TEXT.values():
        assert swedish in body

    # when they sign out
    page.locator("form.account__logout button").click()

    # then they are on the sign-in page, and the start page is closed to them
    page.wait_for_url(f"{live_server.url}/logga-in/")
    assert page.locator("#id_username").is_visible()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/logga-in/")


def test_a_wrong_password_puts_focus_on_the_error_summary(page, live_server, cast):
    page.goto(f"{live_server.url}/logga-in/")
    page.fill("#id_username", cast.reporter.username)
    page.fill("#id_password", "not-the-password")
    page.locator("main form button[type=submit]").click()

    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert not serious_violations(page)


def test_the_language_switch_shows_english(page, live_server, cast, sign_in):
    sign_in(page, cast.reporter)

    page.locator("form.language-switch button[value=en]").click()

    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url == f"{live_server.url}/"


def test_htmx_requests_carry_the_csrf_token(page, live_server, cast, sign_in):
    sign_in(page, cast.reporter)

    # A POST through htmx (as later pages will make) to a CSRF-protected view.
    page.evaluate(
        """() => new Promise((resolve) => {
            document.body.addEventListener("htmx:afterRequest", (e) => resolve(e.detail.xhr.status), {once: true});
            htmx.ajax("POST", "/i18n/setlang/", {values: {language: "en", next: "/"}, swap: "none"});
        })"""
    )

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("django_language") == "en"


def test_the_login_page_has_no_serious_accessibility_problems(page, live_server, db):
    page.goto(f"{live_server.url}/logga-in/")

    assert serious_violations(page) == []


def test_the_start_page_has_no_serious_accessibility_problems(page, cast, sign_in):
    sign_in(page, cast.handler)

    assert serious_violations(page) == []


def test_the_start_page_without_membership_has_no_serious_accessibility_problems(page, cast, sign_in):
    sign_in(page, cast.outsider)

    assert page.locator(".notice").is_visible()
    assert serious_violations(page) == []


def test_the_membership_roster_has_no_serious_accessibility_problems(page, live_server, cast, sign_in):
    sign_in(page, cast.manager)

    page.locator("nav.site-nav a[href='/behorigheter/']").click()
    page.wait_for_url(f"{live_server.url}/behorigheter/")

    assert page.locator("a[aria-current=page]").get_attribute("href") == "/behorigheter/"
    assert cast.handler.username in page.locator("table").inner_text()
    assert serious_violations(page) == []


def test_the_skip_link_is_the_first_stop_and_moves_to_the_content(page, cast, sign_in):
    sign_in(page, cast.reporter)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", ["/logga-in/", "/", "/behorigheter/"])
def test_a_phone_shows_no_horizontal_scroll(phone_page, live_server, cast, sign_in, path):
    if path != "/logga-in/":
        sign_in(phone_page, cast.manager)
    phone_page.goto(f"{live_server.url}{path}")

    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_on_a_phone_the_menu_opens_with_the_menu_button(phone_page, live_server, cast, sign_in):
    sign_in(phone_page, cast.manager)
    toggle = phone_page.locator("[data-menu-toggle]")
    roster_link = phone_page.locator("nav.site-nav a[href='/behorigheter/']")

    assert toggle.is_visible()
    assert not roster_link.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert roster_link.is_visible()
    assert serious_violations(phone_page) == []
