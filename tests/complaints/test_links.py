"""A complaint and its incidents (issue 17, item 3): an incident reported from the complaint or
an existing one linked, a Lex Maria assessment or an investigation requested or asked for, and
what each side sees — the complaint's staff read the incident (not its reporter, not its
patient, logged), the incident's staff see that complaints exist (never who complained)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.access import forget_scope
from accounts.models import AccessLog
from accounts.roles import Role
from complaints import services
from complaints.models import ComplaintIncident, ExternalCase, TimelineEntry
from incidents import permissions as incident_permissions
from incidents.models import CaseType, Incident
from incidents.models import Status as IncidentStatus
from incidents.viewing import CaseView
from lexmaria.models import CaseIncident
from outbox.models import Notification
from psweb.cases import ConflictError
from tests.complaints.conftest import PERSONNUMMER, fresh, kinds, register
from tests.factories import MembershipFactory
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Karin Klagande", "phone": "070-1234567"}
WORDS = "Jag väntade i fyra timmar och ingen sa något."


def incident_fields(**overrides) -> dict:
    return {
        "description": "Patienten väntade fyra timmar på besked om den inställda operationen.",
        "occurred_at": timezone.now() - dt.timedelta(days=5),
        **overrides,
    }


def also_incident_handler(user, unit):
    MembershipFactory(user=user, unit=unit, role=Role.HANDLER)
    forget_scope(user)


@pytest.fixture
def complaint(ccast, tree):
    return register(ccast.handler, tree.medicin_ward, contact=CONTACT)


# --- An incident from the complaint ------------------------------------------------------------


def test_the_handler_reports_an_incident_from_the_complaint(ccast, complaint):
    # when
    incident = services.incident_create(
        complaint=complaint, actor=ccast.handler, fields=incident_fields(), version=complaint.version
    )

    # then: reported by her, of care, in the complaint's unit, with the patient carried over
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == IncidentStatus.SUBMITTED and incident.reference.startswith("AV-")
    assert incident.reporter == ccast.handler
    assert incident.unit == complaint.unit and incident.case_type == CaseType.CARE
    assert incident.patient_identifier == PERSONNUMMER
    assert list(incident.timeline.values_list("kind", flat=True)) == ["created", "submitted"]
    link = ComplaintIncident.objects.get(complaint=complaint)
    assert link.incident == incident and link.created_from_complaint
    assert kinds(complaint)[-1] == TimelineEntry.Kind.INCIDENT_CREATED
    entry = complaint.timeline.latest("id")
    assert entry.message == incident.reference and entry.data["incident_id"] == incident.pk
    assert fresh(complaint).version == complaint.version + 1


def test_the_patient_stays_behind_when_the_handler_says_so(ccast, complaint):
    incident = services.incident_create(
        complaint=complaint, actor=ccast.handler, fields=incident_fields(with_patient=False)
    )
    assert Incident.objects.get(pk=incident.pk).patient_identifier == ""


def test_the_description_may_not_carry_the_complainants_contact_details(ccast, complaint):
    with pytest.raises(ValidationError) as error:
        services.incident_create(
            complaint=complaint,
            actor=ccast.handler,
            fields=incident_fields(description="Ring Karin Klagande på 070-123 45 67 om saken."),
        )
    assert "description" in error.value.message_dict
    assert not Incident.objects.exists() and not ComplaintIncident.objects.exists()


def test_a_report_needs_a_description_and_a_time(ccast, complaint):
    with pytest.raises(ValidationError) as error:
        services.incident_create(complaint=complaint, actor=ccast.handler, fields={"description": " "})
    assert set(error.value.message_dict) == {"description", "occurred_at"}


def test_only_the_complaints_handler_reports_from_it(cast, ccast, complaint):
    for user in (cast.manager, ccast.handler_orto, cast.handler, ccast.board_officer):
        with pytest.raises(PermissionDenied):
            services.incident_create(complaint=complaint, actor=user, fields=incident_fields())
    assert not Incident.objects.exists()


def test_not_from_a_closed_complaint(ccast, complaint):
    services.complaint_answer(
        complaint=complaint,
        actor=ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in."},
    )
    closed = services.complaint_close(complaint=complaint, actor=ccast.handler)
    with pytest.raises(ConflictError):
        services.incident_create(complaint=closed, actor=ccast.handler, fields=incident_fields())


def test_a_stale_version_is_refused(ccast, complaint):
    services.complaint_acknowledge(complaint=complaint, actor=ccast.handler)
    with pytest.raises(ConflictError):
        services.incident_create(
            complaint=complaint, actor=ccast.handler, fields=incident_fields(), version=complaint.version
        )


# --- Linking an existing incident -------------------------------------------------------------


def test_an_incident_the_handler_cannot_see_is_not_linked(cast, ccast, tree, complaint):
    incident = report(cast.reporter, tree.medicin_ward)
    with pytest.raises(ValidationError) as error:
        services.incident_link(complaint=complaint, actor=ccast.handler, incident=incident)
    assert "incident" in error.value.message_dict


def test_the_handler_links_an_incident_she_sees_once(cast, ccast, tree, complaint):
    # given: she also handles incidents of the clinic
    also_incident_handler(ccast.handler, tree.medicin)
    incident = report(cast.reporter, tree.medicin_ward)

    # when
    services.incident_link(complaint=complaint, actor=ccast.handler, incident=incident)

    # then
    link = ComplaintIncident.objects.get(complaint=complaint, incident=incident)
    assert not link.created_from_complaint
    assert kinds(complaint)[-1] == TimelineEntry.Kind.INCIDENT_LINKED
    with pytest.raises(ConflictError):
        services.incident_link(complaint=fresh(complaint), actor=ccast.handler, incident=incident)


# --- What each side sees --------------------------------------------------------------------


@pytest.fixture
def linked(cast, ccast, tree, complaint):
    """An incident reported by the ward's reporter, linked by a handler who handles both."""
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)
    linker = ccast.handler_orto
    MembershipFactory(user=linker, unit=tree.medicin, role=Role.COMPLAINT_HANDLER)
    MembershipFactory(user=linker, unit=tree.medicin, role=Role.HANDLER)
    forget_scope(linker)
    services.incident_link(complaint=complaint, actor=linker, incident=incident)
    return Incident.objects.select_related("unit", "responsible_unit").get(pk=incident.pk)


def test_the_complaints_staff_read_the_linked_incident_but_not_its_reporter_nor_patient(cast, ccast, linked):
    # then: visible, read as staff, never handled
    assert Incident.objects.visible_to(ccast.handler).filter(pk=linked.pk).exists()
    view = CaseView.of(ccast.handler, linked)
    assert view.sees_case and not view.sees_reporter
    assert view.hides(cast.reporter)
    assert not incident_permissions.can_view_patient(ccast.handler, linked)
    assert not incident_permissions.can_handle(ccast.handler, linked)
    # the patientnämnd and other units' complaint handlers do not
    for user in (ccast.board_officer, ccast.handler_muni):
        assert not Incident.objects.visible_to(user).filter(pk=linked.pk).exists()


def test_reading_the_linked_incident_is_logged_with_the_complaint(client, cast, ccast, complaint, linked):
    client.force_login(ccast.handler)
    page = client.get(reverse("incidents:detail", kwargs={"pk": linked.pk}))

    assert page.status_code == 200
    text = page.content.decode()
    assert linked.reference in text
    assert cast.reporter.username not in text and PERSONNUMMER not in text
    row = AccessLog.objects.get(user=ccast.handler, object_id=str(linked.pk))
    assert row.action == AccessLog.Action.VIEW and complaint.reference in row.object_label


def test_an_incident_handler_is_not_logged_as_reading_for_the_complaint(client, cast, linked):
    client.force_login(cast.manager)
    assert client.get(reverse("incidents:detail", kwargs={"pk": linked.pk})).status_code == 200
    assert not AccessLog.objects.filter(user=cast.manager, action=AccessLog.Action.VIEW).exists()


def test_the_incidents_handlers_see_that_a_complaint_exists_without_who_complained(client, cast, complaint, linked):
    client.force_login(cast.handler)
    page = client.get(reverse("incidents:detail", kwargs={"pk": linked.pk}))

    text = page.content.decode()
    assert 'id="complaints"' in text and complaint.reference in text
    assert CONTACT["name"] not in text and "070-1234567" not in text and WORDS not in text
    # an incident handler has no complaint.view: no link into the complaint
    assert reverse("complaints:detail", kwargs={"pk": complaint.pk}) not in text


def test_the_panel_links_the_complaint_for_whoever_may_see_it(client, cast, complaint, linked):
    client.force_login(cast.manager)
    text = client.get(reverse("incidents:detail", kwargs={"pk": linked.pk})).content.decode()
    assert reverse("complaints:detail", kwargs={"pk": complaint.pk}) in text


# --- Lex Maria and investigations -----------------------------------------------------------


def test_a_complaint_handler_asks_the_incidents_handlers_for_a_lex_maria_assessment(
    client, cast, ccast, complaint, linked
):
    # when: she does not handle the incident
    services.lex_maria_request(
        complaint=complaint, actor=ccast.handler, incident=linked, reason="Patienten kan ha skadats."
    )

    # then: the incident is not changed; its handlers are told, and the question is on its page
    assert Incident.objects.get(pk=linked.pk).lex_maria_requested_at is None
    assert Notification.objects.filter(user=cast.handler, link__contains=f"/{linked.pk}/").exists()
    entry = complaint.timeline.latest("id")
    assert entry.kind == TimelineEntry.Kind.LEX_MARIA_REQUESTED and entry.data["asked"] is True
    client.force_login(cast.handler)
    text = client.get(reverse("incidents:detail", kwargs={"pk": linked.pk})).content.decode()
    assert "Patienten kan ha skadats." in text
    # asked once
    with pytest.raises(ConflictError):
        services.lex_maria_request(complaint=fresh(complaint), actor=ccast.handler, incident=linked)


def test_a_handler_of_both_requests_lex_maria_in_the_incident(ccast, tree, complaint):
    also_incident_handler(ccast.handler, tree.medicin)
    incident = services.incident_create(complaint=complaint, actor=ccast.handler, fields=incident_fields())

    services.lex_maria_request(
        complaint=fresh(complaint), actor=ccast.handler, incident=incident, reason="Allvarlig vårdskada?"
    )

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.lex_maria_requested_at is not None
    assert CaseIncident.objects.filter(incident=incident).exists()  # the Lex Maria case opened with it
    assert list(incident.timeline.values_list("kind", flat=True))[-1] == "lex_maria_requested"
    assert complaint.timeline.latest("id").data["asked"] is False
    with pytest.raises(ConflictError):
        services.lex_maria_request(complaint=fresh(complaint), actor=ccast.handler, incident=incident)


def test_a_handler_of_both_requests_an_investigation(ccast, tree, complaint):
    also_incident_handler(ccast.handler, tree.medicin)
    incident = services.incident_create(complaint=complaint, actor=ccast.handler, fields=incident_fields())

    services.investigation_request(complaint=fresh(complaint), actor=ccast.handler, incident=incident)

    assert Incident.objects.get(pk=incident.pk).investigation_requested_at is not None
    assert kinds(complaint)[-1] == TimelineEntry.Kind.INVESTIGATION_REQUESTED


def test_an_investigation_is_asked_for_when_she_does_not_handle_the_incident(cast, ccast, complaint, linked):
    services.investigation_request(complaint=complaint, actor=ccast.handler, incident=linked)

    assert Incident.objects.get(pk=linked.pk).investigation_requested_at is None
    assert Notification.objects.filter(user=cast.handler).exists()
    assert complaint.timeline.latest("id").data["asked"] is True


def test_only_a_linked_incident(cast, ccast, tree, complaint):
    also_incident_handler(ccast.handler, tree.medicin)
    other = report(cast.reporter, tree.medicin_ward)
    with pytest.raises(ValidationError):
        services.investigation_request(complaint=complaint, actor=ccast.handler, incident=other)
    with pytest.raises(PermissionDenied):
        services.lex_maria_request(complaint=complaint, actor=cast.manager, incident=other)


# --- The page's operations (complaints.operations_links) -------------------------------------


def test_an_incident_is_linked_by_its_reference_as_typed(rf, cast, ccast, tree, complaint):
    from complaints.operations_links import LINK_OPERATIONS, IncidentLinkForm

    also_incident_handler(ccast.handler, tree.medicin)
    incident = report(cast.reporter, tree.medicin_ward)
    short = incident.reference.split("-", 1)[1]  # 2026-000001
    form = IncidentLinkForm({"version": complaint.version, "reference": short}, complaint=complaint, user=ccast.handler)
    assert form.is_valid(), form.errors
    op = LINK_OPERATIONS["incident-link"]
    assert op.decide(ccast.handler, complaint)
    op.perform(ccast.handler, complaint, form.cleaned_data, None)
    assert ComplaintIncident.objects.filter(complaint=complaint, incident=incident).exists()

    unseen = IncidentLinkForm({"version": 9, "reference": short}, complaint=complaint, user=ccast.handler_muni)
    assert not unseen.is_valid() and "reference" in unseen.errors


def test_the_sections_show_each_reader_what_she_may_do(rf, cast, ccast, complaint, linked):
    from complaints.operations_links import links_context

    services.external_add(
        complaint=fresh(complaint),
        actor=ccast.handler,
        kind="lof",
        external_reference="LÖF 1",
        received_on=timezone.localdate(),
    )
    request = rf.get("/")
    request.user = ccast.handler
    mine = links_context(request, fresh(complaint))
    (row,) = mine["incident_links"]
    assert row["visible"] and set(row["forms"]) == {"lex_maria", "investigation"}
    assert set(mine["link_forms"]) == {"incident_create", "incident_link", "external_add"}
    assert "amount" in mine["external_cases"][0]["form"].fields

    request.user = cast.manager
    theirs = links_context(request, fresh(complaint))
    assert theirs["incident_links"][0]["forms"] == {} and theirs["link_forms"] == {}
    assert theirs["external_cases"][0]["form"] is None
    assert not theirs["link_decisions"]["incident_create"]


def test_the_external_form_offers_the_decisions_of_its_kind(ccast, complaint):
    from complaints.operations_links import LINK_OPERATIONS, ExternalUpdateForm

    case = services.external_add(
        complaint=complaint,
        actor=ccast.handler,
        kind="ivo",
        external_reference="IVO 1",
        received_on=timezone.localdate(),
    )
    complaint = fresh(complaint)
    form = ExternalUpdateForm(
        {"version": complaint.version, "decision": "criticism", "decided_on": timezone.localdate().isoformat()},
        complaint=complaint,
        item=case,
    )
    assert "amount" not in form.fields
    assert {value for value, _label in form.fields["decision"].choices} == {"", "no_criticism", "criticism", "other"}
    assert form.is_valid(), form.errors
    LINK_OPERATIONS["external-update"].perform(ccast.handler, complaint, form.cleaned_data, case)
    assert ExternalCase.objects.get(pk=case.pk).decision == "criticism"


# --- On the complaint's page -------------------------------------------------------------------


def test_the_handler_reports_an_incident_from_the_page_and_sees_it_linked(client, ccast, complaint):
    client.force_login(ccast.handler)
    page = client.get(reverse("complaints:detail", kwargs={"pk": complaint.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="incidents"' in text and 'id="external"' in text
    assert reverse("complaints:incident-create", kwargs={"pk": complaint.pk}) in text

    moment = timezone.localtime(timezone.now() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("complaints:incident-create", kwargs={"pk": complaint.pk}),
        {
            "version": complaint.version,
            "description": "Patienten fick vänta utan besked.",
            "occurred_at": moment,
            "reported_kind": "happened",
            "with_patient": "on",
        },
    )

    assert response.status_code == 302 and response["Location"].endswith("#incidents")
    incident = ComplaintIncident.objects.get(complaint=complaint).incident
    text = client.get(reverse("complaints:detail", kwargs={"pk": complaint.pk})).content.decode()
    assert reverse("incidents:detail", kwargs={"pk": incident.pk}) in text


def test_a_wrong_decision_on_the_page_is_refused_with_the_form_kept(client, ccast, complaint):
    case = services.external_add(
        complaint=complaint,
        actor=ccast.handler,
        kind="lof",
        external_reference="LÖF 9",
        received_on=timezone.localdate(),
    )
    client.force_login(ccast.handler)
    response = client.post(
        reverse("complaints:external-update", kwargs={"pk": complaint.pk, "item": case.pk}),
        {"version": fresh(complaint).version, "decision": "compensated", "amount": "100"},
    )
    assert response.status_code == 400
    assert "Ange beslutsdatum." in response.content.decode()  # the pages speak Swedish
    assert ExternalCase.objects.get(pk=case.pk).decision == ""
