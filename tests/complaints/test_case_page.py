"""The complaint's case page: what staff and the patientnämnd's officer each read, every
operation through the page (a POST with the version the user saw), refusals shown on the page,
and identity shown only on request, each display logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from complaints import services
from complaints.models import Status
from tests.complaints.conftest import PERSONNUMMER, fresh, from_board, kinds, register

pytestmark = pytest.mark.django_db

SHOWN_NUMBER = "19121212-1212"
IDENTITY = (PERSONNUMMER, SHOWN_NUMBER, "121212-1212", "Karin Klagande", "070-1234567")
TODAY = timezone.localdate()


@pytest.fixture
def as_user(client, login):
    """Sign `user` in and ask in English (the assertions read English texts)."""

    def _as(user):
        login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def url(name, complaint, **kwargs) -> str:
    return reverse(f"complaints:{name}", kwargs={"pk": complaint.pk, **kwargs})


def post(client, name, complaint, /, **data):
    return client.post(url(name, complaint), {"version": fresh(complaint).version, **data})


def without_identity(html: str) -> None:
    for value in IDENTITY:
        assert value not in html, value


def test_it_shows_staff_the_whole_case_without_identity(as_user, cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    services.action_add(
        complaint=complaint,
        actor=ccast.handler,
        description="Rutin för information vid inställd operation",
        responsible=cast.manager,
        due_date=TODAY + dt.timedelta(days=30),
    )

    for user in (ccast.handler, cast.manager):
        response = as_user(user).get(url("detail", complaint))

        assert response.status_code == 200
        html = response.content.decode()
        assert complaint.reference in html
        assert "Jag väntade i fyra timmar" in html  # the complainant's words
        assert "Rutin för information vid inställd operation" in html
        assert 'id="timeline"' in html and 'data-kind="received"' in html
        assert 'id="incidents"' in html and 'id="external"' in html  # its links, IVO and LÖF
        assert "Avdelning 5, medicin" in html
        without_identity(html)
    # The handler is offered the contact details, the manager is not.
    assert url("show-contact", complaint) in as_user(ccast.handler).get(url("detail", complaint)).content.decode()
    assert url("show-contact", complaint) not in as_user(cast.manager).get(url("detail", complaint)).content.decode()


def test_the_board_reader_sees_only_what_the_board_asked_and_the_answer(as_user, ccast, tree):
    complaint = from_board(ccast, tree.medicin_ward)
    services.action_add(
        complaint=complaint,
        actor=ccast.handler,
        description="Intern åtgärd",
        responsible=ccast.handler,
        due_date=TODAY + dt.timedelta(days=30),
    )
    services.complaint_assign(complaint=complaint, actor=ccast.handler, handler=ccast.handler)
    client = as_user(ccast.board_officer)

    html = client.get(url("detail", complaint)).content.decode()
    assert complaint.reference in html and "PN-2026-0042" in html
    assert "Not answered yet." in html
    for hidden in (
        "Jag väntade i fyra timmar",
        "Fick inte veta",
        "Intern åtgärd",
        'id="timeline"',
        'id="incidents"',
        'id="external"',
        "complaint_handler",
    ):
        assert hidden not in html, hidden
    without_identity(html)
    assert client.get(url("letter-pdf", complaint)).status_code == 403

    services.complaint_answer(
        complaint=complaint,
        actor=ccast.handler,
        answered_on=TODAY,
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in på grund av ett akut fall."},
    )
    html = client.get(url("detail", complaint)).content.decode()
    assert "Operationen ställdes in på grund av ett akut fall." in html
    assert "Jag väntade i fyra timmar" not in html and 'id="timeline"' not in html
    assert client.get(url("letter-pdf", complaint)).status_code == 200
    # The board reader handles nothing and sees no identity.
    assert post(client, "close", complaint).status_code == 403
    assert client.post(url("show-patient", complaint)).status_code == 403
    assert client.post(url("show-contact", complaint)).status_code == 403


@pytest.mark.parametrize("who", ["handler_orto", "other_board_officer", "reporter", "viewer"])
def test_it_is_not_found_for_those_who_may_not_see_it(as_user, cast, ccast, tree, who):
    complaint = from_board(ccast, tree.medicin_ward)
    client = as_user(getattr(ccast, who, None) or getattr(cast, who))

    assert client.get(url("detail", complaint)).status_code == 404
    assert client.get(url("letter-pdf", complaint)).status_code == 404
    assert client.post(url("show-patient", complaint)).status_code == 404
    assert client.post(url("show-contact", complaint)).status_code == 404
    assert post(client, "acknowledge", complaint, acknowledged_on=TODAY).status_code == 404


def test_the_handler_takes_the_complaint_through_the_page(as_user, cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    client = as_user(ccast.handler)
    detail = url("detail", complaint)

    def step(name, anchor, **data):
        response = post(client, name, complaint, **data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        assert response["Location"] == f"{detail}#{anchor}"
        return fresh(complaint)

    assert step("take", "status").handler == ccast.handler
    assert step("acknowledge", "status", acknowledged_on=TODAY).status == Status.ACKNOWLEDGED
    assert step("investigate", "status").status == Status.INVESTIGATING
    assert step("pause", "due", reason="Väntar på journalkopia").paused_since == TODAY
    assert step("resume", "due").paused_since is None
    saved = step(
        "letter",
        "answer",
        answer_what_happened="Operationen ställdes in.",
        answer_why="Ett akut fall.",
        answer_actions="Vi ringer alltid patienten.",
        answer_apology="Vi ber om ursäkt.",
        answer_where_else="Patientnämnden.",
    )
    assert saved.answer_why == "Ett akut fall." and saved.status == Status.INVESTIGATING
    answered = step(
        "answer",
        "answer",
        answered_on=TODAY,
        answer_way="letter",
        answer_what_happened="Operationen ställdes in.",
        answer_why="Ett akut fall.",
        answer_actions="Vi ringer alltid patienten.",
        answer_apology="Vi ber om ursäkt.",
        answer_where_else="Patientnämnden.",
    )
    assert answered.status == Status.ANSWERED and answered.answered_on == TODAY
    action_due = TODAY + dt.timedelta(days=14)
    step(
        "action-add",
        "actions",
        description="Ny rutin",
        responsible=cast.manager.username,
        due_date=action_due,
        effect_class="",
    )
    assert fresh(complaint).own_actions.get().due_date == action_due
    assert step("close", "status").status == Status.CLOSED
    assert step("reopen", "status", reason="Patienten skrev igen").status == Status.INVESTIGATING
    assert kinds(complaint) == [
        "received",
        "handler_assigned",
        "acknowledged",
        "investigating",
        "paused",
        "resumed",
        "answered",
        "action_added",
        "closed",
        "reopened",
    ]


def test_assign_edit_contact_forward_and_withdraw_through_the_page(as_user, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    other = register(ccast.handler, tree.medicin_ward)
    colleague = ccast.handler_orto  # not a handler of Medicinkliniken
    client = as_user(ccast.handler)

    response = post(client, "assign", complaint, handler=colleague.username)
    assert response.status_code == 400 and fresh(complaint).handler_id is None
    assert post(client, "assign", complaint, handler=ccast.handler.username).status_code == 302

    response = post(
        client,
        "edit",
        complaint,
        channel="letter",
        complainant_type="relative",
        patient_consent="on",
        received_on=complaint.received_on,
        unit=tree.medicin_ward.pk,
        units=[tree.medicin_ward.pk, tree.orto_ward.pk],
        area="care",
        subarea="treatment",
        summary="Inställd operation",
        description="Jag väntade i fyra timmar.",
        new_patient_identifier="",
        board_reference="",
    )
    assert response.status_code == 302
    changed = fresh(complaint)
    assert (changed.channel, changed.area, changed.subarea, changed.patient_consent) == (
        "letter",
        "care",
        "treatment",
        True,
    )
    assert changed.patient_identifier == PERSONNUMMER  # kept: the form never holds it
    assert set(changed.units.values_list("pk", flat=True)) == {tree.medicin_ward.pk, tree.orto_ward.pk}

    response = post(client, "contact", complaint, name="Karin Klagande", address="", phone="", email="k@example.se")
    assert response.status_code == 302
    assert fresh(complaint).contact.email == "k@example.se" and fresh(complaint).contact.phone == ""

    assert post(client, "forward", complaint, to="Västerås stad", reason="").status_code == 302
    assert fresh(complaint).status == Status.FORWARDED
    assert post(client, "withdraw", other, reason="Dubblett").status_code == 302
    assert fresh(other).status == Status.WITHDRAWN


def test_a_stale_form_comes_back_with_the_changes_and_what_was_typed(as_user, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    seen = complaint.version
    services.complaint_acknowledge(complaint=complaint, actor=ccast.handler)
    client = as_user(ccast.handler)

    response = client.post(url("pause", complaint), {"version": seen, "reason": "Väntar på samtycke"})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="stale"' in html and "Väntar på samtycke" in html
    assert f'value="{fresh(complaint).version}"' in html
    assert fresh(complaint).paused_since is None


def test_bad_input_is_shown_on_the_page_and_nothing_is_saved(as_user, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    client = as_user(ccast.handler)

    response = post(client, "answer", complaint, answered_on=TODAY, answer_way="letter", answer_what_happened="")

    assert response.status_code == 400
    assert "Write what happened" in response.content.decode()
    assert fresh(complaint).status == Status.RECEIVED
    response = post(client, "acknowledge", complaint, acknowledged_on=TODAY + dt.timedelta(days=3))
    assert response.status_code == 400 and fresh(complaint).status == Status.RECEIVED


def test_an_operation_not_allowed_is_refused_with_the_reason(as_user, cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)

    response = post(as_user(cast.manager), "acknowledge", complaint, acknowledged_on=TODAY)
    assert response.status_code == 403
    # The state forbids it: not offered, and refused when posted anyway.
    response = post(as_user(ccast.handler), "close", complaint)
    assert response.status_code == 403
    assert fresh(complaint).status == Status.RECEIVED
    assert url("close", complaint) not in as_user(ccast.handler).get(url("detail", complaint)).content.decode()


def test_showing_the_patient_writes_one_access_log_row_each_time(as_user, cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)
    client = as_user(cast.manager)
    html = client.get(url("detail", complaint)).content.decode()
    without_identity(html)
    assert url("show-patient", complaint) in html

    response = client.post(url("show-patient", complaint))
    assert response.status_code == 200 and SHOWN_NUMBER in response.content.decode()
    response = client.post(url("show-patient", complaint), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and SHOWN_NUMBER in response.content.decode()
    assert 'id="timeline"' not in response.content.decode()  # the box alone

    rows = AccessLog.objects.filter(action=AccessLog.Action.VIEW_PATIENT, object_id=str(complaint.pk))
    assert rows.count() == 2
    assert {(row.user_id, row.patient_identifier, row.unit_id) for row in rows} == {
        (cast.manager.pk, PERSONNUMMER, tree.medicin_ward.pk)
    }
    without_identity(client.get(url("detail", complaint)).content.decode())


def test_contact_details_are_shown_to_handlers_only_and_logged(as_user, cast, ccast, tree):
    complaint = register(ccast.handler, tree.medicin_ward)

    assert as_user(cast.manager).post(url("show-contact", complaint)).status_code == 403
    assert not AccessLog.objects.exists()

    client = as_user(ccast.handler)
    response = client.post(url("show-contact", complaint), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "Karin Klagande" in html and "070-1234567" in html
    assert url("contact", complaint) in html  # now they may be changed
    response = client.post(url("show-contact", complaint))
    assert response.status_code == 200 and "Karin Klagande" in response.content.decode()
    assert PERSONNUMMER not in response.content.decode() and SHOWN_NUMBER not in response.content.decode()

    rows = AccessLog.objects.filter(action=AccessLog.Action.VIEW, user=ccast.handler)
    assert rows.count() == 2
    assert {row.object_type for row in rows} == {"complaints.contact"}


def test_the_case_page_costs_the_same_queries_however_long_the_case(as_user, cast, ccast, tree):
    def with_actions(count):
        complaint = register(ccast.handler, tree.medicin_ward)
        for number in range(count):
            services.action_add(
                complaint=fresh(complaint),
                actor=ccast.handler,
                description=f"Åtgärd {number}",
                responsible=cast.manager if number % 2 else ccast.handler,
                due_date=TODAY + dt.timedelta(days=10 + number),
            )
        return complaint

    small, large = with_actions(1), with_actions(5)
    client = as_user(ccast.handler)
    client.get(url("detail", small))  # warm the per-process caches

    with CaptureQueriesContext(connection) as one:
        assert client.get(url("detail", small)).status_code == 200
    with CaptureQueriesContext(connection) as five:
        assert client.get(url("detail", large)).status_code == 200
    assert len(one) == len(five), [q["sql"] for q in five.captured_queries]
