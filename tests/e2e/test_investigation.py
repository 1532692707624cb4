"""An analysis leader runs an event analysis in the browser: starts it, writes the course of
events and a cause, records the patient's account in their own words, concludes, adds an
action linked to the cause it addresses and marks the report ready; then reads the report and
downloads it as a PDF. Axe finds no serious problem on these pages, on a desk and on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from investigations import services
from investigations.models import Investigation, InvestigationAction, Method, Status
from tests.e2e.helpers import open_form, picture, serious_violations, submit
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACCOUNT = "Jag sa till sköterskan att jag redan hade fått mina tabletter, men ingen lyssnade."


def test_an_analysis_leader_runs_an_event_analysis_to_its_report(page, phone_page, live_server, cast, tree, sign_in):
    leader = UserFactory(username="analysledaren", first_name="Anna", last_name="Analys")
    MembershipFactory(user=leader, unit=tree.region, role=Role.ANALYST)
    incident = report(cast.reporter, tree.medicin_ward, description="Patienten fick dubbel dos Waran.")
    inv = services.investigation_open(
        incidents=[incident],
        actor=cast.chief_physician,
        method=Method.EVENT_ANALYSIS,
        reason="Allvarlig.",
        leader=leader,
    )
    sign_in(page, leader)

    # The menu leads an analysis leader to their investigations.
    page.get_by_role("link", name="Utredningar").first.click()
    page.get_by_role("link", name=inv.reference).click()
    assert page.locator("h1").inner_text().startswith(inv.reference)
    assert not serious_violations(page)

    submit(page, "form[action$='/starta/']")
    open_form(page, "form[action$='/forlopp/']")
    when = timezone.localtime() - dt.timedelta(days=2)
    page.fill("#id_course_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_course_description", "Kvällsdosen gavs två gånger efter skiftbyte.")
    submit(page, "form[action$='/forlopp/']")

    open_form(page, "form[action$='/orsaker/']")
    page.select_option("#id_cause_area", "kommunikation")
    page.fill("#id_cause_detail", "Överrapporteringen nämnde inte att dosen var given.")
    submit(page, "form[action$='/orsaker/']")

    open_form(page, "form[action$='/patient/']")
    page.check("#id_patient_invited_0")
    page.fill("#id_patient_invited_on", timezone.localdate().isoformat())
    page.fill("#id_patient_account", ACCOUNT)
    submit(page, "form[action$='/patient/']")
    assert ACCOUNT in page.locator("#patient").inner_text()

    open_form(page, "form[action$='/slutsatser/']")
    page.check("#id_conclusions_care_injury_0")
    page.check("#id_conclusions_avoidable_0")
    page.check("#id_conclusions_serious_increased_care")
    page.fill("#id_conclusions_conclusions", "Överrapporteringen saknade struktur.")
    submit(page, "form[action$='/slutsatser/']")

    open_form(page, "form[action$='/atgarder/']")
    page.fill("#id_action_description", "Inför strukturerad överrapportering enligt SBAR.")
    page.select_option("#id_action_responsible", cast.manager.username)
    page.fill("#id_action_due_date", (timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.select_option("#id_action_effect_class", "effective")
    page.check("#id_action_causes_0")
    submit(page, "form[action$='/atgarder/']")
    picture(page, "investigation")
    assert not serious_violations(page)

    submit(page, "form[action$='/rapport-klar/']")
    assert page.locator(".status").first.inner_text() == "Rapport klar"
    fresh = Investigation.objects.get(pk=inv.pk)
    assert fresh.status == Status.REPORT_READY and fresh.patient_account == ACCOUNT
    link = InvestigationAction.objects.get(investigation=inv)
    assert [cause.area.code for cause in link.causes.all()] == ["kommunikation"]

    # The report: everything in it, readable, and as a PDF.
    page.get_by_role("link", name="Rapporten (utskriftsvänlig)").click()
    assert ACCOUNT in page.locator("main").inner_text()
    assert "SBAR" in page.locator("main").inner_text()
    assert not serious_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    assert download.value.suggested_filename == f"{inv.reference}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # On a phone the working space has no serious problem either.
    sign_in(phone_page, leader)
    phone_page.goto(f"{live_server.url}/utredningar/{inv.pk}/")
    assert not serious_violations(phone_page)
