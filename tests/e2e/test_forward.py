"""A coordinator sends two cases to Hemsjukvården (another care provider): one she hands over,
the other she keeps and asks Hemsjukvården to answer a question about (issue 13). The form
says what each choice does before she sends it. Hemsjukvården's handler finds both in her work
queue, each marked for what it is, answers the question, and can take the case handed over.
Axe finds no serious problem on any of these pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Forward, Incident, Status
from tests.e2e.helpers import open_step, picture, serious_violations, submit
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FORM = "form[data-form='forward']"


def _send(page, *, kind: str, unit, message: str, due: dt.date | None = None) -> None:
    if not page.locator(FORM).count():
        open_step(page, "vidarebefordra")
    page.check(f"{FORM} input[name=kind][value='{kind}']")
    page.select_option(f"{FORM} select[name=to_unit]", str(unit.pk))
    page.fill(f"{FORM} textarea[name=message]", message)
    page.fill(f"{FORM} input[name=answer_due]", due.isoformat() if due else "")
    submit(page, FORM)


def test_a_case_is_handed_over_and_another_asked_about_and_both_sides_see_which(
    page, phone_page, live_server, cast, tree, sign_in
):
    # given two reports from Avdelning 5, the first taken by the coordinator
    kept = report(cast.reporter, tree.medicin_ward, description="Läkemedelslistan saknades vid utskrivningen.")
    services.incident_take(incident=kept, actor=cast.handler)
    handed = report(cast.reporter, tree.medicin_ward, description="Patienten föll i hemmet efter utskrivning.")
    due = timezone.localdate() + dt.timedelta(days=10)
    sign_in(page, cast.handler)

    # when she opens the first and the form, it says what each choice does
    page.goto(f"{live_server.url}/avvikelser/{kept.pk}/")
    open_step(page, "vidarebefordra")
    consequences = page.locator(f"{FORM} fieldset").inner_text()
    assert "Du och din enhet är inte längre handläggare" in consequences
    assert "Du behåller ärendet" in consequences
    picture(page, "forward-form")
    assert not serious_violations(page)

    # and she asks Hemsjukvården for an answer, keeping the case
    _send(page, kind="ask", unit=tree.hemsjukvard, message="Hur togs läkemedelslistan emot?", due=due)
    assert "Du behåller ärendet." in page.locator("main").inner_text()
    assert page.locator("#pending-questions").is_visible()
    assert not serious_violations(page)

    # and hands the second over
    page.goto(f"{live_server.url}/avvikelser/{handed.pk}/")
    _send(page, kind="hand_over", unit=tree.hemsjukvard, message="Fallet hände i hemmet; er utredning.")
    assert "Ärendet är överlämnat till Hemsjukvården" in page.locator("body").inner_text()

    # then the first stays hers, the second is Hemsjukvården's, waiting to be taken
    kept, handed = Incident.objects.get(pk=kept.pk), Incident.objects.get(pk=handed.pk)
    assert (kept.responsible_unit, kept.handler, kept.status) == (tree.medicin_ward, cast.handler, Status.IN_PROGRESS)
    assert (handed.responsible_unit, handed.handler, handed.status) == (tree.hemsjukvard, None, Status.SUBMITTED)

    # and Hemsjukvården's handler finds both in her work queue, marked for what they are
    other = sign_in(phone_page, cast.municipal_handler)
    other.goto(f"{live_server.url}/arenden/")
    assert "fråga från" in other.locator(f"tr[data-incident='{kept.pk}']").inner_text()
    assert "överlämnat från" in other.locator(f"tr[data-incident='{handed.pk}']").inner_text()
    picture(other, "forward-queue")
    assert not serious_violations(other)
    with other.expect_navigation():
        other.locator("a", has_text="Frågor till min enhet som väntar på svar").click()
    assert other.locator(f"tr[data-incident='{kept.pk}']").is_visible()
    assert not other.locator(f"tr[data-incident='{handed.pk}']").count()

    # opens the question: it is asked of her unit, the case stays with Medicinkliniken
    with other.expect_navigation():
        other.locator(f"tr[data-incident='{kept.pk}'] a").first.click()
    question = other.locator("#forwards").inner_text()
    assert "ber din enhet om svar" in question
    assert not other.locator("form[action$='/ta/']").count()
    assert not serious_violations(other)

    # and answers it
    forward = Forward.objects.get(incident=kept)
    form = f"form[action$='/vidarebefordringar/{forward.pk}/svar/']"
    other.fill(f"{form} textarea[name=answer]", "Listan kom fram först dagen efter.")
    submit(other, form)
    assert "Listan kom fram först dagen efter." in other.locator("#forwards").inner_text()
    picture(other, "forward-answered")
    assert not serious_violations(other)

    # the case handed over says so, and she may take it
    other.goto(f"{live_server.url}/avvikelser/{handed.pk}/")
    assert "har lämnat över ärendet till din enhet" in other.locator("#forwards").inner_text()
    assert other.locator("form[action$='/ta/']").is_visible()
    assert not serious_violations(other)

    # and the coordinator reads the answer on her case
    page.goto(f"{live_server.url}/avvikelser/{kept.pk}/")
    assert "Listan kom fram först dagen efter." in page.locator("#forwards").inner_text()
    assert not page.locator("#pending-questions").count()
