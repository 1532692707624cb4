"""/api/v1/complaints/ (issue 17, item 7): who sees which complaints and how, what never reaches
the list, the patient and the contact details read only through their logged sub-resources,
every transition's 200/403/409/400, registering (by a handler, by the patientnämnd), incidents
and IVO/LÖF cases, `updated_since`, and a list whose queries do not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccessLog
from complaints import services
from complaints.models import Complaint, ComplaintIncident, ExternalCase
from tests.complaints.conftest import PERSONNUMMER, fields, fresh, from_board, register

pytestmark = pytest.mark.django_db

LIST = "/api/v1/complaints/"
CONTACT = {"name": "Karin Klagande", "phone": "070-1234567"}
WORDS = "Jag väntade i fyra timmar och ingen sa något."


def url(complaint, tail=""):
    return f"{LIST}{complaint.pk}/{tail}"


@pytest.fixture
def complaint(ccast, tree):
    return register(ccast.handler, tree.medicin_ward, contact=CONTACT)


def answered(complaint, actor):
    return services.complaint_answer(
        complaint=complaint,
        actor=actor,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in på grund av ett akut fall."},
    )


# --- Reading --------------------------------------------------------------------------------


def test_the_list_shows_neither_words_nor_identity_nor_contact(api, cast, ccast, complaint):
    response = api(ccast.handler).get(LIST)

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["id"], row["view"], row["reference"]) == (complaint.pk, "staff", complaint.reference)
    text = response.content.decode()
    assert WORDS not in text and PERSONNUMMER not in text and CONTACT["name"] not in text
    assert "description" not in row and "patient_identifier" not in row


def test_the_board_sees_only_its_own_cases_as_the_board(api, cast, ccast, tree, complaint):
    sent = from_board(ccast, tree.orto_ward)

    rows = api(ccast.board_officer).get(LIST).json()["results"]
    assert [(row["id"], row["view"]) for row in rows] == [(sent.pk, "board")]
    assert "summary" not in rows[0] and "handler" not in rows[0]
    assert api(ccast.other_board_officer).get(LIST).json()["results"] == []
    assert api(ccast.board_officer).get(url(complaint)).status_code == 404
    detail = api(ccast.board_officer).get(url(sent)).json()
    assert detail["view"] == "board" and detail["answer"] is None and "description" not in detail
    # the provider's staff see both
    assert {row["id"] for row in api(ccast.handler_orto).get(LIST).json()["results"]} == {sent.pk}
    assert {row["id"] for row in api(cast.chief_physician).get(LIST).json()["results"]} == {sent.pk, complaint.pk}


def test_nobody_else_sees_it(api, cast, ccast, complaint):
    for user in (cast.reporter, cast.viewer, cast.handler, ccast.handler_orto, ccast.board_officer, cast.outsider):
        client = api(user)
        assert client.get(LIST).json()["results"] == []
        assert client.get(url(complaint)).status_code == 404


def test_the_detail_gives_staff_the_words_but_not_the_identity(api, cast, complaint):
    body = api(cast.manager).get(url(complaint)).json()
    assert body["description"] == WORDS and body["patient_identified"] is True
    assert PERSONNUMMER not in str(body) and CONTACT["name"] not in str(body)


def test_the_patients_identity_is_read_through_its_own_resource_and_logged(api, cast, ccast, complaint):
    response = api(cast.manager).get(url(complaint, "patient/"))

    assert response.status_code == 200 and response.json() == {"patient_identifier": PERSONNUMMER}
    row = AccessLog.objects.get(user=cast.manager)
    assert (row.action, row.object_id, row.patient_identifier) == (
        AccessLog.Action.VIEW_PATIENT,
        str(complaint.pk),
        PERSONNUMMER,
    )
    assert api(ccast.board_officer).get(url(complaint, "patient/")).status_code == 404


def test_the_contact_details_are_the_handlers_read_logged(api, cast, ccast, complaint):
    assert api(cast.manager).get(url(complaint, "contact/")).status_code == 403
    response = api(ccast.handler).get(url(complaint, "contact/"))

    assert response.status_code == 200 and response.json()["name"] == CONTACT["name"]
    assert AccessLog.objects.filter(user=ccast.handler, action=AccessLog.Action.VIEW).count() == 1
    changed = api(ccast.handler).put(
        url(complaint, "contact/"), {"version": complaint.version, "email": "karin@example.se"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["email"] == "karin@example.se"
    assert fresh(complaint).version == complaint.version + 1


# --- Registering ----------------------------------------------------------------------------


def test_a_handler_registers_a_complaint(api, ccast, tree):
    body = {
        **{k: v for k, v in fields(tree.medicin_ward.pk).items() if k != "received_on"},
        "received_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "contact": CONTACT,
    }
    response = api(ccast.handler).post(LIST, body, format="json")

    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(pk=response.json()["id"])
    assert complaint.contact.name == CONTACT["name"] and complaint.patient_identifier == PERSONNUMMER
    assert response.json()["view"] == "staff" and PERSONNUMMER not in response.content.decode()
    assert api(ccast.handler_orto).post(LIST, body, format="json").status_code == 403


def test_the_board_registers_with_its_number_and_date(api, ccast, tree):
    body = {
        k: v for k, v in fields(tree.orto_ward.pk).items() if k not in ("received_on", "channel", "patient_identifier")
    }
    body.update(received_on=timezone.localdate().isoformat())
    without = api(ccast.board_officer).post(LIST, body, format="json")
    assert without.status_code == 400 and "board_unit" in without.json()["errors"]
    body.update(board_unit=ccast.board.pk)

    missing = api(ccast.board_officer).post(LIST, body, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"board_reference", "board_due_on"}

    body.update(board_reference="PN-2026-7", board_due_on=(timezone.localdate() + dt.timedelta(days=28)).isoformat())
    response = api(ccast.board_officer).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["view"] == "board" and response.json()["board_reference"] == "PN-2026-7"
    # another nämnd's officer may not send in this one's name
    assert api(ccast.other_board_officer).post(LIST, body, format="json").status_code == 403


# --- Changing -------------------------------------------------------------------------------


def test_patch_changes_the_details_with_the_version(api, cast, ccast, complaint):
    client = api(ccast.handler)
    assert client.patch(url(complaint), {"summary": "Ny sammanfattning"}, format="json").status_code == 400
    ok = client.patch(url(complaint), {"summary": "Ny sammanfattning", "version": complaint.version}, format="json")
    assert ok.status_code == 200 and ok.json()["summary"] == "Ny sammanfattning"
    stale = client.patch(url(complaint), {"summary": "Igen", "version": complaint.version}, format="json")
    assert stale.status_code == 409 and stale.json()["changes"]
    assert api(cast.manager).patch(url(complaint), {"summary": "x", "version": 2}, format="json").status_code == 403
    refused = api(ccast.handler).patch(
        url(complaint), {"status": "closed", "version": fresh(complaint).version}, format="json"
    )
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def _reason(c):
    return {"version": c.version, "reason": "Skäl"}


def _version(c):
    return {"version": c.version}


# name → (a complaint where it may be done, its body, a complaint where the state forbids it)
TRANSITIONS = {
    "acknowledge": (lambda c, h: c, _version, lambda c, h: answered(c, h)),
    "investigate": (lambda c, h: c, _version, lambda c, h: answered(c, h)),
    "pause": (lambda c, h: c, _reason, lambda c, h: answered(c, h)),
    "resume": (
        lambda c, h: services.complaint_pause(complaint=c, actor=h, reason="Väntar på samtycke"),
        _version,
        lambda c, h: c,
    ),
    "letter": (lambda c, h: c, lambda c: {"version": c.version, "answer_why": "För att"}, lambda c, h: answered(c, h)),
    "answer": (
        lambda c, h: c,
        lambda c: {
            "version": c.version,
            "answered_on": timezone.localdate().isoformat(),
            "answer_way": "letter",
            "answer_what_happened": "Så här gick det till.",
        },
        lambda c, h: answered(c, h),
    ),
    "close": (lambda c, h: answered(c, h), _version, lambda c, h: c),
    "reopen": (lambda c, h: answered(c, h), _reason, lambda c, h: c),
    "forward": (
        lambda c, h: c,
        lambda c: {"version": c.version, "to": "Västerås stad"},
        lambda c, h: answered(c, h),
    ),
    "withdraw": (lambda c, h: c, _reason, lambda c, h: answered(c, h)),
    "assign": (
        lambda c, h: c,
        lambda c: {"version": c.version, "handler": c.created_by_id},
        lambda c, h: services.complaint_close(complaint=answered(c, h), actor=h),
    ),
}


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
def test_each_transition_answers_200_403_409_and_400(api, cast, ccast, tree, name):
    ready, body, wrong = TRANSITIONS[name]
    handler = ccast.handler

    complaint = fresh(ready(register(handler, tree.medicin_ward), handler))
    assert api(cast.manager).post(url(complaint, f"{name}/"), body(complaint), format="json").status_code == 403
    assert api(handler).post(url(complaint, f"{name}/"), {}, format="json").status_code == 400
    ok = api(handler).post(url(complaint, f"{name}/"), body(complaint), format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["version"] > complaint.version

    other = fresh(wrong(register(handler, tree.medicin_ward), handler))
    refused = api(handler).post(url(other, f"{name}/"), body(other), format="json")
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "conflict"


def test_a_stale_transition_names_the_changes(api, ccast, complaint):
    services.complaint_acknowledge(complaint=complaint, actor=ccast.handler)
    response = api(ccast.handler).post(url(complaint, "investigate/"), {"version": complaint.version}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version" and response.json()["changes"][0]["kind"] == "acknowledged"


# --- Incidents, IVO and LÖF, actions ----------------------------------------------------------------


def test_an_incident_is_reported_from_the_complaint_and_its_handlers_asked(api, cast, ccast, complaint):
    client = api(ccast.handler)
    occurred = (timezone.now() - dt.timedelta(days=3)).isoformat()
    bad = client.post(url(complaint, "incidents/"), {"description": "Fel"}, format="json")
    assert bad.status_code == 400 and "occurred_at" in bad.json()["errors"]

    response = client.post(
        url(complaint, "incidents/"),
        {"description": "Patienten fick vänta fyra timmar på besked.", "occurred_at": occurred},
        format="json",
    )
    assert response.status_code == 201, response.json()
    incident = response.json()["incident"]
    assert response.json()["created_from_complaint"] is True
    assert [row["incident"] for row in client.get(url(complaint, "incidents/")).json()] == [incident]
    again = client.post(url(complaint, "incidents/"), {"incident": incident}, format="json")
    assert again.status_code == 409

    asked = client.post(url(complaint, f"incidents/{incident}/request-lex-maria/"), {"reason": "Skada?"}, format="json")
    assert asked.status_code == 200 and asked.json()["lex_maria_requested_at"] is None
    assert client.post(url(complaint, "incidents/999999/request-lex-maria/"), {}, format="json").status_code == 404
    assert api(ccast.board_officer).get(url(complaint, "incidents/")).status_code == 404
    assert api(cast.manager).post(url(complaint, "incidents/"), {"incident": incident}).status_code == 403
    assert ComplaintIncident.objects.filter(complaint=complaint).count() == 1


def test_ivo_and_lof_cases(api, cast, ccast, complaint):
    client = api(ccast.handler)
    created = client.post(
        url(complaint, "external-cases/"),
        {"kind": "lof", "external_reference": "LÖF 2026-1", "received_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.json()
    case = created.json()["id"]
    path = url(complaint, f"external-cases/{case}/")
    bad = client.patch(path, {"decision": "criticism", "decided_on": timezone.localdate().isoformat()}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"decision"}
    ok = client.patch(
        path,
        {"decision": "compensated", "decided_on": timezone.localdate().isoformat(), "amount": "1500.00"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["amount"] == "1500.00"
    assert [row["id"] for row in api(cast.manager).get(url(complaint, "external-cases/")).json()] == [case]
    assert api(cast.manager).patch(path, {"statement": "x"}, format="json").status_code == 403
    assert ExternalCase.objects.get(pk=case).decision == "compensated"


def test_actions_of_the_complaint(api, cast, ccast, complaint):
    client = api(ccast.handler)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    created = client.post(
        url(complaint, "actions/"),
        {
            "description": "Se över informationen vid inställd operation",
            "responsible": cast.manager.pk,
            "due_date": due,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert [row["id"] for row in client.get(url(complaint, "actions/")).json()] == [created.json()["id"]]
    assert client.get(url(complaint, "timeline/")).json()[-1]["kind"] == "action_added"


# --- Sync and cost -------------------------------------------------------------------------------


def test_updated_since_returns_the_changed_complaints(api, ccast, tree, complaint):
    client = api(ccast.handler)
    first = client.get(LIST, {"updated_since": "1900-01-01T00:00:00Z"}).json()
    assert [row["id"] for row in first["results"]] == [complaint.pk] and first["sync"]
    assert first["results"][0]["version"] == complaint.version

    # (one test transaction: a row written later comes after the cursor when its id does)
    other = register(ccast.handler, tree.medicin_ward)
    later = client.get(first["sync"]).json()
    assert [row["id"] for row in later["results"]] == [other.pk]
    future = client.get(LIST, {"updated_since": (timezone.now() + dt.timedelta(hours=1)).isoformat()}).json()
    assert future["results"] == []


def test_the_lists_queries_do_not_grow(api, cast, ccast, tree):
    client = api(cast.chief_physician)

    def count(n: int) -> int:
        while Complaint.objects.count() < n:
            unit = tree.medicin_ward if Complaint.objects.count() % 2 else tree.orto_ward
            if Complaint.objects.count() % 3:
                register(ccast.handler if unit == tree.medicin_ward else ccast.handler_orto, unit)
            else:
                from_board(ccast, unit)
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(LIST).json()["results"]) == n
        return len(queries)

    five, twenty_five = count(5), count(25)
    assert five == twenty_five
    board = api(ccast.board_officer)
    board.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        assert board.get(LIST).json()["results"]
    assert len(queries) <= twenty_five
