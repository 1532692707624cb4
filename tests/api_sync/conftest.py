"""Sync givens: for each synced list, how to make a row, change it through its service, and
who sees it; and a client that follows `next` and `sync` until it has seen what it waits for."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import models
from django.utils import timezone

from accounts.roles import Role
from actions.models import Action
from complaints import services as complaint_services
from complaints.models import Complaint
from incidents import services as incident_services
from incidents.models import Incident
from indicators.models import Measurement
from investigations import services as investigation_services
from investigations.models import Investigation, Method
from lexmaria.models import LexMariaCase
from tests.complaints.conftest import register
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report
from tests.indicators.conftest import measure, month
from tests.lexmaria.conftest import add_action, opened, serious_incident

FIRST_SYNC = "updated_since=1900-01-01T00:00:00Z"
# Rows of transactions still running are held back, on the whole server: another test run on
# the same PostgreSQL delays them by as long as its transaction lasts.
CATCH_UP_SECONDS = 30


def _analyst(tree):
    user = UserFactory(username="analyst")
    MembershipFactory(user=user, unit=tree.region, role=Role.ANALYST)
    return user


def _investigation(cast, tree) -> Investigation:
    incident = report(cast.reporter, tree.medicin_ward)
    return investigation_services.investigation_open(
        incidents=[incident],
        actor=cast.manager,
        method=Method.EVENT_ANALYSIS,
        reason="Allvarlig.",
        leader=_analyst(tree),
    )


def _investigation_start(investigation, cast):
    investigation_services.investigation_start(investigation=investigation, actor=investigation.leader)


def _measurement(cast, tree) -> Measurement:
    return measure(cast.safety_officer, "BHK", tree.medicin_ward, *month(2025, 3), 9, 10)


def _measurement_again(measurement, cast):
    measure(cast.safety_officer, "BHK", measurement.unit, *month(2025, 3), 8, 10)


def _complaint_handler(tree):
    """The complaint handler of Medicinkliniken (made once per test)."""
    user = UserFactory(username="sync_complaint_handler")
    if not user.memberships.exists():
        MembershipFactory(user=user, unit=tree.medicin, role=Role.COMPLAINT_HANDLER)
    return user


def _complaint(cast, tree) -> Complaint:
    return register(_complaint_handler(tree), tree.medicin_ward)


def _complaint_investigate(row, cast):
    """Through the service, by the handler who registered it."""
    return complaint_services.complaint_investigate(complaint=row, actor=row.timeline.first().actor)


@dataclass
class Synced:
    name: str
    url: str
    model: type[models.Model]
    make: Callable  # (cast, tree) -> row
    change: Callable  # (row, cast): a change through the service
    quiet: dict  # an .update() that leaves updated_at as it was
    viewer: str  # who in the cast sees the row
    component: str  # the list's answer in the schema

    def __str__(self) -> str:
        return self.name


SYNCED = [
    Synced(
        "incidents",
        "/api/v1/incidents/",
        Incident,
        lambda cast, tree: report(cast.reporter, tree.medicin_ward),
        lambda row, cast: incident_services.incident_take(incident=row, actor=cast.handler),
        {"title": "Fel dos"},
        "handler",
        "PaginatedIncidentList",
    ),
    Synced(
        "actions",
        "/api/v1/actions/",
        Action,
        lambda cast, tree: add_action(cast, report(cast.reporter, tree.medicin_ward)),
        lambda row, cast: Action.objects.filter(pk=row.pk).update(state="in_progress", updated_at=timezone.now()),
        {"progress_note": "Påbörjad."},
        "handler",
        "PaginatedActionList",
    ),
    Synced(
        "investigations",
        "/api/v1/investigations/",
        Investigation,
        _investigation,
        _investigation_start,
        {"title": "Ny titel"},
        "manager",
        "PaginatedInvestigationList",
    ),
    Synced(
        "lexmaria",
        "/api/v1/lexmaria/",
        LexMariaCase,
        lambda cast, tree: opened(cast, serious_incident(cast, tree.medicin_ward)),
        lambda row, cast: LexMariaCase.objects.filter(pk=row.pk).update(
            ivo_decision_text="Inget.", updated_at=timezone.now()
        ),
        {"ivo_decision_text": "Inget alls."},
        "safety_officer",
        "PaginatedLexMariaCaseList",
    ),
    Synced(
        "measurements",
        "/api/v1/measurements/",
        Measurement,
        _measurement,
        _measurement_again,
        {"comment": "Kontrollerad."},
        "safety_officer",
        "PaginatedMeasurementList",
    ),
    Synced(
        "complaints",
        "/api/v1/complaints/",
        Complaint,
        _complaint,
        _complaint_investigate,
        {"summary": "Ny rubrik"},
        "manager",
        "PaginatedComplaintAsReadList",
    ),
]


@pytest.fixture(params=SYNCED, ids=str)
def synced(request) -> Synced:
    return request.param


def read_all(client, link: str) -> tuple[list[dict], str]:
    """Follow `next` from `link` to the end: every row returned, and the `sync` link."""
    rows = []
    while True:
        response = client.get(link)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if body["next"] is None:
            return rows, body["sync"]
        link = body["next"]


def caught_up(client, link: str, *, waiting_for: Callable[[list[dict]], bool]) -> tuple[list[dict], str]:
    """Poll `link` (then each answer's `sync`) until the rows read satisfy `waiting_for`."""
    rows: list[dict] = []
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        page, link = read_all(client, link)
        rows += page
        if waiting_for(rows):
            return rows, link
        if time.monotonic() > deadline:
            pytest.fail(f"Not seen within {CATCH_UP_SECONDS} s; read {rows}", pytrace=False)
        time.sleep(0.1)


def as_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)
