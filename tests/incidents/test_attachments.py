"""Attachments: accepted by what the file is (not its name), stored under a server-made
name, served only as a download to those who may see the incident."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import AccessLog
from incidents import attachments, services
from incidents.models import Attachment, Incident, Status, TimelineEntry
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
# SOI, a JFIF segment, a start-of-frame saying 1 × 1 pixels, EOI.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xc0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"
)
TEXT = "Läkemedelslista: Waran 2,5 mg, Alvedon 1 g.\r\nKontrollerad av två sjuksköterskor.\n".encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def as_user(login):
    def _as(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


# --- What is accepted ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("journalkopia.pdf", PDF, "application/pdf"),
        ("foto.PNG", PNG, "image/png"),
        ("foto.jpeg", JPEG, "image/jpeg"),
        ("anteckning.txt", TEXT, "text/plain"),
    ],
)
def test_it_stores_allowed_files_under_a_server_made_name(cast, tree, media, name, content, content_type):
    incident = report(cast.reporter, tree.medicin_ward)
    version = incident.version

    attachment = attachments.attachment_add(incident=incident, actor=cast.reporter, file=_upload(name, content))

    assert attachment.content_type == content_type
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert name not in attachment.file.name
    assert [p.read_bytes() for p in _stored_files(media)] == [content]
    entry = incident.timeline.get(kind=TimelineEntry.Kind.ATTACHMENT_ADDED)
    assert entry.data == {"version": version + 1, "attachment_id": attachment.pk}
    assert entry.message == ""  # a file name may hold a patient's name


def test_the_uploaded_name_loses_any_folder_part(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    attachment = attachments.attachment_add(
        incident=incident, actor=cast.reporter, file=_upload("..\\..\\windows\\evil.txt", TEXT)
    )

    assert attachment.original_name == "evil.txt"


def test_a_draft_takes_attachments_from_its_author(cast):
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4())

    attachments.attachment_add(incident=draft, actor=cast.reporter, file=_upload("a.txt", TEXT))

    assert draft.attachments.count() == 1


def test_only_the_reporter_and_the_handlers_may_attach(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    attachments.attachment_add(incident=incident, actor=cast.handler, file=_upload("svar.pdf", PDF))
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(incident=incident, actor=cast.handler_orto, file=_upload("x.pdf", PDF))
    assert incident.attachments.count() == 1


def test_a_closed_report_takes_no_more_attachments(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED)

    with translation.override("en"), pytest.raises(PermissionDenied, match="only be added while the report is open"):
        attachments.attachment_add(
            incident=Incident.objects.get(pk=incident.pk), actor=cast.reporter, file=_upload("a.pdf", PDF)
        )


# --- What is refused, through the page ------------------------------------------------------

ABUSE = {
    "html renamed .pdf": ("remiss.pdf", b"<!DOCTYPE html><html><body><script>fetch('/')</script></body></html>"),
    "html without doctype": ("notes.txt", b"Hej\n<script>alert(document.cookie)</script>\n"),
    "svg": ("bild.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'),
    "svg renamed .png": ("bild.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "zip": ("arkiv.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40),
    "zip renamed .pdf": ("rapport.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40),
    "exe": ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48),
    "exe renamed .jpg": ("foto.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48),
    "elf": ("run.txt", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56),
    "gzip": ("data.txt", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 20),
}


@pytest.mark.parametrize("case", list(ABUSE), ids=list(ABUSE))
def test_a_file_that_is_not_allowed_is_refused_whatever_its_name(as_user, cast, tree, media, case):
    incident = report(cast.reporter, tree.medicin_ward)
    name, content = ABUSE[case]

    response = as_user(cast.reporter).post(
        reverse("incidents:mine-attachment-add", kwargs={"pk": incident.pk}), {"file": _upload(name, content)}
    )

    assert response.status_code == 400
    assert "This kind of file cannot be attached" in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored_files(media) == []
    assert not incident.timeline.filter(kind=TimelineEntry.Kind.ATTACHMENT_ADDED).exists()


def test_a_file_over_the_size_limit_is_refused(as_user, cast, tree, media, settings):
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 1024
    incident = report(cast.reporter, tree.medicin_ward)

    response = as_user(cast.reporter).post(
        reverse("incidents:mine-attachment-add", kwargs={"pk": incident.pk}),
        {"file": _upload("stor.pdf", PDF + b"0" * 1024)},
    )

    assert response.status_code == 400
    assert "The file is too large (at most 1.0\xa0KB)" in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored_files(media) == []


def test_the_limit_is_ten_megabytes():
    assert settings.INCIDENT_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


def test_the_service_refuses_bad_content_too(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    with pytest.raises(ValidationError) as raised:
        attachments.attachment_add(incident=incident, actor=cast.reporter, file=_upload("a.pdf", b"<html></html>"))

    assert "file" in raised.value.message_dict


def test_no_file_is_a_clear_message(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = as_user(cast.reporter).post(reverse("incidents:mine-attachment-add", kwargs={"pk": incident.pk}), {})

    assert response.status_code == 400
    assert "Choose a file to attach." in response.content.decode()


def test_the_reporter_attaches_a_file_to_a_sent_report(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    client = as_user(cast.reporter)

    response = client.post(
        reverse("incidents:mine-attachment-add", kwargs={"pk": incident.pk}), {"file": _upload("bild.png", PNG)}
    )

    attachment = incident.attachments.get()
    assert response["Location"] == reverse("incidents:mine-detail", kwargs={"pk": incident.pk})
    page = client.get(response["Location"]).content.decode()
    assert reverse("incidents:attachment", kwargs={"pk": incident.pk, "attachment_pk": attachment.pk}) in page


def test_someone_else_cannot_attach_to_my_report_through_my_pages(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = as_user(cast.handler).post(
        reverse("incidents:mine-attachment-add", kwargs={"pk": incident.pk}), {"file": _upload("a.pdf", PDF)}
    )

    assert response.status_code == 404
    assert not Attachment.objects.exists()


# --- Downloading -------------------------------------------------------------------------


def _attached(cast, tree, name="journal.pdf", content=PDF):
    incident = report(cast.reporter, tree.medicin_ward)
    attachment = attachments.attachment_add(incident=incident, actor=cast.reporter, file=_upload(name, content))
    url = reverse("incidents:attachment", kwargs={"pk": incident.pk, "attachment_pk": attachment.pk})
    return attachment, url


def test_a_download_is_always_an_attachment_with_nosniff(login, cast, tree):
    _attachment, url = _attached(cast, tree)

    response = login(cast.reporter).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="journal.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_text_file_with_a_web_page_name_downloads_as_text(login, cast, tree):
    _attachment, url = _attached(cast, tree, name="sida.html", content=TEXT)

    response = login(cast.reporter).get(url)

    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="sida.html.txt"'


def test_a_handler_downloads_and_the_read_is_logged(login, cast, tree):
    attachment, url = _attached(cast, tree)

    response = login(cast.handler).get(url)

    assert response.status_code == 200
    log = AccessLog.objects.get(user=cast.handler)
    assert (log.action, log.object_type, log.object_id) == ("view", "incidents.attachment", str(attachment.pk))
    assert log.unit == tree.medicin_ward


def test_the_reporter_reading_their_own_file_is_not_logged(login, cast, tree):
    _attachment, url = _attached(cast, tree)

    login(cast.reporter).get(url)

    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("who", ["handler_orto", "municipal_handler", "viewer", "admin", "outsider"])
def test_those_who_may_not_see_the_incident_get_404(login, cast, tree, who):
    _attachment, url = _attached(cast, tree)

    assert login(getattr(cast, who)).get(url).status_code == 404


def test_an_attachment_asked_for_under_another_incident_is_not_found(login, cast, tree):
    attachment, _url = _attached(cast, tree)
    other = report(cast.reporter, tree.medicin_ward)

    response = login(cast.reporter).get(
        reverse("incidents:attachment", kwargs={"pk": other.pk, "attachment_pk": attachment.pk})
    )

    assert response.status_code == 404


def test_a_missing_file_is_not_found_rather_than_an_error(login, cast, tree, media):
    _attachment, url = _attached(cast, tree)
    for path in _stored_files(media):
        path.unlink()

    assert login(cast.reporter).get(url).status_code == 404


def _png_declaring(width: int, height: int) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + width.to_bytes(4, "big")
        + height.to_bytes(4, "big")
        + b"\x08\x06\x00\x00\x00"
    )


def _jpeg_declaring(width: int, height: int) -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc2\x00\x11\x08"
        + height.to_bytes(2, "big")
        + width.to_bytes(2, "big")
        + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_png_declaring(100_000, 100_000), "The picture is larger than psweb accepts"),
        (_png_declaring(15_000, 15_000), "The picture is larger than psweb accepts"),  # 225 megapixels
        (_jpeg_declaring(65_000, 65_000), "The picture is larger than psweb accepts"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "The picture is damaged or not really a picture."),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\xff\xd9", "The picture is damaged or not really a picture."),
    ],
)
def test_a_picture_bomb_or_a_fake_picture_is_refused(cast, tree, content, message):
    from django.core.exceptions import ValidationError

    from incidents.attachments import attachment_validate

    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            attachment_validate(_upload("bild.png", content))
        text = error.value.message_dict["file"][0]

    assert text.startswith(message)


def test_a_large_ordinary_photo_is_accepted(cast, tree):
    from incidents.attachments import PNG as PNG_TYPE
    from incidents.attachments import attachment_validate

    assert attachment_validate(_upload("foto.png", _png_declaring(4032, 3024))) is PNG_TYPE
