"""The complaint's main path in the browser (issue 17, "How it is checked"): the complaint
handler of Medicinkliniken registers a complaint that came in through 1177, records the
receipt, reports an incident from it, answers with a letter, downloads the letter as a PDF and
closes it. The patientnämnd's officer reads the answer to a case her nämnd sent, and nothing
else: not the complainant's words, the contact details or the timeline, and not a complaint
her nämnd did not send. Axe finds no serious problem, on a desk and on a 320 px phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintIncident, Status
from tests.complaints.conftest import from_board, make_ccast, register
from tests.e2e.helpers import open_form, picture, serious_violations, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUMMARY = "Fick vänta på besked om inställd operation"
DESCRIPTION = "Jag väntade i fyra timmar på avdelningen och ingen sa något om varför operationen ställdes in."
WHAT_HAPPENED = "Operationen ställdes in på grund av en akut operation. Du borde ha fått besked direkt."
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _violations_with_every_form_open(page) -> list[str]:
    """Axe's serious findings with the case page's folded forms unfolded, so that it checks
    them too; folded again afterwards, as the user left them."""
    page.evaluate("document.querySelectorAll('main details').forEach((box) => { box.open = true; })")
    found = serious_violations(page)
    page.evaluate("document.querySelectorAll('main details').forEach((box) => { box.open = false; })")
    return found


def test_the_handler_registers_answers_and_closes_a_complaint(page, live_server, cast, tree, sign_in):
    ccast = make_ccast(tree)
    received = timezone.localdate() - dt.timedelta(days=2)

    # when: the complaint handler goes from the menu to the queue and registers a complaint
    sign_in(page, ccast.handler)
    page.locator("nav").get_by_role("link", name="Klagomål", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/klagomal/")
    assert page.locator("h1").inner_text() == "Klagomål"
    assert not serious_violations(page)
    page.get_by_role("link", name="Registrera ett klagomål").click()
    page.wait_for_url(f"{live_server.url}/klagomal/ny/")
    assert not serious_violations(page)

    page.get_by_label("Hur det kom in").select_option("e_service")
    page.get_by_label("Vem som klagar").select_option("patient")
    page.get_by_label("Mottaget").fill(received.isoformat())
    page.get_by_label("Ansvarig enhet").select_option(str(tree.medicin.pk))
    page.get_by_label("Problemområde").select_option("communication")
    page.get_by_label("Delområde").select_option("communication:information")
    page.get_by_label("Sammanfattning").fill(SUMMARY)
    page.get_by_label("Klagomålet med den klagandes egna ord").fill(DESCRIPTION)
    page.get_by_label("Den klagandes namn").fill("Karin Klagande")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrera klagomålet").click()

    # then: she lands on the new complaint's page
    complaint = Complaint.objects.get(summary=SUMMARY)
    assert page.url == f"{live_server.url}/klagomal/{complaint.pk}/"
    assert (complaint.channel, complaint.unit, complaint.received_on) == ("e_service", tree.medicin, received)
    assert (complaint.area, complaint.subarea, complaint.status) == ("communication", "information", Status.RECEIVED)
    assert f"Klagomålet {complaint.reference} har registrerats." in page.locator("body").inner_text()
    assert page.locator("h1").inner_text().startswith(complaint.reference)
    assert DESCRIPTION in page.locator("[data-description]").inner_text()
    picture(page, "complaint-received")
    assert not _violations_with_every_form_open(page)

    # when: she records the receipt
    open_form(page, "form[action$='/mottagningsbekraftelse/']")
    submit(page, "form[action$='/mottagningsbekraftelse/']")
    assert "Mottagningsbekräftelsen har registrerats." in page.locator("body").inner_text()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.acknowledged_on) == (Status.ACKNOWLEDGED, timezone.localdate())

    # and: reports an incident from it, in her own words
    create = "form[action$='/avvikelser/ny/']"
    open_form(page, create)
    occurred = timezone.localtime() - dt.timedelta(days=3)
    page.locator(create).get_by_label("Vad som hände").fill(
        "Patienten fick inget besked om att operationen ställdes in."
    )
    page.locator(create).get_by_label("När det hände").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    submit(page, create)
    link = ComplaintIncident.objects.get(complaint=complaint)
    assert link.created_from_complaint
    assert link.incident.reference in page.locator("#incidents").inner_text()
    assert f"Avvikelse {link.incident.reference} har rapporterats och kopplats." in page.locator("body").inner_text()

    # and: records the answer as sent by letter, with what happened
    answer = "form[action$='/besvarad/']"
    open_form(page, answer)
    page.locator(answer).get_by_label("Svaret skickat").fill(timezone.localdate().isoformat())
    page.locator(answer).get_by_label("Skickat via").select_option("letter")
    page.locator(answer).get_by_label("Vad som hände").fill(WHAT_HAPPENED)
    submit(page, answer)
    assert "Svaret har registrerats som skickat." in page.locator("body").inner_text()
    assert WHAT_HAPPENED in page.locator("#answer").inner_text()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.answered_on, complaint.answer_way) == (
        Status.ANSWERED,
        timezone.localdate(),
        "letter",
    )
    assert not _violations_with_every_form_open(page)

    # then: the letter downloads as a PDF
    pdf_link = page.get_by_role("link", name="Ladda ner brevet som PDF")
    assert pdf_link.get_attribute("href") == f"/klagomal/{complaint.pk}/svar.pdf"
    response = page.request.get(f"{live_server.url}/klagomal/{complaint.pk}/svar.pdf")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")

    # when: she closes the complaint
    submit(page, "form[action$='/avsluta/']")

    # then: the page shows it closed
    assert "Klagomålet har avslutats." in page.locator("body").inner_text()
    assert page.locator("h1 .status").inner_text() == "Avslutad"
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    picture(page, "complaint-closed")
    assert not serious_violations(page)


def test_the_patient_board_reads_the_answer_to_its_own_case_only(page, phone_page, live_server, cast, tree, sign_in):
    # given: a case the patientnämnd sent to Medicinkliniken, answered by the handler, with
    # the complainant's contact details noted; and a complaint that came in directly
    ccast = make_ccast(tree)
    sent = from_board(ccast, tree.medicin)
    services.contact_update(complaint=sent, actor=ccast.handler, contact={"name": "Karin Klagande"})
    services.complaint_answer(
        complaint=Complaint.objects.get(pk=sent.pk),
        actor=ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": WHAT_HAPPENED},
    )
    direct = register(ccast.handler, tree.medicin, summary="Direkt till kliniken")

    # when: the nämnd's officer opens her list
    sign_in(page, ccast.board_officer)
    page.locator("nav").get_by_role("link", name="Klagomål", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/klagomal/")

    # then: her nämnd's case is there, the direct complaint is not
    assert page.locator(f"tr[data-complaint='{sent.pk}']").count() == 1
    assert page.locator(f"tr[data-complaint='{direct.pk}']").count() == 0
    assert not serious_violations(page)

    # when: she opens the case
    with page.expect_navigation():
        page.get_by_role("link", name=sent.reference).click()

    # then: she reads the answer, and nothing of the complaint itself
    main = page.locator("main").inner_text()
    assert page.locator("h1").inner_text().startswith(sent.reference)
    assert "PN-2026-0042" in main
    assert WHAT_HAPPENED in page.locator("#answer").inner_text()
    assert page.get_by_role("link", name="Ladda ner brevet som PDF").count() == 1
    assert sent.description not in main
    assert "Karin Klagande" not in main
    assert page.locator("#timeline, #identity, #details, [data-description]").count() == 0
    assert not serious_violations(page)

    # and: the complaint her nämnd did not send is not found
    response = page.goto(f"{live_server.url}/klagomal/{direct.pk}/")
    assert response.status == 404

    # and: on a 320 px phone her case page reflows and passes axe
    sign_in(phone_page, ccast.board_officer)
    phone_page.set_viewport_size({"width": 320, "height": 640})
    phone_page.goto(f"{live_server.url}/klagomal/{sent.pk}/")
    assert WHAT_HAPPENED in phone_page.locator("#answer").inner_text()
    picture(phone_page, "complaint-board-320")
    assert phone_page.evaluate(OVERFLOW) <= 0
    assert not serious_violations(phone_page)
