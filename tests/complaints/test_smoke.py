"""The complaint's main path through the services, and who sees it (the details of each
transition are in test_services.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Status
from tests.complaints.conftest import fresh, from_board, kinds, register

pytestmark = pytest.mark.django_db


def test_main_path_and_visibility(cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    assert complaint.reference.startswith("KL-")
    assert complaint.due_on == complaint.received_on + dt.timedelta(days=28)
    complaint = services.complaint_acknowledge(complaint=complaint, actor=ccast.handler)
    complaint = services.complaint_investigate(complaint=complaint, actor=ccast.handler)
    complaint = services.complaint_answer(
        complaint=complaint,
        actor=ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in på grund av ett akut fall."},
    )
    assert complaint.answered_in_time() is True
    complaint = services.complaint_close(complaint=complaint, actor=ccast.handler)
    assert fresh(complaint).status == Status.CLOSED
    assert kinds(complaint) == ["received", "acknowledged", "investigating", "answered", "closed"]

    def sees(user):
        return Complaint.objects.visible_to(user).filter(pk=complaint.pk).exists()

    assert sees(ccast.handler) and sees(cast.manager) and sees(cast.chief_physician) and sees(cast.safety_officer)
    assert not sees(ccast.handler_orto)
    assert not sees(cast.reporter) and not sees(cast.viewer) and not sees(cast.handler)
    assert not sees(ccast.board_officer)


def test_board_sees_only_its_own(cast, ccast, tree):
    sent = from_board(ccast, tree.orto_ward)
    direct = register(ccast.handler_orto, tree.orto_ward)
    assert list(Complaint.objects.visible_to(ccast.board_officer)) == [sent]
    assert not Complaint.objects.visible_to(ccast.other_board_officer).exists()
    assert set(Complaint.objects.visible_to(ccast.handler_orto)) == {sent, direct}
