"""The answer letter as a PDF: tagged, sent by the care provider under the complaint's
reference (and the patientnämnd's number), the sections the law asks for, signed by the
handler — and no identity: neither the patient's number nor the complainant's name, not even
when the handler typed a number into the text."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services
from complaints.letter import complaint_letter
from tests.complaints.conftest import PERSONNUMMER, from_board, register
from tests.documents import assert_no_empty_section, assert_tagged_pdf, pdf_pages

pytestmark = pytest.mark.django_db

PROVIDER = "Region Västmanland"


def _answered(complaint, actor):
    return services.complaint_answer(
        complaint=complaint,
        actor=actor,
        answered_on=timezone.localdate(),
        way="letter",
        letter={
            "answer_what_happened": "Operationen ställdes in på grund av ett akut fall (pat 19121212-1212).",
            "answer_why": "Operationssalen behövdes för en akut operation.",
            "answer_actions": "Vi ringer nu alltid patienten när en operation ställs in.",
            "answer_apology": "Vi ber om ursäkt för att du fick vänta utan besked.",
        },
    )


def _pdf(client, login, user, complaint) -> bytes:
    login(user)
    response = client.get(reverse("complaints:letter-pdf", kwargs={"pk": complaint.pk}), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{complaint.reference}-svar.pdf"'
    return response.content


def test_the_letter_is_a_tagged_pdf_without_identity(client, login, ccast, tree):
    complaint = _answered(from_board(ccast, tree.medicin_ward), ccast.handler)
    services.complaint_assign(complaint=complaint, actor=ccast.handler, handler=ccast.handler)

    content = _pdf(client, login, ccast.handler, complaint)

    assert content.startswith(b"%PDF")
    assert_tagged_pdf(content, title=f"Svar på ditt klagomål {complaint.reference}")
    text = " ".join(pdf_pages(content))
    assert complaint.reference in text and "PN-2026-0042" in text and PROVIDER in text
    assert "Operationssalen behövdes för en akut operation." in text
    assert "Vi ber om ursäkt" in text
    assert "patientnämnd" in text.lower()  # where else to turn, the standard text
    assert "Avdelning 5, medicin" in text
    for identity in (PERSONNUMMER, "19121212-1212", "121212-1212", "Karin Klagande"):
        assert identity not in text, identity
    # The patient board that sent it reads the same letter.
    assert _pdf(client, login, ccast.board_officer, complaint).startswith(b"%PDF")


def test_a_draft_has_content_under_every_heading(ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)

    with translation.override("sv"):
        html = render_to_string("complaints/letter_document.html", {"letter": complaint_letter(complaint)})
    headings = assert_no_empty_section(html)

    assert "Var du annars kan vända dig" in headings or "Where else you can turn" in headings
    assert not complaint_letter(complaint).sent
