"""The complaint lists: who sees which rows in the queue, its filters and search, the export
(never identity, contact details or the complaint's words), "Mina klagomål", a page costing
the same queries at 5 rows as at 25, and registering a complaint by a complaint handler and
by the patientnämnd's officer."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Channel, Complaint, Contact, Status
from tests.complaints.conftest import PERSONNUMMER, from_board, register

pytestmark = pytest.mark.django_db

LIST = reverse("complaints:list")
NEW = reverse("complaints:new")


def listed(login, user, **params) -> list[str]:
    response = login(user).get(LIST, params)
    assert response.status_code == 200, response.status_code
    return [row.complaint.reference for row in response.context["rows"]]


@pytest.fixture
def three(ccast, tree):
    """Medicine's complaint, orthopaedics' own and one the patientnämnd sent orthopaedics."""
    medicine = register(ccast.handler, tree.medicin_ward, summary="Bemötande i telefon", channel="phone")
    orto = register(ccast.handler_orto, tree.orto_ward, area="accessibility", subarea="waiting")
    sent = from_board(ccast, tree.orto_ward, due_in_days=-1)  # due yesterday: overdue
    return medicine, orto, sent


# --- Who sees what ---------------------------------------------------------------------------------


def test_it_lists_what_each_user_may_see_newest_first(login, cast, ccast, three):
    medicine, orto, sent = three

    assert listed(login, ccast.handler) == [medicine.reference]
    assert listed(login, ccast.handler_orto) == [sent.reference, orto.reference]
    assert listed(login, cast.manager) == [medicine.reference]
    assert listed(login, cast.chief_physician) == [sent.reference, orto.reference, medicine.reference]
    assert listed(login, ccast.board_officer) == [sent.reference]
    assert listed(login, ccast.other_board_officer) == []
    assert listed(login, ccast.handler_muni) == []


@pytest.mark.parametrize("who", ["reporter", "viewer", "handler", "outsider"])
def test_it_refuses_users_without_a_complaint_permission(login, cast, ccast, three, who):
    user = getattr(cast, who)

    for name in ("complaints:list", "complaints:export", "complaints:mine", "complaints:new"):
        assert login(user).get(reverse(name), {"format": "csv"}).status_code == 403, name


def test_the_board_officer_sees_no_handling_links_and_no_unit_filter(login, ccast, three):
    response = login(ccast.board_officer).get(LIST)

    assert response.context["unit_filter"] is False
    assert response.context["is_handler"] is False
    assert login(ccast.board_officer).get(reverse("complaints:mine")).status_code == 403


def test_a_row_shows_no_identity_no_contact_and_no_words(login, cast, ccast, three):
    medicine, _orto, _sent = three

    body = login(cast.chief_physician).get(LIST).content.decode()

    assert medicine.summary in body
    assert PERSONNUMMER not in body and "19121212-1212" not in body
    assert "Karin Klagande" not in body and "070-1234567" not in body
    assert medicine.description not in body


# --- Filters and search -----------------------------------------------------------------------------


def test_each_filter_narrows_the_list(login, cast, ccast, tree, three):
    medicine, orto, sent = three
    services.complaint_acknowledge(complaint=orto, actor=ccast.handler_orto)
    chief = cast.chief_physician
    today = timezone.localdate()

    assert listed(login, chief, status=["acknowledged"]) == [orto.reference]
    assert listed(login, chief, status=["acknowledged", "received"]) == [
        sent.reference,
        orto.reference,
        medicine.reference,
    ]
    assert listed(login, chief, unit=tree.medicin.pk) == [medicine.reference]
    assert listed(login, chief, unit=tree.akut.pk) == [sent.reference, orto.reference, medicine.reference]
    assert listed(login, chief, channel="phone") == [medicine.reference]
    assert listed(login, chief, channel="patient_board") == [sent.reference]
    assert listed(login, chief, area="accessibility") == [orto.reference]
    assert listed(login, chief, overdue="true") == [sent.reference]
    assert listed(login, chief, overdue="false") == [orto.reference, medicine.reference]
    assert listed(login, chief, due_to=today.isoformat()) == [sent.reference]
    assert listed(login, chief, due_from=today.isoformat()) == [orto.reference, medicine.reference]


def test_a_unit_outside_the_scope_is_not_a_filter(login, ccast, tree, three):
    response = login(ccast.handler).get(LIST, {"unit": tree.orto.pk})

    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert response.context["rows"] == []


def test_a_concerned_unit_counts_in_the_unit_filter(login, cast, ccast, tree):
    both = register(ccast.handler_orto, tree.orto_ward, units=[tree.medicin_ward])

    assert listed(login, cast.chief_physician, unit=tree.medicin.pk) == [both.reference]
    assert listed(login, ccast.handler, unit=tree.medicin.pk) == [both.reference]


def test_search_by_reference_opens_the_one_complaint(login, cast, three):
    medicine, _orto, _sent = three
    number = int(medicine.reference.rsplit("-", 1)[1])

    response = login(cast.chief_physician).get(LIST, {"q": medicine.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", kwargs={"pk": medicine.pk})
    year = medicine.reference.split("-")[1]
    assert login(cast.chief_physician).get(LIST, {"q": f"{year}-{number}"})["Location"] == response["Location"]


def test_search_by_reference_outside_the_scope_finds_nothing(login, ccast, three):
    _medicine, orto, _sent = three

    assert listed(login, ccast.handler, q=orto.reference) == []


def test_search_by_words_reads_the_summary_not_the_complaint(login, cast, three):
    medicine, _orto, _sent = three

    assert listed(login, cast.chief_physician, q="telefon") == [medicine.reference]
    assert listed(login, cast.chief_physician, q="fyra timmar") == []  # the complainant's words


def test_a_personnummer_typed_in_the_search_is_dropped(login, cast, three):
    response = login(cast.chief_physician).get(LIST, {"q": "19121212-1212", "channel": "phone"})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?channel=phone"
    response = login(cast.chief_physician).get(reverse("complaints:export"), {"q": "191212121212", "format": "csv"})
    assert response.status_code == 302
    assert "1212" not in response["Location"]


def test_it_pages_by_keyset(login, cast, ccast, tree, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    days = [5, 4, 3]
    made = [
        register(ccast.handler, tree.medicin_ward, received_on=timezone.localdate() - dt.timedelta(days=d))
        for d in days
    ]
    newest_first = [c.reference for c in reversed(made)]
    client = login(cast.chief_physician)

    first = client.get(LIST)
    assert [r.complaint.reference for r in first.context["rows"]] == newest_first[:2]
    assert first.context["previous_url"] == ""
    second = client.get(LIST + first.context["next_url"])
    assert [r.complaint.reference for r in second.context["rows"]] == newest_first[2:]
    assert second.context["next_url"] == ""
    back = client.get(LIST + second.context["previous_url"])
    assert [r.complaint.reference for r in back.context["rows"]] == newest_first[:2]
    assert client.get(LIST, {"after": "not-a-cursor"}).status_code == 200


def test_a_page_costs_the_same_queries_at_5_rows_as_at_25(login, cast, ccast, tree):
    for _ in range(5):
        register(ccast.handler, tree.medicin_ward)
    client = login(cast.chief_physician)
    client.get(LIST)  # the unit filter's options into the cache

    with CaptureQueriesContext(connection) as five:
        assert len(client.get(LIST).context["rows"]) == 5
    for _ in range(20):
        register(ccast.handler_orto, tree.orto_ward)
    services.complaint_assign(
        complaint=Complaint.objects.filter(unit=tree.orto_ward).first(),
        actor=ccast.handler_orto,
        handler=ccast.handler_orto,
    )
    with CaptureQueriesContext(connection) as twenty_five:
        assert len(client.get(LIST).context["rows"]) == 25

    assert len(twenty_five.captured_queries) == len(five.captured_queries)


# --- The export -------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_export_has_the_lists_columns_and_filters_and_no_identity(login, cast, three):
    medicine, orto, sent = three

    response = login(cast.chief_physician).get(reverse("complaints:export"), {"format": "csv", "channel": "phone"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = _csv(response)
    assert len(header) == 10
    assert [row[0] for row in rows] == [medicine.reference]
    every = login(cast.chief_physician).get(reverse("complaints:export"), {"format": "csv"})
    text = "\n".join(";".join(row) for row in _csv(every))
    for secret in (PERSONNUMMER, "19121212-1212", "Karin Klagande", "070-1234567", medicine.description):
        assert secret not in text
    assert all(reference in text for reference in (medicine.reference, orto.reference, sent.reference))


def test_the_export_as_xlsx(login, cast, three):
    from openpyxl import load_workbook

    response = login(cast.chief_physician).get(reverse("complaints:export"), {"format": "xlsx"})

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 4 and len(rows[0]) == 10


def test_the_board_officers_export_holds_her_nammds_cases_only(login, ccast, three):
    _medicine, _orto, sent = three

    rows = _csv(login(ccast.board_officer).get(reverse("complaints:export"), {"format": "csv"}))[1:]

    assert [row[0] for row in rows] == [sent.reference]


def test_an_export_without_a_format_goes_back_to_the_list(login, cast, three):
    response = login(cast.chief_physician).get(reverse("complaints:export"), {"channel": "phone"})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?channel=phone"


# --- Mina klagomål ----------------------------------------------------------------------------------


def test_mine_lists_the_complaints_i_handle_open_first(login, ccast, tree):
    answered = register(ccast.handler, tree.medicin_ward, received_on=timezone.localdate() - dt.timedelta(days=1))
    services.complaint_assign(complaint=answered, actor=ccast.handler, handler=ccast.handler)
    services.complaint_answer(
        complaint=Complaint.objects.get(pk=answered.pk),
        actor=ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in."},
    )
    services.complaint_close(complaint=Complaint.objects.get(pk=answered.pk), actor=ccast.handler)
    mine = register(ccast.handler, tree.medicin_ward, received_on=timezone.localdate() - dt.timedelta(days=3))
    services.complaint_assign(complaint=mine, actor=ccast.handler, handler=ccast.handler)
    register(ccast.handler, tree.medicin_ward)  # nobody's yet

    response = login(ccast.handler).get(reverse("complaints:mine"))

    assert response.status_code == 200
    assert [row.complaint.reference for row in response.context["rows"]] == [mine.reference, answered.reference]


# --- Registering ------------------------------------------------------------------------------------


def _form(unit, **overrides) -> dict:
    return {
        "channel": "letter",
        "complainant_type": "relative",
        "patient_consent": "on",
        "received_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "unit": unit.pk,
        "area": "care",
        "subarea": "care:medication",
        "summary": "Fel läkemedel vid utskrivning",
        "description": "Min mamma fick fel tabletter med sig hem.",
        "patient_identifier": PERSONNUMMER,
        "contact_name": "Karin Klagande",
        "contact_address": "Storgatan 1\n721 00 Västerås",
        "contact_phone": "070-1234567",
        "contact_email": "karin@example.invalid",
        **overrides,
    }


def test_a_handler_registers_a_complaint(login, ccast, tree):
    response = login(ccast.handler).post(NEW, _form(tree.medicin_ward, units=[tree.orto_ward.pk]))

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", kwargs={"pk": complaint.pk})
    assert (complaint.channel, complaint.complainant_type, complaint.patient_consent) == ("letter", "relative", True)
    assert (complaint.unit, complaint.area, complaint.subarea) == (tree.medicin_ward, "care", "medication")
    assert complaint.patient_identifier == PERSONNUMMER
    assert set(complaint.units.all()) == {tree.medicin_ward, tree.orto_ward}
    assert complaint.board_unit is None and complaint.status == Status.RECEIVED
    contact = Contact.objects.get(complaint=complaint)
    assert (contact.name, contact.phone, contact.email) == ("Karin Klagande", "070-1234567", "karin@example.invalid")


def test_the_registration_form_offers_the_handlers_units(login, ccast, tree):
    response = login(ccast.handler).get(NEW)

    assert response.status_code == 200
    body = response.content.decode()
    select = body.split('name="unit"', 1)[1].split("</select>", 1)[0]
    assert tree.medicin_ward.name in select and tree.orto_ward.name not in select
    assert ccast.board.name not in select


def test_registering_shows_every_fields_error_and_saves_nothing(login, ccast, tree):
    response = login(ccast.handler).post(NEW, {"unit": tree.medicin_ward.pk, "contact_email": "not-an-address"})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"channel", "complainant_type", "received_on", "area", "summary", "description", "contact_email"} <= set(
        errors
    )
    assert not Complaint.objects.exists()


def test_the_services_errors_come_back_on_their_fields(login, ccast, tree):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = login(ccast.handler).post(
        NEW,
        _form(tree.medicin_ward, summary=f"Gäller {PERSONNUMMER}", received_on=future, patient_identifier="12345"),
    )

    assert response.status_code == 400
    assert {"summary", "received_on", "patient_identifier"} <= set(response.context["form"].errors)
    assert not Complaint.objects.exists()


def test_a_subarea_of_another_area_is_refused(login, ccast, tree):
    response = login(ccast.handler).post(NEW, _form(tree.medicin_ward, area="finance", subarea="care:medication"))

    assert response.status_code == 400
    assert "subarea" in response.context["form"].errors


def test_a_handler_may_not_register_to_another_unit(login, ccast, tree):
    response = login(ccast.handler).post(NEW, _form(tree.orto_ward))

    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_a_manager_without_complaint_handle_may_not_register(login, cast):
    assert login(cast.manager).get(NEW).status_code == 403


def test_the_board_officer_registers_her_nammds_case(login, ccast, tree):
    due = timezone.localdate() + dt.timedelta(days=20)
    data = _form(
        tree.orto_ward, board_unit=ccast.board.pk, board_reference="PN-2026-0101", board_due_on=due.isoformat()
    )

    response = login(ccast.board_officer).post(NEW, data)

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.board_unit, complaint.board_reference, complaint.due_on) == (ccast.board, "PN-2026-0101", due)
    assert complaint.channel == Channel.PATIENT_BOARD
    assert complaint.unit == tree.orto_ward


def test_the_board_officers_form_wants_the_nammds_number_and_date(login, ccast, tree):
    response = login(ccast.board_officer).get(NEW)
    assert response.status_code == 200 and response.context["as_board"]
    assert "channel" not in response.context["form"].fields

    response = login(ccast.board_officer).post(NEW, _form(tree.orto_ward, board_unit=ccast.board.pk))

    assert response.status_code == 400
    assert {"board_reference", "board_due_on"} <= set(response.context["form"].errors)
    assert not Complaint.objects.exists()


def test_the_board_officer_may_not_register_for_another_nammd(login, ccast, tree):
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    data = _form(tree.orto_ward, board_unit=ccast.other_board.pk, board_reference="X-1", board_due_on=due)

    response = login(ccast.board_officer).post(NEW, data)

    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_a_patient_board_is_not_a_responsible_unit(login, ccast, tree):
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    data = _form(ccast.board, board_unit=ccast.board.pk, board_reference="PN-1", board_due_on=due)

    response = login(ccast.board_officer).post(NEW, data)

    assert response.status_code == 400
    assert "unit" in response.context["form"].errors


# --- The menu ------------------------------------------------------------------------------------------


def _menu(response) -> dict[str, bool]:
    return {item.url: item.current for item in response.context["nav"]["items"]}


def test_the_menu_leads_to_the_complaints_for_who_may_use_them(login, cast, ccast, three):
    for user in (ccast.handler, ccast.board_officer, cast.manager):
        assert _menu(login(user).get(reverse("home"))).get(LIST) is False, user
    for user in (cast.reporter, cast.viewer, cast.handler):
        assert LIST not in _menu(login(user).get(reverse("home"))), user
    assert _menu(login(ccast.handler).get(reverse("complaints:mine")))[LIST] is True
