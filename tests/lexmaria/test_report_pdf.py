"""The report to IVO as a PDF: tagged for a screen reader (PDF/UA-1), a running header with
the care provider, the reference and "Sida x av y" on every page, table rows kept whole, the
actions column called "Åtgärd", and no heading left empty — a section IVO asks for says that
nothing is recorded rather than vanish."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from incidents import services as incident_services
from incidents.models import CauseArea
from investigations import services as investigation_services
from investigations.models import CareInjury, Method
from lexmaria import ivo, services
from tests.documents import assert_no_empty_section, assert_running_header, assert_tagged_pdf, pdf_pages
from tests.lexmaria.conftest import add_action, opened, serious_incident

pytestmark = pytest.mark.django_db

PROVIDER = "Region Västmanland"
ACTIONS = 8


@pytest.fixture
def minimal_case(cast, tree):
    """A case just opened: no patient, no investigation, no causes, no actions."""
    incident = serious_incident(cast, tree.medicin_ward, patient_involved=False, patient_identifier="")
    return opened(cast, incident)


@pytest.fixture
def full_case(cast, tree):
    """A case with everything, and actions enough to fill more than one page."""
    incident = serious_incident(cast, tree.medicin_ward)
    incident_services.patient_information_record(
        incident=incident,
        actor=cast.handler,
        informed=True,
        informed_on=timezone.localdate(),
        informed_by="Avdelningsläkare",
        told_event=True,
        told_measures=True,
        told_complaint_provider=True,
        told_patient_board=True,
        told_complaint_ivo=True,
        told_compensation=True,
        record_note_made=True,
    )
    investigation = investigation_services.investigation_open(
        incidents=[incident], actor=cast.manager, method=Method.EVENT_ANALYSIS, reason="Allvarlig.", leader=cast.manager
    )
    investigation_services.cause_add(
        investigation=investigation, actor=cast.manager, area=CauseArea.objects.first(), detail="Ingen återläsning"
    )
    investigation_services.patient_participation_record(
        investigation=investigation,
        actor=cast.manager,
        invited=True,
        invited_on=timezone.localdate(),
        account="Jag sa att jag redan fått min tablett.",
    )
    investigation_services.conclusions_record(
        investigation=investigation,
        actor=cast.manager,
        care_injury=CareInjury.YES,
        avoidable=True,
        serious_increased_care=True,
        conclusions="Dubbelkontroll saknades.",
    )
    for number in range(1, ACTIONS + 1):
        add_action(cast, incident, description=_action_text(number), due_in_days=30 + number)
    case = opened(cast, incident)
    services.investigation_link(case=case, actor=cast.safety_officer, investigation=investigation)
    return services.case_decide(
        case=case, actor=cast.chief_physician, decision="report", motivation="Allvarlig vårdskada."
    )


def _action_text(number: int) -> str:
    return (
        f"Åtgärd {number:02d} börjar här. "
        + "Rutinen för dubbelkontroll ses över och övas. " * 3
        + f"Slut {number:02d}."
    )


def _html(case) -> str:
    with translation.override("sv"):
        return render_to_string("lexmaria/ivo_document.html", {"case": case, "report": ivo.ivo_report(case)})


def _pdf(client, login, cast, case) -> bytes:
    login(cast.chief_physician)
    response = client.get(reverse("lexmaria:ivo-pdf", kwargs={"pk": case.pk}), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_ivo_pdf_is_tagged_and_has_a_running_header(client, login, cast, full_case):
    content = _pdf(client, login, cast, full_case)

    tags = assert_tagged_pdf(content, title=f"Lex Maria-anmälan till IVO {full_case.reference}")
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/L", "/BlockQuote"} <= tags
    pages = pdf_pages(content)
    assert len(pages) >= 2
    assert_running_header(pages, provider=PROVIDER, reference=full_case.reference)
    # Each action's row whole on one page (its first and last words: the text between may be
    # hyphenated), and the table's header ("Åtgärd", the action domain's word, never
    # "Händelse") on every page the table reaches.
    for number in range(1, ACTIONS + 1):
        [page] = [page for page in pages if f"Åtgärd {number:02d} börjar här." in page]
        assert f"Slut {number:02d}." in page, f"action {number} is split across pages"
    pages_with_rows = [page for page in pages if "börjar här." in page]
    assert len(pages_with_rows) >= 2
    assert all("Åtgärd Ansvarig person" in page for page in pages_with_rows)
    assert not any("Händelse Ansvarig" in page for page in pages)


def test_a_full_case_has_content_under_every_heading(full_case):
    headings = assert_no_empty_section(_html(full_case))

    assert "Konsekvenser för patienten" in headings and "Patientens berättelse" in headings


def test_a_case_with_little_data_says_what_is_not_recorded(client, login, cast, minimal_case):
    headings = assert_no_empty_section(_html(minimal_case))
    pages = pdf_pages(_pdf(client, login, cast, minimal_case))

    assert "Konsekvenser för patienten" in headings
    text = " ".join(pages)
    assert "Konsekvenser för patienten Inga uppgifter." in text
    assert "Orsaker Ännu inte kända." in text
    assert "Inga åtgärder." in text
    assert "Patientens berättelse Inte registrerat." in text
    assert_running_header(pages, provider=PROVIDER, reference=minimal_case.reference)
