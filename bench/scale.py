"""psweb at the size of a region and beyond: how fast the pages, the API, the statistics, the
import, concurrent reporting and a mixed load of fifty users answer, each beside the raw SQL
it runs and the CPU it costs.

    .venv/bin/python bench/scale.py --incidents 1000000 --write docs/benchmarks.md

1. A database of its own (--database-url; default `psweb_bench_scale` on the local
   PostgreSQL, dropped and created again unless --keep), filled by `manage.py generate_load`
   (--national: the national shape, many regions): incidents over five years with forwards,
   causes, actions, timelines and the handlers' access-log rows, and measurements.
2. Each page and endpoint requested in-process through the whole Django stack (middleware,
   views, templates; DEBUG off, no network) as the user who would. The users are found in
   the data, not by name: the region is the care provider with the most units; its chief
   physician (statistics, dashboards, the action register, and the work queue and API over
   the whole region); the coordinator of its clinic with the most incidents (queue, case
   page, API, a deep page of the closed queue); a handler of that clinic's busiest ward only
   (created here if the data has none); the region's patient-safety strategist (access-log
   review); a nurse of the clinic (reporting).
   Per row: median and 95th percentile of the wall time over --repeat requests, the median
   CPU time of the app (this thread) and of the PostgreSQL backend serving it (/proc, when
   the server runs on this machine), the SQL statements of one request, and those
   statements replayed through a bare psycopg cursor in the same run (rolled back). The
   ratio request/SQL says what psweb adds to the database's own work; CPU times and ratios
   hold on a shared, noisy machine where wall milliseconds do not.
3. --import-rows measurements imported from a CSV file through the import pages (upload,
   preview, commit) by the strategist, rolled back after each run so it can be repeated.
4. gunicorn on a free loopback port (4 workers, as the README deploys it) and --reporters
   nurses sending reports through the browser's requests (form, autosave, send), each
   pausing 1–3 s between reports as a person does, for --duration seconds; then once
   more without pauses, to show where the machine saturates.
5. A mixed load on the same gunicorn for --load-duration seconds: 50 users with a real HTTP
   client on loopback — 30 reporters (form, two autosaves, send, with the pauses of someone
   typing), 15 coordinators (paging the queue, searching, opening cases, reading),
   5 dashboard readers (statistics page, indicator dashboard). Throughput, p50 and p95 per
   request type and the errors; and, sampled every second, what saturates first: CPU of the
   gunicorn workers against PostgreSQL's backends (/proc), the database connections
   (pg_stat_activity), lock waits (pg_locks not granted) and how often every worker was busy.

--profile: for each page row, pyinstrument on one request — where the Python time goes
(templates, ORM, serialisation, forms, …), the SQL time, and EXPLAIN (ANALYZE, BUFFERS) of
the slowest statement — written to --profile-out.

With --check the run exits 1 when a goal is missed; `make bench-guard` (in `.ci/run`) uses it
with a small database and generous limits (--limit-factor) as a regression guard.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import timeit
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Goals of issues #6 and #14 on the 2-core machine at a million incidents (milliseconds).
QUEUE_GOAL = (150, 300)  # median, p95: handler queue, case page, and the API lists of issue 14
STATS_GOAL = (500, None)  # median: statistics endpoints and dashboards
# median: a filtered queue's counts per status, fetched after its page has loaded (no goal in
# the issue; the page's own goal is QUEUE_GOAL): as long as a statistics page may take
COUNTS_GOAL = (500, None)
ACTION_LIST_GOAL = (150, None)  # median: the action list (/atgarder/), the region's whole register
AUDIT_GOAL = (300, None)  # median: egenkontroll, a round sent to 1 000 units and a risk register (issue 18)
SUBMIT_P95_GOAL = 300  # with 10 concurrent reporters
MIXED_LOAD_P95_GOAL = 500  # every request type of the mixed load of 50 users
IMPORT_GOAL = 10_000  # rows per second
LIST_RATIO_GOAL = 3.0  # list endpoints within 3x of their raw SQL

PARTS = ("pages", "import", "reporting", "load")


@dataclass
class Result:
    group: str
    label: str
    median: float
    p95: float
    queries: int
    raw: float
    goal: tuple[float | None, float | None] = (None, None)
    ratio_goal: float | None = None
    notes: list[str] = field(default_factory=list)
    app_cpu: float | None = None  # median ms of CPU in this thread (the whole Django stack)
    db_cpu: float | None = None  # median ms of CPU of the PostgreSQL backend; None: not measurable

    @property
    def ratio(self) -> float:
        return self.median / self.raw if self.raw else 0.0

    def misses(self, factor: float = 1.0) -> list[str]:
        found = []
        median_goal, p95_goal = self.goal
        if median_goal and self.median > median_goal * factor:
            found.append(f"{self.label}: median {self.median:.0f} ms > {median_goal * factor:.0f} ms")
        if p95_goal and self.p95 > p95_goal * factor:
            found.append(f"{self.label}: p95 {self.p95:.0f} ms > {p95_goal * factor:.0f} ms")
        if self.ratio_goal and self.ratio > self.ratio_goal * factor:
            found.append(f"{self.label}: {self.ratio:.1f}x its SQL > {self.ratio_goal * factor:.1f}x")
        return found


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def _prepare_database(url: str, fresh: bool) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or fresh:
            conn.execute(f'CREATE DATABASE "{name}"')


def _bench_env(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "psweb.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "EMAIL_URL": "dummymail://",  # notifications are built, not sent
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "SESSION_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",  # not a line per notification sent in the benchmark's output
        # Every simulated user comes from 127.0.0.1: the limits are counted (their cost is
        # measured) but set so high that they refuse nothing.
        "API_RATE_USER": "1000000/minute",
        "API_RATE_ADDRESS": "1000000/minute",
    }


# --- CPU time from /proc -----------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on; the name in parentheses may hold spaces."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return [text[text.index("(") + 1 : text.rindex(")")], *text[text.rindex(")") + 2 :].split()]


def process_cpu(pid: int, *, precise: bool = False) -> float | None:
    """CPU seconds the process has used, user and system. `precise`: from schedstat, in
    nanoseconds (the main thread; PostgreSQL's backends have no other) rather than stat's
    clock ticks of 10 ms, too coarse for a statement of a few milliseconds."""
    if precise:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    fields = _stat_fields(pid)
    if not fields:
        return None
    # stat fields 14 and 15 (utime, stime); fields[0] is the name (field 2).
    return (int(fields[12]) + int(fields[13])) / CLOCK_TICKS


def parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[2]) if fields else None


def children_of(parent: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[2]) == parent:
                found.append(int(entry.name))
    return found


def is_postgres(pid: int) -> bool:
    fields = _stat_fields(pid)
    return bool(fields) and fields[0].startswith("postgres")


def server_is_local(settings_dict: dict) -> bool:
    host = settings_dict.get("HOST") or ""
    return host in LOCAL_HOSTS or host.startswith("/")


class BackendCPU:
    """CPU time of the PostgreSQL backend behind Django's connection, read from /proc; only
    when the server runs on this machine (otherwise every reading is None, shown as "–")."""

    def __init__(self):
        from django.db import connection

        self.local = server_is_local(connection.settings_dict)

    def pid(self) -> int | None:
        from django.db import connection

        if not self.local:
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        return pid if is_postgres(pid) else None

    @staticmethod
    def cpu(pid: int | None) -> float | None:
        return process_cpu(pid, precise=True) if pid else None


# --- Requests in-process, and their SQL replayed ---------------------------------------------------------


def captured(call) -> list[str]:
    """The statements of one call, as the literal SQL psycopg sent."""
    return [query["sql"] for query in captured_with_times(call)]


def captured_with_times(call) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        call()
    return list(context.captured_queries)


TRANSACTION_CONTROL = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)


def replay(statements: list[str], *, writes: bool, copy: list[tuple] | None = None) -> None:
    """Run the statements through a bare psycopg cursor, reading every row, in a transaction
    that is rolled back. A write request's statements each get a savepoint: re-inserting a
    row it already inserted fails on the unique key, and the rest must still run. `copy`:
    measurement rows to COPY as well (the import writes its new rows with COPY, which the
    captured statements do not show)."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    with raw.transaction(force_rollback=True), raw.cursor() as cursor:
        for sql in statements:
            if TRANSACTION_CONTROL.match(sql):
                continue  # Django's savepoints: the replay keeps its own
            if writes:
                with contextlib.suppress(psycopg.Error), raw.transaction():
                    cursor.execute(sql.encode())
                    if cursor.description:
                        cursor.fetchall()
            else:
                cursor.execute(sql.encode())
                if cursor.description:
                    cursor.fetchall()
        if copy:
            from indicators.services import NEW_COLUMNS

            cursor.execute(b"SET CONSTRAINTS ALL IMMEDIATE")  # as the measured import does

            with cursor.copy(f"COPY indicators_measurement ({', '.join(NEW_COLUMNS)}) FROM STDIN") as out:
                for values in copy:
                    out.write_row(values)


def measure(group, label, call, repeat: int, *, writes=False, goal=(None, None), ratio_goal=None) -> Result:
    call()  # warm: templates, caches, the connection
    statements = captured(call)
    backend = BackendCPU()
    samples, app_cpu, db_cpu = [], [], []
    for _ in range(repeat):
        pid = backend.pid()
        db_before = backend.cpu(pid)
        cpu_before = time.thread_time()
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        app_cpu.append((time.thread_time() - cpu_before) * 1000)
        db_after = backend.cpu(pid)
        if db_before is not None and db_after is not None and backend.pid() == pid:
            db_cpu.append((db_after - db_before) * 1000)
    replay(statements, writes=writes)  # warm
    raw_samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        replay(statements, writes=writes)
        raw_samples.append((time.perf_counter() - started) * 1000)
    return Result(
        group,
        label,
        statistics.median(samples),
        percentile(samples, 0.95),
        len(statements),
        statistics.median(raw_samples),
        goal,
        ratio_goal,
        app_cpu=statistics.median(app_cpu),
        db_cpu=statistics.median(db_cpu) if len(db_cpu) == repeat else None,
    )


# --- Who is measured: found in the data -------------------------------------------------------------------


@dataclass
class Cast:
    region: object  # OrgUnit: the care provider with the most units
    clinic: object  # its clinic with the most incidents
    ward: object  # that clinic's ward with the most incidents
    chief: object  # User: chief physician of the region
    coordinator: object  # handler of the clinic
    ward_handler: object  # handler of the ward, and of nothing else
    strategist: object  # patient-safety officer of the region
    nurse: object  # reporter in the clinic
    reviewed: object  # whose reads the strategist reviews: the handler of the clinic's newest case
    handlers: list = field(default_factory=list)  # handlers and managers of the region, for the mixed load
    readers: list = field(default_factory=list)  # who reads the region's dashboards
    counts: dict = field(default_factory=dict)  # incidents per unit id
    complaint_handler: object = None  # complaint handler (klagomålshandläggare) of the clinic

    def describe(self) -> str:
        def incidents_in(unit) -> int:
            from accounts.models import OrgUnit

            paths = dict(OrgUnit.objects.values_list("pk", "path"))
            return sum(n for pk, n in self.counts.items() if paths.get(pk, "").startswith(unit.path))

        return (
            f"Region: {self.region.name} ({incidents_in(self.region):,} incidents). "
            f"Chief physician `{self.chief.username}`; clinic coordinator `{self.coordinator.username}` "
            f"({self.clinic.name}, {incidents_in(self.clinic):,} incidents); ward handler "
            f"`{self.ward_handler.username}` ({self.ward.name}, {incidents_in(self.ward):,} incidents); "
            f"strategist `{self.strategist.username}`, reviewing `{self.reviewed.username}`; "
            f"nurse `{self.nurse.username}`."
        ).replace(",", " ")


def _holder(unit, role: str, username: str, *, prefer: str = ""):
    """The user holding `role` in `unit` itself (a valid membership; `prefer`red by name,
    else the oldest), or a bench user given that role when nobody holds it."""
    from accounts.models import Membership, User
    from accounts.services import membership_grant

    memberships = list(
        Membership.objects.valid_on()
        .filter(unit=unit, role=role, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    for membership in memberships:
        if membership.user.username == prefer:
            return membership.user
    if memberships:
        return memberships[0].user
    user, _ = User.objects.get_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": role, "is_active": True}
    )
    membership_grant(user=user, unit=unit, role=role, actor=None, valid_from=dt.date(2015, 1, 1))
    return user


def bench_cast() -> Cast:
    """The region with the most units and, in it, the users who would open each page. The
    same data gives the same users; the national shape gives its largest region's."""
    from django.db.models import Count

    from accounts.models import Membership, OrgUnit
    from accounts.roles import Role
    from incidents.models import Incident

    counts = dict(Incident.objects.order_by().values_list("unit_id").annotate(n=Count("id")))
    units = list(OrgUnit.objects.filter(is_active=True).select_related("kind"))
    sizes = defaultdict(int)
    for unit in units:
        sizes[unit.care_provider_id] += 1
    roots = [unit for unit in units if unit.parent_id is None and unit.kind.code != "riket"]
    region = max(roots, key=lambda unit: (sizes[unit.pk], -unit.pk))
    inside = [unit for unit in units if unit.care_provider_id == region.pk]

    def incidents_in(unit) -> int:
        return sum(counts.get(other.pk, 0) for other in inside if other.path.startswith(unit.path))

    clinics = [unit for unit in inside if unit.kind.code == "verksamhet"] or [region]
    clinic = max(clinics, key=lambda unit: (incidents_in(unit), -unit.pk))
    wards = [unit for unit in inside if unit.kind.code == "enhet" and unit.path.startswith(clinic.path)]
    ward = max(wards or [clinic], key=lambda unit: (counts.get(unit.pk, 0), -unit.pk))

    chief = _holder(region, Role.CHIEF_PHYSICIAN, f"bench.chefslakare.{region.pk}", prefer="chefslakare")
    coordinator = _holder(clinic, Role.HANDLER, f"bench.samordnare.{clinic.pk}", prefer="samordnare.med")
    strategist = _holder(region, Role.SAFETY_OFFICER, f"bench.psstrateg.{region.pk}", prefer="psstrateg")
    ward_handler = None
    for membership in (
        Membership.objects.valid_on().filter(unit=ward, role=Role.HANDLER, user__is_active=True).order_by("pk")
    ):
        if Membership.objects.valid_on().filter(user_id=membership.user_id).exclude(role=Role.REPORTER).count() == 1:
            ward_handler = membership.user
            break
    if ward_handler is None:
        ward_handler = _holder(ward, Role.HANDLER, f"bench.avdelning.{ward.pk}")
    nurse_membership = (
        Membership.objects.valid_on()
        .filter(role=Role.REPORTER, unit__path__startswith=clinic.path, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if nurse_membership is None:
        nurse = _holder(ward, Role.REPORTER, f"bench.sjukskoterska.{ward.pk}")
    else:
        nurse = nurse_membership.user

    from accounts.models import User

    reviewed_pk = (
        Incident.objects.filter(unit__path__startswith=clinic.path, handler__isnull=False)
        .order_by("-id")
        .values_list("handler_id", flat=True)
        .first()
    )
    reviewed = User.objects.get(pk=reviewed_pk) if reviewed_pk else coordinator
    complaint_handler = _holder(clinic, Role.COMPLAINT_HANDLER, f"bench.klagomal.{clinic.pk}", prefer="klagomal")
    handlers = [coordinator, ward_handler]
    for membership in (
        Membership.objects.valid_on()
        .filter(role__in=[Role.HANDLER, Role.MANAGER], unit__care_provider=region, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        if membership.user not in handlers:
            handlers.append(membership.user)
    readers = [chief, strategist]
    for membership in (
        Membership.objects.valid_on()
        .filter(role__in=[Role.CHIEF_PHYSICIAN, Role.SAFETY_OFFICER, Role.VIEWER], unit=region, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        if membership.user not in readers:
            readers.append(membership.user)
    return Cast(
        region=region,
        clinic=clinic,
        ward=ward,
        chief=chief,
        coordinator=coordinator,
        ward_handler=ward_handler,
        strategist=strategist,
        nurse=nurse,
        reviewed=reviewed,
        handlers=handlers,
        readers=readers,
        counts=counts,
        complaint_handler=complaint_handler,
    )


def deep_page_url(client, user) -> str:
    """Page 600 of the closed queue (rows 29 951–30 000), where a coordinator looking for last
    spring's case ends up. The queue pages by keyset (`after=` the last row of the page
    before: incidents.queue.Cursor), so the link is the one page 599 would hold: the cursor
    of the 29 950th row of the user's range of `Reach`, newest first (or the last row, on a
    database that small)."""
    from django.db import connection

    from incidents.queue import Cursor
    from incidents.reach import tops

    (root,) = tops(user)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sort_at, incident_id FROM incidents_reach WHERE anc = %s AND status = 'closed'"
            " ORDER BY sort_at DESC, incident_id DESC OFFSET %s LIMIT 1",
            [root, 599 * 50 - 1],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                "SELECT sort_at, incident_id FROM incidents_reach WHERE anc = %s AND status = 'closed'"
                " ORDER BY sort_at, incident_id LIMIT 1 OFFSET 1",
                [root],
            )
            row = cursor.fetchone()
    if row is None:
        return "/arenden/?status=closed"
    return "/arenden/?status=closed&after=" + Cursor(row[0], row[1]).encode()


@dataclass
class PlanRow:
    group: str
    label: str
    call: object
    kind: dict


def page_plan(cast: Cast) -> list[PlanRow]:
    from django.test import Client
    from django.urls import reverse

    from accounts.selectors import memberships_valid_for
    from incidents.models import Incident, Status

    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "sv"
        return client

    def get(client, url, **query):
        def call():
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code, response.content[:500])
            if response.streaming:
                b"".join(response.streaming_content)  # an export is only done when read

        return call

    def post(client, url, data):
        def call():
            response = client.post(url, data)
            assert response.status_code == 200, (url, response.status_code, response.content[:500])

        return call

    reporter = client_for(cast.nurse)
    coordinator_user = cast.coordinator
    coordinator = client_for(coordinator_user)
    chief = client_for(cast.chief)
    ward_handler = client_for(cast.ward_handler)
    strategist = client_for(cast.strategist)
    nurse_unit = memberships_valid_for(user=cast.nurse)[0].unit_id
    visible = Incident.objects.visible_to(coordinator_user).exclude(status=Status.DRAFT)
    case = visible.filter(status=Status.IN_PROGRESS).order_by("-id").first() or visible.order_by("-id").first()
    busy_unit = (
        visible.filter(status=Status.CLOSED).values_list("unit_id", flat=True).order_by("unit_id").distinct().first()
    )
    category = visible.filter(category__isnull=False).values_list("category_id", flat=True).first()
    region, clinic = cast.region, cast.clinic
    five_years = {"from": f"{dt.date.today().year - 4}-01-01"}
    region_q = {"unit": region.pk, **five_years}
    last_year = dt.date.today().year - 1

    def report_and_send():
        draft = reporter.post(
            reverse("incidents:report-autosave-new"),
            {"client_key": str(uuid.uuid4()), "description": "Patienten föll vid toalettbesök."},
        ).json()
        response = reporter.post(
            draft["edit_url"],
            {
                "version": draft["version"],
                "unit": nurse_unit,
                "occurred_at": (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "description": "Patienten föll vid toalettbesök, inga synliga skador.",
                "case_type": "care",
                "reported_kind": "happened",
                "action": "send",
            },
        )
        assert response.status_code == 302 and "skickad" in response["Location"], response.content[:2000]

    queue, stats, lists = {"goal": QUEUE_GOAL}, {"stats": True}, {"list": True}
    counts = {"goal": COUNTS_GOAL}
    return [
        PlanRow("Reporting", "Report form (GET /rapportera/)", get(reporter, "/rapportera/"), {}),
        PlanRow("Reporting", "Autosave then send a report (2 POSTs)", report_and_send, {"writes": True}),
        PlanRow("Reporting", "My reports", get(reporter, "/mina-avvikelser/"), {}),
        PlanRow(
            "Handler queue",
            "Work queue, open incidents (the coordinator's scope)",
            get(coordinator, "/arenden/"),
            queue,
        ),
        PlanRow("Handler queue", "Work queue, closed incidents", get(coordinator, "/arenden/", status="closed"), queue),
        PlanRow(
            "Handler queue",
            "Work queue, filtered: one unit, closed, a category",
            get(coordinator, "/arenden/", status="closed", unit=busy_unit, category=category or ""),
            queue,
        ),
        PlanRow("Handler queue", "Work queue, text search `fall`", get(coordinator, "/arenden/", q="fall"), queue),
        PlanRow(
            "Handler queue", "Work queue, text search `läkemedel`", get(coordinator, "/arenden/", q="läkemedel"), queue
        ),
        PlanRow(
            "Handler queue",
            "Its counts per status, fetched after the page (`läkemedel`)",
            get(coordinator, "/arenden/antal/", q="läkemedel"),
            counts,
        ),
        PlanRow(
            "Handler queue",
            "Counts after the page: one unit, closed, a category",
            get(coordinator, "/arenden/antal/", status="closed", unit=busy_unit, category=category or ""),
            counts,
        ),
        PlanRow(
            "Handler queue",
            "Work queue, closed, a deep page (page 600)",
            get(coordinator, deep_page_url(coordinator, coordinator_user)),
            queue,
        ),
        PlanRow(
            "Handler queue", "Case page", get(coordinator, reverse("incidents:detail", kwargs={"pk": case.pk})), queue
        ),
        PlanRow("Handler queue", "Work queue CSV export (every open case)", get(coordinator, "/arenden/export/"), {}),
        PlanRow("Region-wide", "Work queue, open, the whole region (chief physician)", get(chief, "/arenden/"), queue),
        PlanRow(
            "Region-wide",
            "Work queue, closed, the whole region (chief physician)",
            get(chief, "/arenden/", status="closed"),
            queue,
        ),
        PlanRow(
            "Region-wide",
            "Work queue, search `läkemedel`, the whole region (chief physician)",
            get(chief, "/arenden/", q="läkemedel"),
            queue,
        ),
        PlanRow(
            "Region-wide",
            "Its counts per status, fetched after the page (chief physician, `läkemedel`)",
            get(chief, "/arenden/antal/", q="läkemedel"),
            counts,
        ),
        PlanRow(
            "Region-wide",
            "API list, the whole region, 50 a page (chief physician)",
            get(chief, "/api/v1/incidents/", page_size=50),
            queue,
        ),
        PlanRow("Ward handler", "Work queue, open, one ward (ward handler)", get(ward_handler, "/arenden/"), queue),
        PlanRow(
            "Ward handler",
            "Work queue, closed, one ward (ward handler)",
            get(ward_handler, "/arenden/", status="closed"),
            queue,
        ),
        PlanRow(
            "Ward handler",
            "Work queue, search `läkemedel`, one ward (ward handler)",
            get(ward_handler, "/arenden/", q="läkemedel"),
            queue,
        ),
        PlanRow(
            "Ward handler",
            "API list, one ward, 50 a page (ward handler)",
            get(ward_handler, "/api/v1/incidents/", page_size=50),
            queue,
        ),
        PlanRow("API", "API list, 50 a page", get(coordinator, "/api/v1/incidents/", page_size=50), lists),
        PlanRow(
            "API",
            "API list, closed, one unit",
            get(coordinator, "/api/v1/incidents/", status="closed", unit=busy_unit, page_size=50),
            lists,
        ),
        PlanRow(
            "API", "API list, search `fall`", get(coordinator, "/api/v1/incidents/", q="fall", page_size=50), lists
        ),
        PlanRow("API", "API retrieve", get(coordinator, f"/api/v1/incidents/{case.pk}/"), {}),
        PlanRow(
            "Statistics",
            "API: counts by month, whole care provider, 5 years",
            get(chief, "/api/v1/stats/incidents/", group_by="period", **region_q),
            stats,
        ),
        PlanRow(
            "Statistics",
            "API: counts by month and category",
            get(chief, "/api/v1/stats/incidents/", group_by="period,category", **region_q),
            stats,
        ),
        PlanRow(
            "Statistics",
            "API: counts by unit (drill-down)",
            get(chief, "/api/v1/stats/incidents/", group_by="unit", **region_q),
            stats,
        ),
        PlanRow(
            "Statistics",
            "API: counts, the user's whole scope",
            get(chief, "/api/v1/stats/incidents/", group_by="period", **five_years),
            stats,
        ),
        PlanRow(
            "Statistics",
            "API: summary (lead times, actions, causes)",
            get(chief, "/api/v1/stats/incidents/summary/", **region_q),
            stats,
        ),
        PlanRow(
            "Statistics",
            "API: indicator series BHK, monthly",
            get(chief, "/api/v1/stats/indicators/BHK/", granularity="month", **region_q),
            stats,
        ),
        PlanRow("Dashboards", "Incident statistics, the region", get(chief, "/statistik/", enhet=region.pk), stats),
        PlanRow("Dashboards", "Incident statistics, a clinic", get(chief, "/statistik/", enhet=clinic.pk), stats),
        PlanRow(
            "Dashboards",
            "Indicator dashboard, the region",
            get(chief, "/indikatorer/", enhet=region.pk, period="quarter"),
            stats,
        ),
        PlanRow(
            "Dashboards",
            "One indicator's run chart, 5 years",
            get(chief, "/indikatorer/BHK/", enhet=region.pk, period="month"),
            stats,
        ),
        PlanRow("Dashboards", "Board table", get(chief, "/indikatorer/styrelsetabell/", enhet=region.pk), stats),
        PlanRow(
            "Dashboards",
            "Access-log review as opened (the newest rows, no filter)",
            get(strategist, "/loggranskning/"),
            stats,
        ),
        PlanRow(
            "Dashboards",
            "Access-log review: one handler's case views in a year (POST)",
            # The page's filters are posted, never put in the URL (accounts/accesslog_views.py).
            post(
                strategist,
                "/loggranskning/",
                {
                    "username": cast.reviewed.username,
                    "date_from": f"{last_year}-01-01",
                    "date_to": f"{last_year}-12-31",
                    "action": "view",
                },
            ),
            stats,
        ),
        PlanRow(
            "Action register",
            "Action list, the region (GET /atgarder/)",
            get(chief, "/atgarder/"),
            {"goal": ACTION_LIST_GOAL},
        ),
        PlanRow(
            "Action register",
            "API: actions, the region, 50 a page (GET /api/v1/actions/)",
            get(chief, "/api/v1/actions/", page_size=50),
            lists,
        ),
        *complaint_rows(cast, client_for, get, queue),
        *audit_rows(cast, client_for, get),
    ]


def complaint_rows(cast: Cast, client_for, get, queue: dict) -> list[PlanRow]:
    """The complaints queue (issue 17: a decade of a large region, 300 000 complaints; goal
    the queue's, median ≤ 150 ms): the chief physician over the whole region, the clinic's
    complaint handler, a search, "Mina klagomål", a case page and the API list."""
    from django.urls import reverse

    from complaints.models import Complaint

    chief = client_for(cast.chief)
    handler_user = cast.complaint_handler
    handler = client_for(handler_user)
    visible = Complaint.objects.visible_to(handler_user)
    case = visible.order_by("-id").first()
    if case is None:
        return []
    if not visible.filter(handler=handler_user).exists():
        Complaint.objects.filter(pk__in=list(visible.order_by("-id").values_list("pk", flat=True)[:40])).update(
            handler=handler_user
        )

    def search_opens(client, complaint):
        def call():
            response = client.get("/klagomal/", {"q": complaint.reference})
            assert response.status_code == 302, (response.status_code, response.content[:500])

        return call

    return [
        PlanRow("Complaints", "Complaints queue, the whole region (chief physician)", get(chief, "/klagomal/"), queue),
        PlanRow(
            "Complaints",
            "Complaints queue, overdue, the whole region (chief physician)",
            get(chief, "/klagomal/", overdue="1"),
            queue,
        ),
        PlanRow(
            "Complaints",
            "Complaints queue, care and treatment, answered (chief physician)",
            get(chief, "/klagomal/", area="care", status="answered"),
            queue,
        ),
        PlanRow("Complaints", "Complaints queue, the clinic (complaint handler)", get(handler, "/klagomal/"), queue),
        PlanRow(
            "Complaints",
            "Complaints queue, search by reference: the one complaint opens (complaint handler)",
            search_opens(handler, case),
            queue,
        ),
        PlanRow(
            "Complaints",
            "Complaints queue, text search `telefon` (complaint handler)",
            get(handler, "/klagomal/", q="telefon"),
            queue,
        ),
        PlanRow("Complaints", "Mina klagomål (complaint handler)", get(handler, "/klagomal/mina/"), queue),
        PlanRow(
            "Complaints",
            "Complaint case page (complaint handler)",
            get(handler, reverse("complaints:detail", kwargs={"pk": case.pk})),
            queue,
        ),
        PlanRow(
            "Complaints",
            "API: complaints, the region, 50 a page (chief physician)",
            get(chief, "/api/v1/complaints/", page_size=50),
            queue,
        ),
    ]


AUDIT_TITLE = "Bench: egenkontroll läkemedel, 1 000 enheter"


def _bench_audit_round(cast: Cast):
    """The medication self-audit sent to 1 000 units of the region (all of them when it has
    fewer), two thirds submitted with every statement answered, the rest never answered: made
    once, in bulk, and kept with the database (`--keep`)."""
    import random

    from django.utils import timezone

    from accounts.models import OrgUnit
    from audits import services
    from audits.examples import MEDICATION
    from audits.models import Answer, Response, Round, Status, Template

    found = Round.objects.filter(title=AUDIT_TITLE).first()
    if found is not None:
        return found
    units = list(
        OrgUnit.objects.filter(care_provider=cast.region, is_active=True, kind__code="enhet").order_by("path")[:1000]
    )
    if cast.ward not in units:
        units = [cast.ward, *units[:999]]
    today = timezone.localdate()
    version = Template.objects.get(code=MEDICATION).current_version()
    round_ = services.round_create(
        actor=cast.strategist,
        version=version,
        units=units,
        fields={
            "title": AUDIT_TITLE,
            "period_start": today.replace(month=1, day=1),
            "period_end": today.replace(month=12, day=31),
            "opens_on": today + dt.timedelta(days=1),
            "due_on": today + dt.timedelta(days=30),
            "recurrence": "",
        },
    )
    rng = random.Random(18)  # noqa: S311 - bench data, not a secret
    responses = list(round_.responses.order_by("pk"))
    answered = [response for response in responses if rng.random() < 2 / 3 and response.unit_id != cast.ward.pk]
    now = timezone.now()
    Response.objects.filter(round=round_).update(status=Status.OPEN)
    Response.objects.filter(pk__in=[r.pk for r in answered]).update(
        status=Status.SUBMITTED, submitted_by=cast.strategist, submitted_at=now
    )
    statements = list(version.statements.all())
    values = ["in_place"] * 8 + ["introducing", "planned", "missing"]
    Answer.objects.bulk_create(
        Answer(
            response=response,
            statement=statement,
            value=(value := rng.choice(values)),
            comment="Rutinen saknas på enheten." if value == "missing" else "",
            answered_by=cast.strategist,
            answered_at=now,
        )
        for response in answered
        for statement in statements
    )
    Round.objects.filter(pk=round_.pk).update(status="open")
    return round_


def audit_rows(cast: Cast, client_for, get) -> list[PlanRow]:
    """Egenkontroll (issue 18; goal median ≤ 300 ms): a round's results over 1 000 units, the
    drill-down to the clinic, the API's round with results and its responses, and a nurse's
    answering page."""
    from django.urls import reverse

    from accounts.roles import Role
    from audits.models import Response

    round_ = _bench_audit_round(cast)
    strategist = client_for(cast.strategist)
    response = Response.objects.get(round=round_, unit=cast.ward)
    nurse_user = _holder(cast.ward, Role.REPORTER, f"bench.sjukskoterska.{cast.ward.pk}")
    nurse = client_for(nurse_user)
    goal = {"goal": AUDIT_GOAL}
    page = reverse("audits:round", kwargs={"pk": round_.pk})
    return [
        PlanRow("Egenkontroll", "A round's results, 1 000 units (strategist)", get(strategist, page), goal),
        PlanRow(
            "Egenkontroll",
            "A round's results, drilled down to the clinic (strategist)",
            get(strategist, page, enhet=str(cast.clinic.pk)),
            goal,
        ),
        PlanRow(
            "Egenkontroll",
            "API: the round with its results (strategist)",
            get(strategist, f"/api/v1/audit-rounds/{round_.pk}/"),
            goal,
        ),
        PlanRow(
            "Egenkontroll",
            "API: the round's responses, 50 a page (strategist)",
            get(strategist, "/api/v1/audit-responses/", round=str(round_.pk), page_size=50),
            goal,
        ),
        PlanRow(
            "Egenkontroll",
            "A unit's response, answering page (nurse)",
            get(nurse, reverse("audits:response", kwargs={"pk": response.pk})),
            goal,
        ),
        PlanRow("Egenkontroll", "Egenkontroll, the nurse's start (nurse)", get(nurse, reverse("audits:home")), goal),
    ]


def page_results(plan: list[PlanRow], repeat: int, *, print_row) -> list[Result]:
    results = []
    for entry in plan:
        kind = entry.kind
        if "goal" in kind:
            goal = kind["goal"]
        elif kind.get("stats"):
            goal = STATS_GOAL
        else:
            goal = (None, None)
        result = measure(
            entry.group,
            entry.label,
            entry.call,
            repeat,
            writes=kind.get("writes", False),
            goal=goal,
            ratio_goal=LIST_RATIO_GOAL if kind.get("list") else None,
        )
        print_row(result)
        results.append(result)
    return results


# --- Where a page's time goes (--profile) -------------------------------------------------------------------

# Each sample goes to the innermost frame of its stack that one of these recognises (the
# standard library is skipped, so json.dumps under a serializer counts as serialisation).
PROFILE_AREAS = [
    ("PostgreSQL: driver and waiting", ("/psycopg/", "/psycopg_c/", "/psycopg_binary/", "/django/db/backends/")),
    (
        "ORM: SQL compiler",
        (
            "/django/db/models/sql/",
            "/django/db/models/expressions.py",
            "/django/db/models/lookups.py",
            "/django/db/models/query_utils.py",
            "/django/db/models/aggregates.py",
            "/django/db/models/functions/",
            "/django/db/models/fields/related_lookups.py",
        ),
    ),
    ("ORM: querysets, model instances", ("/django/db/models/",)),
    (
        "DRF: serialisation and rendering",
        (
            "/rest_framework/serializers.py",
            "/rest_framework/fields.py",
            "/rest_framework/relations.py",
            "/rest_framework/renderers.py",
            "/rest_framework/utils/",
        ),
    ),
    ("DRF: views, filters, pagination", ("/rest_framework/", "/django_filters/")),
    ("forms and widgets", ("/django/forms/",)),
    ("templates", ("/django/template/", "/django/templatetags/")),
    ("translations", ("/django/utils/translation/",)),
    (
        "dates, time zones, number formats",
        (
            "/django/utils/timezone.py",
            "/django/utils/dateformat.py",
            "/django/utils/formats.py",
            "/django/utils/numberformat.py",
        ),
    ),
    ("the benchmark's test client", ("/django/test/",)),
    (
        "middleware, sessions, auth, URLs",
        ("/django/core/handlers/", "/django/middleware/", "/django/contrib/", "/django/urls/", "/whitenoise/"),
    ),
]
# Helpers that stand for their caller: lazy strings, escaping, the context-local storage
# behind the active language and time zone. Their time goes to the frame that called them.
TRANSPARENT = (
    "/asgiref/",
    "/django/utils/functional.py",
    "/django/utils/html.py",
    "/django/utils/safestring.py",
    "/django/utils/encoding.py",
)
OWN_CODE = "psweb's own code"
OTHER = "other (libraries, Django utilities)"


def _frame(identifier: str) -> tuple[str, str, str]:
    function, _, rest = identifier.partition("\x01")[0].partition("\x00")
    path, _, line = rest.partition("\x00")
    return function, path, line


def _area(path: str) -> str | None:
    if any(needle in path for needle in TRANSPARENT):
        return None
    for name, needles in PROFILE_AREAS:
        if any(needle in path for needle in needles):
            return name
    if path.startswith(str(ROOT)) and "/.venv/" not in path and "/site-packages/" not in path:
        return OWN_CODE
    if "/site-packages/" in path:
        return OTHER
    return None  # the standard library: look further out


def _short(path: str) -> str:
    for marker in ("/site-packages/", f"{ROOT}/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path.rsplit("/lib/python", 1)[-1]


@dataclass
class Profile:
    label: str
    wall: float
    areas: dict[str, float]
    top_self: list[tuple[float, str]]
    top_own: list[tuple[float, str]]
    sql_ms: float
    statements: int
    slowest_ms: float
    slowest_sql: str
    explain: str
    tree: str


def profile_page(entry: PlanRow) -> Profile:
    from pyinstrument import Profiler

    entry.call()  # warm
    profiler = Profiler(interval=0.0005)
    profiler.start()
    entry.call()
    session = profiler.stop()
    areas: dict[str, float] = defaultdict(float)
    own_self: dict[str, float] = defaultdict(float)
    own_total: dict[str, float] = defaultdict(float)
    for stack, seconds in session.frame_records:
        frames = [_frame(identifier) for identifier in stack]
        area = OTHER
        for _function, path, _line in reversed(frames):
            found = _area(path)
            if found:
                area = found
                break
        areas[area] += seconds * 1000
        function, path, line = frames[-1]
        own_self[f"`{function}` {_short(path)}:{line}"] += seconds * 1000
        for function, path, _line in reversed(frames):
            if _area(path) == OWN_CODE and not path.startswith(str(ROOT / "bench")):
                own_total[f"`{function}` {_short(path)}"] += seconds * 1000
                break
    tree = profiler.output_text(unicode=True, color=False, processor_options={"filter_threshold": 0.05})
    queries = captured_with_times(entry.call)
    timed = [(float(query.get("time") or 0) * 1000, query["sql"]) for query in queries]
    reads = [item for item in timed if re.match(r"\s*(SELECT|WITH)\b", item[1], re.IGNORECASE)]
    slowest_ms, slowest_sql = max(reads or timed or [(0.0, "")], key=lambda item: item[0])
    explain = _explain(slowest_sql) if slowest_sql else ""
    return Profile(
        label=entry.label,
        wall=session.duration * 1000,
        areas=dict(areas),
        top_self=sorted(((ms, name) for name, ms in own_self.items()), reverse=True)[:10],
        top_own=sorted(((ms, name) for name, ms in own_total.items()), reverse=True)[:8],
        sql_ms=sum(ms for ms, _sql in timed),
        statements=len(timed),
        slowest_ms=slowest_ms,
        slowest_sql=slowest_sql,
        explain=explain,
        tree=tree,
    )


def _explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, in a transaction that is rolled back."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    try:
        with raw.transaction(force_rollback=True), raw.cursor() as cursor:
            cursor.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + sql.encode())
            return "\n".join(line for (line,) in cursor.fetchall())
    except psycopg.Error as error:
        return f"(EXPLAIN failed: {error})"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f" … ({len(text) - limit} more characters)"


def profile_report(profiles: list[Profile]) -> str:
    names = [name for name, _ in PROFILE_AREAS[:9]] + [OWN_CODE, OTHER]
    short = {
        "PostgreSQL: driver and waiting": "PostgreSQL",
        "ORM: SQL compiler": "ORM compile",
        "ORM: querysets, model instances": "ORM objects",
        "DRF: serialisation and rendering": "DRF serialise",
        "DRF: views, filters, pagination": "DRF views/filters",
        "forms and widgets": "forms",
        "templates": "templates",
        "translations": "gettext",
        "dates, time zones, number formats": "dates/formats",
        OWN_CODE: "psweb code",
        OTHER: "other",
    }
    lines = [
        "# Where the time of each page goes (bench/scale.py --profile)",
        "",
        "One request per row under pyinstrument (0.5 ms samples, wall time); each sample is put",
        "with the innermost frame a category recognises (lazy strings, escaping and context locals",
        "count for their caller). *SQL ms*: the statements' own time (a separate request, Django's",
        "query capture). The profiler costs time on every Python call, so code making many small",
        "calls (a 300-option select, per-row formatting) weighs more here than in the table's",
        "medians: read the shares, not the milliseconds.",
        "",
        "| Page or call | wall ms | SQL ms | " + " | ".join(short[name] for name in names) + " |",
        "|---|---:|---:|" + "---:|" * len(names),
    ]
    for profile in profiles:
        cells = " | ".join(f"{profile.areas.get(name, 0):.0f}" for name in names)
        lines.append(f"| {profile.label} | {profile.wall:.0f} | {profile.sql_ms:.0f} | {cells} |")
    for profile in profiles:
        lines += [
            "",
            f"## {profile.label}",
            "",
            f"{profile.wall:.0f} ms under the profiler; {profile.statements} statements, "
            f"{profile.sql_ms:.0f} ms of SQL.",
            "",
            "| where | ms | share |",
            "|---|---:|---:|",
        ]
        for name, ms in sorted(profile.areas.items(), key=lambda item: -item[1]):
            lines.append(
                f"| {name} | {ms:.1f} | {ms / profile.wall:.0%} |" if profile.wall else f"| {name} | {ms:.1f} | |"
            )
        lines += ["", "Top frames by own time:", ""]
        lines += [f"- {ms:.1f} ms {name}" for ms, name in profile.top_self]
        if profile.top_own:
            lines += ["", "psweb's functions, with the library calls they make themselves (innermost psweb frame):", ""]
            lines += [f"- {ms:.1f} ms {name}" for ms, name in profile.top_own]
        if profile.slowest_sql:
            explain = "\n".join(_clip(line, 300) for line in profile.explain.splitlines())
            lines += [
                "",
                f"Slowest statement, {profile.slowest_ms:.1f} ms:",
                "",
                "```sql",
                _clip(profile.slowest_sql, 1500),
                "```",
                "",
                "```",
                explain,
                "```",
            ]
        lines += [
            "",
            "<details><summary>pyinstrument's call tree</summary>",
            "",
            "```",
            profile.tree.strip(),
            "```",
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def profile_summary(profile: Profile) -> str:
    top = sorted(profile.areas.items(), key=lambda item: -item[1])[:4]
    parts = ", ".join(f"{name} {ms:.0f}" for name, ms in top)
    return f"  {profile.label}: {profile.wall:.0f} ms, SQL {profile.sql_ms:.0f} ms; {parts}"


# --- Importing measurements ------------------------------------------------------------------------------


def import_file(rows: int, user) -> tuple[bytes, str]:
    """A CSV file as Swedish Excel saves it: `rows` daily hygiene and pressure-ulcer points
    for the units the strategist may import for, none of them in the database yet."""
    from accounts.models import OrgUnit
    from accounts.roles import Perm
    from indicators.feeds import fed_since
    from indicators.models import IndicatorDefinition, Measurement
    from indicators.services import may_enter

    # Not the indicators psweb computes itself (PN-SVAR from the complaints): their import is refused.
    indicators = [
        indicator
        for indicator in IndicatorDefinition.objects.filter(is_active=True, kind="proportion").order_by("code")
        if fed_since(indicator.code) is None
    ]
    units = [
        unit
        for unit in OrgUnit.objects.filter(is_active=True).exclude(kind__code="riket").select_related("kind")
        if may_enter(user, unit, perm=Perm.INDICATOR_IMPORT)
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["indikator", "enhet", "period_fran", "period_till", "taljare", "namnare", "kommentar"])
    taken = set(Measurement.objects.filter(period_kind="point").values_list("indicator_id", "unit_id", "period_start"))
    rng = random.Random(3)  # noqa: S311 (synthetic numbers)
    day = dt.date.today()
    written = 0
    while written < rows:
        day -= dt.timedelta(days=1)
        for unit in units:
            for indicator in indicators:
                if written == rows:
                    break
                if (indicator.pk, unit.pk, day) in taken:
                    continue
                denominator = rng.randint(10, 40)
                numerator = rng.randint(denominator * 7 // 10, denominator)
                writer.writerow([indicator.code, unit.pk, day.isoformat(), "", numerator, denominator, "Bench"])
                written += 1
    return ("\ufeff" + out.getvalue()).encode(), f"{len(units)} units, {len(indicators)} indicators, from {day}"


def measurement_rows(content: bytes, user) -> list[tuple]:
    """The rows the import writes for the file, as COPY takes them (for the raw baseline)."""
    from decimal import Decimal

    from django.utils import timezone

    from indicators.models import IndicatorDefinition

    indicators = {ind.code: ind for ind in IndicatorDefinition.objects.all()}
    now = timezone.now()
    rows = []
    for record in list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))[1:]:
        code, unit, start, _end, numerator, denominator, comment = record
        day = dt.date.fromisoformat(start)
        value = (Decimal(numerator) * indicators[code].multiplier / Decimal(denominator)).quantize(Decimal("0.000001"))
        fraction = (indicators[code].pk, int(unit), day, day, "point", Decimal(numerator), Decimal(denominator))
        rows.append((*fraction, value, "", "", comment, True, "", user.pk, now, now, None))
    return rows


def import_results(rows: int, repeat: int, user) -> tuple[Result, Result, str]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test import Client

    from indicators.models import ImportBatch, Measurement

    content, shape = import_file(rows, user)
    client = Client()
    client.force_login(user)
    timings = {"preview": [], "commit": []}
    statements = {}

    def once(capture: bool):
        before = Measurement.objects.count()
        with transaction.atomic():
            # Rolled back at the end, so the deferred foreign-key checks are made at once
            # instead of at a commit that never comes: the time includes them.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            upload = SimpleUploadedFile("matningar.csv", content, content_type="text/csv")
            started = time.perf_counter()
            response = client.post("/indikatorer/import/", {"file": upload})
            assert response.status_code == 302, response.content[:2000]
            preview_url = response["Location"]
            response = client.get(preview_url)
            assert response.status_code == 200, response.content[:2000]
            timings["preview"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            if capture:
                statements["commit"] = captured(lambda: client.post(preview_url))
            else:
                response = client.post(preview_url)
                assert response.status_code == 302, response.content[:2000]
            timings["commit"].append((time.perf_counter() - started) * 1000)
            batch = ImportBatch.objects.filter(committed_at__isnull=False).latest("pk")
            assert (batch.rows, batch.created) == (rows, rows), vars(batch)
            assert Measurement.objects.count() == before + rows
            transaction.set_rollback(True)

    once(capture=True)
    timings = {"preview": [], "commit": []}
    for _ in range(repeat):
        once(capture=False)
    copied = measurement_rows(content, user)
    raw = []
    for _ in range(repeat):
        started = time.perf_counter()
        replay(statements["commit"], writes=False, copy=copied)
        raw.append((time.perf_counter() - started) * 1000)
    label = f"Import {rows:,} measurements".replace(",", " ")
    preview = Result("Import", f"{label}: upload and preview", statistics.median(timings["preview"]), 0, 0, 0)
    preview.p95 = max(timings["preview"])
    commit = Result(
        "Import",
        f"{label}: commit",
        statistics.median(timings["commit"]),
        max(timings["commit"]),
        len(statements["commit"]),
        statistics.median(raw),
    )
    return preview, commit, shape


# --- gunicorn on loopback, and a browser's requests ----------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    workers: int


@contextlib.contextmanager
def gunicorn_server(env: dict, workers: int):
    """gunicorn on a free loopback port, as the README deploys it; stopped (with its workers)
    however the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(ROOT / "var" / "bench-gunicorn.log", "ab")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "gunicorn", "psweb.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("gunicorn did not start; see var/bench-gunicorn.log") from None
                time.sleep(0.3)
        yield Server(base, process, workers)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


class Browser:
    """What a browser sends: cookies, the CSRF token from the form, no JavaScript."""

    def __init__(self, base: str, session: str):
        self.base = base
        self.cookies = {"sessionid": session, "django_language": "sv"}
        self.token = ""

    def request(self, method: str, path: str, data: dict | None = None, *, ajax=False) -> tuple[int, str, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.token
            headers["Origin"] = self.base
        if ajax:
            headers["Accept"] = "application/json"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.read().decode(errors="replace"), dict(response.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _send_fields(draft: dict, unit: int) -> dict:
    return {
        "version": draft["version"],
        "unit": unit,
        "occurred_at": (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Patienten föll vid toalettbesök, inga synliga skador.",
        "case_type": "care",
        "reported_kind": "happened",
        "action": "send",
    }


def report_once(browser: Browser, unit: int) -> tuple[float, float]:
    """Open the form, autosave, send. Returns (ms of the send, ms of the whole report)."""
    started = time.perf_counter()
    status, page, _ = browser.request("GET", "/rapportera/")
    assert status == 200, status
    browser.token = CSRF_FIELD.search(page).group(1)
    status, body, _ = browser.request(
        "POST",
        "/rapportera/spara/",
        {"client_key": str(uuid.uuid4()), "description": "Patienten föll vid toalettbesök."},
        ajax=True,
    )
    assert status == 200, (status, body[:500])
    draft = json.loads(body)
    sending = time.perf_counter()
    status, body, headers = browser.request("POST", draft["edit_url"], _send_fields(draft, unit))
    assert status == 302 and "skickad" in headers.get("Location", ""), (status, body[:1000])
    done = time.perf_counter()
    return (done - sending) * 1000, (done - started) * 1000


def sessions_for(users) -> list[str]:
    """A session of its own for each user (a user may appear more than once)."""
    from django.test import Client

    sessions = []
    for user in users:
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    return sessions


def synthetic_reporters(count: int) -> list[tuple[object, int]]:
    from accounts.models import Membership, User
    from accounts.roles import Role

    nurses = []
    for user in User.objects.filter(is_active=True, username__startswith="last.").order_by("pk"):
        membership = Membership.objects.filter(user=user, role=Role.REPORTER).first()
        if membership:
            nurses.append((user, membership.unit_id))
        if len(nurses) == count:
            break
    if len(nurses) < count:
        raise SystemExit(f"Only {len(nurses)} synthetic reporters; generate_load makes them (--users).")
    return nurses


# --- Concurrent reporters over HTTP ----------------------------------------------------------------------


@dataclass
class LoadRun:
    label: str
    sends: list[float]
    flows: list[float]
    errors: list[str]
    seconds: float


def concurrent_reporting(server: Server, reporters: int, duration: float) -> list[LoadRun]:
    nurses = synthetic_reporters(reporters)
    sessions = list(zip(sessions_for([user for user, _unit in nurses]), [unit for _user, unit in nurses], strict=True))
    return [
        _load(server.base, sessions, duration, pause, label)
        for label, pause in (
            (f"{reporters} reporters, 1–3 s between reports", (1.0, 3.0)),
            (f"{reporters} reporters, no pause (saturation)", None),
        )
    ]


def _load(base: str, sessions, duration: float, pause, label: str) -> LoadRun:
    sends, flows, errors = [], [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def reporter(session: str, unit: int, seed: int):
        browser = Browser(base, session)
        rng = random.Random(seed)  # noqa: S311 (pauses)
        if pause:
            time.sleep(rng.uniform(0, pause[1]))  # not all at the same moment
        while time.monotonic() < stop_at:
            try:
                send, flow = report_once(browser, unit)
            except Exception as error:  # noqa: BLE001 (counted and shown, never hidden)
                with lock:
                    errors.append(repr(error)[:300])
            else:
                with lock:
                    sends.append(send)
                    flows.append(flow)
            if pause:
                time.sleep(rng.uniform(*pause))

    started = time.monotonic()
    threads = [
        threading.Thread(target=reporter, args=(session, unit, n), daemon=True)
        for n, (session, unit) in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    return LoadRun(label, sends, flows, errors, time.monotonic() - started)


# --- A mixed load of fifty users -----------------------------------------------------------------------------

MIX = {"reporter": 30, "coordinator": 15, "dashboard": 5}
# The request types, in the order the report lists them.
REQUEST_TYPES = (
    "report form",
    "autosave",
    "send report",
    "work queue",
    "queue search",
    "queue search counts",
    "case page",
    "statistics page",
    "indicator dashboard",
)
SEARCH_WORDS = ("fall", "läkemedel", "trycksår", "insulin", "PVK", "provsvar")
CASE_LINK = re.compile(r'href="/avvikelser/(\d+)/"')


class LoadError(Exception):
    """A request that failed; already counted."""


class Recorder:
    """Times and errors per request type, and how many requests are in flight now."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.in_flight = 0

    def error(self, kind: str, message: str) -> None:
        with self.lock:
            self.errors[kind].append(message[:300])

    def request(self, kind, browser, method, path, data=None, *, ajax=False, expect=200) -> tuple[str, dict]:
        route = re.sub(r"\d+", "N", path.split("?", 1)[0])  # no ids or searches in the error list
        with self.lock:
            self.in_flight += 1
        started = time.perf_counter()
        try:
            status, body, headers = browser.request(method, path, data, ajax=ajax)
        except Exception as error:  # counted and shown, never hidden
            self.error(kind, f"{method} {route}: {error!r}")
            raise LoadError from error
        finally:
            with self.lock:
                self.in_flight -= 1
        elapsed = (time.perf_counter() - started) * 1000
        if status != expect:
            self.error(kind, f"{method} {route}: HTTP {status} {' '.join(body.split())[:120]}")
            raise LoadError
        with self.lock:
            self.times[kind].append(elapsed)
        return body, headers


def reporter_flow(recorder: Recorder, browser: Browser, rng, pause, unit: int) -> None:
    """A nurse: the form, the first words (autosave creates the draft), the rest of the text
    (autosave again), send."""
    page, _ = recorder.request("report form", browser, "GET", "/rapportera/")
    browser.token = CSRF_FIELD.search(page).group(1)
    if pause(3, 8):
        return
    body, _ = recorder.request(
        "autosave",
        browser,
        "POST",
        "/rapportera/spara/",
        {"client_key": str(uuid.uuid4()), "description": "Patienten föll"},
        ajax=True,
    )
    draft = json.loads(body)
    if pause(5, 15):
        return
    body, _ = recorder.request(
        "autosave",
        browser,
        "POST",
        draft["autosave_url"],
        {"version": draft["version"], "description": "Patienten föll vid toalettbesök, inga synliga skador."},
        ajax=True,
    )
    draft = json.loads(body)
    if pause(2, 5):
        return
    _, headers = recorder.request(
        "send report", browser, "POST", draft["edit_url"], _send_fields(draft, unit), expect=302
    )
    if "skickad" not in headers.get("Location", ""):
        recorder.error("send report", f"sent to {headers.get('Location', '')!r}, not the receipt")


def coordinator_flow(recorder: Recorder, browser: Browser, rng, pause) -> None:
    """A coordinator: the queue, a later page (open or closed), a case from it, a search, a
    case from the hits; reading between the pages."""
    recorder.request("work queue", browser, "GET", "/arenden/")
    if pause(2, 6):
        return
    status = rng.choice(["", "", "closed"])
    query = urllib.parse.urlencode(
        {"status": status, "page": rng.randint(2, 6)} if status else {"page": rng.randint(2, 6)}
    )
    page, _ = recorder.request("work queue", browser, "GET", f"/arenden/?{query}")
    for words in (None, rng.choice(SEARCH_WORDS)):
        if words:
            if pause(2, 6):
                return
            searched = urllib.parse.urlencode({"q": words})
            page, _ = recorder.request("queue search", browser, "GET", f"/arenden/?{searched}")
            # the counts the page fetches once it has loaded (htmx)
            recorder.request("queue search counts", browser, "GET", f"/arenden/antal/?{searched}")
        cases = CASE_LINK.findall(page)
        if pause(2, 6):
            return
        if cases:
            recorder.request("case page", browser, "GET", f"/avvikelser/{rng.choice(cases)}/")
            if pause(5, 15):  # reading the case
                return


def dashboard_flow(recorder: Recorder, browser: Browser, rng, pause, unit: int) -> None:
    recorder.request("statistics page", browser, "GET", f"/statistik/?enhet={unit}")
    if pause(10, 30):
        return
    recorder.request("indicator dashboard", browser, "GET", f"/indikatorer/?enhet={unit}&period=quarter")


def _read(sql: str, conn) -> tuple:
    return conn.execute(sql).fetchone()


class Sampler(threading.Thread):
    """Every `interval` seconds: CPU of the gunicorn workers, of PostgreSQL's backends for
    this database and of all its processes, of this process (the load driver) and of the
    whole machine; the database's connections and lock waits; requests in flight."""

    def __init__(self, url: str, server: Server, recorder: Recorder, interval: float = 1.0):
        super().__init__(daemon=True)
        self.url, self.server, self.recorder, self.interval = url, server, recorder, interval
        self.stop = threading.Event()
        self.samples: list[dict] = []
        self.max_connections = 0
        self.local = False
        self.failure = ""

    def run(self) -> None:
        try:
            self._run()
        except Exception as error:  # noqa: BLE001 (reported with the load, never hidden)
            self.failure = repr(error)[:300]

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            own_pid = _read("SELECT pg_backend_pid()", conn)[0]
            self.max_connections = int(_read("SHOW max_connections", conn)[0])
            host = conn.info.host or ""
            self.local = (host in LOCAL_HOSTS or host.startswith("/")) and is_postgres(own_pid)
            postmaster = parent_of(own_pid) if self.local else None
            previous = self._cpu(postmaster, [])
            while not self.stop.wait(self.interval):
                ours, active, waiting = _read(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'active'),"
                    " count(*) FILTER (WHERE wait_event_type = 'Lock')"
                    " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    conn,
                )
                not_granted = _read(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE NOT l.granted AND a.datname = current_database()",
                    conn,
                )[0]
                backends = [
                    pid
                    for (pid,) in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s",
                        [own_pid],
                    )
                ]
                current = self._cpu(postmaster, backends)
                seconds = current["at"] - previous["at"]
                sample = {
                    "seconds": seconds,
                    "connections": ours,
                    "active": active,
                    "lock_waits": max(waiting, not_granted),
                    "in_flight": self.recorder.in_flight,
                    "driver": current["driver"] - previous["driver"],
                    "machine_busy": _busy_share(previous["machine"], current["machine"]),
                }
                for name in ("gunicorn", "postgres", "postgres_ours"):
                    sample[name] = sum(cpu - previous["pids"].get(pid, 0.0) for pid, cpu in current[name].items())
                self.samples.append(sample)
                previous = current

    def _cpu(self, postmaster: int | None, backends: list[int]) -> dict:
        master = self.server.process.pid
        gunicorn = {pid: process_cpu(pid) or 0.0 for pid in [master, *children_of(master)]}
        postgres, ours = {}, {}
        if postmaster:
            postgres = {pid: process_cpu(pid) or 0.0 for pid in [postmaster, *children_of(postmaster)]}
            ours = {pid: postgres[pid] for pid in backends if pid in postgres}
        return {
            "at": time.monotonic(),
            "driver": time.process_time(),
            "machine": _machine_jiffies(),
            "gunicorn": gunicorn,
            "postgres": postgres,
            "postgres_ours": ours,
            "pids": {**gunicorn, **postgres},
        }

    def summary(self) -> dict:
        samples = self.samples
        seconds = sum(sample["seconds"] for sample in samples) or 1.0
        cores = os.cpu_count() or 1

        def cores_used(name: str) -> tuple[float, float]:
            if not samples:
                return 0.0, 0.0
            total = sum(sample[name] for sample in samples)
            return total / seconds, max(sample[name] / sample["seconds"] for sample in samples)

        gunicorn, gunicorn_peak = cores_used("gunicorn")
        postgres_ours, postgres_ours_peak = cores_used("postgres_ours")
        postgres_all, _ = cores_used("postgres")
        driver, _ = cores_used("driver")
        busy = [sample["machine_busy"] for sample in samples if sample["machine_busy"] is not None]
        in_flight = [sample["in_flight"] for sample in samples]
        workers = self.server.workers
        result = {
            "samples": len(samples),
            "cores": cores,
            "gunicorn_workers": workers,
            "gunicorn_cores": round(gunicorn, 3),
            "gunicorn_cores_peak": round(gunicorn_peak, 3),
            "postgres_cores": round(postgres_ours, 3) if self.local else None,
            "postgres_cores_peak": round(postgres_ours_peak, 3) if self.local else None,
            "postgres_all_cores": round(postgres_all, 3) if self.local else None,
            "driver_cores": round(driver, 3),
            "machine_busy": round(statistics.mean(busy), 3) if busy else None,
            "machine_busy_peak": round(max(busy), 3) if busy else None,
            "db_connections_max": max((sample["connections"] for sample in samples), default=0),
            "db_connections_active_max": max((sample["active"] for sample in samples), default=0),
            "max_connections": self.max_connections,
            "lock_waits_max": max((sample["lock_waits"] for sample in samples), default=0),
            "lock_wait_samples": sum(1 for sample in samples if sample["lock_waits"]),
            "in_flight_mean": round(statistics.mean(in_flight), 2) if in_flight else 0,
            "in_flight_max": max(in_flight, default=0),
            "workers_all_busy_share": round(sum(1 for n in in_flight if n >= workers) / len(in_flight), 3)
            if in_flight
            else 0,
            "sampler_failure": self.failure,
        }
        result["verdict"] = saturation_verdict(result)
        return result


def _machine_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    try:
        values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def _busy_share(before, after) -> float | None:
    if not before or not after or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def saturation_verdict(found: dict) -> str:
    """What ran out first, in words, from the sampled pressures."""
    cores, workers = found["cores"], found["gunicorn_workers"]
    who = [("the gunicorn workers (Python)", found["gunicorn_cores"])]
    if found["postgres_cores"] is not None:
        who.append(("PostgreSQL's backends", found["postgres_cores"]))
    who.append(("the load driver", found["driver_cores"]))
    who.sort(key=lambda item: -item[1])
    use = ", ".join(f"{name} {used:.2f}" for name, used in who)
    pressures = [
        ("CPU", found["machine_busy"] or (sum(used for _name, used in who) / cores)),
        ("gunicorn workers", found["workers_all_busy_share"]),
        ("lock waits", found["lock_wait_samples"] / max(1, found["samples"])),
        ("database connections", found["db_connections_max"] / max(1, found["max_connections"])),
    ]
    name, pressure = max(pressures, key=lambda item: item[1])
    busy = (
        f"the machine {found['machine_busy']:.0%} busy" if found["machine_busy"] is not None else "machine CPU unknown"
    )
    if pressure < 0.5:
        return (
            f"nothing saturated: {busy} (other work included), at most {found['in_flight_max']} requests in "
            f"flight for {workers} workers, {found['lock_wait_samples']} samples with a lock wait; "
            f"cores used: {use}"
        )
    if name == "CPU":
        ours = sum(used for _name, used in who)
        text = f"CPU: {busy} ({cores} cores); this run's processes used {ours:.2f} cores ({use})"
        if found["machine_busy"] is not None and found["machine_busy"] * cores > 2 * ours:
            return text + ", other work on the machine the rest"
        return text + f" — {who[0][0]} the most"
    if name == "gunicorn workers":
        return (
            f"the {workers} gunicorn workers first: all busy in {pressure:.0%} of the samples (requests queue "
            f"in front of them) with {busy}; cores used: {use}"
        )
    if name == "lock waits":
        return f"lock waits first: a backend waited for a lock in {pressure:.0%} of the samples; cores used: {use}"
    return f"database connections first: {found['db_connections_max']} of {found['max_connections']}; cores used: {use}"


@dataclass
class MixedLoad:
    label: str
    seconds: float
    think_factor: float
    types: dict[str, dict]
    errors: list[str]
    saturation: dict
    gunicorn_pid: int = 0

    def misses(self, factor: float = 1.0) -> list[str]:
        goal = MIXED_LOAD_P95_GOAL * factor
        found = []
        for kind, row in self.types.items():
            if not row["requests"]:
                found.append(f"mixed load, {kind}: no request served")
            elif row["p95"] > goal:
                found.append(f"mixed load, {kind}: p95 {row['p95']:.0f} ms > {goal:.0f} ms")
        errors = sum(row["errors"] for row in self.types.values())
        if errors:
            found.append(f"mixed load: {errors} errors")
        return found


def mixed_load(server: Server, cast: Cast, url: str, duration: float, think_factor: float) -> MixedLoad:
    """50 users on gunicorn over loopback for `duration` seconds; stops by itself."""
    reporters = synthetic_reporters(MIX["reporter"])
    handlers = [cast.handlers[n % len(cast.handlers)] for n in range(MIX["coordinator"])]
    readers = [cast.readers[n % len(cast.readers)] for n in range(MIX["dashboard"])]
    reporter_sessions = sessions_for([user for user, _unit in reporters])
    handler_sessions = sessions_for(handlers)
    reader_sessions = sessions_for(readers)
    _warm(server, handler_sessions[0], reader_sessions[0], cast)

    recorder = Recorder()
    stop = threading.Event()

    def user(flow, session: str, seed: int, *args):
        browser = Browser(server.base, session)
        rng = random.Random(seed)  # noqa: S311 (pauses and choices)

        def pause(low: float, high: float) -> bool:
            """Think; True when the run is over."""
            return stop.wait(rng.uniform(low, high) * think_factor) or stop.is_set()

        if pause(0, 10):  # not everyone at the same moment
            return
        while not stop.is_set():
            try:
                flow(recorder, browser, rng, pause, *args)
            except LoadError:
                pass  # counted; carry on as a person would, after a moment
            except Exception as error:  # noqa: BLE001 (a page that did not look as expected)
                recorder.error(flow.__name__, repr(error))
            if pause(5, 20):
                return

    threads = []
    for n, (session, (_user, unit)) in enumerate(zip(reporter_sessions, reporters, strict=True)):
        threads.append(threading.Thread(target=user, args=(reporter_flow, session, n, unit), daemon=True))
    for n, session in enumerate(handler_sessions):
        threads.append(threading.Thread(target=user, args=(coordinator_flow, session, 100 + n), daemon=True))
    for n, session in enumerate(reader_sessions):
        unit = cast.region.pk if n % 2 == 0 else cast.clinic.pk
        threads.append(threading.Thread(target=user, args=(dashboard_flow, session, 200 + n, unit), daemon=True))

    sampler = Sampler(url, server, recorder)
    sampler.start()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=40)  # a request in flight finishes (30 s timeout at most)
    seconds = time.monotonic() - started
    sampler.stop.set()
    sampler.join(timeout=10)

    types = {}
    for kind in REQUEST_TYPES:
        times = recorder.times.get(kind, [])
        types[kind] = {
            "requests": len(times),
            "per_second": round(len(times) / seconds, 2),
            "p50": round(statistics.median(times), 1) if times else None,
            "p95": round(percentile(times, 0.95), 1) if times else None,
            "errors": len(recorder.errors.get(kind, [])),
        }
    extra = {kind: len(messages) for kind, messages in recorder.errors.items() if kind not in types}
    for kind, count in extra.items():
        types[kind] = {"requests": 0, "per_second": 0, "p50": None, "p95": None, "errors": count}
        # a flow that broke outside a request: counted as errors, never as unserved
    label = (
        f"{sum(MIX.values())} users ({MIX['reporter']} reporters, {MIX['coordinator']} coordinators, "
        f"{MIX['dashboard']} dashboard readers), {duration:g} s"
        + (f", pauses × {think_factor:g}" if think_factor != 1 else "")
    )
    errors = sorted({message for messages in recorder.errors.values() for message in messages})
    return MixedLoad(label, round(seconds, 1), think_factor, types, errors, sampler.summary(), server.process.pid)


def _warm(server: Server, handler_session: str, reader_session: str, cast: Cast) -> None:
    """Every worker has imported and compiled what the pages need before the clock runs."""
    handler, reader = Browser(server.base, handler_session), Browser(server.base, reader_session)
    for _ in range(server.workers * 2):
        for browser, path in (
            (handler, "/arenden/"),
            (handler, "/arenden/?q=fall"),
            (reader, f"/statistik/?enhet={cast.region.pk}"),
            (reader, f"/indikatorer/?enhet={cast.region.pk}&period=quarter"),
        ):
            with contextlib.suppress(OSError):
                browser.request("GET", path)


def mixed_load_lines(load: MixedLoad) -> list[str]:
    lines = [
        f"| Mixed load (gunicorn, loopback): {load.label} | requests | per s | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, row in load.types.items():
        if row["requests"]:
            missed = " **missed**" if row["p95"] > MIXED_LOAD_P95_GOAL or row["errors"] else ""
            lines.append(
                f"| {kind} | {row['requests']} | {row['per_second']:.2f} | {row['p50']:.0f} | {row['p95']:.0f} "
                f"| {row['errors']} |{missed}"
            )
        else:
            lines.append(f"| {kind} | 0 | 0 | – | – | {row['errors']} | **missed**")
    total = sum(row["requests"] for row in load.types.values())
    lines.append("")
    lines.append(f"Mixed load: {total} requests in {load.seconds:.0f} s ({total / load.seconds:.1f}/s).")
    found = load.saturation

    def cores(name: str) -> str:
        return "–" if found[name] is None else f"{found[name]:.2f}"

    lines.append(
        f"Sampled every second ({found['samples']} samples): CPU in cores of {found['cores']} — gunicorn's "
        f"{found['gunicorn_workers']} workers {cores('gunicorn_cores')} (peak {cores('gunicorn_cores_peak')}), "
        f"PostgreSQL for this database {cores('postgres_cores')} (peak {cores('postgres_cores_peak')}; all of "
        f"PostgreSQL {cores('postgres_all_cores')}), the load driver {cores('driver_cores')}; the whole machine "
        + (
            f"{found['machine_busy']:.0%} busy (peak {found['machine_busy_peak']:.0%}, other work included)"
            if found["machine_busy"] is not None
            else "unknown"
        )
        + f". Database connections at most {found['db_connections_max']} ({found['db_connections_active_max']} "
        f"active) of {found['max_connections']}; lock waits at most {found['lock_waits_max']}, in "
        f"{found['lock_wait_samples']} samples; requests in flight {found['in_flight_mean']:.1f} on average, at "
        f"most {found['in_flight_max']}, all workers busy in {found['workers_all_busy_share']:.0%} of the samples."
    )
    lines.append(f"Saturates first: {found['verdict']}.")
    if found["sampler_failure"]:
        lines.append(f"  sampler failed: {found['sampler_failure']}")
    for error in load.errors[:5]:
        lines.append(f"  error: {error}")
    return lines


# --- The report -------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0].split()[0]
        settings = {}
        for name in ("shared_buffers", "effective_cache_size", "work_mem", "random_page_cost"):
            cursor.execute(f"SHOW {name}")  # names from the tuple above
            settings[name] = cursor.fetchone()[0]
    distro = ""
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip('"') + ", "
    shown = ", ".join(f"{name} {value}" for name, value in settings.items())
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; {distro}Python {platform.python_version()}; "
        f"PostgreSQL {server} on loopback ({shown}); "
        f"a reference loop of Python (`sum(range(10**6))`, best of 5) {reference_loop_ms():.1f} ms"
    )


def reference_loop_ms() -> float:
    """How fast this machine runs Python, to compare runs on different machines (the same
    code measured 1.9x slower on one cloud host than on another): best of five, in ms."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def row(result: Result) -> str:
    raw = f"{result.raw:.1f}" if result.raw else "–"
    ratio = f"{result.ratio:.1f}×" if result.raw else "–"
    missed = " **missed**" if result.misses() else ""
    return (
        f"| {result.label} | {result.median:.1f} | {result.p95:.1f} | {_ms(result.app_cpu)} | {_ms(result.db_cpu)} "
        f"| {result.queries} | {raw} | {ratio} |{missed}"
    )


HEADER = (
    "| Page or call | median ms | p95 ms | app CPU ms | DB CPU ms | queries | its SQL ms | ratio |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--measurements", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=300_000, help="complaints (klagomål) in the load")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--national", action="store_true", help="generate_load --national: the national shape")
    parser.add_argument("--units", type=int, help="generate_load --units (its default unless given)")
    parser.add_argument("--users", type=int, help="generate_load --users (its default unless given)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reporters", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60, help="seconds of each concurrent-reporting run")
    parser.add_argument("--load-duration", type=float, default=60, help="seconds of the mixed load of 50 users")
    parser.add_argument(
        "--think-factor", type=float, default=1.0, help="the mixed load's pauses times this (0: none, saturation)"
    )
    parser.add_argument("--load-json", metavar="PATH", help="write the mixed load's figures as JSON to PATH")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--only", action="append", choices=PARTS, help=f"run only these parts (repeatable; all: {', '.join(PARTS)})"
    )
    parser.add_argument("--profile", action="store_true", help="profile one request of each page row (pyinstrument)")
    parser.add_argument("--profile-out", default=str(ROOT / "var" / "bench-profile.md"), metavar="PATH")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/psweb_bench_scale")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (no drop, no loading)")
    parser.add_argument("--write", metavar="PATH", help="write the results as Markdown to PATH")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--limit-factor", type=float, default=1.0, help="with --check: goals times this")
    args = parser.parse_args()
    parts = set(args.only or PARTS)
    # Stopped from outside (a test's timeout, Ctrl-C in a pipeline): the `finally` blocks
    # still stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    env = _bench_env(args.database_url)
    os.environ.update(env)
    _prepare_database(args.database_url, fresh=not args.keep)
    (ROOT / "var").mkdir(exist_ok=True)

    import django

    django.setup()
    from django.core.management import call_command

    from complaints.models import Complaint
    from incidents.models import Incident
    from indicators.models import Measurement

    collect_static()
    loading = ""
    if not args.keep:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        out = io.StringIO()
        options = {
            "incidents": args.incidents,
            "measurements": args.measurements,
            "complaints": args.complaints,
            "force": True,
            "stdout": out,
        }
        if args.national:
            options["national"] = True
        for name in ("units", "users"):
            if getattr(args, name) is not None:
                options[name] = getattr(args, name)
        call_command("generate_load", **options)
        loading = f"{out.getvalue().rstrip()}\ntotal (with migrate)  {time.perf_counter() - started:.0f} s"
        print(loading, flush=True)

    lines: list[str] = []

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    cast = bench_cast()
    incidents = Incident.objects.count()
    emit(
        (
            f"{incidents:,} incidents and {Complaint.objects.count():,} complaints and "
            f"{Measurement.objects.count():,} measurements in the database. "
        ).replace(",", " ")
        + f"{args.repeat} requests each."
    )
    emit()
    emit(cast.describe())
    emit()
    misses: list[str] = []
    if "pages" in parts:
        emit(
            "CPU: *app* is this thread's CPU time for the request (the whole Django stack), *DB* the "
            "PostgreSQL backend's (/proc; – when the server is elsewhere); medians."
        )
        emit()
        emit(HEADER)
        plan = page_plan(cast)
        results = page_results(plan, args.repeat, print_row=lambda result: emit(row(result)))
        misses += [miss for result in results for miss in result.misses(args.limit_factor)]
        if args.profile:
            profiles = []
            for entry in plan:
                profiles.append(profile_page(entry))
                print(profile_summary(profiles[-1]), flush=True)
            Path(args.profile_out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.profile_out).write_text(profile_report(profiles))
            print(f"\nProfiles written to {args.profile_out}.", flush=True)

    if "import" in parts:
        preview, commit, shape = import_results(args.import_rows, max(3, args.repeat // 5), cast.strategist)
        rate = args.import_rows / (commit.median / 1000)
        if "pages" not in parts:
            emit(HEADER)
        emit(row(preview))
        emit(row(commit))
        emit()
        emit(f"Import: {rate:,.0f} rows/s committed (goal ≥ {IMPORT_GOAL:,}); the file: {shape}.".replace(",", " "))
        if rate < IMPORT_GOAL / args.limit_factor:
            misses.append(f"import: {rate:.0f} rows/s < {IMPORT_GOAL / args.limit_factor:.0f}")

    if {"reporting", "load"} & parts:
        with gunicorn_server(env, args.workers) as server:
            if "reporting" in parts:
                runs = concurrent_reporting(server, args.reporters, args.duration)
                emit()
                emit(
                    "| Concurrent reporting (gunicorn, loopback) | reports | send median ms | send p95 ms "
                    "| whole report p95 ms | reports/s | errors |"
                )
                emit("|---|---:|---:|---:|---:|---:|---:|")
                for run in runs:
                    if run.sends:
                        emit(
                            f"| {run.label} | {len(run.sends)} | {statistics.median(run.sends):.0f} | "
                            f"{percentile(run.sends, 0.95):.0f} | {percentile(run.flows, 0.95):.0f} | "
                            f"{len(run.sends) / run.seconds:.1f} | {len(run.errors)} |"
                        )
                    else:
                        emit(f"| {run.label} | 0 | – | – | – | 0 | {len(run.errors)} |")
                    for error in sorted(set(run.errors))[:3]:
                        emit(f"  error: {error}")
                paced = runs[0]
                if not paced.sends or percentile(paced.sends, 0.95) > SUBMIT_P95_GOAL * args.limit_factor:
                    misses.append(f"concurrent reporting: send p95 above {SUBMIT_P95_GOAL * args.limit_factor:.0f} ms")
                if any(run.errors for run in runs):
                    misses.append("concurrent reporting: errors")
            if "load" in parts:
                load = mixed_load(server, cast, args.database_url, args.load_duration, args.think_factor)
                emit()
                for line in mixed_load_lines(load):
                    emit(line)
                misses += load.misses(args.limit_factor)
                if args.load_json:
                    Path(args.load_json).write_text(json.dumps(dataclasses.asdict(load), indent=2, ensure_ascii=False))

    emit()
    if misses:
        emit("Goals missed" + (f" (limits × {args.limit_factor:g})" if args.limit_factor != 1 else "") + ":")
        for miss in misses:
            emit(f"- {miss}")
    else:
        emit("Every goal met" + (f" (limits × {args.limit_factor:g})" if args.limit_factor != 1 else "") + ".")

    if args.write:
        write_report(Path(args.write), args, lines, loading)
    if args.check and misses:
        sys.exit(1)


def collect_static() -> None:
    """The production static storage (DEBUG is off), unless its manifest is newer than every
    source file: hashing and compressing the 46 MB again takes minutes on a busy machine."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        ignore = apps.get_app_config("staticfiles").ignore_patterns
        newest = max(
            (os.path.getmtime(storage.path(path)) for finder in get_finders() for path, storage in finder.list(ignore)),
            default=0.0,
        )
        if manifest.stat().st_mtime >= newest:
            return
    call_command("collectstatic", interactive=False, verbosity=0)


def write_report(path: Path, args, lines: list[str], loading: str) -> None:
    """Replace the generated part of the document (between the markers), keep the rest."""
    begin, end = "<!-- bench/scale.py: begin -->", "<!-- bench/scale.py: end -->"
    command = "  .venv/bin/python bench/scale.py " + " ".join(sys.argv[1:])
    body = [
        begin,
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}.",
        "",
        "```",
        command.strip(),
        "```",
        "",
    ]
    if loading:
        body += ["Loading (`generate_load`):", "", "```", loading, "```", ""]
    body += [*lines, "", end]
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    path.write_text(head + "\n".join(body) + tail)
    print(f"\nWritten to {path}.")


if __name__ == "__main__":
    main()
