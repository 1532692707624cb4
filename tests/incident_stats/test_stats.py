"""Incident statistics: the pre-aggregated counts (kept by database triggers) always equal a
count of the incidents themselves, through every kind of change, compaction and rebuild; each
role is counted exactly the incidents it may see; lead times are PostgreSQL's percentiles;
no case content is in any output."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import OrgUnit
from accounts.services import orgunit_update
from actions.models import Action
from incident_stats import cube, selectors
from incidents.models import Category, Cause, CauseArea, EventClass, Incident, Status
from tests.factories import UserFactory
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

GROUPS = ["period", "category", "event_class", "case_type", "status"]


def raw_counts(incidents, unit: OrgUnit) -> Counter:
    """The same grouping, counted from the incident rows in Python."""
    out: Counter = Counter()
    subtree = set(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    for i in incidents:
        if i.reported_at is None or i.responsible_unit_id not in subtree:
            continue
        month = timezone.localtime(i.reported_at).date().replace(day=1)
        out[(month, i.category_id, i.event_class, i.case_type, i.status)] += 1
    return out


def cube_counts(user, unit: OrgUnit) -> Counter:
    rows = selectors.incident_counts(user=user, unit=unit, group_by=GROUPS)
    return Counter(
        {(r["period_start"], r["category"], r["event_class"], r["case_type"], r["status"]): r["count"] for r in rows}
    )


def fresh_incidents():
    return list(Incident.objects.all())


# --- The triggers, property-based ----------------------------------------------------------------

_examples = itertools.count()
UNITS = ("medicin_ward", "medicin", "orto_ward", "hemsjukvard")
operation = st.one_of(
    st.tuples(st.just("report"), st.sampled_from(UNITS), st.sampled_from(list(EventClass.values)), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from(list(Status.values))),
    st.tuples(st.just("classify"), st.integers(0, 9), st.integers(0, 3)),
    st.tuples(st.just("forward"), st.integers(0, 9), st.sampled_from(UNITS)),
    st.tuples(st.just("close"), st.integers(0, 9), st.integers(0, 400)),
    st.tuples(st.just("cause"), st.integers(0, 9), st.integers(0, 6)),
    st.tuples(st.just("uncause"), st.integers(0, 9)),
    st.tuples(st.just("action"), st.integers(0, 9), st.integers(-30, 30)),
    st.tuples(st.just("finish"), st.integers(0, 9)),
    st.tuples(st.just("risk"), st.integers(0, 9), st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.just("compact")),
)


class RollbackError(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=30))
def test_the_counts_equal_the_incidents_through_any_changes(cast, tree, operations):
    try:
        with transaction.atomic():
            _run(cast, tree, operations)
            raise RollbackError
    except RollbackError:
        pass


def _run(cast, tree, operations):
    categories = list(Category.objects.order_by("pk")[:4])
    areas = list(CauseArea.objects.order_by("pk"))
    made: list[Incident] = []
    for op in operations:
        kind = op[0]
        if kind == "report":
            hours = 100 if op[3] else 2  # reported more than 72 hours after the event: late
            made.append(
                report(cast.reporter, getattr(tree, op[1]), occurred_at=timezone.now() - dt.timedelta(hours=hours))
            )
            Incident.objects.filter(pk=made[-1].pk).update(event_class=op[2])
        elif kind == "compact":
            cube.compact()
        elif made:
            incident = made[op[1] % len(made)]
            if kind == "status":
                Incident.objects.filter(pk=incident.pk).update(status=op[2])
            elif kind == "classify":
                Incident.objects.filter(pk=incident.pk).update(category=categories[op[2]])
            elif kind == "forward":
                Incident.objects.filter(pk=incident.pk).update(responsible_unit=getattr(tree, op[2]))
            elif kind == "close":
                reported = Incident.objects.get(pk=incident.pk).reported_at
                Incident.objects.filter(pk=incident.pk).update(
                    status=Status.CLOSED,
                    triaged_at=reported + dt.timedelta(hours=op[2] // 3),
                    closed_at=reported + dt.timedelta(hours=op[2]),
                )
            elif kind == "cause":
                Cause.objects.create(incident=incident, area=areas[op[2] % len(areas)], created_by=cast.handler)
            elif kind == "uncause":
                Cause.objects.filter(incident=incident, removed_at__isnull=True).update(removed_at=timezone.now())
            elif kind == "action":
                Action.objects.create(
                    incident=incident,
                    description="Åtgärd",
                    responsible=cast.manager,
                    due_date=timezone.localdate() + dt.timedelta(days=op[2]),
                    created_by=cast.handler,
                )
            elif kind == "finish":
                Action.objects.filter(incident=incident).update(state=Action.State.DONE)
            elif kind == "risk":
                Incident.objects.filter(pk=incident.pk).update(risk_probability=op[2], risk_consequence=op[3])
    _assert_exact(cast, tree)
    cube.compact()
    _assert_exact(cast, tree)


def _assert_exact(cast, tree):
    incidents = fresh_incidents()
    for unit in (tree.region, tree.medicin, tree.municipality):
        assert cube_counts(cast.safety_officer, unit) == raw_counts(incidents, unit)
    summary = selectors.summary(user=cast.safety_officer, unit=tree.region, start=None, end=None)
    region = set(OrgUnit.objects.filter(path__startswith=tree.region.path).values_list("pk", flat=True))
    mine = [i for i in incidents if i.reported_at and i.responsible_unit_id in region]
    assert summary.reported == len(mine)
    assert summary.late == sum(i.late_report for i in mine)
    assert summary.closed == sum(1 for i in mine if i.closed_at)
    open_actions = Action.objects.filter(incident__in=[i.pk for i in mine]).exclude(
        state__in=[Action.State.DONE, Action.State.CANCELLED]
    )
    assert summary.actions_open == open_actions.count()
    assert summary.actions_overdue == open_actions.filter(due_date__lt=timezone.localdate()).count()
    causes = Counter(
        Cause.objects.filter(incident__in=[i.pk for i in mine], removed_at__isnull=True).values_list(
            "area_id", flat=True
        )
    )
    assert {c["area"]: c["count"] for c in summary.causes} == dict(causes)
    risks = Counter(
        (i.risk_probability or 0) * (i.risk_consequence or 0) if i.risk_probability and i.risk_consequence else 0
        for i in mine
    )
    by_level = selectors.incident_counts(user=cast.safety_officer, unit=tree.region, group_by=["risk_level"])
    assert sum(r["count"] for r in by_level) == sum(risks.values())


def test_a_rebuild_gives_the_same_counts_as_the_triggers(cast, tree):
    for unit in (tree.medicin_ward, tree.orto_ward, tree.medicin_ward):
        report(cast.reporter, unit)
    before = cube_counts(cast.safety_officer, tree.region)

    cube.rebuild()

    assert cube_counts(cast.safety_officer, tree.region) == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM indicators_incidentcubedelta")
        assert cursor.fetchone()[0] == 0


def test_moving_a_unit_moves_its_incidents_in_the_statistics(cast, tree):
    report(cast.reporter, tree.medicin_ward)
    report(cast.reporter, tree.medicin_ward)
    by_clinic = {tree.medicin.pk: 2, tree.orto.pk: 0}
    for clinic, expected in by_clinic.items():
        unit = OrgUnit.objects.get(pk=clinic)
        assert (
            sum(r["count"] for r in selectors.incident_counts(user=cast.safety_officer, unit=unit, group_by=[]))
            == expected
        )

    orgunit_update(
        unit=tree.medicin_ward,
        name=tree.medicin_ward.name,
        kind=tree.medicin_ward.kind,
        parent=tree.orto,
        hsa_id="",
        is_active=True,
    )

    orto = OrgUnit.objects.get(pk=tree.orto.pk)
    medicin = OrgUnit.objects.get(pk=tree.medicin.pk)
    assert sum(r["count"] for r in selectors.incident_counts(user=cast.safety_officer, unit=orto, group_by=[])) == 2
    assert sum(r["count"] for r in selectors.incident_counts(user=cast.safety_officer, unit=medicin, group_by=[])) == 0


def test_lead_times_are_postgresqls_percentiles_in_whole_days(cast, tree):
    days = [1, 2, 2, 5, 9, 30, 31, 60, 90, 120]
    for number in days:
        incident = report(cast.reporter, tree.medicin_ward)
        Incident.objects.filter(pk=incident.pk).update(
            status=Status.CLOSED,
            triaged_at=incident.reported_at + dt.timedelta(hours=number * 2),
            closed_at=incident.reported_at + dt.timedelta(days=number, hours=3),
        )

    lead = selectors.summary(user=cast.safety_officer, unit=tree.medicin, start=None, end=None).lead_times

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.9) WITHIN GROUP (ORDER BY d) "
            "FROM unnest(%s::int[]) AS d",
            [days],
        )
        median, p90 = cursor.fetchone()
    assert (lead.closed, lead.close_median, lead.close_p90) == (10, median, p90)
    assert lead.triage_median == 0.5 * (sorted(n * 2 // 24 for n in days)[4] + sorted(n * 2 // 24 for n in days)[5])


# --- Who is counted ---------------------------------------------------------------------------------


@pytest.fixture
def incidents_everywhere(cast, tree):
    """Incidents in both clinics, the municipality, one forwarded from medicine to the
    municipality, a handler's own report in orthopaedics, and a draft."""
    from incidents import services as incident_services

    made = [
        report(cast.reporter, tree.medicin_ward),
        report(cast.reporter, tree.medicin_ward),
        report(cast.reporter, tree.orto_ward),
        report(cast.municipal_handler, tree.hemsjukvard),
        report(cast.handler, tree.orto_ward),  # the medicine handler's own report elsewhere
    ]
    forwarded = report(cast.reporter, tree.medicin_ward)
    forwarded = incident_services.incident_take(incident=forwarded, actor=cast.handler)
    incident_services.incident_forward(
        incident=forwarded,
        actor=cast.handler,
        to_unit=tree.hemsjukvard,
        message="Hemsjukvården ansvarar.",
        answer_due=timezone.localdate() + dt.timedelta(days=14),
    )
    made.append(forwarded)
    from incidents.services.reporting import draft_start

    draft_start(actor=cast.reporter, fields={"unit": tree.medicin_ward, "description": "Utkast"})
    return made


@pytest.mark.parametrize(
    "actor",
    [
        "handler",
        "manager",
        "handler_orto",
        "manager_orto",
        "chief_physician",
        "safety_officer",
        "mas",
        "municipal_handler",
    ],
)
def test_each_role_is_counted_exactly_the_incidents_it_may_see(cast, incidents_everywhere, actor):
    user = getattr(cast, actor)
    sees = Incident.objects.visible_to(user).filter(reported_at__isnull=False)

    total = sum(r["count"] for r in selectors.incident_counts(user=user, unit=None, group_by=["status"]))

    assert total == sees.count()


@pytest.mark.parametrize(("actor", "expected"), [("viewer", 5), ("indicator_editor", 3)])
def test_statistics_only_users_count_their_units_without_seeing_a_case(cast, incidents_everywhere, actor, expected):
    # The region's viewer: every incident that happened in or is handled by the region (the
    # forwarded one happened in medicine); the measurement owner of medicine: medicine's three.
    user = getattr(cast, actor)

    total = sum(r["count"] for r in selectors.incident_counts(user=user, unit=None, group_by=[]))

    assert total == expected
    assert not Incident.objects.visible_to(user).exists()


def test_no_names_free_text_or_patient_data_in_statistics(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_identifier="191212121212")
    Cause.objects.create(
        incident=incident, area=CauseArea.objects.first(), detail="Hemlig detalj", created_by=cast.handler
    )
    user = UserFactory(username="namn.som.syns")

    output = repr(
        [selectors.incident_counts(user=cast.safety_officer, unit=tree.region, group_by=[g]) for g in selectors.GROUPS]
    ) + repr(selectors.summary(user=cast.safety_officer, unit=tree.region, start=None, end=None))

    for secret in ("191212121212", incident.description, "Hemlig detalj", cast.reporter.username, user.username):
        assert secret not in output
    assert incident.reference not in output


def test_the_compaction_task_runs_every_few_minutes_and_changes_no_figure(cast, tree, settings):
    from incident_stats.tasks import compact

    report(cast.reporter, tree.medicin_ward)
    before = cube_counts(cast.safety_officer, tree.region)

    compact()

    assert cube_counts(cast.safety_officer, tree.region) == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM indicators_incidentcubedelta")
        assert cursor.fetchone()[0] == 0
    entry = settings.CELERY_BEAT_SCHEDULE["stats-compact"]
    assert (entry["task"], entry["schedule"]) == ("incident_stats.compact", 300.0)
