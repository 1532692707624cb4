"""The investigation report as a PDF: tagged for a screen reader (PDF/UA-1), a running header
with the care provider, the reference and "Sida x av y" on every page, table rows kept whole
with the header repeated, the actions column called "Åtgärd", and no heading left empty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from investigations import services
from investigations.selectors import report_for
from tests.documents import assert_no_empty_section, assert_running_header, assert_tagged_pdf, pdf_pages
from tests.investigations.conftest import opened, worked_through

pytestmark = pytest.mark.django_db

PROVIDER = "Region Västmanland"
ACTIONS = 8


def _action_text(number: int) -> str:
    return (
        f"Åtgärd {number:02d} börjar här. "
        + "Rutinen för dubbelkontroll ses över och övas. " * 3
        + f"Slut {number:02d}."
    )


@pytest.fixture
def full_investigation(cast, incident, analyst):
    """Everything the report holds, and actions enough to fill more than one page."""
    inv = worked_through(cast, incident, analyst)
    cause = inv.causes.get()
    for number in range(1, ACTIONS + 1):
        services.action_add(
            investigation=inv,
            actor=analyst,
            description=_action_text(number),
            responsible=cast.manager,
            due_date=timezone.localdate() + dt.timedelta(days=30 + number),
            effect_class="effective",
            causes=[cause],
        )
    return inv


def _html(inv) -> str:
    with translation.override("sv"):
        return render_to_string("investigations/report_document.html", {"report": report_for(inv)})


def _pdf(client, login, cast, inv) -> bytes:
    login(cast.chief_physician)
    response = client.get(reverse("investigations:report-pdf", kwargs={"pk": inv.pk}), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_report_pdf_is_tagged_and_has_a_running_header(client, login, cast, full_investigation):
    inv = full_investigation
    content = _pdf(client, login, cast, inv)

    tags = assert_tagged_pdf(content, title=f"Utredningsrapport {inv.reference}")
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/BlockQuote"} <= tags
    pages = pdf_pages(content)
    assert len(pages) >= 2
    assert_running_header(pages, provider=PROVIDER, reference=inv.reference)
    # Each action's row whole on one page (its first and last words: the text between may be
    # hyphenated), and the table's header ("Åtgärd", the action domain's word, never
    # "Händelse") on every page the table reaches.
    for number in range(1, ACTIONS + 1):
        [page] = [page for page in pages if f"Åtgärd {number:02d} börjar här." in page]
        assert f"Slut {number:02d}." in page, f"action {number} is split across pages"
    pages_with_rows = [page for page in pages if "börjar här." in page]
    assert len(pages_with_rows) >= 2
    assert all("Åtgärd Orsaker som" in page for page in pages_with_rows), pages_with_rows
    assert not any("Händelse Orsaker" in page for page in pages)


def test_a_full_report_has_content_under_every_heading(full_investigation):
    headings = assert_no_empty_section(_html(full_investigation))

    assert "Slutsatser" in headings and "Åtgärder" in headings


def test_a_report_with_little_data_says_what_is_not_recorded(client, login, cast, incident, analyst):
    inv = opened(cast, incident, analyst)

    headings = assert_no_empty_section(_html(inv))
    pages = pdf_pages(_pdf(client, login, cast, inv))

    assert "Händelseförlopp" in headings
    text = " ".join(pages)
    for expected in (
        "Händelseförlopp Inte beskrivet än.",
        "Orsaker och bidragande faktorer Inga orsaker registrerade än.",
        "Slutsatser Inte registrerat än.",
        "Åtgärder Inga åtgärder.",
    ):
        assert expected in text
    assert_running_header(pages, provider=PROVIDER, reference=inv.reference)
