"""Finding an investigation (issue 13, item 1): by its reference in every spelling, by an
investigated incident's reference, by words of its title; only within the searcher's scope;
the list page opens the one investigation a reference names. The API's list carries a summary."""

from __future__ import annotations

import pytest
from django.urls import reverse

from investigations.models import Investigation, Method, Status
from tests.investigations.conftest import opened

pytestmark = pytest.mark.django_db

LIST = "/api/v1/investigations/"


def api_found(client, q: str, **params) -> set[str]:
    response = client.get(LIST, {"q": q, **params})
    assert response.status_code == 200, response.json()
    return {item["reference"] for item in response.json()["results"]}


def test_the_api_finds_an_investigation_by_its_reference_or_an_investigated_incidents(api, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    Investigation.objects.filter(pk=inv.pk).update(status=Status.CLOSED)  # any status
    _prefix, year, number = inv.reference.split("-")
    client = api(cast.manager)

    for spelling in (inv.reference, inv.reference.lower(), f"{year}-{number}", f"{year}-{int(number)}", number):
        assert api_found(client, spelling) == {inv.reference}, spelling
    assert api_found(client, incident.reference.lower()) == {inv.reference}
    assert api_found(client, inv.reference, status="in_progress") == set()
    assert api_found(api(cast.manager_orto), inv.reference) == set()  # outside her scope


def test_the_api_finds_words_of_the_title_and_lists_a_summary(api, cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    Investigation.objects.filter(pk=inv.pk).update(title="Fel dos Waran på avdelning 5")
    client = api(cast.manager)

    assert api_found(client, "waran") == {inv.reference}
    assert api_found(client, "insulin") == set()
    item = client.get(LIST).json()["results"][0]
    assert item["summary"] == "Fel dos Waran på avdelning 5"


def test_the_list_page_opens_the_investigation_its_reference_names(login, cast, incident, analyst):
    inv = opened(cast, incident, analyst, method=Method.SIMPLE)
    client = login(cast.manager)

    response = client.get(reverse("investigations:list"), {"q": inv.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("investigations:detail", kwargs={"pk": inv.pk})

    searched = client.get(reverse("investigations:list"), {"q": "ingenting sådant"})
    assert searched.status_code == 200 and f'data-investigation="{inv.pk}"' not in searched.content.decode()

    outside = login(cast.manager_orto).get(reverse("investigations:list"), {"q": inv.reference})
    assert outside.status_code == 200 and f'data-investigation="{inv.pk}"' not in outside.content.decode()


def test_a_personal_identity_number_is_never_searched_for(login, cast):
    response = login(cast.manager).get(reverse("investigations:list"), {"q": "19121212-1212", "status": "closed"})

    assert response.status_code == 302
    assert "1212" not in response["Location"]
