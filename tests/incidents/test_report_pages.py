"""The reporting pages: the report form (with and without JavaScript), autosave, the
confirmation, and "Mina avvikelser"."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Attachment, CaseType, Incident, ReportedKind, Status, TimelineEntry
from outbox.models import Notification
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

VALID_PNR = "19121212-1212"
WRONG_CHECK_DIGIT = "19121212-1213"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def as_user(login):
    """as_user(user): a client signed in as `user` that asks for English pages."""

    def _as(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _form(tree, **overrides) -> dict:
    data = {
        "client_key": str(uuid.uuid4()),
        "unit": tree.medicin_ward.pk,
        "occurred_at": _local(timezone.now() - dt.timedelta(hours=1)),
        "description": "Patienten föll vid förflyttning från säng till rullstol.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        "action": "send",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _text(response) -> str:
    return response.content.decode()


# --- The form ---------------------------------------------------------------------------


def test_the_form_starts_in_the_reporters_own_unit_at_the_current_time(as_user, cast, tree):
    response = as_user(cast.reporter).get(reverse("incidents:report"))

    page = _text(response)
    assert response.status_code == 200
    assert f'<option value="{tree.medicin_ward.pk}" selected>' in page
    assert f'value="{_local(timezone.now())[:13]}' in page  # the hour now, in local time
    assert re.search(r'name="client_key" value="[0-9a-f-]{36}"', page)
    assert "<details" in page and "More details (optional)" in page
    assert 'role="status" data-autosave-status' in page


def test_a_complete_report_without_javascript_is_sent_and_shows_the_reference(as_user, cast, tree):
    client = as_user(cast.reporter)

    response = client.post(
        reverse("incidents:report"), _form(tree, patient_involved="on", patient_identifier=VALID_PNR)
    )

    incident = Incident.objects.get(reporter=cast.reporter)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:report-sent", kwargs={"pk": incident.pk})
    assert incident.status == Status.SUBMITTED
    assert incident.patient_identifier == "191212121212"
    confirmation = client.get(response["Location"])
    assert re.fullmatch(r"AV-\d{4}-\d{6}", incident.reference)
    assert incident.reference in _text(confirmation)
    assert "What happens next" in _text(confirmation)
    assert VALID_PNR not in _text(confirmation) and "191212121212" not in _text(confirmation)


def test_a_bad_personnummer_gives_a_field_error_and_saves_nothing(as_user, cast, tree):
    response = as_user(cast.reporter).post(
        reverse("incidents:report"), _form(tree, patient_involved="on", patient_identifier=WRONG_CHECK_DIGIT)
    )

    page = _text(response)
    assert response.status_code == 400
    assert 'href="#id_patient_identifier"' in page
    assert "check digit" in page.lower()
    assert '<details class="report-more" open>' in page
    assert not Incident.objects.exists()


def test_missing_fields_are_listed_in_the_error_summary_and_nothing_is_saved(as_user, cast, tree):
    data = _form(tree, unit="", description="", case_type=None, reported_kind=None)

    response = as_user(cast.reporter).post(reverse("incidents:report"), data)

    page = _text(response)
    assert response.status_code == 400
    for anchor, message in [
        ("id_unit", "Choose where it happened."),
        ("id_description", "Describe what happened."),
        ("id_case_type_0", "Choose care or work environment."),
        ("id_reported_kind_0", "Choose what kind of event it was."),
    ]:
        assert f'<a href="#{anchor}">{message}</a>' in page
    assert not Incident.objects.exists()


def test_a_time_in_the_future_is_refused(as_user, cast, tree):
    data = _form(tree, occurred_at=_local(timezone.now() + dt.timedelta(days=1)))

    response = as_user(cast.reporter).post(reverse("incidents:report"), data)

    assert response.status_code == 400
    assert "The time lies in the future" in _text(response)
    assert not Incident.objects.exists()


def test_a_draft_can_be_saved_half_written_and_resumed(as_user, cast, tree):
    client = as_user(cast.reporter)

    response = client.post(reverse("incidents:report"), _form(tree, case_type=None, action="save"))

    draft = Incident.objects.get(reporter=cast.reporter)
    assert draft.status == Status.DRAFT
    assert response["Location"] == reverse("incidents:report-edit", kwargs={"pk": draft.pk})
    page = _text(client.get(response["Location"]))
    assert "Patienten föll vid förflyttning" in page
    assert f'name="version" value="{draft.version}"' in page


def test_sending_the_same_form_twice_gives_one_incident(as_user, cast, tree):
    client = as_user(cast.reporter)
    data = _form(tree)

    first = client.post(reverse("incidents:report"), data)
    second = client.post(reverse("incidents:report"), data)

    incident = Incident.objects.get(reporter=cast.reporter)
    assert first["Location"] == second["Location"] == reverse("incidents:report-sent", kwargs={"pk": incident.pk})
    assert incident.timeline.filter(kind=TimelineEntry.Kind.SUBMITTED).count() == 1


def test_sending_a_draft_twice_from_its_page_gives_one_incident(as_user, cast, tree):
    client = as_user(cast.reporter)
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4())
    url = reverse("incidents:report-edit", kwargs={"pk": draft.pk})
    data = _form(tree, client_key=None, version=draft.version)

    first = client.post(url, data)
    second = client.post(url, data)

    sent = reverse("incidents:report-sent", kwargs={"pk": draft.pk})
    assert first["Location"] == second["Location"] == sent
    assert Incident.objects.filter(reporter=cast.reporter).count() == 1
    assert Incident.objects.get(pk=draft.pk).status == Status.SUBMITTED


def test_the_form_sent_from_an_old_version_is_refused_with_a_message(as_user, cast, tree):
    client = as_user(cast.reporter)
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4())
    services.draft_save(incident=draft, actor=cast.reporter, fields={"description": "From the other window"})

    response = client.post(
        reverse("incidents:report-edit", kwargs={"pk": draft.pk}), _form(tree, client_key=None, version=1)
    )

    assert response.status_code == 409
    assert "changed this incident meanwhile" in _text(response)
    assert 'name="version" value="2"' in _text(response)  # sending again overwrites, deliberately
    assert Incident.objects.get(pk=draft.pk).description == "From the other window"


def test_attachments_go_with_the_report(as_user, cast, tree):
    pdf = SimpleUploadedFile("remiss.pdf", b"%PDF-1.7\n%fake but starts right\n", content_type="application/pdf")

    as_user(cast.reporter).post(reverse("incidents:report"), {**_form(tree), "attachments": [pdf]})

    incident = Incident.objects.get(reporter=cast.reporter)
    attachment = Attachment.objects.get(incident=incident)
    assert attachment.original_name == "remiss.pdf"
    assert attachment.content_type == "application/pdf"
    assert incident.status == Status.SUBMITTED


def test_a_refused_attachment_stops_the_report_and_saves_nothing(as_user, cast, tree):
    html = SimpleUploadedFile(
        "remiss.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>", content_type="application/pdf"
    )

    response = as_user(cast.reporter).post(reverse("incidents:report"), {**_form(tree), "attachments": [html]})

    assert response.status_code == 400
    assert "This kind of file cannot be attached" in _text(response)
    assert not Incident.objects.exists()
    assert not Attachment.objects.exists()


def test_someone_who_may_not_report_is_told_why(as_user, cast):
    response = as_user(cast.outsider).get(reverse("incidents:report"))

    assert response.status_code == 403
    assert "You need a role in a unit to report incidents" in _text(response)


def test_staff_signed_in_with_an_hsa_id_report_before_any_role_is_theirs(as_user, cast, tree):
    """A nurse whose commission named a unit psweb does not know yet (sso.UnmatchedCommission)
    has no role anywhere; she still reports, choosing the unit, and follows her report."""
    cast.outsider.hsa_id = "SE2321000016-9ZZZ"
    cast.outsider.save(update_fields=["hsa_id"])
    client = as_user(cast.outsider)

    form = client.get(reverse("incidents:report"))
    sent = client.post(reverse("incidents:report"), _form(tree, unit=tree.hemsjukvard.pk))

    assert form.status_code == 200
    assert f'<option value="{tree.medicin_ward.pk}"' not in _text(form)  # no unit of her own to start in
    incident = Incident.objects.get(reporter=cast.outsider)
    assert sent.status_code == 302
    assert (incident.status, incident.unit) == (Status.SUBMITTED, tree.hemsjukvard)
    assert incident.reference in _text(client.get(reverse("incidents:mine")))
    assert "My reports" in _text(client.get(reverse("home")))


def test_a_deactivated_staff_member_with_an_hsa_id_may_not_report(cast):
    from incidents.permissions import can_report

    cast.outsider.hsa_id = "SE2321000016-9ZZZ"
    cast.outsider.is_active = False

    assert not can_report(cast.outsider)


# --- Where it happened: the unit search ----------------------------------------------------


def test_the_unit_search_finds_units_of_other_care_providers(as_user, cast, tree):
    response = as_user(cast.reporter).get(reverse("incidents:report-units"), {"q": "hemsjuk"})

    page = _text(response)
    assert response.status_code == 200
    assert f'<option value="{tree.hemsjukvard.pk}">Hemsjukvården (Västerås stad)</option>' in page
    assert tree.medicin_ward.name not in page


def test_the_unit_search_keeps_the_chosen_unit_in_the_list(as_user, cast, tree):
    response = as_user(cast.reporter).get(
        reverse("incidents:report-units"), {"q": "hemsjuk", "selected": tree.orto_ward.pk}
    )

    assert f'<option value="{tree.orto_ward.pk}" selected>' in _text(response)


def test_the_unit_search_works_without_javascript_and_keeps_what_was_typed(as_user, cast, tree):
    data = _form(tree, action="search_unit", unit_q="Hemsjuk", patient_identifier=WRONG_CHECK_DIGIT)

    response = as_user(cast.reporter).post(reverse("incidents:report"), data)

    page = _text(response)
    assert response.status_code == 200
    assert f'<option value="{tree.hemsjukvard.pk}">' in page
    assert "Patienten föll vid förflyttning" in page
    assert "There is a problem" not in page
    assert not Incident.objects.exists()


# --- Autosave --------------------------------------------------------------------------------


def test_the_first_autosave_creates_the_draft_once_per_client_key(as_user, cast, tree):
    client = as_user(cast.reporter)
    key = str(uuid.uuid4())
    url = reverse("incidents:report-autosave-new")

    first = client.post(url, {"client_key": key, "description": "Fel"})
    retry = client.post(url, {"client_key": key, "description": "Fel dos"})

    draft = Incident.objects.get(reporter=cast.reporter)
    assert first.status_code == retry.status_code == 200
    assert draft.description == "Fel dos"
    body = retry.json()
    assert body["id"] == draft.pk
    assert body["version"] == draft.version
    assert re.fullmatch(r"Saved \d\d:\d\d", body["message"])
    assert body["edit_url"] == reverse("incidents:report-edit", kwargs={"pk": draft.pk})
    assert body["autosave_url"] == reverse("incidents:report-autosave", kwargs={"pk": draft.pk})


def test_autosave_stores_the_fields_sent_and_leaves_out_an_invalid_personnummer(as_user, cast, tree):
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4())
    services.draft_save(incident=draft, actor=cast.reporter, fields={"immediate_actions": "Ringde läkare"})
    draft.refresh_from_db()

    response = as_user(cast.reporter).post(
        reverse("incidents:report-autosave", kwargs={"pk": draft.pk}),
        {"version": draft.version, "description": "Halvskrivet", "patient_identifier": "191212"},
    )

    draft.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["invalid"] == ["patient_identifier"]
    assert draft.description == "Halvskrivet"
    assert draft.immediate_actions == "Ringde läkare"  # not sent, not touched
    assert draft.patient_identifier == ""


def test_a_stale_autosave_answers_409_with_a_message(as_user, cast):
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4())
    services.draft_save(incident=draft, actor=cast.reporter, fields={"description": "Newer"}, version=1)

    response = as_user(cast.reporter).post(
        reverse("incidents:report-autosave", kwargs={"pk": draft.pk}), {"version": 1, "description": "Older"}
    )

    assert response.status_code == 409
    assert "changed in another window" in response.json()["error"]
    assert Incident.objects.get(pk=draft.pk).description == "Newer"


def test_autosave_after_sending_answers_409(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = as_user(cast.reporter).post(
        reverse("incidents:report-autosave", kwargs={"pk": incident.pk}), {"description": "Later"}
    )

    assert response.status_code == 409
    assert "already been sent" in response.json()["error"]


def test_autosave_without_a_client_key_creates_nothing(as_user, cast):
    response = as_user(cast.reporter).post(reverse("incidents:report-autosave-new"), {"description": "x"})

    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_a_personnummer_is_never_put_in_a_url(as_user, cast, tree):
    client = as_user(cast.reporter)
    key = str(uuid.uuid4())

    response = client.post(
        reverse("incidents:report-autosave-new"), {"client_key": key, "patient_identifier": VALID_PNR}
    )

    urls = [v for k, v in response.json().items() if k.endswith("url")]
    assert urls and not any("1212" in url for url in urls)


# --- Someone else's draft or report ----------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("incidents:report-edit", "get"),
        ("incidents:report-edit", "post"),
        ("incidents:report-autosave", "post"),
        ("incidents:report-sent", "get"),
        ("incidents:mine-detail", "get"),
        ("incidents:mine-discard", "post"),
        ("incidents:mine-comment", "post"),
    ],
)
def test_another_users_draft_is_not_found(as_user, cast, route, method):
    draft = services.draft_start(actor=cast.reporter, client_key=uuid.uuid4(), fields={"description": "Mitt"})

    response = getattr(as_user(cast.handler), method)(reverse(route, kwargs={"pk": draft.pk}), {"text": "x"})

    assert response.status_code == 404
    assert Incident.objects.get(pk=draft.pk).description == "Mitt"


def test_a_handler_cannot_open_the_reporters_own_pages_of_a_report_in_their_unit(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    assert as_user(cast.handler).get(reverse("incidents:mine-detail", kwargs={"pk": incident.pk})).status_code == 404
    assert as_user(cast.handler).get(reverse("incidents:report-sent", kwargs={"pk": incident.pk})).status_code == 404


# --- Mina avvikelser -------------------------------------------------------------------------


def test_my_reports_lists_drafts_and_sent_reports_with_status_and_feedback(as_user, cast, tree):
    draft = services.draft_start(actor=cast.reporter, fields={"description": "Halvfärdig rapport"})
    sent = report(cast.reporter, tree.medicin_ward)
    with_feedback = report(cast.reporter, tree.orto_ward)
    Incident.objects.filter(pk=with_feedback.pk).update(
        feedback="Tack, vi har infört dubbelkontroll.", status=Status.CLOSED
    )
    others = report(cast.handler, tree.medicin)

    response = as_user(cast.reporter).get(reverse("incidents:mine"))

    page = _text(response)
    assert response.status_code == 200
    assert "Halvfärdig rapport" in page
    assert reverse("incidents:report-edit", kwargs={"pk": draft.pk}) in page
    assert reverse("incidents:mine-discard", kwargs={"pk": draft.pk}) in page
    assert sent.reference in page and with_feedback.reference in page
    assert others.reference not in page
    assert "Submitted" in page
    assert "Read the feedback" in page and "Not yet" in page
    assert tree.orto_ward.name in page


def test_the_detail_shows_the_reporters_timeline_and_feedback_but_no_internal_notes(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=VALID_PNR)
    Incident.objects.filter(pk=incident.pk).update(feedback="Vi har gått igenom rutinen.", status=Status.CLOSED)
    TimelineEntry.objects.create(incident=incident, actor=cast.handler, kind="cause_added", message="Intern anteckning")
    TimelineEntry.objects.create(incident=incident, actor=cast.handler, kind="forwarded", message="Hemlig fråga")
    TimelineEntry.objects.create(incident=incident, actor=cast.handler, kind="feedback")

    response = as_user(cast.reporter).get(reverse("incidents:mine-detail", kwargs={"pk": incident.pk}))

    page = _text(response)
    assert response.status_code == 200
    assert "You sent the report" in page
    assert "Sent on to another unit" in page
    assert "Feedback to you" in page and "Vi har gått igenom rutinen." in page
    assert "Intern anteckning" not in page and "Hemlig fråga" not in page
    assert "191212121212" not in page and VALID_PNR not in page


def test_the_reporter_adds_a_comment_after_sending(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    client = as_user(cast.reporter)

    response = client.post(
        reverse("incidents:mine-comment", kwargs={"pk": incident.pk}), {"text": "Det var två patienter."}
    )

    assert response["Location"] == reverse("incidents:mine-detail", kwargs={"pk": incident.pk})
    assert incident.comments.get().text == "Det var två patienter."
    page = _text(client.get(response["Location"]))
    assert "Det var två patienter." in page
    assert "You added a comment" in page


def test_an_empty_comment_is_refused(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = as_user(cast.reporter).post(reverse("incidents:mine-comment", kwargs={"pk": incident.pk}), {"text": ""})

    assert response.status_code == 400
    assert "Write a comment." in _text(response)
    assert not incident.comments.exists()


def test_a_discarded_draft_is_withdrawn_and_no_longer_listed(as_user, cast):
    draft = services.draft_start(actor=cast.reporter, fields={"description": "Felstart"})
    client = as_user(cast.reporter)

    response = client.post(reverse("incidents:mine-discard", kwargs={"pk": draft.pk}))

    assert response["Location"] == reverse("incidents:mine")
    assert Incident.objects.get(pk=draft.pk).status == Status.WITHDRAWN
    assert "Felstart" not in _text(client.get(reverse("incidents:mine")))


def test_a_sent_report_cannot_be_discarded_as_a_draft(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    client = as_user(cast.reporter)

    response = client.post(reverse("incidents:mine-discard", kwargs={"pk": incident.pk}))

    assert response["Location"] == reverse("incidents:mine")
    assert "it is no longer a draft" in _text(client.get(response["Location"]))
    assert Incident.objects.get(pk=incident.pk).status == Status.SUBMITTED


def test_a_sent_report_opened_in_the_form_leads_to_its_page(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    response = as_user(cast.reporter).get(reverse("incidents:report-edit", kwargs={"pk": incident.pk}))

    assert response["Location"] == reverse("incidents:mine-detail", kwargs={"pk": incident.pk})


def test_feedback_being_written_is_not_shown_before_the_incident_is_closed(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    services.incident_feedback(incident=incident, actor=cast.handler, text="Utkast till återkoppling")
    client = as_user(cast.reporter)

    listing = _text(client.get(reverse("incidents:mine")))
    detail = _text(client.get(reverse("incidents:mine-detail", kwargs={"pk": incident.pk})))

    assert "Read the feedback" not in listing
    assert "Utkast till återkoppling" not in detail
    assert "No feedback yet" in detail


def test_a_handler_writes_to_the_reporter_and_keeps_internal_notes_internal(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.comment_add(incident=incident, actor=cast.handler, text="Intern: kolla journalen")
    services.comment_add(incident=incident, actor=cast.handler, text="Vilken tid gavs dosen?", to_reporter=True)
    services.comment_add(incident=incident, actor=cast.reporter, text="Klockan 08.")

    page = _text(as_user(cast.reporter).get(reverse("incidents:mine-detail", kwargs={"pk": incident.pk})))

    assert "Vilken tid gavs dosen?" in page and cast.handler.get_full_name() in page
    assert "Klockan 08." in page
    assert "Intern: kolla journalen" not in page
    # and the reporter was told, with a link to the conversation and not the text
    notification = Notification.objects.get(user=cast.reporter)
    assert notification.link == reverse("incidents:mine-detail", kwargs={"pk": incident.pk}) + "#comments"
    assert "Vilken tid" not in notification.subject
