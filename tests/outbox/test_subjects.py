"""Notification and e-mail subjects say what happened, where, and which case: "Ny avvikelse i
Avdelning 5, medicin: AV-2026-000189". No "psweb:" in front (the notification list shows
"Ny" before unread subjects, which read "Ny psweb: …"), never a person's name or patient data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from outbox.models import Notification, OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

SUBJECT_TEMPLATES = sorted(
    str(path.relative_to(settings.BASE_DIR / "templates"))
    for path in (settings.BASE_DIR / "templates").glob("*/email/*_subject.txt")
)
# Every variable a subject template may use, with values that show up if they are printed.
CONTEXT = {
    "reference": "AV-2026-000189",
    "unit": "Avdelning 5, medicin",
    "role": "Avvikelsesamordnare",
    "due": "2026-12-24",
    "deadline": "2026-12-24",
    "investigation": "UT-2026-000002",
    "reason": "submitted",
    "declined": False,
    "base_url": "",
    "path": "/avvikelser/1/",
}


def test_a_new_incident_tells_its_handlers_what_happened_where(cast, tree, django_capture_on_commit_callbacks):
    # given a nurse on Avdelning 5 (whose handlers sit in Medicinkliniken)
    # when she reports an incident
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(cast.reporter, tree.medicin_ward)

    # then the handler's notification and e-mail say what happened, in which unit, and which case
    expected = f"Ny avvikelse i {tree.medicin_ward.name}: {incident.reference}"
    assert Notification.objects.get(user=cast.handler).subject == expected
    assert OutboxMessage.objects.get(recipient=cast.handler.email).subject == expected
    # and never the reporter's name or the report's free text
    for subject in Notification.objects.values_list("subject", flat=True):
        assert cast.reporter.get_full_name() not in subject
        assert "Waran" not in subject


@pytest.mark.parametrize("template", SUBJECT_TEMPLATES)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_no_subject_starts_with_the_name_of_the_app(template, language):
    with translation.override(language):
        subject = " ".join(render_to_string(template, CONTEXT).split())

    assert subject, template
    assert not subject.lower().startswith("psweb"), subject
    assert CONTEXT["reference"] in subject or CONTEXT["unit"] in subject, subject


def test_every_subject_template_is_checked():
    assert len(SUBJECT_TEMPLATES) >= 20
    assert all(Path(settings.BASE_DIR / "templates" / name).exists() for name in SUBJECT_TEMPLATES)
