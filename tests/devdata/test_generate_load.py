"""generate_load: synthetic data for the benchmarks, consistent enough that the pages,
statistics and access-log review work on it as on real data."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Count
from django.test import override_settings

from accounts.models import AccessLog, OrgUnit, User
from actions.models import Action
from devdata import load
from incidents.models import Forward, Incident, Status, TimelineEntry
from indicators.models import Measurement

pytestmark = pytest.mark.django_db

INCIDENTS = 3000
COMPLAINTS = 1500


@pytest.fixture
def loaded():
    call_command("seed_demo", incidents=0, force=True, stdout=io.StringIO())
    before = Incident.objects.count()
    last_demo_id = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    reports = load.generate(
        incident_count=INCIDENTS,
        measurement_count=600,
        complaint_count=COMPLAINTS,
        units=80,
        users=200,
        years=3,
        seed=7,
    )
    rows = {report.what.strip(): report.rows for report in reports}
    return before, rows, Incident.objects.filter(pk__gt=last_demo_id)


def test_it_refuses_a_database_with_debug_off_unless_forced():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="--force"):
        call_command("generate_load", incidents=10, stdout=io.StringIO())
    assert not Incident.objects.exists()


def test_it_writes_what_it_reports_with_the_domain_distributions(loaded):
    before, rows, synthetic = loaded
    assert Incident.objects.count() - before == rows["incidents"] == INCIDENTS
    assert OrgUnit.objects.count() == 80
    assert User.objects.filter(username__startswith="last.").count() == 200
    assert Forward.objects.count() == rows["forwards"] > 0
    assert Action.objects.count() >= rows["actions"] > 0
    assert TimelineEntry.objects.count() >= rows["timeline"] >= INCIDENTS
    assert Measurement.objects.count() >= rows["measurements"] > 0
    # Distributions from DOMAIN.md, within what 3 000 random draws allow.
    share = {k: n / INCIDENTS for k, n in synthetic.values_list("case_type").annotate(n=Count("pk"))}
    assert 0.65 < share["care"] < 0.75
    assert 0.05 < synthetic.filter(late_report=True).count() / INCIDENTS < 0.11
    assert synthetic.values("reference").distinct().count() == INCIDENTS
    statuses = dict(synthetic.values_list("status").annotate(n=Count("pk")))
    assert statuses[Status.CLOSED] > statuses[Status.SUBMITTED] and Status.DRAFT not in statuses


def test_every_read_case_has_its_access_log_rows(loaded):
    _before, rows, synthetic = loaded
    logged = AccessLog.objects.filter(request_id__startswith="load-")
    assert logged.count() == rows["access log"] > 0
    incidents = {
        incident.pk: incident for incident in synthetic.only("unit_id", "handler_id", "reported_at", "closed_at")
    }
    for object_id, unit_id, user_id, at in logged.values_list("object_id", "unit_id", "user_id", "at"):
        incident = incidents[int(object_id)]
        assert incident.unit_id == unit_id
        assert incident.handler_id in (user_id, None)  # a withdrawn case has no handler: its reader withdrew it
        assert incident.reported_at <= at <= (incident.closed_at or at)
    # Every case that was taken was read by its handler.
    taken = synthetic.filter(triaged_at__isnull=False).count()
    assert logged.values("object_id").distinct().count() == taken


def test_the_statistics_count_the_generated_cases(loaded):
    from incident_stats import selectors

    chief = User.objects.get(username="chefslakare")
    region = OrgUnit.objects.get(parent=None, name="Region Västmanland")
    counted = sum(row["count"] for row in selectors.incident_counts(user=chief, unit=region, group_by=[]))
    in_region = Incident.objects.filter(
        reported_at__isnull=False, responsible_unit__path__startswith=region.path
    ).count()
    assert counted == in_region > INCIDENTS / 3


def test_the_complaints_are_whole_cases_numbered_on_from_the_demo(loaded):
    """Each generated complaint has its responsible unit among its units, a contact row, a
    reference of its own after the demo's, and the shape of a region's year: most about care
    and communication, a third from the patientnämnd."""
    from complaints.models import Complaint, Contact, ReferenceCounter

    _before, rows, _incidents = loaded
    assert rows["complaints"] == COMPLAINTS
    generated = Complaint.objects.filter(description="Klagomålets text, skriven av den som klagar.")
    assert generated.count() == COMPLAINTS
    assert Contact.objects.filter(complaint__in=generated).count() == COMPLAINTS
    assert Complaint.units.through.objects.filter(complaint__in=generated).count() == COMPLAINTS
    assert not generated.exclude(units=models.F("unit")).exists()
    counters = dict(ReferenceCounter.objects.values_list("year", "last"))
    assert Complaint.objects.values("reference").distinct().count() == Complaint.objects.count()
    for year, last in counters.items():
        assert Complaint.objects.filter(reference__startswith=f"KL-{year}-").count() <= last
    areas = dict(generated.values_list("area").annotate(n=Count("id")).values_list("area", "n"))
    assert sorted(areas, key=areas.get, reverse=True)[:2] == ["care", "communication"]
    from_board = generated.filter(board_unit__isnull=False).count()
    assert 0.25 < from_board / COMPLAINTS < 0.41
