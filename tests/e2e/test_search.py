"""A coordinator finds a case by the reference the nurse quotes: she types it in the work
queue's search box, in lower case and without its prefix, and lands on the case page, even
though the case is closed and the queue showed only open cases. The queue says what each case
is about in one line. Axe finds no serious problem on the queue."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Status
from tests.e2e.helpers import picture, serious_violations
from tests.incidents.conftest import report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_types_the_reference_and_lands_on_the_case(page, live_server, cast, tree, sign_in):
    # given a closed incident and an open one with a short title
    quoted = report(cast.reporter, tree.medicin_ward, description="Patienten fick dubbel dos insulin på natten.")
    Incident.objects.filter(pk=quoted.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    other = report(cast.reporter, tree.medicin_ward, description="Något annat.")
    services.incident_set_title(incident=other, actor=cast.handler, title="Fel dos Waran vid kvällens utdelning")
    sign_in(page, cast.handler)

    # when the coordinator opens the queue, it says what the open case is about
    page.goto(f"{live_server.url}/arenden/")
    assert "Fel dos Waran vid kvällens utdelning" in page.locator(f"tr[data-incident='{other.pk}']").inner_text()
    assert not page.locator(f"tr[data-incident='{quoted.pk}']").count()  # closed: not among the open cases
    picture(page, "queue-summaries")
    assert not serious_violations(page)

    # and types the number the nurse quotes, without its prefix, in the search box
    _prefix, year, number = quoted.reference.split("-")
    page.fill("input[name=q]", f"{year}-{number}")
    with page.expect_navigation():
        page.locator("form[role=search] .queue-filter__search button[type=submit]").click()

    # then she is on the case page of that incident
    assert page.url.endswith(f"/avvikelser/{quoted.pk}/")
    assert quoted.reference in page.locator("h1").inner_text()


def test_a_search_lists_at_once_and_its_counts_follow(page, live_server, cast, tree, sign_in):
    # given two open incidents about a fall and one about something else
    for text in ("Fallolycka i korridoren.", "Patienten föll, fallolycka vid sängen.", "Fel dos insulin."):
        report(cast.reporter, tree.medicin_ward, description=text)
    sign_in(page, cast.handler)

    # when the coordinator searches the queue
    page.goto(f"{live_server.url}/arenden/?q=fallolycka")

    # then the counts replace the placeholders once they are counted, in the same live region
    total = page.locator("#queue-total")
    total.filter(has_text="2 avvikelser matchar.").wait_for()  # the browser tests run in Swedish
    assert total.get_attribute("role") == "status"
    tabs = page.locator("#queue-tabs .queue-tabs__count").all_inner_texts()
    assert tabs == ["2", "0", "0", "0"]
    assert "Exporten innehåller 2 rader." in page.locator("#queue-export-size").inner_text()
    assert page.locator("tbody tr[data-incident]").count() == 2
    assert not serious_violations(page)
