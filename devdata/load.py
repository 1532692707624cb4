"""Synthetic data at the scale of a region and beyond, for benchmarks (`generate_load`).

Distributions follow DOMAIN.md: 70 % care and 30 % work-environment cases; care events 20 %
risk, 30 % near miss, 45 % harm, 3 % risk of serious harm, 2 % serious harm; 8 % reported
more than 72 hours late; 6 % forwarded; most reported in daytime; older cases mostly closed,
about a third within a month. Handled cases get causes and actions; every case gets its
timeline (reported, taken, closed). Measurements: monthly series of every indicator for
the wards.

Rows are written with PostgreSQL's COPY, with explicit ids, under
`session_replication_role = replica`: no row triggers fire, so the field-level history
(pghistory) is not written for synthetic rows and foreign keys are not re-checked (the rows
are generated consistent). Deterministic for a given --seed. Never on a production database:
the command refuses unless DEBUG is on or --force is given.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, OrgUnitKind, User
from accounts.roles import Perm, Role, roles_with

CHUNK = 50_000
UNUSABLE = "!"  # Django's marker of a password nobody can sign in with


@dataclass
class Report:
    what: str
    rows: int
    seconds: float


def _copy(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our own table names)
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
        )


def _replica():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _timed(what: str, reports: list[Report], work: Callable[[], int]) -> int:
    started = time.perf_counter()
    rows = work()
    reports.append(Report(what, rows, time.perf_counter() - started))
    return rows


# --- Units and staff -------------------------------------------------------------------------------


def grow_units(total: int) -> int:
    """Add wards below the region's clinics until the organisation has `total` units."""
    from accounts.services import orgunit_create

    existing = OrgUnit.objects.count()
    if existing >= total:
        return 0
    clinics = list(OrgUnit.objects.filter(kind__code="verksamhet", is_active=True).order_by("path"))
    ward = OrgUnitKind.objects.get(code="enhet")
    created = 0
    for number in range(total - existing):
        clinic = clinics[number % len(clinics)]
        orgunit_create(name=f"Vårdenhet {existing + number + 1}", kind=ward, parent=clinic)
        created += 1
    return created


def staff(count: int, rng: random.Random) -> int:
    """`count` staff members, each a reporter in a random ward (plus handlers per clinic)."""
    have = User.objects.filter(username__startswith="last.").count()
    if have >= count:
        return 0
    wards = list(OrgUnit.objects.filter(is_active=True, kind__code="enhet").values_list("pk", flat=True))
    users = [
        User(username=f"last.{n:06d}", first_name="Last", last_name=f"{n:06d}", password=UNUSABLE, is_active=True)
        for n in range(have, count)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    created = list(User.objects.filter(username__in=[u.username for u in users]).values_list("pk", flat=True))
    since = dt.date(2015, 1, 1)
    Membership.objects.bulk_create(
        [Membership(user_id=pk, unit_id=rng.choice(wards), role=Role.REPORTER, valid_from=since) for pk in created],
        batch_size=5000,
    )
    return len(created)


# --- Incidents -----------------------------------------------------------------------------------------


@dataclass
class _World:
    units: list[tuple[int, int, str]]  # (id, care provider id, path)
    by_provider: dict[int, list[int]]
    reporters: list[int]
    handler_for: dict[int, int]
    categories: dict[str, list[int]]  # case type -> leaf category ids
    areas: list[int]
    texts: dict[str, list[str]]
    fallback: int


def _world() -> _World:
    from devdata.demo.incidents import CARE_TEXTS, WORK_TEXTS
    from incidents.models import CaseType, Category, CauseArea

    units = list(
        OrgUnit.objects.filter(is_active=True, kind__code__in=["enhet", "verksamhet"]).values_list(
            "pk", "care_provider_id", "path"
        )
    )
    by_provider: dict[int, list[int]] = {}
    for pk, provider, _path in units:
        by_provider.setdefault(provider, []).append(pk)
    triage = list(
        Membership.objects.valid_on()
        .filter(role__in=roles_with(Perm.INCIDENT_TRIAGE))
        .values_list("user_id", "unit__path", "unit__depth")
    )
    handler_for = {}
    for pk, _provider, path in units:
        candidates = [(depth, user) for user, upath, depth in triage if path.startswith(upath)]
        if candidates:
            handler_for[pk] = max(candidates)[1]
    reporters = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    leaves: dict[str, list[int]] = {}
    parents = set(Category.objects.exclude(parent=None).values_list("parent_id", flat=True))
    for pk, case_type in Category.objects.filter(is_active=True).values_list("pk", "case_type"):
        if pk not in parents:
            leaves.setdefault(case_type, []).append(pk)
    return _World(
        units=units,
        by_provider=by_provider,
        reporters=reporters,
        handler_for=handler_for,
        categories=leaves,
        areas=list(CauseArea.objects.filter(is_active=True).values_list("pk", flat=True)),
        texts={
            CaseType.CARE: [text for _code, text, _imm in CARE_TEXTS],
            CaseType.WORK_ENVIRONMENT: [text for _code, text, _imm in WORK_TEXTS],
        },
        fallback=reporters[0],
    )


INCIDENT_COLUMNS = [
    "id",
    "reference",
    "status",
    "version",
    "reporter_id",
    "unit_id",
    "responsible_unit_id",
    "occurred_at",
    "reported_at",
    "late_report",
    "description",
    "immediate_actions",
    "suggested_improvement",
    "case_type",
    "reported_kind",
    "patient_involved",
    "patient_identifier",
    "event_class",
    "category_id",
    "handler_id",
    "risk_probability",
    "risk_consequence",
    "feedback",
    "feedback_at",
    "investigation_requested_at",
    "lex_maria_requested_at",
    "triaged_at",
    "closed_at",
    "created_at",
    "updated_at",
]
HOURS = [1, 1, 1, 1, 1, 1, 2, 5, 7, 8, 8, 7, 6, 7, 8, 8, 7, 5, 4, 4, 3, 3, 2, 1]
FEEDBACK = "Tack för din rapport. Vi har gått igenom händelsen och infört åtgärder på enheten."


def incidents(count: int, years: float, rng: random.Random, reports: list[Report]) -> int:
    """`count` incidents over the last `years` years, with their forwards, causes, actions
    and timelines."""
    from actions.models import Action, EffectClass
    from incidents.models import LEX_MARIA_CLASSES, CaseType, EventClass, ReferenceCounter, ReportedKind, Status

    world = _world()
    now = timezone.now()
    span = years * 365.25
    first_id = _next_id("incidents_incident")
    counters = dict(ReferenceCounter.objects.values_list("year", "last"))
    care_classes = [
        EventClass.RISK,
        EventClass.NEAR_MISS,
        EventClass.HARM,
        EventClass.SERIOUS_HARM_RISK,
        EventClass.SERIOUS_HARM,
    ]
    kinds = {EventClass.RISK: ReportedKind.RISK, EventClass.NEAR_MISS: ReportedKind.NEAR_MISS}
    effects = [EffectClass.VERY_EFFECTIVE, EffectClass.EFFECTIVE, EffectClass.LIMITED]
    harmful = {EventClass.HARM, EventClass.SERIOUS_HARM_RISK, EventClass.SERIOUS_HARM, EventClass.NEAR_MISS}

    incident_rows, forward_rows, cause_rows, action_rows, timeline_rows, read_rows = [], [], [], [], [], []
    totals = {"incidents": 0, "forwards": 0, "causes": 0, "actions": 0, "timeline": 0, "access log": 0}

    def flush() -> None:
        totals["incidents"] += _copy("incidents_incident", INCIDENT_COLUMNS, incident_rows)
        totals["forwards"] += _copy(
            "incidents_forward",
            [
                "incident_id",
                "from_unit_id",
                "to_unit_id",
                "message",
                "answer_due",
                "forwarded_by_id",
                "forwarded_at",
                "answer",
                "answered_by_id",
                "answered_at",
                "kind",
            ],
            forward_rows,
        )
        totals["causes"] += _copy(
            "incidents_cause", ["incident_id", "area_id", "detail", "created_by_id", "created_at"], cause_rows
        )
        totals["actions"] += _copy(
            "incidents_action",
            [
                "incident_id",
                "description",
                "responsible_id",
                "due_date",
                "state",
                "effect_class",
                "version",
                "created_by_id",
                "created_at",
                "done_at",
            ],
            action_rows,
        )
        totals["timeline"] += _copy(
            "incidents_timelineentry", ["incident_id", "at", "actor_id", "kind", "message", "data"], timeline_rows
        )
        totals["access log"] += _copy(
            "accounts_accesslog",
            [
                "at",
                "user_id",
                "action",
                "object_type",
                "object_id",
                "object_label",
                "unit_id",
                "patient_identifier",
                "request_id",
            ],
            read_rows,
        )
        for rows in (incident_rows, forward_rows, cause_rows, action_rows, timeline_rows, read_rows):
            rows.clear()

    started = time.perf_counter()
    for n in range(count):
        pk = first_id + n
        age = (rng.random() ** 1.15) * span  # somewhat more in recent years
        reported = now - dt.timedelta(days=age)
        local = timezone.localtime(reported)
        reported = reported.replace(minute=rng.randrange(60)) + dt.timedelta(
            hours=rng.choices(range(24), HOURS)[0] - local.hour
        )
        if reported > now:
            reported = now - dt.timedelta(minutes=5)
        delay = rng.choices([rng.uniform(0.2, 20), rng.uniform(20, 72), rng.uniform(73, 400)], [80, 12, 8])[0]
        occurred = reported - dt.timedelta(hours=delay)
        case_type = CaseType.CARE if rng.random() < 0.7 else CaseType.WORK_ENVIRONMENT
        if case_type == CaseType.CARE:
            event = rng.choices(care_classes, [20, 30, 45, 3, 2])[0]
        else:
            event = rng.choices([EventClass.RISK, EventClass.NEAR_MISS, EventClass.HARM], [3, 3, 4])[0]
        unit, provider, _path = rng.choice(world.units)
        responsible = unit
        age_days = (now - reported).total_seconds() / 86400
        if age_days < 10:
            state = rng.choices([Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED], [6, 3, 1])[0]
        elif age_days < 60:
            states = [Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN]
            state = rng.choices(states, [2, 4, 6, 0.3])[0]
        else:
            state = rng.choices([Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN], [1, 12, 0.4])[0]
        handler = world.handler_for.get(unit, world.fallback)
        reporter = rng.choice(world.reporters)
        handled = state in (Status.IN_PROGRESS, Status.CLOSED)
        triaged = reported + dt.timedelta(days=rng.uniform(0.05, 9)) if state != Status.SUBMITTED else None
        closed = None
        if state == Status.CLOSED:
            closed = (triaged or reported) + dt.timedelta(days=rng.choice([rng.uniform(1, 30), rng.uniform(30, 120)]))
            closed = min(closed, now - dt.timedelta(minutes=1))
        if triaged and triaged > now:
            triaged = now - dt.timedelta(minutes=2)
        if rng.random() < 0.06 and state != Status.WITHDRAWN:
            same = world.by_provider.get(provider, [unit])
            responsible = rng.choice(same)
            forward_rows.append(
                (
                    pk,
                    unit,
                    responsible,
                    "Händelsen hör till er enhet.",
                    (reported + dt.timedelta(days=14)).date(),
                    handler,
                    reported + dt.timedelta(hours=6),
                    "Vi tar över ärendet." if handled else "",
                    handler if handled else None,
                    (reported + dt.timedelta(days=2)) if handled else None,
                    "hand_over",
                )
            )
        year = local.year
        counters[year] = counters.get(year, 0) + 1
        category = rng.choice(world.categories.get(case_type) or [None]) if handled or rng.random() < 0.5 else None
        incident_rows.append(
            (
                pk,
                f"AV-{year}-{counters[year]:06d}",
                state,
                1,
                reporter,
                unit,
                responsible,
                occurred,
                reported,
                delay > 72,
                rng.choice(world.texts[case_type]),
                "",
                "",
                case_type,
                kinds.get(event, ReportedKind.HAPPENED),
                case_type == CaseType.CARE and rng.random() < 0.9,  # care concerns a patient (issue 13)
                "",
                event,
                category,
                handler if handled else None,
                rng.randint(1, 4) if handled else None,
                rng.randint(1, 4) if handled else None,
                FEEDBACK if closed else "",
                closed,
                triaged if handled and event in LEX_MARIA_CLASSES else None,
                triaged if handled and event in LEX_MARIA_CLASSES else None,
                triaged,
                closed,
                reported,
                closed or triaged or reported,
            )
        )
        timeline_rows.append((pk, reported, reporter, "submitted", "", "{}"))
        reference = f"AV-{year}-{counters[year]:06d}"
        # The handler reads the case when taking it, and again around closing (PDL access log).
        readers = [(triaged, handler)] if triaged else []
        if triaged:
            timeline_rows.append((pk, triaged, handler, "taken", "", "{}"))
        if closed:
            timeline_rows.append((pk, closed, handler, "closed", "", "{}"))
            before_closing = max(closed - dt.timedelta(minutes=rng.randint(5, 600)), triaged or reported)
            readers += [(before_closing, handler), (closed, handler)]
        for at, reader in readers:
            read_rows.append((at, reader, "view", "incidents.incident", pk, reference, unit, "", f"load-{pk}"))
        if state == Status.WITHDRAWN:
            timeline_rows.append((pk, reported + dt.timedelta(days=1), handler, "withdrawn", "Dubblett.", "{}"))
        if handled and event in harmful and world.areas:
            for area in rng.sample(world.areas, k=rng.randint(1, 2)):
                cause_rows.append((pk, area, "", handler, triaged))
            for _ in range(rng.randint(0, 2)):
                due = (triaged + dt.timedelta(days=rng.randint(14, 120))).date()
                done = closed is not None or rng.random() < 0.3
                action_rows.append(
                    (
                        pk,
                        "Genomgång av rutinen på arbetsplatsträff.",
                        handler,
                        due,
                        Action.State.DONE if done else Action.State.PLANNED,
                        rng.choice(effects),
                        1,
                        handler,
                        triaged,
                        (closed or triaged) if done else None,
                    )
                )
        if len(incident_rows) >= CHUNK:
            flush()
    flush()
    for year, last in counters.items():
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
    for table in ("incidents_incident", "incidents_forward", "incidents_cause", "incidents_action"):
        _reset_sequence(table)
    _reset_sequence("incidents_timelineentry")
    elapsed = time.perf_counter() - started
    reports.append(Report("incidents", totals["incidents"], elapsed))
    for name in ("forwards", "causes", "actions", "timeline", "access log"):
        reports.append(Report(f"  {name}", totals[name], 0.0))
    return totals["incidents"]


# --- Measurements -------------------------------------------------------------------------------------


def measurements(count: int, rng: random.Random, reports: list[Report]) -> int:
    """About `count` monthly measurements: every indicator for the wards, going back as many
    months as it takes."""
    from indicators.models import IndicatorDefinition, Kind, Measurement

    indicators = list(IndicatorDefinition.objects.filter(is_active=True))
    wards = list(OrgUnit.objects.filter(is_active=True, kind__code="enhet").values_list("pk", flat=True))
    actor = User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first()
    per_month = len(indicators) * len(wards)
    months = max(1, -(-count // per_month))
    today = timezone.localdate().replace(day=1)
    existing = set(Measurement.objects.values_list("indicator_id", "unit_id", "period_start"))
    now = timezone.now()

    def rows():
        made = 0
        for back in range(1, months + 1):
            index = today.year * 12 + today.month - 1 - back
            start = dt.date(index // 12, index % 12 + 1, 1)
            end = (dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)) - dt.timedelta(days=1)
            for indicator in indicators:
                for ward in wards:
                    if made >= count:
                        return
                    if (indicator.pk, ward, start) in existing:
                        continue
                    denominator = Decimal(rng.randint(10, 200))
                    if indicator.kind == Kind.COUNT:
                        numerator, denominator = Decimal(rng.randint(0, 20)), None
                        value = numerator
                    else:
                        if indicator.kind == Kind.MEAN:
                            numerator = (denominator * Decimal(rng.uniform(3.2, 4.6))).quantize(Decimal("0.01"))
                        else:
                            numerator = Decimal(int(denominator * Decimal(rng.uniform(0.02, 0.98))))
                        value = (numerator * indicator.multiplier / denominator).quantize(Decimal("0.000001"))
                    made += 1
                    yield (
                        indicator.pk,
                        ward,
                        start,
                        end,
                        "month",
                        numerator,
                        denominator,
                        value,
                        "",
                        "generate_load",
                        "",
                        True,
                        "",
                        actor,
                        now,
                        now,
                        None,  # no import batch
                    )

    from indicators.services import NEW_COLUMNS  # the columns the import copies, in its order

    return _timed("measurements", reports, lambda: _copy("indicators_measurement", NEW_COLUMNS, rows()))


@transaction.atomic
def generate(*, incident_count: int, measurement_count: int, units: int, users: int, years: float, seed: int):
    rng = random.Random(seed)
    reports: list[Report] = []
    _timed("units", reports, lambda: grow_units(units))
    _timed("staff", reports, lambda: staff(users, rng))
    _replica()
    if incident_count:
        incidents(incident_count, years, rng, reports)
    if measurement_count:
        measurements(measurement_count, rng, reports)
    if incident_count:
        # The statistics triggers did not fire for the copied rows: count everything afresh.
        from incident_stats import cube

        _timed("statistics", reports, lambda: (cube.rebuild(), 0)[1])
    return reports


def analyze() -> float:
    """VACUUM ANALYZE the big tables (outside a transaction): fresh statistics for the planner
    and visibility maps for index-only scans."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "accounts_orgunit",
            "accounts_user",
            "accounts_membership",
            "indicators_incidentcube",
            "indicators_sidecube",
            "incidents_incident",
            "incidents_action",
            "incidents_cause",
            "incidents_timelineentry",
            "incidents_forward",
            "indicators_measurement",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started
