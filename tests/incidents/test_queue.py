"""The work queue: scoped per actor, filtered, sorted, counted, exported; query count bounded."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import CauseArea, Forward, Incident, Status
from tests.incidents import scope_oracle
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

QUEUE = "/arenden/"
COUNTS = "/arenden/antal/"


def counted(client, query) -> dict:
    """The counts of a filtered queue, as the page fetches them after it has loaded."""
    response = client.get(COUNTS, query)
    assert response.status_code == 200
    return response.context


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


@pytest.fixture
def world(cast, tree):
    """One submitted incident in each place, and a draft that no queue shows."""
    medicin = report(cast.reporter, tree.medicin_ward, description="Fallolycka i korridoren")
    orto = report(cast.handler_orto, tree.orto_ward, description="Läkemedelsfel vid utdelning")
    hem = report(cast.municipal_handler, tree.hemsjukvard, description="Trycksår upptäckt vid hembesök")
    draft = services.draft_start(actor=cast.handler, fields={"description": "Utkast"})
    return {"medicin": medicin, "orto": orto, "hem": hem, "draft": draft}


def references(response) -> set[str]:
    return {row.incident.reference for row in response.context["rows"]}


def test_the_url_is_short_and_swedish():
    assert reverse("incidents:queue") == QUEUE


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("handler", {"medicin"}),
        ("manager", {"medicin"}),
        ("handler_orto", {"orto"}),
        ("manager_orto", {"orto"}),
        ("chief_physician", {"medicin", "orto"}),
        ("safety_officer", {"medicin", "orto"}),
        ("mas", {"hem"}),
        ("municipal_handler", {"hem"}),
    ],
)
def test_each_actor_sees_exactly_the_incidents_in_scope_and_no_drafts(as_user, cast, world, actor, expected):
    response = as_user(getattr(cast, actor)).get(QUEUE)

    assert response.status_code == 200
    assert references(response) == {world[name].reference for name in expected}


@pytest.mark.parametrize("actor", ["reporter", "indicator_editor", "viewer", "admin", "outsider"])
def test_users_who_may_not_view_incidents_get_403_with_a_reason(as_user, cast, actor):
    response = as_user(getattr(cast, actor)).get(QUEUE)

    assert response.status_code == 403
    assert "The work queue is for case handlers" in response.content.decode()


def test_the_navigation_offers_the_queue_only_to_those_who_may_use_it(as_user, cast):
    assert 'href="/arenden/"' in as_user(cast.handler).get(reverse("home")).content.decode()
    assert 'href="/arenden/"' not in as_user(cast.reporter).get(reverse("home")).content.decode()


def test_without_filters_it_shows_the_open_incidents(as_user, cast, tree, world):
    closed = report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(pk=closed.pk).update(status=Status.CLOSED)

    response = as_user(cast.chief_physician).get(QUEUE)

    assert closed.reference not in references(response)
    response = as_user(cast.chief_physician).get(QUEUE, {"status": "closed"})
    assert references(response) == {closed.reference}


def test_it_filters_by_unit_subtree_text_and_event_class(as_user, cast, tree, world):
    client = as_user(cast.chief_physician)

    assert references(client.get(QUEUE, {"unit": tree.orto.pk})) == {world["orto"].reference}
    # Swedish word forms and parts of compound words: "läkemedel" finds "Läkemedelsfel"
    assert references(client.get(QUEUE, {"q": "läkemedel"})) == {world["orto"].reference}
    assert references(client.get(QUEUE, {"q": "korridor"})) == {world["medicin"].reference}
    assert references(client.get(QUEUE, {"event_class": "near_miss"})) == set()


def test_a_unit_outside_the_users_scope_is_not_a_valid_filter(as_user, cast, tree, world):
    response = as_user(cast.handler).get(QUEUE, {"unit": tree.hemsjukvard.pk})

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert references(response) == set()


def test_a_bad_filter_value_gives_a_message_not_a_500(as_user, cast, world):
    response = as_user(cast.handler).get(QUEUE, {"reported_from": "igår", "risk_level": "enormous"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Select a valid choice." in page


def test_a_personal_identity_number_is_never_searched_for_nor_kept_in_the_url(as_user, cast, world):
    response = as_user(cast.handler).get(QUEUE, {"q": "19121212-1212", "status": "submitted"})

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?status=submitted"
    assert "1212" not in response["Location"]


def test_counts_per_status_follow_the_filter_but_not_the_status_choice(as_user, cast, tree, world):
    second = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=second, actor=cast.handler)
    third = report(cast.reporter, tree.orto_ward)
    Incident.objects.filter(pk=third.pk).update(status=Status.CLOSED)
    client = as_user(cast.chief_physician)

    query = {"unit": tree.medicin.pk, "status": "closed"}
    response = client.get(QUEUE, query)

    counts = {link["label"]: link["count"] for link in counted(client, query)["status_links"]}
    assert counts == {"Submitted": 1, "In progress": 1, "Closed": 0, "Withdrawn": 0}
    assert references(response) == set()


def test_a_filtered_queue_lists_at_once_and_counts_after_the_page(as_user, cast, tree, world):
    # The rows do not wait for the counts (a common word's counts read every match): the page
    # says it is counting and asks for the counts; they replace the placeholders by id.
    client = as_user(cast.chief_physician)
    query = {"q": "fallolycka", "status": "submitted"}

    page = client.get(QUEUE, query)
    counts = client.get(COUNTS, query)

    html = page.content.decode()
    assert references(page) == {world["medicin"].reference}
    assert "Counting the matches…" in html
    assert f'hx-get="{COUNTS}?' in html and "q=fallolycka" in page.context["counts_url"]
    assert [link["count"] for link in page.context["status_links"]] == [None] * 4
    fragment = counts.content.decode()
    assert 'id="queue-tabs"' in fragment and 'hx-swap-oob="true"' in fragment
    assert 'id="queue-total" hx-swap-oob="innerHTML">1 incident matches.' in fragment
    assert "The export holds 1 row." in fragment
    assert "<html" not in fragment


def test_without_javascript_a_link_counts_on_the_page(as_user, cast, tree, world):
    client = as_user(cast.chief_physician)

    response = client.get(QUEUE, {"q": "fallolycka", "status": "submitted", "antal": "1"})

    assert response.context["counts_url"] == ""
    assert response.context["total"] == 1
    assert "1 incident matches." in response.content.decode()
    assert "antal=1" in client.get(QUEUE, {"q": "fallolycka"}).context["count_now_url"]


def test_the_counts_of_a_bad_filter_say_so(as_user, cast, tree, world):
    response = as_user(cast.chief_physician).get(COUNTS, {"reported_from": "inte ett datum"})

    assert response.status_code == 400
    assert "The filter has an error." in response.content.decode()


def test_the_counts_refuse_whom_the_queue_refuses(as_user, cast, tree, world):
    assert as_user(cast.reporter).get(COUNTS, {"q": "fall"}).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "closed"},
        {"status": ["submitted", "in_progress"], "unit": "medicin"},
        {"q": "fallolycka"},
        {"q": "läkemedel", "status": "submitted"},
        {"unit": "medicin_ward", "case_type": "care"},
        {"status": "withdrawn", "q": "fall"},
    ],
)
def test_the_total_is_the_length_of_the_filtered_list(as_user, cast, tree, world, query):
    # The total is summed from the counts per status (read from Reach, counted up to a cap):
    # it must still be exactly the number of rows the filter gives through the scope rule, and
    # the page the first fifty of them in order.
    taken = report(cast.reporter, tree.medicin_ward, description="Fallolycka vid sängen")
    services.incident_take(incident=taken, actor=cast.handler)
    closed = report(cast.reporter, tree.orto_ward, description="Läkemedelsfel i natt")
    Incident.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    query = {key: getattr(tree, value).pk if key == "unit" else value for key, value in query.items()}
    client = as_user(cast.chief_physician)

    response = client.get(QUEUE, query)

    listed = list(response.context["filter"].qs)
    total = (counted(client, query) if query else response.context)["total"]
    assert total == len(listed)
    assert [row.incident for row in response.context["rows"]] == listed[:50]


@pytest.mark.parametrize("ordering", ["", "reported_at", "-occurred_at", "-risk_score", "status", "-reference"])
def test_a_search_lists_its_matches_in_the_order_asked_for(as_user, cast, tree, world, ordering):
    # The page is merged from ranges of Reach and the user's own reports (queue.queue_page):
    # it must be exactly what ordering the filter through the scope rule gives.
    for n in range(6):
        incident = report(cast.reporter, tree.medicin_ward, description=f"Fallolycka nummer {n}")
        Incident.objects.filter(pk=incident.pk).update(
            risk_probability=1 + n % 4, risk_consequence=1 + n % 3, status=[Status.SUBMITTED, Status.CLOSED][n % 2]
        )
    client = as_user(cast.chief_physician)
    query = {"q": "fallolycka", "status": ["submitted", "closed"], "ordering": ordering}

    response = client.get(QUEUE, query)

    expected = [incident.reference for incident in response.context["filter"].qs]
    assert [row.incident.reference for row in response.context["rows"]] == expected
    assert len(expected) == 7 and counted(client, query)["total"] == 7


def test_it_sorts_by_reference_both_ways(as_user, cast, tree, world):
    client = as_user(cast.chief_physician)
    expected = sorted([world["medicin"].reference, world["orto"].reference])

    ascending = client.get(QUEUE, {"status": "submitted", "ordering": "reference"})
    descending = client.get(QUEUE, {"status": "submitted", "ordering": "-reference"})

    assert [row.incident.reference for row in ascending.context["rows"]] == expected
    assert [row.incident.reference for row in descending.context["rows"]] == expected[::-1]
    assert 'aria-sort="ascending"' in ascending.content.decode()


def test_it_pages_by_fifty(as_user, cast, tree):
    for _ in range(51):
        report(cast.reporter, tree.medicin_ward)
    client = as_user(cast.handler)

    first = client.get(QUEUE)
    second = client.get(QUEUE + first.context["next_url"])
    back = client.get(QUEUE + second.context["previous_url"])

    assert len(first.context["rows"]) == 50 and first.context["total"] == 51
    assert [row.incident for row in second.context["rows"]] == [list(first.context["filter"].qs)[50]]
    assert not second.context["next_url"] and first.context["previous_url"] == ""
    assert [row.incident for row in back.context["rows"]] == [row.incident for row in first.context["rows"]]
    assert "page=" not in first.context["next_url"]  # a key, not an offset: page 600 costs what page 1 does
    assert "The export holds 51 rows." in first.content.decode()  # said before the export starts


# --- CSV export ------------------------------------------------------------------------------


def test_the_export_is_a_swedish_excel_csv_of_the_current_list(as_user, cast, tree, world):
    incident = report(
        cast.reporter,
        tree.medicin_ward,
        description="=HYPERLINK(fritext som inte ska med)",
        patient_identifier="191212121212",
        occurred_at=timezone.now() - dt.timedelta(days=5),
    )
    services.incident_take(incident=incident, actor=cast.handler)
    services.incident_assess_risk(incident=incident, actor=cast.handler, probability=3, consequence=4)

    response = as_user(cast.handler).get(reverse("incidents:queue-export"), {"status": "in_progress"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="avvikelser-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Reference", "Reported", "Happened"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == incident.reference
    assert row["Where it happened"] == tree.medicin_ward.name
    assert row["Status"] == "In progress"
    assert row["Risk score"] == "12"
    assert row["Risk level"] == "Mycket hög"
    assert row["Handler"] == cast.handler.get_full_name()
    assert row["Reported late"] == "Yes"
    assert "1212" not in body and "fritext" not in body
    assert "\r\n" in body


def test_the_export_is_refused_like_the_queue(as_user, cast):
    assert as_user(cast.reporter).get(reverse("incidents:queue-export")).status_code == 403


# --- query count -----------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _rich_incidents(cast, tree, count: int) -> None:
    area = CauseArea.objects.first()
    for _ in range(count):
        incident = report(cast.reporter, tree.medicin_ward)
        services.incident_take(incident=incident, actor=cast.handler)
        services.incident_assess_risk(incident=incident, actor=cast.handler, probability=2, consequence=3)
        services.cause_add(incident=incident, actor=cast.handler, area=area)


@pytest.mark.parametrize("url", [QUEUE, "/arenden/export/"])
def test_the_number_of_queries_does_not_grow_with_the_rows(as_user, cast, tree, url):
    client = as_user(cast.handler)
    _rich_incidents(cast, tree, 1)
    _queries(client, url)  # the first request of a session does one-time work (session, scope)
    one = _queries(client, url)

    _rich_incidents(cast, tree, 49)
    fifty = _queries(client, url)

    assert fifty == one


# --- Counting without a filter ---------------------------------------------------------------


def test_the_unfiltered_counts_equal_counting_through_the_visibility_rule(cast, tree):
    """queue.all_counts reads the counts of the user's root from ReachCount and adds their own
    reports and extensions; in a world with every reason to see an incident, each actor's sums
    must equal counting what queue_base shows them."""
    from django.db.models import Count

    from incidents import queue
    from incidents.services import handling
    from investigations import services as investigations

    # Each status, in each care provider; one handled by another unit than where it happened.
    made = [report(cast.reporter, unit) for unit in (tree.medicin_ward, tree.orto_ward, tree.hemsjukvard)]
    made += [report(cast.municipal_handler, tree.hemsjukvard), report(cast.handler_orto, tree.orto_ward)]
    Incident.objects.filter(pk=made[1].pk).update(status=Status.IN_PROGRESS)
    Incident.objects.filter(pk=made[2].pk).update(status=Status.CLOSED)
    Incident.objects.filter(pk=made[3].pk).update(status=Status.WITHDRAWN)
    handling.incident_forward(
        incident=made[0],
        actor=cast.handler,
        to_unit=tree.hemsjukvard,
        message="Hemsjukvården tar över.",
        answer_due=timezone.localdate() + dt.timedelta(days=14),
    )
    # Another care provider's incident handled in Medicinkliniken.
    Incident.objects.filter(pk=made[4].pk).update(responsible_unit=tree.medicin)
    # The reporter's own report in another care provider; drafts, kept and discarded.
    report(cast.reporter, tree.hemsjukvard)
    services.draft_start(actor=cast.handler, fields={"description": "Utkast"})
    discarded = services.draft_start(actor=cast.reporter, fields={"description": "Bortkastat"})
    services.incident_withdraw_draft(incident=discarded, actor=cast.reporter)
    # A municipal handler on the team of an investigation of an orthopaedic incident.
    investigation = investigations.investigation_open(
        incidents=[made[1]],
        actor=cast.manager_orto,
        method="event_analysis",
        reason="Allvarlig.",
        leader=cast.manager_orto,
    )
    investigations.member_add(investigation=investigation, actor=cast.manager_orto, user=cast.municipal_handler)

    compared = 0
    for name in cast.names():
        user = getattr(cast, name)
        visible = scope_oracle.visible_ids(user)
        through_rule = dict(
            Incident.objects.filter(pk__in=visible)
            .exclude(status=Status.DRAFT)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        counted = {status: n for status, n in queue.all_counts(user=user).items() if n}
        assert counted == through_rule, name
        assert set(queue.queue_base(user=user).values_list("pk", flat=True)) == {
            pk
            for pk in visible
            if pk in set(Incident.objects.exclude(status=Status.DRAFT).values_list("pk", flat=True))
        }, name
        compared += bool(through_rule)
    assert compared >= 8


def test_the_unit_filters_are_built_once_and_follow_the_org_tree(as_user, cast, tree, world):
    # The two unit selects render from a cache keyed by the scope and the tree's version: a
    # unit renamed (by the service or straight in SQL) shows at once, and nothing outside the
    # user's scope is ever offered.
    from accounts.models import OrgUnit

    client = as_user(cast.handler)
    first = client.get(QUEUE).content.decode()
    assert tree.medicin_ward.name in first and tree.orto_ward.name not in first

    OrgUnit.objects.filter(pk=tree.medicin_ward.pk).update(name="Avdelning 5 Hjärta")
    renamed = client.get(QUEUE).content.decode()
    other = as_user(cast.handler_orto).get(QUEUE).content.decode()

    assert renamed.count('">Avdelning 5 Hjärta</option>') == 2  # both unit filters
    assert "Avdelning 5 Hjärta" not in other and tree.orto_ward.name in other


def test_counts_stop_at_the_cap_and_say_more_than(as_user, cast, tree, world, monkeypatch):
    # A list longer than the cap is narrowed, not read: the counts stop there ("1+"), the page
    # says more than the cap match, and the export says it holds more than the cap.
    from incidents import queue

    for _ in range(2):
        report(cast.reporter, tree.medicin_ward, description="Fallolycka igen")
    monkeypatch.setattr(queue, "COUNT_CAP", 1)
    client = as_user(cast.chief_physician)

    response = client.get(COUNTS, {"q": "fallolycka", "status": "submitted"})

    fragment = response.content.decode()
    assert response.context["status_links"][0]["count"] == 2  # counted to the cap + 1, no further
    assert response.context["total_capped"] is True
    assert '<span class="queue-tabs__count">1+</span>' in fragment
    assert "More than 1 incidents match" in fragment
    assert "The export holds more than 1 rows" in fragment


@pytest.mark.parametrize("unit", ["medicin", "medicin_ward", "orto", "orto_ward"])
@pytest.mark.parametrize("who", ["chief_physician", "handler", "handler_orto"])
def test_a_unit_filter_lists_what_happened_or_is_handled_below_it(as_user, cast, tree, world, unit, who):
    # A unit inside the user's scope is read as its own range of Reach, direct rows only
    # (queue._ranges): a case handed over to orthopaedics is theirs too, a case they were only
    # asked about is not, and the rows and counts are still exactly the filter's.
    handed = report(cast.reporter, tree.medicin_ward, description="Överlämnas till ortopeden")
    services.incident_take(incident=handed, actor=cast.handler)
    services.incident_forward(
        incident=handed, actor=cast.handler, to_unit=tree.orto_ward, message="Er patient.", answer_due=None
    )
    asked = report(cast.reporter, tree.medicin_ward, description="Ortopeden tillfrågas")
    services.incident_take(incident=asked, actor=cast.handler)
    services.incident_forward(
        incident=asked,
        actor=cast.handler,
        kind=Forward.Kind.ASK,
        to_unit=tree.orto_ward,
        message="Hur gick överrapporteringen till?",
        answer_due=timezone.localdate() + dt.timedelta(days=7),
    )
    client = as_user(getattr(cast, who))
    query = {"unit": getattr(tree, unit).pk, "status": ["submitted", "in_progress"]}

    response = client.get(QUEUE, query)

    if response.status_code == 400:  # a unit outside the user's scope is not offered
        assert who != "chief_physician"
        return
    expected = list(response.context["filter"].qs)
    assert [row.incident for row in response.context["rows"]] == expected
    assert counted(client, query)["total"] == len(expected)
    if unit.startswith("orto") and who != "handler":
        assert handed in expected and asked not in expected
