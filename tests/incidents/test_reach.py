"""`Reach` (which units see an incident) equals the scope rule through any history.

Property-based, as the statistics cubes are tested (tests/incident_stats/test_stats.py): random
sequences of reports, drafts, status changes, hand-overs, questions to another unit, moves of
a responsible unit, moves of units in the tree, team changes of an investigation and
compactions; after each sequence the rows of `Reach` must be exactly those the rule gives
(computed in Python from the incidents, forwards and unit paths), `ReachCount` must add up to
the rows, a rebuild must give the same rows, and what every member of the cast sees through
`visible_to` must equal the rule in plain Python (tests/incidents/scope_oracle.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.access import forget_scope
from accounts.models import OrgUnit
from accounts.services import orgunit_update
from incidents import reach, services
from incidents.models import Forward, Incident, Reach, ReachCount, Status
from investigations import services as investigations
from tests.incidents import scope_oracle
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

UNITS = ("medicin_ward", "medicin", "orto_ward", "orto", "hemsjukvard", "akut")
# Moves that keep the tree a tree: (unit, new parent).
MOVES = (
    ("medicin_ward", "orto"),
    ("medicin_ward", "medicin"),
    ("orto", "medicin"),
    ("orto", "akut"),
    ("hemsjukvard", "medicin"),
    ("hemsjukvard", "municipality"),
)

operation = st.one_of(
    st.tuples(st.just("report"), st.sampled_from(UNITS)),
    st.tuples(st.just("draft"), st.sampled_from(UNITS)),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from([s for s in Status.values if s != Status.DRAFT])),
    st.tuples(st.just("hand_over"), st.integers(0, 9), st.sampled_from(UNITS)),
    st.tuples(st.just("ask"), st.integers(0, 9), st.sampled_from(UNITS), st.sampled_from(UNITS)),
    st.tuples(st.just("responsible"), st.integers(0, 9), st.sampled_from(UNITS)),
    st.tuples(st.just("move"), st.sampled_from(MOVES)),
    st.tuples(st.just("team"), st.integers(0, 9)),
    st.tuples(st.just("compact")),
)


class RollbackError(Exception):
    pass


def expected_rows() -> dict[tuple[int, int], bool]:
    """(incident, unit) → direct, from the rule: every ancestor of the unit and the responsible
    unit (direct), of every forward's sender, and of every unit asked for an answer."""
    ancestors = {unit.pk: unit.ancestor_ids() for unit in OrgUnit.objects.all()}
    rows: dict[tuple[int, int], bool] = {}
    for incident in Incident.objects.filter(reported_at__isnull=False):
        for unit_id in (incident.unit_id, incident.responsible_unit_id):
            for anc in ancestors.get(unit_id, ()):
                rows[(incident.pk, anc)] = True
    for forward in Forward.objects.filter(incident__reported_at__isnull=False):
        units = [forward.from_unit_id] + ([forward.to_unit_id] if forward.kind == Forward.Kind.ASK else [])
        for unit_id in units:
            for anc in ancestors[unit_id]:
                rows.setdefault((forward.incident_id, anc), False)
    return rows


def actual_rows() -> dict[tuple[int, int], bool]:
    return {(r.incident_id, r.anc): r.direct for r in Reach.objects.all()}


def assert_exact(cast):
    assert actual_rows() == expected_rows()
    statuses = dict(Incident.objects.values_list("pk", "status"))
    assert all(row.status == statuses[row.incident_id] for row in Reach.objects.all()), "a row's status"
    counted = Counter()
    for anc, status, n in ReachCount.objects.values_list("anc", "status", "n"):
        counted[(anc, status)] += n
    assert +counted == Counter(Reach.objects.values_list("anc", "status"))
    for name in cast.names():
        user = getattr(cast, name)
        forget_scope(user)  # units may have moved: the paths kept on the user object are old
        assert set(Incident.objects.visible_to(user).values_list("pk", flat=True)) == scope_oracle.visible_ids(user), (
            name
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_reach_equals_the_scope_rule_through_any_history(cast, tree, operations):
    try:
        with transaction.atomic():
            _run(cast, tree, operations)
            assert_exact(cast)
            reach.compact()
            assert_exact(cast)
            before = actual_rows()
            reach.rebuild_all()
            assert actual_rows() == before
            assert_exact(cast)
            raise RollbackError
    except RollbackError:
        pass


def _run(cast, tree, operations):
    made: list[Incident] = []
    investigation = None
    due = timezone.localdate() + dt.timedelta(days=14)
    for op in operations:
        kind = op[0]
        if kind == "report":
            made.append(report(cast.reporter, getattr(tree, op[1])))
        elif kind == "draft":
            made.append(services.draft_start(actor=cast.reporter, fields={"description": "Utkast"}))
            Incident.objects.filter(pk=made[-1].pk).update(unit=getattr(tree, op[1]))
        elif kind == "compact":
            reach.compact()
        elif kind == "move":
            unit, parent = (OrgUnit.objects.get(pk=getattr(tree, name).pk) for name in op[1])
            if not parent.path.startswith(unit.path):
                orgunit_update(
                    unit=unit, name=unit.name, kind=unit.kind, parent=parent, hsa_id=unit.hsa_id, is_active=True
                )
        elif made:
            incident = Incident.objects.get(pk=made[op[1] % len(made)].pk)
            if kind == "status" and incident.reported_at is not None:
                Incident.objects.filter(pk=incident.pk).update(status=op[2])
            elif kind == "responsible":
                Incident.objects.filter(pk=incident.pk).update(responsible_unit=getattr(tree, op[2]))
            elif kind in ("hand_over", "ask") and incident.reported_at is not None:
                source = incident.responsible_unit if kind == "hand_over" else getattr(tree, op[3])
                Forward.objects.create(
                    incident=incident,
                    from_unit=source,
                    to_unit=getattr(tree, op[2]),
                    kind=kind,
                    message="Vidare.",
                    answer_due=due if kind == "ask" else None,
                    forwarded_by=cast.handler,
                )
                if kind == "hand_over":
                    Incident.objects.filter(pk=incident.pk).update(responsible_unit=getattr(tree, op[2]))
            elif kind == "team" and incident.reported_at is not None and incident.status != Status.DRAFT:
                if investigation is None:
                    investigation = investigations.investigation_open(
                        incidents=[incident],
                        actor=cast.chief_physician,
                        method="event_analysis",
                        reason="Allvarlig.",
                        leader=cast.chief_physician,
                    )
                    investigations.member_add(
                        investigation=investigation, actor=cast.chief_physician, user=cast.municipal_handler
                    )
                else:
                    member = investigation.team.filter(user=cast.municipal_handler, removed_at__isnull=True).first()
                    if member is not None:
                        investigations.member_remove(
                            investigation=investigation, actor=cast.chief_physician, member=member
                        )
                    else:
                        investigations.member_add(
                            investigation=investigation, actor=cast.chief_physician, user=cast.municipal_handler
                        )


def test_a_report_costs_a_handful_of_rows_and_a_move_refreshes_only_its_subtree(cast, tree):
    """What the triggers write: one row per ancestor of the units concerned; a move of a unit
    rewrites the rows of its incidents, and no others."""
    ward = report(cast.reporter, tree.medicin_ward)
    elsewhere = report(cast.reporter, tree.hemsjukvard)
    ward_ancestors = set(OrgUnit.objects.get(pk=tree.medicin_ward.pk).ancestor_ids())
    assert set(Reach.objects.filter(incident=ward).values_list("anc", flat=True)) == ward_ancestors
    untouched = list(Reach.objects.filter(incident=elsewhere).values_list("anc", "status", "sort_at"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM incidents_reach WHERE incident_id = %s", [elsewhere.pk])
        before = sorted(row[0] for row in cursor.fetchall())

    orgunit_update(
        unit=tree.medicin_ward,
        name="Avdelning 5",
        kind=tree.medicin_ward.kind,
        parent=tree.orto,
        hsa_id="",
        is_active=True,
    )

    moved = set(OrgUnit.objects.get(pk=tree.medicin_ward.pk).ancestor_ids())
    assert tree.orto.pk in moved and tree.medicin.pk not in moved
    assert set(Reach.objects.filter(incident=ward).values_list("anc", flat=True)) == moved
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM incidents_reach WHERE incident_id = %s", [elsewhere.pk])
        assert sorted(row[0] for row in cursor.fetchall()) == before
    assert list(Reach.objects.filter(incident=elsewhere).values_list("anc", "status", "sort_at")) == untouched


def test_the_beat_task_folds_the_counts_and_they_stay_exact(cast, tree):
    from django.conf import settings

    from incidents.tasks import reach_compact

    for _ in range(3):
        report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(reporter=cast.reporter).update(status=Status.CLOSED)
    before = Counter()
    for anc, status, n in ReachCount.objects.values_list("anc", "status", "n"):
        before[(anc, status)] += n
    rows = ReachCount.objects.count()

    reach_compact()

    after = Counter({(anc, status): n for anc, status, n in ReachCount.objects.values_list("anc", "status", "n")})
    assert +after == +before and ReachCount.objects.count() < rows
    assert len(after) == ReachCount.objects.count()  # one row per (unit, status) once folded
    assert after[(tree.medicin.pk, Status.CLOSED)] == 3 and (tree.medicin.pk, Status.SUBMITTED) not in after
    entry = settings.CELERY_BEAT_SCHEDULE["reach-compact"]
    assert (entry["task"], entry["schedule"]) == ("incidents.reach_compact", 300.0)
