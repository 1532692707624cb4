"""A handler's request for an investigation has a receiver and an answer: it waits in the
list of requested investigations of those who may decide (managers, the chief physician) and
under "Investigation requested" in the work queue, until one of them opens an investigation
or declines with a reason; the requester and the incident's timeline are told."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import Incident, TimelineEntry
from investigations import services
from investigations.models import Method
from outbox.models import Notification
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def _requested(cast, tree) -> Incident:
    incident = report(cast.reporter, tree.medicin_ward)
    incident = incident_services.incident_take(incident=incident, actor=cast.handler)
    Notification.objects.all().delete()
    return incident_services.incident_request_investigation(
        incident=incident, actor=cast.handler, reason="Upprepade fall av fel dos."
    )


def test_the_deciders_are_told_and_find_it_in_their_list(login, cast, tree):
    # when the handler requests an investigation
    incident = _requested(cast, tree)

    # then the manager and the chief physician are told, the handler not
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {cast.manager.username, cast.chief_physician.username}
    # and it waits in the manager's list of requested investigations, not in orthopaedics'
    listed = login(cast.manager).get(reverse("investigations:list"))
    assert [row.pk for row, _form in listed.context["requests"]] == [incident.pk]
    assert login(cast.manager_orto).get(reverse("investigations:list")).context["requests"] == []


def test_the_work_queue_filters_requested_investigations(login, cast, tree):
    requested = _requested(cast, tree)
    report(cast.reporter, tree.medicin_ward)

    response = login(cast.handler).get(reverse("incidents:queue"), {"investigation_requested": "true"})

    assert [row.incident.pk for row in response.context["rows"]] == [requested.pk]


def test_declining_tells_the_requester_and_the_timeline(login, cast, tree):
    # given
    incident = _requested(cast, tree)
    Notification.objects.all().delete()

    # when the manager declines with a reason
    response = login(cast.manager).post(
        reverse("investigations:request-decline", kwargs={"pk": incident.pk}),
        {
            f"request-{incident.pk}-reason": "Händelsen utreds i en pågående händelseanalys.",
            f"request-{incident.pk}-version": incident.version,
        },
    )

    # then the request is answered, the timeline says why and the handler is told
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.investigation_requested_at is None
    entry = incident.timeline.latest("id")
    assert (entry.kind, entry.actor, entry.message) == (
        TimelineEntry.Kind.INVESTIGATION_REQUEST_DECLINED,
        cast.manager,
        "Händelsen utreds i en pågående händelseanalys.",
    )
    assert list(Notification.objects.values_list("user__username", flat=True)) == [cast.handler.username]
    # and it may be requested again later
    assert incident_services.incident_request_investigation(
        incident=incident, actor=cast.handler
    ).investigation_requested_at


def test_declining_needs_a_reason_and_changes_nothing_without_one(login, cast, tree):
    incident = _requested(cast, tree)

    response = login(cast.manager).post(
        reverse("investigations:request-decline", kwargs={"pk": incident.pk}),
        {f"request-{incident.pk}-reason": "  ", f"request-{incident.pk}-version": incident.version},
    )

    assert response.status_code == 400
    assert Incident.objects.get(pk=incident.pk).investigation_requested_at is not None


def test_a_handler_may_not_decline(login, cast, tree):
    incident = _requested(cast, tree)

    response = login(cast.handler).post(
        reverse("investigations:request-decline", kwargs={"pk": incident.pk}),
        {f"request-{incident.pk}-reason": "Nej", f"request-{incident.pk}-version": incident.version},
    )

    assert response.status_code == 403


def test_opening_an_investigation_answers_the_request(cast, tree):
    # given
    incident = _requested(cast, tree)
    Notification.objects.all().delete()

    # when the chief physician opens an investigation of it
    investigation = services.investigation_open(
        incidents=[incident], actor=cast.chief_physician, method=Method.EVENT_ANALYSIS, reason="Allvarligt."
    )

    # then the request is answered and the handler told where it is investigated
    incident.refresh_from_db()
    assert incident.investigation_requested_at is None
    [(user, subject)] = Notification.objects.values_list("user__username", "subject")
    assert user == cast.handler.username and investigation.reference in subject


def test_the_api_lists_and_declines_requests(api, cast, tree):
    # given a request in Medicinkliniken
    incident = _requested(cast, tree)

    # when the manager lists the waiting requests and declines this one
    listed = api(cast.manager).get("/api/v1/investigations/requests/")
    handler = api(cast.handler).post(
        f"/api/v1/investigations/requests/{incident.pk}/decline/", {"reason": "Nej"}, format="json"
    )
    declined = api(cast.manager).post(
        f"/api/v1/investigations/requests/{incident.pk}/decline/",
        {"reason": "Utreds redan i UT-2026-000001.", "version": incident.version},
        format="json",
    )
    again = api(cast.manager).post(
        f"/api/v1/investigations/requests/{incident.pk}/decline/", {"reason": "Igen"}, format="json"
    )

    # then
    assert [(row["incident"], row["reference"]) for row in listed.json()] == [(incident.pk, incident.reference)]
    assert handler.status_code == 403
    assert declined.status_code == 204
    assert again.status_code == 409
    assert api(cast.manager).get("/api/v1/investigations/requests/").json() == []
    assert api(cast.manager_orto).get("/api/v1/investigations/requests/").json() == []
