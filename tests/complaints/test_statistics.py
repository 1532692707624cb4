"""Complaint statistics (`/klagomal/statistik/`): a year's counts per channel, area, unit and
month against the year before, answered in time and the median days, linked incidents;
scoped to where the user holds complaint.stats; 403 for the reporter role and the nämnd's
officers; the same figures as CSV; no identity anywhere; a constant number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import services
from complaints.models import Complaint, ComplaintIncident, ExternalCase
from complaints.statistics import complaint_stats
from tests.complaints.conftest import PERSONNUMMER, from_board, register
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

URL = "/klagomal/statistik/"


def answer(complaint, actor, day):
    return services.complaint_answer(
        complaint=complaint,
        actor=actor,
        answered_on=day,
        way="letter",
        letter={"answer_what_happened": "Vi har talat med avdelningen."},
    )


@pytest.fixture
def year_of_complaints(cast, ccast, tree):
    """Last year: three in the medicine ward (one answered in 10 days, one in 40 — late — and
    one forwarded), one by phone in the orthopaedic ward answered in 20 days, and one the year
    before; one linked to an incident."""
    year = timezone.localdate().year - 1
    jan, mar = dt.date(year, 1, 10), dt.date(year, 3, 5)
    quick = register(ccast.handler, tree.medicin_ward, received_on=jan)
    answer(quick, ccast.handler, jan + dt.timedelta(days=10))
    late = register(ccast.handler, tree.medicin_ward, received_on=jan, area="care", subarea="treatment")
    answer(late, ccast.handler, jan + dt.timedelta(days=40))
    forwarded = register(ccast.handler, tree.medicin_ward, received_on=mar, area="accessibility", subarea="")
    services.complaint_forward(complaint=forwarded, actor=ccast.handler, to="Västerås stad")
    phoned = register(ccast.handler_orto, tree.orto_ward, received_on=mar, channel="phone")
    answer(phoned, ccast.handler_orto, mar + dt.timedelta(days=20))
    register(ccast.handler, tree.medicin_ward, received_on=dt.date(year - 1, 3, 1))
    ComplaintIncident.objects.create(
        complaint=late, incident=report(cast.reporter, tree.medicin_ward), linked_by=ccast.handler
    )
    return year


def test_the_year_is_counted_as_by_hand(cast, tree, year_of_complaints):
    year = year_of_complaints

    stats = complaint_stats(user=cast.chief_physician, year=year)

    assert stats.received == 4
    assert dict(stats.by_channel) == {"e_service": 3, "phone": 1}
    assert dict(stats.by_area) == {"communication": 2, "care": 1, "accessibility": 1}
    assert [(unit.name, n) for unit, n in stats.by_unit] == [("Västmanlands sjukhus Västerås", 4)]
    assert (stats.answered, stats.counted, stats.in_time, stats.not_counted) == (3, 3, 2, 1)
    assert round(stats.share_in_time, 1) == 66.7
    assert stats.median_days == 20
    assert stats.linked == 1
    assert stats.by_month[0] == (dt.date(year, 1, 1), 2, 0)
    assert stats.by_month[2] == (dt.date(year, 3, 1), 2, 1)

    # a unit filter groups under its children; a handler of orthopaedics counts hers only
    akut = complaint_stats(user=cast.chief_physician, year=year, unit=tree.akut)
    assert [(unit.name, n) for unit, n in akut.by_unit] == [("Medicinkliniken", 3), ("Ortopedkliniken", 1)]
    manager_orto = complaint_stats(user=cast.manager_orto, year=year)
    assert manager_orto.received == 1
    assert [u.name for u, _n in manager_orto.by_unit] == ["Avdelning 12, ortopedi"]


def test_the_page_and_its_csv_show_the_figures_without_identity(client, cast, tree, year_of_complaints):
    year = year_of_complaints
    client.force_login(cast.viewer)

    page = client.get(URL, {"ar": year})
    rows = _csv(client.get(URL, {"ar": year, "format": "csv"}))

    assert page.status_code == 200
    html = page.content.decode()
    assert "66,7" in html and f"enhet={tree.forvaltning.pk}" in html
    assert any(row[1].startswith("1177") and row[2] == "3" for row in rows)
    complaint = Complaint.objects.filter(received_on__year=year).first()
    for secret in (PERSONNUMMER, "Karin Klagande", "070-1234567", complaint.summary, complaint.reference):
        assert secret not in html
        assert all(secret not in cell for row in rows for cell in row)


def test_who_may_see_it(client, cast, ccast, tree, year_of_complaints):
    def status(user, **query):
        client.force_login(user)
        return client.get(URL, query).status_code

    assert status(cast.viewer) == 200
    assert status(ccast.handler) == 200
    assert status(cast.manager) == 200
    assert status(cast.safety_officer) == 200
    assert status(cast.reporter) == 403
    assert status(cast.handler) == 403
    assert status(ccast.board_officer) == 403
    assert status(cast.manager_orto, enhet=tree.medicin.pk) == 404  # outside her scope
    assert status(cast.manager, enhet="x") == 404
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_number_of_queries_does_not_grow_with_the_complaints(cast, ccast, tree, year_of_complaints):
    year = year_of_complaints

    def queries() -> int:
        chief = User.objects.get(pk=cast.chief_physician.pk)  # the scope worked out afresh each time
        with CaptureQueriesContext(connection) as captured:
            complaint_stats(user=chief, year=year)
        return len(captured)

    before = queries()
    for handler, unit in ((ccast.handler_orto, tree.orto_ward), (ccast.handler, tree.medicin_ward)):
        register(handler, unit, received_on=dt.date(year, 6, 1), channel="letter")
    from_board(ccast, tree.medicin, received_on=dt.date(year, 7, 1), due_in_days=1)

    assert queries() == before
    assert reverse("complaints:statistics") == URL


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_ivo_and_lof_cases_are_counted_for_those_who_read_the_complaints(client, cast, year_of_complaints):
    # given a LÖF claim compensated in the year
    year = year_of_complaints
    complaint = Complaint.objects.filter(received_on__year=year, area="care").get()
    ExternalCase.objects.create(
        complaint=complaint,
        kind="lof",
        external_reference="LÖF 2025-0001",
        received_on=dt.date(year, 3, 1),
        decision="compensated",
        decided_on=dt.date(year, 9, 1),
        amount=Decimal("18000"),
        created_by=cast.chief_physician,
    )

    # when the chief physician and the statistics-only viewer look
    client.force_login(cast.chief_physician)
    chief = client.get(URL, {"ar": year}).content.decode()
    client.force_login(cast.viewer)
    viewer = client.get(URL, {"ar": year}).content.decode()

    # then only the one who may read the complaints sees them, as counts and the sum
    assert 'id="external-title"' in chief and "18" in chief
    assert "LÖF 2025-0001" not in chief
    assert 'id="external-title"' not in viewer
