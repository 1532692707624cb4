"""The Lex Maria pages: the chief physician decides on the case page, the report to IVO is
refused while an action lacks what IVO asks for, the IVO document as page, PDF and text holds
no patient identity, the incident page leads to the case, and the yearly follow-up page."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from lexmaria.models import Decision, LexMariaCase, Status
from tests.lexmaria.conftest import PERSONNUMMER, add_action, decided, fresh, opened, serious_incident

pytestmark = pytest.mark.django_db

IDENTITY = (PERSONNUMMER, "19121212-1212", "121212-1212", "1212121212")


def test_the_chief_physician_decides_on_the_case_page(client, login, cast, tree):
    case = opened(cast, serious_incident(cast, tree.medicin_ward))
    login(cast.chief_physician)
    page = client.get(reverse("lexmaria:detail", kwargs={"pk": case.pk}))
    assert page.status_code == 200 and case.reference in page.content.decode()

    response = client.post(
        reverse("lexmaria:decide", kwargs={"pk": case.pk}),
        {"version": fresh(case).version, "decision": "report", "motivation": "Allvarlig vårdskada."},
    )

    assert response.status_code == 302
    case = fresh(case)
    assert (case.status, case.decision, case.decided_by) == (
        Status.DECIDED_TO_REPORT,
        Decision.REPORT,
        cast.chief_physician,
    )


def test_a_safety_officer_sees_why_they_cannot_decide(client, login, cast, tree):
    case = opened(cast, serious_incident(cast, tree.medicin_ward))
    login(cast.safety_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("lexmaria:detail", kwargs={"pk": case.pk}))
    assert "Only the chief physician decides on Lex Maria." in page.content.decode()
    refused = client.post(
        reverse("lexmaria:decide", kwargs={"pk": case.pk}),
        {"version": fresh(case).version, "decision": "no_report", "motivation": "x"},
    )
    assert refused.status_code == 403 and fresh(case).status == Status.ASSESSMENT


def test_marking_reported_is_refused_without_actions_and_keeps_the_input(client, login, cast, tree):
    case = decided(cast, opened(cast, serious_incident(cast, tree.medicin_ward)))
    login(cast.safety_officer)

    response = client.post(
        reverse("lexmaria:mark-reported", kwargs={"pk": case.pk}),
        {
            "version": fresh(case).version,
            "ivo_reference": "3.7.1-999/2026",
            "sent_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 409
    assert "3.7.1-999/2026" in response.content.decode()
    assert fresh(case).status == Status.DECIDED_TO_REPORT


def test_the_ivo_document_holds_no_patient_identity(client, login, cast, tree):
    incident = serious_incident(cast, tree.medicin_ward)
    add_action(cast, incident)
    case = decided(cast, opened(cast, incident))
    login(cast.chief_physician)

    html = client.get(reverse("lexmaria:ivo", kwargs={"pk": case.pk})).content.decode()
    text = client.get(reverse("lexmaria:ivo-text", kwargs={"pk": case.pk})).content.decode()
    pdf = client.get(reverse("lexmaria:ivo-pdf", kwargs={"pk": case.pk}))
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)

    assert pdf["Content-Type"] == "application/pdf"
    for document in (html, text, pdf_text):
        assert case.reference in document
        assert "dubbelkontroll" in document
        assert not any(identity in document for identity in IDENTITY), document


def test_the_incident_page_leads_to_its_case(client, login, cast, tree):
    incident = serious_incident(cast, tree.medicin_ward)
    login(cast.chief_physician)
    page = client.get(reverse("incidents:detail", kwargs={"pk": incident.pk})).content.decode()
    open_url = f"{reverse('lexmaria:new')}?avvikelse={incident.pk}"
    assert open_url in page

    response = client.post(open_url, {"reason": "Allvarlig vårdskada."})

    case = LexMariaCase.objects.get()
    assert response.status_code == 302 and list(case.incidents.all()) == [incident]
    assert case.reference in client.get(reverse("incidents:detail", kwargs={"pk": incident.pk})).content.decode()


def test_the_list_and_the_follow_up_are_for_lex_maria_readers_only(client, login, cast, tree):
    case = opened(cast, serious_incident(cast, tree.medicin_ward))
    login(cast.manager)
    assert case.reference in client.get(reverse("lexmaria:list")).content.decode()
    assert client.get(reverse("lexmaria:follow-up-year") + "?ar=2025").status_code == 200
    login(cast.handler)
    assert client.get(reverse("lexmaria:list")).status_code == 403
    login(cast.manager_orto)
    assert case.reference not in client.get(reverse("lexmaria:list")).content.decode()
