"""A per-patient log review is complete (issue 15, item 13; PDL 4 kap. 3 §): an attachment
download and a log-review page or export that shows identity numbers are found under each
patient concerned; a client's X-Request-ID, stored in the log, is kept only when it is safe; a
personnummer typed into an attachment's file name is masked when stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import personnummer
from accounts.models import AccessLog
from incidents import attachments
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

PATIENT = "191212121212"
OTHER_PATIENT = "198112289874"
THIRD_PATIENT = "194004061234"
REVIEW = "/loggranskning/"
EXPORT = "/loggranskning/export.csv"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SEARCH_FIELDS = {"username": "", "patient": "", "date_from": "", "date_to": "", "action": ""}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def as_user(login):
    def _as(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def _log(user, unit, *, patient, day="2025-03-10") -> AccessLog:
    return AccessLog.objects.create(
        at=timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12))),
        user=user,
        action=AccessLog.Action.VIEW_PATIENT,
        object_type="incidents.incident",
        object_id="1",
        unit=unit,
        patient_identifier=patient,
    )


def _reads_of(patient: str, by) -> list[AccessLog]:
    """What a per-patient review of `patient` finds that `by` did."""
    return list(AccessLog.objects.filter(patient_identifier=patient, user=by))


# --- Attachments ------------------------------------------------------------------------------


def test_an_attachment_download_is_found_under_its_patient(as_user, cast, tree):
    # given a report about a patient, with a file
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PATIENT)
    attachment = attachments.attachment_add(
        incident=incident, actor=cast.reporter, file=SimpleUploadedFile("journal.pdf", PDF)
    )
    url = reverse("incidents:attachment", kwargs={"pk": incident.pk, "attachment_pk": attachment.pk})

    # when a handler downloads it
    response = as_user(cast.handler).get(url)

    # then the patient's log review finds the read
    assert response.status_code == 200
    (entry,) = _reads_of(PATIENT, cast.handler)
    assert (entry.action, entry.object_type, entry.object_id) == ("view", "incidents.attachment", str(attachment.pk))


@pytest.mark.parametrize(
    ("uploaded", "stored"),
    [
        ("remiss 19121212-1212.pdf", "remiss XXXXXXXX-XXXX.pdf"),
        ("191212121212_journal.pdf", "XXXXXXXX-XXXX_journal.pdf"),
        ("pat 121212+1212 lab.pdf", "pat XXXXXXXX-XXXX lab.pdf"),
        ("1212121212.pdf", "XXXXXXXX-XXXX.pdf"),
        ("foto 19121212 1212.pdf", "foto XXXXXXXX-XXXX.pdf"),
        # Longer runs of digits (a camera's time stamp) and short numbers are not identities.
        ("IMG_20240105123456.pdf", "IMG_20240105123456.pdf"),
        ("rum 12, säng 3.pdf", "rum 12, säng 3.pdf"),
    ],
)
def test_a_personnummer_in_a_file_name_is_masked_when_stored(cast, tree, uploaded, stored):
    incident = report(cast.reporter, tree.medicin_ward)
    file = SimpleUploadedFile(uploaded, PDF)

    attachment = attachments.attachment_add(incident=incident, actor=cast.reporter, file=file)

    attachment.refresh_from_db()
    assert attachment.original_name == stored
    assert not personnummer.IN_TEXT.search(attachments.download_name(attachment))


def test_the_masked_name_is_what_the_history_keeps(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    attachment = attachments.attachment_add(
        incident=incident, actor=cast.reporter, file=SimpleUploadedFile("19121212-1212.txt", b"Anteckning\n")
    )

    names = set(attachment.events.values_list("original_name", flat=True))
    assert names == {"XXXXXXXX-XXXX.txt"}


# --- The log review itself ----------------------------------------------------------------------


def test_a_review_page_that_shows_identity_numbers_is_found_under_each_patient(as_user, cast, tree):
    # given reads of three patients in the region
    _log(cast.handler, tree.medicin_ward, patient=PATIENT)
    _log(cast.handler_orto, tree.orto, patient=OTHER_PATIENT)
    _log(cast.handler_orto, tree.orto, patient=OTHER_PATIENT, day="2025-03-11")
    _log(cast.municipal_handler, tree.hemsjukvard, patient=THIRD_PATIENT)  # another care provider

    # when the region's safety officer opens the review page
    response = as_user(cast.safety_officer).get(REVIEW)

    # then each patient whose number the page showed finds the officer's read, once, under the unit of the row
    assert response.status_code == 200
    assert [(e.unit, e.action) for e in _reads_of(PATIENT, cast.safety_officer)] == [(tree.medicin_ward, "search")]
    assert [(e.unit, e.action) for e in _reads_of(OTHER_PATIENT, cast.safety_officer)] == [(tree.orto, "search")]
    assert _reads_of(THIRD_PATIENT, cast.safety_officer) == []


def test_a_search_by_patient_records_that_patient_once_per_reviewed_care_provider(as_user, cast, tree):
    _log(cast.handler, tree.medicin_ward, patient=PATIENT)
    _log(cast.handler_orto, tree.orto, patient=PATIENT)

    as_user(cast.safety_officer).post(REVIEW, {**SEARCH_FIELDS, "patient": "19121212-1212"})

    assert [e.unit for e in _reads_of(PATIENT, cast.safety_officer)] == [tree.region]


def test_an_export_is_found_under_each_patient_in_the_file(as_user, cast, tree):
    _log(cast.handler, tree.medicin_ward, patient=PATIENT)
    _log(cast.handler_orto, tree.orto, patient=OTHER_PATIENT)
    _log(cast.handler_orto, tree.orto, patient="")

    response = as_user(cast.safety_officer).post(EXPORT, SEARCH_FIELDS)
    content = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response.status_code == 200
    # The file holds the three rows that matched, not the records of the export.
    assert len(content.strip().splitlines()) == 1 + 3
    for patient, unit in ((PATIENT, tree.medicin_ward), (OTHER_PATIENT, tree.orto)):
        (entry,) = _reads_of(patient, cast.safety_officer)
        assert (entry.action, entry.unit) == ("export", unit)
        assert patient not in entry.object_label


# --- X-Request-ID -------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", ["3f2a9c1e-7b44-4c2b-9d6e-0a1b2c3d4e5f", "lb-01.req_42", "a" * 64])
def test_a_well_formed_request_id_is_kept_in_the_log(as_user, cast, tree, sent):
    _log(cast.handler, tree.medicin_ward, patient=PATIENT)

    response = as_user(cast.safety_officer).get(REVIEW, HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] == sent
    assert {e.request_id for e in AccessLog.objects.filter(user=cast.safety_officer)} == {sent}


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "a" * 65,
        "<script>alert(1)</script>",
        "id with spaces",
        "ok-id\nforged log line",
        "id;DROP TABLE",
        "åäö-request-1",
        "191212121212",  # a personnummer must never reach the log as a request id
        "req-19121212-1212",
        "short",
    ],
)
def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(as_user, cast, tree, sent):
    _log(cast.handler, tree.medicin_ward, patient=PATIENT)

    response = as_user(cast.safety_officer).get(REVIEW, HTTP_X_REQUEST_ID=sent)

    fresh = response["X-Request-ID"]
    assert fresh != sent
    assert len(fresh) == 32 and fresh.isalnum()
    assert {e.request_id for e in AccessLog.objects.filter(user=cast.safety_officer)} == {fresh}


def test_a_fresh_request_id_never_looks_like_a_personnummer():
    from psweb.middleware import safe_request_id

    # A hex id holds a run of ten or twelve digits about one time in twenty.
    fresh = [safe_request_id("") for _ in range(2000)]

    assert not [value for value in fresh if personnummer.IN_TEXT.search(value)]
    assert len(set(fresh)) == 2000
