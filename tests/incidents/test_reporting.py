"""Reporting: drafts on the server, idempotent submission, reference numbers, visibility."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from incidents import services
from incidents.models import CaseType, EventClass, Incident, ReportedKind, Status, TimelineEntry
from outbox.models import OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def test_a_draft_starts_in_the_reporters_own_unit_at_the_current_time(cast, tree):
    draft = services.draft_start(actor=cast.reporter)

    assert draft.status == Status.DRAFT
    assert draft.unit == tree.medicin_ward
    assert abs(draft.occurred_at - timezone.now()) < dt.timedelta(minutes=2)
    assert draft.reference is None
    assert list(draft.timeline.values_list("kind", flat=True)) == [TimelineEntry.Kind.CREATED]


def test_autosave_keeps_what_was_typed_and_bumps_the_version(cast):
    draft = services.draft_start(actor=cast.reporter)

    saved = services.draft_save(
        incident=draft, actor=cast.reporter, fields={"description": "Fall i korridoren"}, version=draft.version
    )

    assert Incident.objects.get(pk=draft.pk).description == "Fall i korridoren"
    assert saved.version == draft.version + 1


def test_a_stale_autosave_is_refused(cast):
    draft = services.draft_start(actor=cast.reporter)
    services.draft_save(incident=draft, actor=cast.reporter, fields={"description": "A"}, version=1)

    with pytest.raises(services.StaleVersionError):
        services.draft_save(incident=draft, actor=cast.reporter, fields={"description": "B"}, version=1)
    assert Incident.objects.get(pk=draft.pk).description == "A"


def test_only_the_author_can_change_a_draft(cast):
    draft = services.draft_start(actor=cast.reporter)
    with pytest.raises(PermissionDenied):
        services.draft_save(incident=draft, actor=cast.handler, fields={"description": "x"})


def test_submitting_gives_a_reference_and_hands_the_case_to_the_unit(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    assert re.fullmatch(rf"AV-{timezone.localdate().year}-\d{{6}}", incident.reference)
    assert incident.status == Status.SUBMITTED
    assert incident.responsible_unit == tree.medicin_ward
    assert incident.event_class == EventClass.HARM
    assert not incident.late_report
    second = report(cast.reporter, tree.medicin_ward)
    assert int(second.reference[-6:]) == int(incident.reference[-6:]) + 1


def test_a_report_more_than_72_hours_late_is_accepted_and_flagged(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, occurred_at=timezone.now() - dt.timedelta(hours=80))
    assert incident.status == Status.SUBMITTED
    assert incident.late_report


def test_submitting_twice_returns_the_same_report(cast, tree):
    draft = services.draft_start(
        actor=cast.reporter,
        fields={"description": "Tillbud", "case_type": CaseType.CARE, "reported_kind": ReportedKind.NEAR_MISS},
    )
    first = services.incident_submit(incident=draft, actor=cast.reporter)
    again = services.incident_submit(incident=draft, actor=cast.reporter)

    assert again.reference == first.reference
    assert Incident.objects.filter(reporter=cast.reporter).count() == 1
    assert TimelineEntry.objects.filter(incident=draft, kind=TimelineEntry.Kind.SUBMITTED).count() == 1


def test_the_same_client_key_never_creates_two_reports(cast, tree):
    key = uuid.uuid4()
    fields = {
        "unit": tree.medicin_ward,
        "description": "Fel patient",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
    }
    first, created = services.incident_report(actor=cast.reporter, client_key=key, fields=fields)
    again, created_again = services.incident_report(actor=cast.reporter, client_key=key, fields=fields)

    assert created and not created_again
    assert again.pk == first.pk
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_with_one_key_give_one_incident(cast, tree):
    key = uuid.uuid4()
    fields = {
        "unit": tree.medicin_ward.pk,
        "description": "Dubbelklick",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.RISK,
    }
    results, errors = [], []
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            incident, _ = services.incident_report(actor=cast.reporter, client_key=key, fields=fields)
            results.append(incident.pk)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(set(results)) == 1
    assert Incident.objects.filter(client_key=key).count() == 1
    assert Incident.objects.get(client_key=key).status == Status.SUBMITTED


def test_missing_required_fields_are_named_and_nothing_changes(cast):
    draft = services.draft_start(actor=cast.reporter)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_submit(incident=draft, actor=cast.reporter)
    assert set(excinfo.value.message_dict) == {"description", "case_type", "reported_kind"}
    assert Incident.objects.get(pk=draft.pk).status == Status.DRAFT


@pytest.mark.parametrize("typed", ["19121212-1213", "19990230-1234", "12345"])
def test_a_wrong_personnummer_is_refused(cast, typed):
    draft = services.draft_start(actor=cast.reporter)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_save(incident=draft, actor=cast.reporter, fields={"patient_identifier": typed})
    assert "patient_identifier" in excinfo.value.message_dict
    assert Incident.objects.get(pk=draft.pk).patient_identifier == ""


def test_a_valid_personnummer_is_stored_normalised(cast):
    draft = services.draft_start(actor=cast.reporter)
    services.draft_save(incident=draft, actor=cast.reporter, fields={"patient_identifier": "121212-1212"})
    stored = Incident.objects.get(pk=draft.pk)
    assert stored.patient_identifier == "201212121212"  # the short form means younger than 100
    assert stored.patient_involved


def test_a_time_in_the_future_is_refused(cast):
    draft = services.draft_start(actor=cast.reporter)
    with pytest.raises(ValidationError):
        services.draft_save(
            incident=draft, actor=cast.reporter, fields={"occurred_at": timezone.now() + dt.timedelta(days=1)}
        )


def test_drafts_are_visible_only_to_their_author(cast, tree):
    draft = services.draft_start(actor=cast.reporter)
    assert Incident.objects.visible_to(cast.reporter).filter(pk=draft.pk).exists()
    for other in (cast.handler, cast.manager, cast.chief_physician, cast.safety_officer):
        assert not Incident.objects.visible_to(other).filter(pk=draft.pk).exists()


def test_submitted_incidents_are_visible_by_scope(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    visible = {
        name
        for name in cast.names()
        if Incident.objects.visible_to(getattr(cast, name)).filter(pk=incident.pk).exists()
    }
    assert visible == {"reporter", "handler", "manager", "chief_physician", "safety_officer"}


def test_a_report_notifies_the_handlers_without_free_text(cast, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(cast.reporter, tree.medicin_ward)

    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert recipients == {cast.handler.email, cast.manager.email, cast.chief_physician.email}
    for message in OutboxMessage.objects.all():
        assert incident.reference in message.subject
        assert "Waran" not in message.body and "Waran" not in message.subject
        assert f"/avvikelser/{incident.pk}/" in message.body


def test_a_reporter_can_comment_after_submission(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    comment = services.comment_add(incident=incident, actor=cast.reporter, text="Patienten mår bra nu.")
    assert comment.incident_id == incident.pk
    with pytest.raises(PermissionDenied):
        services.comment_add(incident=incident, actor=cast.handler_orto, text="x")


def test_withdrawing_keeps_the_incident_with_the_reason(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    with pytest.raises(ValidationError):
        services.incident_withdraw(incident=incident, actor=cast.handler, reason="")
    services.incident_withdraw(incident=incident, actor=cast.handler, reason="Dubblett av AV-2026-000001")
    incident.refresh_from_db()
    assert incident.status == Status.WITHDRAWN
    assert incident.timeline.last().message == "Dubblett av AV-2026-000001"


def test_the_author_can_discard_a_draft_and_it_is_kept_withdrawn(cast):
    draft = services.draft_start(actor=cast.reporter, fields={"description": "Fel"})

    services.incident_withdraw_draft(incident=draft, actor=cast.reporter)

    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN and draft.reference is None
    assert Incident.objects.visible_to(cast.reporter).filter(pk=draft.pk).exists()


def test_a_discarded_draft_stays_private(cast):
    draft = services.draft_start(actor=cast.reporter, fields={"description": "Privat utkast"})
    services.incident_withdraw_draft(incident=draft, actor=cast.reporter)

    for other in (cast.handler, cast.manager, cast.chief_physician, cast.safety_officer):
        assert not Incident.objects.visible_to(other).filter(pk=draft.pk).exists()
