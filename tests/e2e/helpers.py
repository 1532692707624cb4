"""What the browser tests share: axe's serious findings, pictures for a person to look at,
and sending a case form."""

from __future__ import annotations

import os

from axe_playwright_python.sync_playwright import Axe

SERIOUS = {"serious", "critical"}
SCREENSHOTS = os.environ.get("PSWEB_SCREENSHOTS")  # a folder: keep pictures of the pages for a person to look at


def serious_violations(page) -> list[str]:
    """Axe's serious and critical findings on the page as it is now."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def picture(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def submit(page, form_selector: str) -> None:
    """Send one case form and wait for the page to come back without an error summary."""
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").click()
    assert not page.locator(".error-summary").count(), page.locator("main").inner_text()


def open_form(page, form_selector: str) -> None:
    """Open the disclosure that holds a case form."""
    page.locator(f"details:has({form_selector}) > summary").first.click()


def step_toggle(page, step: str):
    """The link that opens a step of the incident's case page (`klassificera`, `atgard-12`, ...)."""
    return page.locator(f"[data-step-toggle][data-step-url$='/steg/{step}/']")


def open_step(page, step: str) -> None:
    """Open a step of the incident's case page: htmx fetches its form, which takes the focus."""
    toggle = step_toggle(page, step)
    toggle.click()
    box = page.locator(f"#{toggle.get_attribute('aria-controls')}")
    box.locator("form").wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert box.evaluate("(box) => box.contains(document.activeElement)"), "the focus is not in the form"
