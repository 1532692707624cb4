"""`/api/v1/reference/…` and `/api/v1/me/`'s id: what an integrator needs to fill in an incident
without reading ids off existing ones (issue 15, item 4)."""

from __future__ import annotations

import pytest

from incidents.models import Category, CauseArea, EventClass, ProviderSettings

pytestmark = pytest.mark.django_db

REFERENCE = "/api/v1/reference/"


def test_me_includes_the_callers_id(api, cast):
    assert api(cast.handler).get("/api/v1/me/").json()["id"] == cast.handler.pk


def test_categories_come_with_their_subcategories(api, cast):
    body = api(cast.reporter).get(f"{REFERENCE}categories/").json()

    tops = Category.objects.filter(parent__isnull=True)
    assert [c["id"] for c in body] == list(tops.values_list("id", flat=True))
    first = tops.first()
    listed = next(c for c in body if c["id"] == first.pk)
    assert [s["id"] for s in listed["subcategories"]] == list(first.children.values_list("id", flat=True))
    assert set(listed) == {"id", "code", "name", "case_type", "in_use", "subcategories"}


def test_categories_of_one_case_type_and_a_bad_case_type(api, cast):
    client = api(cast.reporter)

    work = client.get(f"{REFERENCE}categories/?case_type=work_environment").json()
    bad = client.get(f"{REFERENCE}categories/?case_type=nonsense")

    assert work and {c["case_type"] for c in work} == {"work_environment"}
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["case_type"]


def test_cause_areas_and_event_classes(api, cast):
    client = api(cast.reporter)

    areas = client.get(f"{REFERENCE}cause-areas/").json()
    classes = client.get(f"{REFERENCE}event-classes/").json()

    assert [a["id"] for a in areas] == list(CauseArea.objects.values_list("id", flat=True))
    assert [c["value"] for c in classes] == list(EventClass.values)
    serious = next(c for c in classes if c["value"] == EventClass.SERIOUS_HARM)
    assert serious == {
        "value": "serious_harm",
        "name": "Serious care injury",
        "needs_causes": True,
        "patient_harmed": True,
        "needs_lex_maria": True,
    }


def test_the_risk_matrix_is_the_care_providers_own(api, cast, tree):
    ProviderSettings.objects.create(
        care_provider=tree.municipality,
        probability_labels=["Osannolik", "Möjlig", "Trolig", "Nästan säker"],
        consequence_labels=["Ringa", "Måttlig", "Allvarlig", "Katastrofal"],
        risk_levels=[[1, "Låg"], [6, "Hög"]],
    )
    client = api(cast.handler)

    own = client.get(f"{REFERENCE}risk-matrix/").json()
    theirs = client.get(f"{REFERENCE}risk-matrix/?unit={tree.hemsjukvard.pk}").json()
    bad = client.get(f"{REFERENCE}risk-matrix/?unit=x")

    assert own["care_provider"] is None and own["probability_labels"][0] == "Mycket liten"
    assert theirs["care_provider"] == tree.municipality.pk
    assert theirs["levels"] == [{"lowest_score": 1, "name": "Låg"}, {"lowest_score": 6, "name": "Hög"}]
    assert bad.status_code == 400


def test_a_colleague_is_found_by_user_name_or_hsa_id_with_only_what_a_colleague_sees(api, cast):
    cast.handler_orto.hsa_id = "SE2321000032-7777"
    cast.handler_orto.title = "Avvikelsesamordnare"
    cast.handler_orto.save()
    client = api(cast.reporter)

    by_name = client.get(f"{REFERENCE}users/?username=handler_orto").json()
    by_hsa = client.get(f"{REFERENCE}users/?hsa_id=SE2321000032-7777").json()

    assert by_name == by_hsa
    assert set(by_name) == {"id", "username", "full_name", "title", "hsa_id", "roles"}
    assert by_name["id"] == cast.handler_orto.pk and by_name["title"] == "Avvikelsesamordnare"
    assert [r["role"] for r in by_name["roles"]] == ["handler"]


def test_someone_of_another_care_provider_is_not_found(api, cast):
    response = api(cast.reporter).get(f"{REFERENCE}users/?username=municipal_handler")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found, or you do not have access to it.", "code": "not_found"}


def test_the_look_up_takes_exactly_one_key(api, cast):
    client = api(cast.reporter)

    neither = client.get(f"{REFERENCE}users/")
    both = client.get(f"{REFERENCE}users/?username=handler&hsa_id=SE1")

    assert neither.status_code == both.status_code == 400
    assert neither.json()["errors"]["non_field_errors"][0]["message"] == (
        "Give either a user name or an HSA-id, not both."
    )
