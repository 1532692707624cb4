"""The chefläkare delegates the Lex Maria decision for her holiday in the browser: from the Lex
Maria list to "Vem beslutar", a delegation to the manager added with the form (a wrong period
first, shown at its field), listed, and ended again. Axe finds no serious problem, on a desk
and on a phone (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lexmaria.models import Capacity, Decider
from tests.e2e.helpers import picture, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_chief_physician_delegates_the_decision_for_her_holiday(page, phone_page, live_server, cast, tree, sign_in):
    # given: the region has designated its chefläkare
    today = timezone.localdate()
    Decider.objects.create(
        care_provider=tree.region,
        user=cast.chief_physician,
        capacity=Capacity.DESIGNATED,
        title="Chefläkare",
        valid_from=today,
        created_by=cast.admin,
    )
    start, end = today + dt.timedelta(days=30), today + dt.timedelta(days=60)

    # when: she goes from the Lex Maria list to who decides
    sign_in(page, cast.chief_physician)
    page.goto(f"{live_server.url}/lex-maria/")
    page.get_by_role("link", name="Vem beslutar: ställföreträdare och delegeringar").click()
    assert page.locator("h1").inner_text() == "Vem beslutar om lex Maria"
    assert not serious_violations(page)

    # and: gives a last day before the first, then corrects it
    form = page.locator("form", has=page.get_by_role("button", name="Lägg till"))
    form.get_by_label("Person").select_option(label=f"{cast.manager.get_full_name()} ({cast.manager.username})")
    form.get_by_label("Första dag", exact=True).fill(end.isoformat())
    form.get_by_label("Sista dag").fill(start.isoformat())
    form.get_by_label("Anteckning").fill("Under min semester")
    form.get_by_role("button", name="Lägg till").click()
    assert Decider.objects.filter(user=cast.manager).count() == 0
    assert page.locator(".field__error, [role=alert]").count()
    assert not serious_violations(page)
    form = page.locator("form", has=page.get_by_role("button", name="Lägg till"))
    form.get_by_label("Första dag", exact=True).fill(start.isoformat())
    form.get_by_label("Sista dag").fill(end.isoformat())
    form.get_by_role("button", name="Lägg till").click()

    # then: the delegation is listed with its period, and she can end it
    delegation = Decider.objects.get(user=cast.manager)
    assert (delegation.capacity, delegation.valid_from, delegation.valid_to) == (Capacity.DELEGATE, start, end)
    row = page.locator(f"tr[data-decider='{delegation.pk}']")
    assert f"{start:%Y-%m-%d}–{end:%Y-%m-%d}" in row.inner_text()
    picture(page, "lexmaria-deciders")
    assert not serious_violations(page)

    # and on a phone the page has no serious problem either
    sign_in(phone_page, cast.chief_physician)
    phone_page.goto(f"{live_server.url}/lex-maria/beslutsfattare/")
    assert not serious_violations(phone_page)

    row.get_by_role("button", name="Avsluta nu").click()
    page.wait_for_load_state()
    delegation.refresh_from_db()
    assert delegation.ended_at is not None
