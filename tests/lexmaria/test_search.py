"""Finding a Lex Maria case and reading what happened (issue 13, items 1 and 3): by its
reference in every spelling or an assessed incident's; only within the reader's scope; the
list opens the one case a reference names and shows what happened; the case page shows the
incidents' descriptions (an identity number replaced, as in the report to IVO)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services as incident_services
from tests.lexmaria.conftest import decided, opened, serious_incident

pytestmark = pytest.mark.django_db

LIST = "/api/v1/lexmaria/"


def api_found(client, q: str) -> set[str]:
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200, response.json()
    return {item["reference"] for item in response.json()["results"]}


@pytest.fixture
def case(cast, tree):
    incident = serious_incident(
        cast, tree.medicin_ward, description="Patienten 19121212-1212 föll ur sängen och bröt höften."
    )
    return opened(cast, incident)


def test_the_api_finds_a_case_by_its_reference_or_an_assessed_incidents(api, cast, case):
    incident = case.incidents.get()
    _prefix, year, number = case.reference.split("-")
    decided(cast, case)  # any status
    client = api(cast.safety_officer)

    for spelling in (case.reference, case.reference.lower(), f"{year}-{number}", number):
        assert api_found(client, spelling) == {case.reference}, spelling
    assert api_found(client, incident.reference) == {case.reference}
    assert api_found(api(cast.manager_orto), case.reference) == set()


def test_the_api_list_carries_what_happened(api, cast, case):
    incident = case.incidents.get()
    item = api(cast.safety_officer).get(LIST).json()["results"][0]
    assert item["summary"].startswith("Patienten [")
    assert "1212" not in item["summary"]

    incident_services.incident_set_title(incident=incident, actor=cast.handler, title="Fall ur sängen, höftfraktur")
    item = api(cast.safety_officer).get(LIST).json()["results"][0]
    assert item["summary"] == "Fall ur sängen, höftfraktur"


def test_the_list_opens_the_case_its_reference_names_and_says_what_happened(login, cast, case):
    client = login(cast.manager)

    response = client.get(reverse("lexmaria:list"), {"q": case.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("lexmaria:detail", kwargs={"pk": case.pk})

    page = client.get(reverse("lexmaria:list")).content.decode()
    assert "föll ur sängen och bröt höften" in page
    assert "19121212-1212" not in page
    nothing = client.get(reverse("lexmaria:list"), {"q": "LM-1999-000001"}).content.decode()
    assert f'data-case="{case.pk}"' not in nothing


def test_the_case_page_shows_what_happened(login, cast, case):
    page = login(cast.chief_physician).get(reverse("lexmaria:detail", kwargs={"pk": case.pk})).content.decode()

    assert "föll ur sängen och bröt höften" in page
    assert "19121212-1212" not in page
