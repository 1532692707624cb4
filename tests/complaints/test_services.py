"""Every transition of a complaint through its services: who may (403), from which state
(409), a stale version (409 with what changed), the timeline, the outbox on commit; and the
due date's rules (the provider's days, the nämnd's date, pauses, weekends)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import OrgUnit
from complaints import services
from complaints.models import Complaint, ComplaintSettings, Contact, Pause, Status
from outbox.models import Notification
from psweb.cases import ConflictError, StaleVersionError
from tests.complaints.conftest import PERSONNUMMER, fields, fresh, from_board, kinds, register

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def answer(complaint, actor, *, day=None, text="Operationen ställdes in på grund av ett akut fall."):
    return services.complaint_answer(
        complaint=complaint,
        actor=actor,
        answered_on=day or TODAY(),
        way="letter",
        letter={"answer_what_happened": text},
    )


# --- Registering ---------------------------------------------------------------------------------


def test_register_keeps_identity_apart_and_tells_the_units_handlers(
    cast, ccast, tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = register(ccast.handler, tree.medicin_ward)
    complaint = fresh(complaint)
    assert complaint.patient_identifier == PERSONNUMMER
    assert complaint.contact.name == "Karin Klagande"
    assert set(complaint.units.all()) == {tree.medicin_ward}
    assert kinds(complaint) == ["received"]
    # The registering handler is not told of her own complaint; nobody else handles Medicin.
    assert not Notification.objects.filter(link__contains=f"/klagomal/{complaint.pk}/").exists()
    other = register(ccast.handler, tree.medicin_ward, summary="Väntade länge på svar i telefon")
    assert other.reference != complaint.reference


def test_register_notifies_other_handlers_with_reference_only(cast, ccast, tree, django_capture_on_commit_callbacks):
    from tests.conftest import _member

    colleague = _member("complaint_colleague", tree.medicin, "complaint_handler")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = register(ccast.handler, tree.medicin_ward)
    notice = Notification.objects.get(user=colleague)
    assert complaint.reference in notice.subject
    for message in mail.outbox:
        text = message.subject + message.body
        assert complaint.reference in text
        assert "Karin" not in text and "1212" not in text and "fyra timmar" not in text


def test_register_refuses_a_unit_the_handler_does_not_handle(ccast, tree):
    with pytest.raises(PermissionDenied):
        register(ccast.handler, tree.orto_ward)
    assert not Complaint.objects.exists()


def test_register_reports_every_bad_field_at_once_and_saves_nothing(ccast, tree):
    with pytest.raises(ValidationError) as error:
        services.complaint_register(
            actor=ccast.handler,
            fields={
                **fields(tree.medicin),
                "channel": "pigeon",
                "area": "communication",
                "subarea": "diagnosis",  # a subarea of another area
                "summary": "Patient 19121212-1212 klagar",
                "received_on": TODAY() + dt.timedelta(days=1),
                "patient_identifier": "19121212-1213",
            },
            contact={"email": "inte en adress"},
        )
    assert set(error.value.message_dict) == {
        "channel",
        "subarea",
        "summary",
        "received_on",
        "patient_identifier",
        "contact_email",
    }
    assert not Complaint.objects.exists() and not Contact.objects.exists()


def test_the_board_registers_its_case_with_its_number_and_date(ccast, tree):
    complaint = from_board(ccast, tree.orto_ward, due_in_days=21)
    assert complaint.channel == "patient_board"
    assert complaint.board_unit == ccast.board
    assert complaint.due_on == TODAY() + dt.timedelta(days=21)
    with pytest.raises(ValidationError) as error:
        services.complaint_register(
            actor=ccast.board_officer, fields=fields(tree.orto_ward), board_unit=ccast.board, board_due_on=None
        )
    assert set(error.value.message_dict) == {"board_reference", "board_due_on"}
    with pytest.raises(PermissionDenied):
        services.complaint_register(
            actor=ccast.board_officer,
            fields=fields(tree.orto_ward, board_reference="X-1"),
            board_unit=ccast.other_board,
            board_due_on=TODAY(),
        )


def test_a_handler_cannot_register_as_the_board_nor_on_the_board(ccast, tree):
    with pytest.raises(PermissionDenied):
        services.complaint_register(
            actor=ccast.handler,
            fields=fields(tree.medicin, board_reference="X-1"),
            board_unit=ccast.board,
            board_due_on=TODAY(),
        )
    with pytest.raises(PermissionDenied):
        register(ccast.handler, ccast.board)


# --- The workflow --------------------------------------------------------------------------------


def test_acknowledge_takes_the_case_and_dates_the_receipt(ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    complaint = services.complaint_acknowledge(complaint=complaint, actor=ccast.handler)
    assert complaint.status == Status.ACKNOWLEDGED
    assert complaint.acknowledged_on == TODAY()
    assert complaint.handler == ccast.handler
    with pytest.raises(ConflictError):
        services.complaint_acknowledge(complaint=complaint, actor=ccast.handler)


def test_only_the_units_handlers_move_it(cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    for outsider in (ccast.handler_orto, cast.manager, cast.chief_physician, ccast.board_officer, cast.handler):
        with pytest.raises(PermissionDenied):
            services.complaint_acknowledge(complaint=complaint, actor=outsider)
    assert fresh(complaint).status == Status.RECEIVED


def test_a_stale_version_is_refused_with_what_changed(ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    version = complaint.version
    services.complaint_investigate(complaint=complaint, actor=ccast.handler, version=version)
    with pytest.raises(StaleVersionError) as error:
        services.complaint_pause(complaint=complaint, actor=ccast.handler, reason="Väntar", version=version)
    assert [entry.kind for entry in error.value.changes] == ["investigating"]


def test_answer_needs_what_happened_a_date_and_a_way(ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    with pytest.raises(ValidationError) as error:
        services.complaint_answer(complaint=complaint, actor=ccast.handler, answered_on=None, way="carrier pigeon")
    assert set(error.value.message_dict) == {"answer_what_happened", "answered_on", "answer_way"}
    assert fresh(complaint).status == Status.RECEIVED
    complaint = answer(complaint, ccast.handler)
    assert complaint.status == Status.ANSWERED
    assert complaint.answered_by == ccast.handler
    assert complaint.answer_where_else  # the default text on where else to turn
    assert complaint.answered_in_time() is True


def test_answer_cannot_predate_the_receipt(ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    with pytest.raises(ValidationError) as error:
        answer(complaint, ccast.handler, day=complaint.received_on - dt.timedelta(days=1))
    assert "answered_on" in error.value.message_dict


def test_close_reopen_and_close_again(ccast, tree):
    complaint = answer(register(ccast.handler, tree.medicin), ccast.handler)
    complaint = services.complaint_close(complaint=complaint, actor=ccast.handler)
    assert complaint.closed_at is not None
    with pytest.raises(ValidationError):
        services.complaint_reopen(complaint=complaint, actor=ccast.handler, reason=" ")
    complaint = services.complaint_reopen(complaint=complaint, actor=ccast.handler, reason="Hon skrev igen.")
    assert complaint.status == Status.INVESTIGATING and complaint.closed_at is None
    complaint = answer(complaint, ccast.handler)
    complaint = services.complaint_close(complaint=complaint, actor=ccast.handler)
    assert kinds(complaint)[-4:] == ["closed", "reopened", "answered", "closed"]


def test_close_only_after_an_answer(ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    with pytest.raises(ConflictError):
        services.complaint_close(complaint=complaint, actor=ccast.handler)


@pytest.mark.parametrize("transition", ["forward", "withdraw"])
def test_forward_and_withdraw_end_it_without_an_answer(ccast, tree, transition):
    complaint = register(ccast.handler, tree.medicin)
    services.complaint_pause(complaint=complaint, actor=ccast.handler, reason="Väntar på samtycke.")
    if transition == "forward":
        with pytest.raises(ValidationError):
            services.complaint_forward(complaint=complaint, actor=ccast.handler, to="")
        complaint = services.complaint_forward(complaint=complaint, actor=ccast.handler, to="Västerås stad")
        assert complaint.forwarded_to == "Västerås stad"
    else:
        complaint = services.complaint_withdraw(complaint=complaint, actor=ccast.handler, reason="Dubblett.")
    complaint = fresh(complaint)
    assert complaint.status in (Status.FORWARDED, Status.WITHDRAWN)
    assert complaint.paused_since is None and complaint.closed_at is not None
    assert not Pause.objects.filter(complaint=complaint, ended_on__isnull=True).exists()
    with pytest.raises(ConflictError):
        answer(complaint, ccast.handler)
    with pytest.raises(ConflictError):
        services.complaint_update(complaint=complaint, actor=ccast.handler, fields={"summary": "Ny rubrik"})


def test_assign_only_a_handler_of_the_unit(cast, ccast, tree, django_capture_on_commit_callbacks):
    from tests.conftest import _member

    colleague = _member("complaint_colleague", tree.medicin, "complaint_handler")
    complaint = register(ccast.handler, tree.medicin)
    with pytest.raises(ValidationError):
        services.complaint_assign(complaint=complaint, actor=ccast.handler, handler=ccast.handler_orto)
    with pytest.raises(ValidationError):
        services.complaint_assign(complaint=complaint, actor=ccast.handler, handler=cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.complaint_assign(complaint=complaint, actor=ccast.handler, handler=colleague)
    assert complaint.handler == colleague
    assert Notification.objects.filter(user=colleague, subject__contains=complaint.reference).exists()


def test_update_moves_responsibility_only_to_a_unit_the_actor_handles(ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    with pytest.raises(PermissionDenied):
        services.complaint_update(complaint=complaint, actor=ccast.handler, fields={"unit": tree.orto})
    complaint = services.complaint_update(
        complaint=complaint,
        actor=ccast.handler,
        fields={"unit": tree.medicin, "units": [tree.orto_ward], "area": "care", "subarea": "treatment"},
    )
    assert complaint.unit == tree.medicin
    assert set(complaint.units.all()) == {tree.medicin, tree.orto_ward}
    assert kinds(complaint)[-1] == "changed"
    with pytest.raises(ValidationError) as error:
        services.complaint_update(complaint=complaint, actor=ccast.handler, fields={"reference": "KL-1"})
    assert "reference" in error.value.message_dict


def test_contact_details_only_by_handlers_and_never_in_the_timeline(cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    with pytest.raises(PermissionDenied):
        services.contact_update(complaint=complaint, actor=cast.manager, contact={"phone": "070-1"})
    services.contact_update(complaint=complaint, actor=ccast.handler, contact={"phone": "070-7654321"})
    assert Contact.objects.get(complaint=complaint).phone == "070-7654321"
    entry = complaint.timeline.order_by("-at", "-id").first()
    assert entry.kind == "contact_changed" and "070" not in entry.message and "070" not in str(entry.data)


def test_action_added_to_the_register(cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    action = services.action_add(
        complaint=complaint,
        actor=ccast.handler,
        description="Informera patienter om förseningar i väntrummet.",
        responsible=cast.manager,
        due_date=TODAY() + dt.timedelta(days=30),
    )
    assert action.complaint_id == complaint.pk
    assert kinds(complaint)[-1] == "action_added"
    with pytest.raises(PermissionDenied):
        services.action_add(
            complaint=complaint,
            actor=cast.manager,
            description="x",
            responsible=cast.manager,
            due_date=TODAY() + dt.timedelta(days=30),
        )


# --- The due date ----------------------------------------------------------------------------------


def test_due_date_is_the_providers_days(ccast, tree):
    ComplaintSettings.objects.create(care_provider=tree.region, answer_days=14)
    complaint = register(ccast.handler, tree.medicin, received_on=dt.date(2026, 3, 2))
    assert complaint.due_on == dt.date(2026, 3, 16)
    municipal = register(ccast.handler_muni, tree.hemsjukvard, received_on=dt.date(2026, 3, 2))
    assert municipal.due_on == dt.date(2026, 3, 30)  # the default 28 days


def test_a_weekend_does_not_move_the_due_date_unless_configured(ccast, tree):
    # 2026-03-07 is a Saturday: received on 2026-02-07 + 28 days.
    kept = register(ccast.handler, tree.medicin, received_on=dt.date(2026, 2, 7))
    assert kept.due_on == dt.date(2026, 3, 7)
    ComplaintSettings.objects.create(care_provider=tree.region, weekend_moves_due=True)
    moved = register(ccast.handler, tree.medicin, received_on=dt.date(2026, 2, 7))
    assert moved.due_on == dt.date(2026, 3, 9)  # the Monday after


def test_pause_needs_a_reason_and_resume_moves_the_due_date_by_the_days_paused(ccast, tree):
    complaint = register(ccast.handler, tree.medicin)
    due = complaint.due_on
    with pytest.raises(ValidationError):
        services.complaint_pause(complaint=complaint, actor=ccast.handler, reason="  ")
    complaint = services.complaint_pause(complaint=complaint, actor=ccast.handler, reason="Väntar på journal.")
    with pytest.raises(ConflictError):
        services.complaint_pause(complaint=complaint, actor=ccast.handler, reason="Igen")
    # Paused five days ago: the pause's start moved back as if it had lasted.
    Complaint.objects.filter(pk=complaint.pk).update(paused_since=TODAY() - dt.timedelta(days=5))
    Pause.objects.filter(complaint=complaint).update(started_on=TODAY() - dt.timedelta(days=5))
    assert not Complaint.objects.overdue(today=due + dt.timedelta(days=1)).filter(pk=complaint.pk).exists()
    complaint = services.complaint_resume(complaint=fresh(complaint), actor=ccast.handler)
    assert complaint.due_on == due + dt.timedelta(days=5)
    assert complaint.paused_since is None and complaint.pause_reason == ""
    pause = Pause.objects.get(complaint=complaint)
    assert (pause.started_on, pause.ended_on, pause.ended_by) == (
        TODAY() - dt.timedelta(days=5),
        TODAY(),
        ccast.handler,
    )
    with pytest.raises(ConflictError):
        services.complaint_resume(complaint=complaint, actor=ccast.handler)
    assert kinds(complaint)[-2:] == ["paused", "resumed"]


def test_answering_while_paused_ends_the_pause_on_the_day_sent(ccast, tree):
    complaint = register(ccast.handler, tree.medicin, received_on=TODAY() - dt.timedelta(days=40))
    due = complaint.due_on  # 12 days ago
    services.complaint_pause(complaint=complaint, actor=ccast.handler, reason="Väntar på samtycke.")
    Complaint.objects.filter(pk=complaint.pk).update(paused_since=TODAY() - dt.timedelta(days=20))
    Pause.objects.filter(complaint=complaint).update(started_on=TODAY() - dt.timedelta(days=20))
    complaint = answer(fresh(complaint), ccast.handler, day=TODAY() - dt.timedelta(days=2))
    assert complaint.due_on == due + dt.timedelta(days=18)
    assert complaint.answered_in_time() is True


def test_overdue_is_past_due_unanswered_and_not_paused(ccast, tree):
    late = register(ccast.handler, tree.medicin, received_on=TODAY() - dt.timedelta(days=30))
    on_time = register(ccast.handler, tree.medicin)
    answered_late = answer(
        register(ccast.handler, tree.medicin, received_on=TODAY() - dt.timedelta(days=40)), ccast.handler
    )
    assert list(Complaint.objects.overdue()) == [late]
    assert late.is_overdue() and not on_time.is_overdue() and not answered_late.is_overdue()
    assert answered_late.answered_in_time() is False


def test_the_board_unit_kind_exists():
    assert OrgUnit._meta.get_field("kind").related_model.objects.filter(code="patientnamnd").exists()
