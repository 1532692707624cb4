"""A nurse reports from a phone: the draft autosaves, survives a reload, is sent once, and the
confirmation shows the reference. The form and the confirmation pass axe."""

from __future__ import annotations

import re
import time

import pytest

from incidents.models import Incident, Status
from tests.e2e.helpers import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "Patienten fick dubbel dos Alvedon vid skiftbytet. Upptäcktes vid nästa kontroll."


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_nurse_reports_from_a_phone_and_the_draft_survives_a_reload(phone_page, live_server, cast, tree, sign_in):
    page = phone_page
    sign_in(page, cast.reporter)

    # given the report form on a phone, reached from the button on the start page
    page.locator("a.button--report").first.click()
    page.wait_for_url(f"{live_server.url}/rapportera/")
    assert page.locator("#id_unit").input_value() == str(tree.medicin_ward.pk)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert serious_violations(page) == []

    # when they write and choose, the draft is saved on the server and the page says so
    page.fill("#id_description", TEXT)
    page.locator("label[for=id_case_type_0]").click()
    page.locator("label[for=id_reported_kind_2]").click()
    _wait_until(lambda: Incident.objects.filter(description=TEXT, reported_kind="happened").exists())
    draft = Incident.objects.get(reporter=cast.reporter)
    page.wait_for_url(f"{live_server.url}/rapportera/{draft.pk}/")
    status = page.locator("[data-autosave-status]")
    _wait_until(lambda: re.search(r"\d\d:\d\d", status.inner_text()) is not None)

    # and after a reload the text and the choices are still there
    page.reload()
    assert page.locator("#id_description").input_value() == TEXT
    assert page.locator("#id_case_type_0").is_checked()
    assert page.locator("#id_reported_kind_2").is_checked()

    # when they send it
    page.locator("[data-send]").click()

    # then the confirmation shows the reference, and there is exactly one report
    page.wait_for_url(f"{live_server.url}/rapportera/{draft.pk}/skickad/")
    incident = Incident.objects.get(reporter=cast.reporter)
    assert incident.status == Status.SUBMITTED
    assert re.fullmatch(r"AV-\d{4}-\d{6}", page.locator("[data-reference]").inner_text())
    assert page.locator("[data-reference]").inner_text() == incident.reference
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert serious_violations(page) == []


def test_text_written_while_the_network_is_down_is_saved_when_it_returns(phone_page, live_server, cast, sign_in):
    page = phone_page
    sign_in(page, cast.reporter)
    page.goto(f"{live_server.url}/rapportera/")
    page.fill("#id_description", "Patienten föll.")
    _wait_until(lambda: Incident.objects.filter(description="Patienten föll.").exists())
    draft = Incident.objects.get(reporter=cast.reporter)

    # when the connection drops while they go on writing
    page.context.set_offline(True)
    page.fill("#id_description", "Patienten föll. Hittades på golvet vid sängen.")
    page.locator("#id_description").blur()
    status = page.locator("[data-autosave-status]")
    _wait_until(lambda: "no connection" in status.inner_text() or "ingen anslutning" in status.inner_text())
    assert Incident.objects.get(pk=draft.pk).description == "Patienten föll."

    # then, once it is back, the next autosave stores what they wrote, without a new draft
    page.context.set_offline(False)
    _wait_until(
        lambda: Incident.objects.get(pk=draft.pk).description == "Patienten föll. Hittades på golvet vid sängen."
    )
    assert Incident.objects.filter(reporter=cast.reporter).count() == 1
