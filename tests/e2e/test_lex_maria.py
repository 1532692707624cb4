"""The chief physician decides a Lex Maria case in the browser: the handler's request reaches
her as a notification, the list shows the clock, she records the decision to report with a
motivation, and downloads the report to IVO as a PDF and as text for IVO's e-service. The PDF
holds every part IVO's form asks for and never the patient's personnummer. Axe finds no
serious problem on these pages, on a desk and on a phone."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from incidents import services as incident_services
from lexmaria.models import Decision, LexMariaCase, Status
from tests.e2e.helpers import open_form, picture, serious_violations, submit
from tests.lexmaria.conftest import PERSONNUMMER, add_action, serious_incident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOTIVATION = "Patienten fick en allvarlig vårdskada som hade kunnat undvikas med en fungerande dubbelkontroll."


def test_the_chief_physician_decides_to_report_and_downloads_the_report(
    page, phone_page, live_server, cast, tree, sign_in
):
    # given: a serious fall on the medicine ward with a planned action; the handler asks for an assessment
    incident = serious_incident(cast, tree.medicin_ward)
    add_action(cast, incident, description="Inför larmmatta vid sängen för patienter med hög fallrisk.")
    incident_services.incident_request_lex_maria(
        incident=incident, actor=cast.handler, reason="Höftfraktur efter fall."
    )
    case = LexMariaCase.objects.get(links__incident=incident)

    # when: the chief physician follows the notification's menu to the case
    sign_in(page, cast.chief_physician)
    page.get_by_role("link", name="Lex Maria").first.click()
    row = page.locator(f"tr[data-case='{case.pk}']")
    assert case.decision_due_on.isoformat() in row.inner_text()  # the internal deadline for the decision
    assert not serious_violations(page)
    page.get_by_role("link", name=case.reference).click()
    assert page.locator("h1").inner_text().startswith(case.reference)
    assert not serious_violations(page)

    open_form(page, "form[action$='/beslut/']")
    page.check("#id_decide_decision_0")
    page.fill("#id_decide_motivation", MOTIVATION)
    submit(page, "form[action$='/beslut/']")

    # then: the decision is recorded and shown
    assert page.locator(".status").first.inner_text() == "Anmälan beslutad, inte skickad än"
    assert MOTIVATION in page.locator("#decision").inner_text()
    fresh = LexMariaCase.objects.get(pk=case.pk)
    assert (fresh.status, fresh.decision, fresh.decided_by) == (
        Status.DECIDED_TO_REPORT,
        Decision.REPORT,
        cast.chief_physician,
    )
    picture(page, "lex-maria-decided")
    assert not serious_violations(page)

    # and the report to IVO downloads as a PDF with every part of IVO's form, without the personnummer
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    assert download.value.suggested_filename == f"{case.reference}-IVO.pdf"
    with open(download.value.path(), "rb") as pdf:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    parts = (
        "Region Västmanland · Avdelning 5, medicin",  # care provider and unit
        "Vad som hände och när",
        "Konsekvenser för patienten",
        "Utredning",
        "Orsaker",
        "Åtgärder med tidplan och ansvarig person",
        "larmmatta",
        "Information till patienten (PSL 3 kap. 8 §)",
    )
    for part in parts:
        assert part in " ".join(text.split()), part
    assert PERSONNUMMER not in text and PERSONNUMMER[2:] not in text

    with page.expect_download() as download:
        page.get_by_role("link", name="Text för IVO:s e-tjänst").click()
    with open(download.value.path(), encoding="utf-8") as plain:
        assert "larmmatta" in plain.read()

    # and on a phone the case page has no serious problem either
    sign_in(phone_page, cast.chief_physician)
    phone_page.goto(f"{live_server.url}/lex-maria/{case.pk}/")
    assert not serious_violations(phone_page)
