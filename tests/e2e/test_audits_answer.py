"""Answering an egenkontroll on a phone (issue 18, "How it is checked"): a nurse on Avdelning 5
opens the ward's medication self-audit from the menu, answers a statement "Saknas", writes why,
creates an action for it right at the statement and answers the rest — each answer saved as it
is given, without a page load; the ward's manager then submits it on a 320 px phone. Axe finds no
serious problem on the response page, and the page does not scroll sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from actions.models import Action
from audits.models import Answer, Response, Status
from tests.audits.conftest import make_acast, send
from tests.e2e.helpers import picture, serious_violations, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
COMMENT = "Delegeringarna följs inte upp årligen."
ACTION = "Inför årlig uppföljning av delegeringar"


def _violations_with_every_form_open(page) -> list[str]:
    page.evaluate("document.querySelectorAll('main details').forEach((box) => { box.open = true; })")
    found = serious_violations(page)
    page.evaluate("document.querySelectorAll('main details').forEach((box) => { box.open = false; })")
    return found


def _answer(page, statement, label: str) -> None:
    """Choose an answer and wait for htmx to say it is saved."""
    box = page.locator(f"#statement-{statement.pk}")
    with page.expect_response(lambda r: r.url.endswith(f"/fraga/{statement.pk}/") and r.request.method == "POST"):
        box.get_by_label(label, exact=True).check()
    page.locator(f"#statement-{statement.pk} [data-answer-status]").filter(has_text="Sparat").wait_for()


def test_a_nurse_answers_on_her_phone_and_the_manager_submits(browser, live_server, cast, tree, sign_in):
    # given: the safety officer has sent the medication self-audit to two wards
    acast = make_acast(tree)
    round_ = send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward])
    response = Response.objects.get(round=round_, unit=tree.medicin_ward)
    statements = list(round_.template_version.statements.order_by("position"))
    first, rest = statements[1], [s for s in statements if s.pk != statements[1].pk]
    context = browser.new_context(viewport=PHONE, locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # when: the nurse opens "Egenkontroll" from the menu and the ward's response
    sign_in(page, acast.nurse)
    page.get_by_role("button", name="Meny").click()
    page.locator("nav").get_by_role("link", name="Egenkontroll", exact=True).click()
    page.wait_for_url(f"{live_server.url}/egenkontroll/")
    assert not serious_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name=round_.title).click()
    assert page.url == f"{live_server.url}/egenkontroll/svar/{response.pk}/"
    assert page.locator("h1").inner_text().startswith(round_.title)

    # and: answers "Delegering …" with "Saknas": it is saved, and the comment becomes required
    _answer(page, first, "Saknas")
    assert Answer.objects.get(response=response, statement=first).value == "missing"
    box = page.locator(f"#statement-{first.pk}")
    assert box.locator("[data-comment-required]").count() == 1
    assert f"Ett negativt svar behöver en kommentar: {first.position}." in page.locator("#missing").inner_text()

    # and: writes why; leaving the field saves it
    with page.expect_response(lambda r: r.url.endswith(f"/fraga/{first.pk}/")):
        box.get_by_label("Kommentar").fill(COMMENT)
        box.get_by_label("Kommentar").press("Tab")
    page.locator(f"#statement-{first.pk} [data-answer-status]").filter(has_text="Sparat").wait_for()
    assert Answer.objects.get(response=response, statement=first).comment == COMMENT

    # and: creates an action for it right at the statement
    form = f"#statement-{first.pk} form[action$='/atgard/']"
    box.locator("details > summary", has_text="Skapa åtgärd").click()
    page.locator(form).get_by_label("Åtgärd", exact=True).fill(ACTION)
    page.locator(form).get_by_label("Ansvarig person").select_option(acast.ward_manager.username)
    page.locator(form).get_by_label("Klart senast").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    submit(page, form)
    assert "Åtgärden har lagts till i åtgärdsregistret." in page.locator("body").inner_text()
    action = Action.objects.get(audit_response=response)
    assert (action.description, action.responsible) == (ACTION, acast.ward_manager)
    assert ACTION in page.locator("#actions").inner_text()

    # and: answers the rest "På plats"
    for statement in rest:
        _answer(page, statement, "På plats")
    assert "Alla påståenden är besvarade" in page.locator("#missing").inner_text()
    assert Answer.objects.filter(response=response).count() == len(statements)

    # then: the page reflows on the phone and passes axe, with its forms open too
    picture(page, "audit-response-phone")
    assert page.evaluate(OVERFLOW) <= 0
    assert not _violations_with_every_form_open(page)
    context.close()

    # when: the ward's manager signs in and submits it
    context = browser.new_context(viewport=PHONE, locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, acast.ward_manager)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/egenkontroll/svar/{response.pk}/")
    assert page.evaluate(OVERFLOW) <= 0
    submit(page, "form[action$='/skicka-in/']")

    # then: it is submitted, and the page says so
    assert "Egenkontrollen har skickats in." in page.locator("body").inner_text()
    response.refresh_from_db()
    assert (response.status, response.submitted_by) == (Status.SUBMITTED, acast.ward_manager)
    assert page.locator("h1 .status.status--submitted").count() == 1
    assert not serious_violations(page)
    context.close()
