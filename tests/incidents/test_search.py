"""Finding and triaging incidents (issue 13, items 1–3): a case is found by its reference in
every spelling, in every status and only within the searcher's scope; a search finds what a
case is about (category, cause areas, short title); the lists carry a one-line summary; a
handler sets the short title on the page and through the API."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import (
    CaseType,
    Category,
    CauseArea,
    EventClass,
    Incident,
    ReferenceCounter,
    Status,
    TimelineEntry,
)
from incidents.summaries import SUMMARY_LENGTH, summary_text
from psweb.references import parse_reference
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

QUEUE = "/arenden/"
LIST = "/api/v1/incidents/"
YEAR = timezone.localdate().year


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def numbered(incident: Incident, year: int, number: int) -> Incident:
    """Give `incident` the reference number `number` of `year` (the counter as far as it)."""
    reference = f"AV-{year}-{number:06d}"
    Incident.objects.filter(pk=incident.pk).update(reference=reference)
    counter, _ = ReferenceCounter.objects.get_or_create(year=year)
    if counter.last < number:
        ReferenceCounter.objects.filter(year=year).update(last=number)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def numbered_cases(cast, tree):
    """AV-<year>-000189 closed, AV-<year>-000190 open, AV-<year-1>-000189 open; all in
    Medicinkliniken. The counters reach 200 in both years."""
    closed = numbered(report(cast.reporter, tree.medicin_ward), YEAR, 189)
    Incident.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    other = numbered(report(cast.reporter, tree.medicin_ward), YEAR, 190)
    last_year = numbered(report(cast.reporter, tree.medicin_ward), YEAR - 1, 189)
    ReferenceCounter.objects.filter(year__in=[YEAR, YEAR - 1]).update(last=200)
    return {"closed": closed, "other": other, "last_year": last_year}


def api_found(client, q: str) -> set[str]:
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200, response.json()
    return {item["reference"] for item in response.json()["results"]}


# --- reading a reference ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AV-2026-000189", ("AV", 2026, 189)),
        ("av-2026-000189", ("AV", 2026, 189)),
        (" AV 2026 189 ", ("AV", 2026, 189)),
        ("2026-000189", ("", 2026, 189)),
        ("000189", ("", None, 189)),
        ("189", ("", None, 189)),
        ("ut-2026-12", ("UT", 2026, 12)),
    ],
)
def test_it_reads_a_reference_in_every_spelling(text, expected):
    query = parse_reference(text)
    assert (query.prefix, query.year, query.number) == expected


@pytest.mark.parametrize("text", ["12", "fall", "läkemedel 189", "ab-2026-000189", "000000", "19121212-1212"])
def test_it_does_not_read_words_short_numbers_or_unknown_prefixes_as_a_reference(text):
    assert parse_reference(text) is None


# --- finding a case by its reference ----------------------------------------------------------


def test_the_api_finds_a_case_by_its_full_or_partial_reference_in_any_status(api, cast, numbered_cases):
    client = api(cast.handler)
    closed, last_year = numbered_cases["closed"].reference, numbered_cases["last_year"].reference

    for spelling in (closed, closed.lower(), f"{YEAR}-000189", f"{YEAR}-189", f"AV-{YEAR}-189"):
        assert api_found(client, spelling) == {closed}, spelling
    # A bare number means that number in every year numbered that far.
    assert api_found(client, "000189") == {closed, last_year}
    assert api_found(client, "189") == {closed, last_year}
    assert api_found(client, "201") == set()
    assert api_found(client, f"UT-{YEAR}-000189") == set()  # an investigation's number is no incident's


def test_a_reference_is_found_only_within_the_searchers_scope(api, as_user, cast, numbered_cases):
    closed = numbered_cases["closed"]

    assert api_found(api(cast.handler_orto), closed.reference) == set()
    response = as_user(cast.handler_orto).get(QUEUE, {"q": closed.reference})
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_the_queue_opens_the_case_when_one_reference_matches_whatever_its_status(as_user, cast, numbered_cases):
    closed = numbered_cases["closed"]
    client = as_user(cast.handler)

    # The form sends the open statuses it showed; the closed case is found all the same.
    response = client.get(QUEUE, {"q": closed.reference.lower(), "status": ["submitted", "in_progress"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", kwargs={"pk": closed.pk})


def test_the_queue_lists_the_cases_when_a_number_matches_several(as_user, cast, numbered_cases):
    response = as_user(cast.handler).get(QUEUE, {"q": "189"})

    assert response.status_code == 200
    assert {row.incident.pk for row in response.context["rows"]} == {
        numbered_cases["closed"].pk,
        numbered_cases["last_year"].pk,
    }


# --- what a case is about: category, cause areas, title --------------------------------------


def classified(incident: Incident, handler, code: str) -> Incident:
    return services.incident_classify(
        incident=incident,
        actor=handler,
        category=Category.objects.get(code=code),
        event_class=EventClass.NEAR_MISS,
        case_type=CaseType.CARE,
    )


def test_a_search_finds_the_cases_classified_in_a_category_of_that_name(api, cast, tree):
    in_category = classified(
        report(cast.reporter, tree.medicin_ward, description="Fel patient fick tabletterna."),
        cast.handler,
        "lakemedel-administrering",
    )
    in_words = report(cast.reporter, tree.medicin_ward, description="Läkemedel saknades i förrådet.")
    elsewhere = classified(
        report(cast.reporter, tree.medicin_ward, description="Patienten halkade i duschen."),
        cast.handler,
        "fall",
    )
    client = api(cast.handler)

    found = api_found(client, "läkemedel")
    assert {in_category.reference, in_words.reference} <= found
    assert elsewhere.reference not in found
    assert api_found(client, "administrering") == {in_category.reference}


def test_a_search_finds_the_cases_with_a_cause_in_an_area_of_that_name_unless_removed(api, cast, tree):
    area = CauseArea.objects.get(code="kommunikation")
    with_cause = report(cast.reporter, tree.medicin_ward, description="Ordinationen följdes inte.")
    services.cause_add(incident=with_cause, actor=cast.handler, area=area)
    removed = report(cast.reporter, tree.medicin_ward, description="Ordinationen ändrades.")
    cause = services.cause_add(incident=removed, actor=cast.handler, area=area)
    services.cause_remove(cause=cause, actor=cast.handler)

    assert api_found(api(cast.handler), area.name.lower()) == {with_cause.reference}


def test_a_search_finds_words_of_the_short_title(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, description="Patienten hittades på golvet.")
    services.incident_set_title(incident=incident, actor=cast.handler, title="Fall vid trappan till matsalen")

    assert api_found(api(cast.handler), "trappan") == {incident.reference}
    assert api_found(api(cast.handler), "trappan -matsalen") == set()


def test_the_queue_searches_categories_too(as_user, cast, tree):
    incident = classified(
        report(cast.reporter, tree.medicin_ward, description="Fel patient fick tabletterna."),
        cast.handler,
        "lakemedel-administrering",
    )

    response = as_user(cast.handler).get(QUEUE, {"q": "läkemedel"})

    assert incident.pk in {row.incident.pk for row in response.context["rows"]}


# --- the one-line summary --------------------------------------------------------------------


def test_a_summary_is_the_title_else_the_descriptions_beginning_cut_at_a_word():
    long = "Patienten fick fel dos av Waran vid kvällens läkemedelsutdelning och " * 3

    assert summary_text("Fel dos Waran", long) == "Fel dos Waran"
    cut = summary_text("", long)
    assert cut.endswith("…") and len(cut) <= SUMMARY_LENGTH + 1
    assert long.startswith(cut[:-1]) and long[len(cut) - 1] == " "  # ends on a whole word
    assert summary_text("", "Kort  text\nmed radbrytning") == "Kort text med radbrytning"
    assert "191212121212" not in summary_text("", "Patient 191212121212 föll ur sängen")
    assert "19121212-1212" not in summary_text("", "Patient 19121212-1212 föll ur sängen")


def test_the_queue_and_the_api_list_carry_the_summary(api, as_user, cast, tree):
    long = "Patienten föll i korridoren på väg till toaletten under natten. " * 6
    untitled = report(cast.reporter, tree.medicin_ward, description=long)
    titled = report(cast.reporter, tree.medicin_ward, description="Något annat hände.")
    services.incident_set_title(incident=titled, actor=cast.handler, title="Fel dos Waran")

    rows = {row.incident.pk: row.summary for row in as_user(cast.handler).get(QUEUE).context["rows"]}
    items = {item["id"]: item for item in api(cast.handler).get(LIST).json()["results"]}

    assert rows[titled.pk] == items[titled.pk]["summary"] == "Fel dos Waran"
    assert rows[untitled.pk] == items[untitled.pk]["summary"]
    assert rows[untitled.pk].startswith("Patienten föll i korridoren") and rows[untitled.pk].endswith("…")
    assert items[titled.pk]["title"] == "Fel dos Waran"


def test_the_reporter_reads_a_summary_of_her_own_words_not_the_handlers_title(api, login, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, description="Patienten fick fel dos av Waran.")
    services.incident_set_title(incident=incident, actor=cast.handler, title="Intern rubrik")

    item = next(i for i in api(cast.reporter).get(LIST).json()["results"] if i["id"] == incident.pk)
    page = login(cast.reporter).get(reverse("incidents:mine")).content.decode()

    assert item["summary"] == "Patienten fick fel dos av Waran."
    assert item["title"] is None
    assert "Patienten fick fel dos av Waran." in page
    assert "Intern rubrik" not in page


# --- setting the short title -------------------------------------------------------------------


def test_a_handler_sets_the_short_title_on_the_case_page(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    client = as_user(cast.handler)
    assert "Set a short title" in client.get(reverse("incidents:detail", kwargs={"pk": incident.pk})).content.decode()

    response = client.post(
        reverse("incidents:case-title", kwargs={"pk": incident.pk}),
        {"version": incident.version, "title": "  Fel dos   Waran  "},
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Fel dos Waran"
    assert incident.timeline.filter(kind=TimelineEntry.Kind.TITLE_SET).count() == 1


def test_a_stale_title_is_refused_with_what_changed(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    seen = incident.version
    services.incident_take(incident=incident, actor=cast.manager)

    response = as_user(cast.handler).post(
        reverse("incidents:case-title", kwargs={"pk": incident.pk}), {"version": seen, "title": "Fel dos"}
    )

    assert response.status_code == 409
    assert response.context["stale"] is not None
    incident.refresh_from_db()
    assert incident.title == ""


def test_only_the_handlers_may_set_the_title_and_the_reporter_is_not_offered_it(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    url = reverse("incidents:case-title", kwargs={"pk": incident.pk})

    for user in (cast.reporter, cast.safety_officer):
        assert as_user(user).post(url, {"version": incident.version, "title": "x"}).status_code == 403
    page = as_user(cast.reporter).get(reverse("incidents:detail", kwargs={"pk": incident.pk})).content.decode()
    assert "Set a short title" not in page
    assert as_user(cast.handler_orto).post(url, {"version": incident.version, "title": "x"}).status_code == 404


def test_the_api_sets_the_title_with_its_version(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    client = api(cast.handler)
    url = f"{LIST}{incident.pk}/title/"

    response = client.post(url, {"version": incident.version, "title": "Fel dos Waran"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["summary"]) == ("Fel dos Waran", "Fel dos Waran")

    assert client.post(url, {"version": incident.version, "title": "Annat"}, format="json").status_code == 409
    too_long = client.post(url, {"version": incident.version + 1, "title": "x" * 121}, format="json")
    assert too_long.status_code == 400 and "title" in too_long.json()["errors"]
    assert api(cast.reporter).post(url, {"version": incident.version + 1, "title": "x"}).status_code == 403


def test_a_closed_incident_keeps_its_title(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, closed_at=timezone.now())

    response = api(cast.handler).post(f"{LIST}{incident.pk}/title/", {"version": incident.version, "title": "x"})

    assert response.status_code == 409


def test_a_bare_number_that_is_no_cases_reference_is_looked_for_in_the_text(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, description="Larmade 112 efter att patienten föll.")

    # No incident is numbered 112 (a handful exist): the number is a word of the text.
    assert api_found(api(cast.handler), "112") == {incident.reference}
    assert api_found(api(cast.handler), "113") == set()
