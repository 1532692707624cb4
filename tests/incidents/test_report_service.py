"""`incident_report`: the whole report in one transaction (the draft, its attachments and the
submission), as the report form and the API's POST send it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents import services
from incidents.models import Attachment, CaseType, Incident, ReportedKind, Status, TimelineEntry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _fields(tree) -> dict:
    return {
        "unit": tree.medicin_ward,
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "description": "Fel dos av Waran.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
    }


def _pdf(name: str = "remiss.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_report_with_attachments_is_stored_and_sent_in_one_step(cast, tree):
    incident, created = services.incident_report(
        actor=cast.reporter, client_key=uuid.uuid4(), fields=_fields(tree), attachments=[_pdf(), _pdf("lista.pdf")]
    )

    assert created
    assert incident.status == Status.SUBMITTED and incident.reference
    assert sorted(Attachment.objects.filter(incident=incident).values_list("original_name", flat=True)) == [
        "lista.pdf",
        "remiss.pdf",
    ]
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds.count(TimelineEntry.Kind.ATTACHMENT_ADDED) == 2
    assert kinds[-1] == TimelineEntry.Kind.SUBMITTED


def test_a_refused_file_takes_the_whole_report_back(cast, tree):
    page = SimpleUploadedFile("remiss.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")

    with pytest.raises(ValidationError):
        services.incident_report(
            actor=cast.reporter, client_key=uuid.uuid4(), fields=_fields(tree), attachments=[_pdf(), page]
        )

    assert not Incident.objects.exists()
    assert not Attachment.objects.exists()


def test_without_send_the_draft_is_saved_with_its_attachments(cast, tree):
    incident, created = services.incident_report(
        actor=cast.reporter, client_key=uuid.uuid4(), fields=_fields(tree), attachments=[_pdf()], send=False
    )

    assert created
    assert incident.status == Status.DRAFT and not incident.reference
    assert Attachment.objects.filter(incident=incident).count() == 1


def test_sending_a_resumed_draft_from_an_old_version_is_refused(cast, tree):
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4())
    services.draft_save(incident=draft, actor=cast.reporter, fields={"description": "Från det andra fönstret"})

    with pytest.raises(services.StaleVersionError):
        services.incident_report(
            actor=cast.reporter, client_key=None, incident=draft, version=1, fields=_fields(tree), attachments=[_pdf()]
        )

    stored = Incident.objects.get(pk=draft.pk)
    assert stored.status == Status.DRAFT and stored.description == "Från det andra fönstret"
    assert not Attachment.objects.exists()


def test_a_retry_after_sending_changes_nothing(cast, tree):
    key = uuid.uuid4()
    first, _created = services.incident_report(actor=cast.reporter, client_key=key, fields=_fields(tree))

    again, created = services.incident_report(
        actor=cast.reporter, client_key=key, fields={**_fields(tree), "description": "Annat"}, attachments=[_pdf()]
    )

    assert not created
    assert again.pk == first.pk
    assert Incident.objects.get(pk=first.pk).description == "Fel dos av Waran."
    assert not Attachment.objects.exists()
