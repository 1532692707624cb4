"""Issue 13, items 6 and 7, in the browser: a nurse reports "Vård" from her phone and the case
records a patient as involved; a handler takes it and adds an action shown to her; before the
case is closed she sees on "Mina avvikelser" what is being done. Axe finds nothing serious."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from actions.models import Action
from incidents.models import Incident, Status
from outbox.models import Notification
from tests.e2e.helpers import open_step, picture, serious_violations, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "Patienten fick 20 E insulin i stället för 2 E vid kvällsdosen."
ACTION = "Alla sjuksköterskor går igenom insulinrutinen på nästa APT."


def test_a_care_report_has_a_patient_and_the_nurse_hears_what_is_being_done(
    phone_page, page, live_server, cast, tree, sign_in
):
    nurse = sign_in(phone_page, cast.reporter)

    # given the report form on her phone: the patient question appears with "Vård", not before
    nurse.goto(f"{live_server.url}/rapportera/")
    no_patient = nurse.locator("#id_no_patient")
    assert not no_patient.is_visible()
    nurse.fill("#id_description", TEXT)
    nurse.locator("label[for=id_case_type_0]").click()
    assert no_patient.is_visible() and not no_patient.is_checked()
    assert "Ingen patient var inblandad (t.ex. ett tillbud som upptäcktes i tid)" in nurse.locator("main").inner_text()
    nurse.locator("label[for=id_reported_kind_2]").click()
    picture(nurse, "report-care-patient")
    assert serious_violations(nurse) == []

    # when she sends it without ticking anything about the patient
    nurse.locator("[data-send]").click()
    nurse.wait_for_url(f"{live_server.url}/rapportera/*/skickad/")

    # then a patient is recorded as involved, and her own view of the case says so
    incident = Incident.objects.get(reporter=cast.reporter, status=Status.SUBMITTED)
    assert incident.patient_involved is True
    nurse.goto(f"{live_server.url}/mina-avvikelser/{incident.pk}/")
    patient_row = nurse.locator(".facts__row", has_text="En patient var inblandad")
    assert patient_row.locator("dd").inner_text() == "Ja"

    # when a handler takes the case and adds an action shown to her
    sign_in(page, cast.handler)
    page.goto(f"{live_server.url}/avvikelser/{incident.pk}/")
    submit(page, "form[action$='/ta/']")
    form = "form[action$='/atgarder/']"
    open_step(page, "atgard")
    page.fill(f"{form} textarea[name=description]", ACTION)
    page.select_option(f"{form} select[name=responsible]", cast.manager.username)
    page.fill(f"{form} input[name=due_date]", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.locator(f"{form} input[name=shown_to_reporter]").check()
    submit(page, form)
    assert Action.objects.get(incident=incident).shown_to_reporter is True
    assert not serious_violations(page)

    # then, before the case is closed, she has been told twice and "Mina avvikelser" says what is done
    assert Incident.objects.get(pk=incident.pk).status == Status.IN_PROGRESS
    assert Notification.objects.filter(user=cast.reporter).count() == 2
    nurse.goto(f"{live_server.url}/mina-avvikelser/")
    row = nurse.locator(f"tr[data-incident='{incident.pk}']")
    assert "Under handläggning" in row.inner_text()
    assert "Detta görs nu:" in row.inner_text()
    assert ACTION in row.inner_text()
    assert "planerad" in row.inner_text()
    assert cast.manager.get_full_name() not in row.inner_text()
    assert nurse.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    picture(nurse, "reporter-actions")
    assert serious_violations(nurse) == []

    # and so does her own view of the case
    nurse.goto(f"{live_server.url}/mina-avvikelser/{incident.pk}/")
    feedback = nurse.locator("#feedback").inner_text()
    assert "Detta görs nu:" in feedback and ACTION in feedback
    assert serious_violations(nurse) == []
