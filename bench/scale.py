"""psweb at the size of a region and beyond: how fast the pages, the API, the statistics, the
import and concurrent reporting answer, each beside the raw SQL it runs.

    .venv/bin/python bench/scale.py --incidents 1000000 --write docs/benchmarks.md

1. A database of its own (--database-url; default `psweb_bench_scale` on the local
   PostgreSQL, dropped and created again unless --keep), filled by `manage.py generate_load`:
   incidents over five years with forwards, causes, actions, timelines and the handlers'
   access-log rows, and measurements.
2. Each page and endpoint requested in-process through the whole Django stack (middleware,
   views, templates; DEBUG off, no network) as the user who would: the coordinator of
   Medicinkliniken (queue, case page, API), the region's chief physician (statistics,
   dashboards and the action register), the patient-safety strategist (access-log review), a
   nurse (reporting).
   Median and 95th percentile over --repeat requests, the SQL statements of one request,
   and those statements replayed through a bare psycopg cursor in the same run (rolled
   back). The ratio request/SQL says what psweb adds to the database's own work; it holds
   on a noisy machine where milliseconds do not.
3. --import-rows measurements imported from a CSV file through the import pages (upload,
   preview, commit) by the strategist, rolled back after each run so it can be repeated.
4. gunicorn on a free loopback port (4 workers, as the README deploys it) and --reporters
   nurses sending reports through the browser's requests (form, autosave, send), each
   pausing 1–3 s between reports as a person does, for --duration seconds; then once
   more without pauses, to show where the machine saturates.

With --check the run exits 1 when a goal is missed; `.ci/run` uses it with a small database
and generous limits (--limit-factor) as a regression guard.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Goals of issue #6 on the 2-core machine at a million incidents (milliseconds).
QUEUE_GOAL = (150, 300)  # median, p95: handler queue and case page
STATS_GOAL = (500, None)  # median: statistics endpoints and dashboards
ACTION_LIST_GOAL = (150, None)  # median: the action list (/atgarder/), the region's whole register
SUBMIT_P95_GOAL = 300  # with 10 concurrent reporters
IMPORT_GOAL = 10_000  # rows per second
LIST_RATIO_GOAL = 3.0  # list endpoints within 3x of their raw SQL


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
    }


# --- Requests in-process, and their SQL replayed ---------------------------------------------------------


def captured(call) -> list[str]:
    """The statements of one call, as the literal SQL psycopg sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        call()
    return [query["sql"] for query in context.captured_queries]


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
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
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
    )


def page_results(repeat: int, *, print_row) -> list[Result]:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import OrgUnit, User
    from accounts.selectors import memberships_valid_for
    from incidents.models import Incident, Status

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.cookies["django_language"] = "sv"
        return client

    def get(client, url, **query):
        def call():
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code, response.content[:500])
            if response.streaming:
                b"".join(response.streaming_content)  # an export is only done when read

        return call

    nurse = User.objects.get(username="sjukskoterska")
    reporter = client_for("sjukskoterska")
    coordinator_user = User.objects.get(username="samordnare.med")
    coordinator = client_for("samordnare.med")
    chief = client_for("chefslakare")
    strategist = client_for("psstrateg")
    nurse_unit = memberships_valid_for(user=nurse)[0].unit_id
    visible = Incident.objects.visible_to(coordinator_user).exclude(status=Status.DRAFT)
    case = visible.filter(status=Status.IN_PROGRESS).order_by("-id").first()
    busy_unit = (
        visible.filter(status=Status.CLOSED).values_list("unit_id", flat=True).order_by("unit_id").distinct().first()
    )
    category = visible.filter(category__isnull=False).values_list("category_id", flat=True).first()
    region = OrgUnit.objects.get(parent=None, name="Region Västmanland")
    clinic = OrgUnit.objects.get(name="Medicinkliniken")
    five_years = {"from": f"{dt.date.today().year - 4}-01-01"}
    region_q = {"unit": region.pk, **five_years}

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

    queue, stats = QUEUE_GOAL, STATS_GOAL
    plan = [
        ("Reporting", "Report form (GET /rapportera/)", get(reporter, "/rapportera/"), {}),
        ("Reporting", "Autosave then send a report (2 POSTs)", report_and_send, {"writes": True}),
        ("Reporting", "My reports", get(reporter, "/mina-avvikelser/"), {}),
        ("Handler queue", "Work queue, open incidents (the coordinator's scope)", get(coordinator, "/arenden/"), {}),
        ("Handler queue", "Work queue, closed incidents", get(coordinator, "/arenden/", status="closed"), {}),
        (
            "Handler queue",
            "Work queue, filtered: one unit, closed, a category",
            get(coordinator, "/arenden/", status="closed", unit=busy_unit, category=category or ""),
            {},
        ),
        ("Handler queue", "Work queue, text search `fall`", get(coordinator, "/arenden/", q="fall"), {}),
        ("Handler queue", "Work queue, text search `läkemedel`", get(coordinator, "/arenden/", q="läkemedel"), {}),
        ("Handler queue", "Case page", get(coordinator, reverse("incidents:detail", kwargs={"pk": case.pk})), {}),
        ("Handler queue", "Work queue CSV export (every open case)", get(coordinator, "/arenden/export/"), {}),
        ("API", "API list, 50 a page", get(coordinator, "/api/v1/incidents/", page_size=50), {"list": True}),
        (
            "API",
            "API list, closed, one unit",
            get(coordinator, "/api/v1/incidents/", status="closed", unit=busy_unit, page_size=50),
            {"list": True},
        ),
        (
            "API",
            "API list, search `fall`",
            get(coordinator, "/api/v1/incidents/", q="fall", page_size=50),
            {"list": True},
        ),
        ("API", "API retrieve", get(coordinator, f"/api/v1/incidents/{case.pk}/"), {}),
        (
            "Statistics",
            "API: counts by month, whole care provider, 5 years",
            get(chief, "/api/v1/stats/incidents/", group_by="period", **region_q),
            {"stats": True},
        ),
        (
            "Statistics",
            "API: counts by month and category",
            get(chief, "/api/v1/stats/incidents/", group_by="period,category", **region_q),
            {"stats": True},
        ),
        (
            "Statistics",
            "API: counts by unit (drill-down)",
            get(chief, "/api/v1/stats/incidents/", group_by="unit", **region_q),
            {"stats": True},
        ),
        (
            "Statistics",
            "API: counts, the user's whole scope",
            get(chief, "/api/v1/stats/incidents/", group_by="period", **five_years),
            {"stats": True},
        ),
        (
            "Statistics",
            "API: summary (lead times, actions, causes)",
            get(chief, "/api/v1/stats/incidents/summary/", **region_q),
            {"stats": True},
        ),
        (
            "Statistics",
            "API: indicator series BHK, monthly",
            get(chief, "/api/v1/stats/indicators/BHK/", granularity="month", **region_q),
            {"stats": True},
        ),
        ("Dashboards", "Incident statistics, the region", get(chief, "/statistik/", enhet=region.pk), {"stats": True}),
        ("Dashboards", "Incident statistics, a clinic", get(chief, "/statistik/", enhet=clinic.pk), {"stats": True}),
        (
            "Dashboards",
            "Indicator dashboard, the region",
            get(chief, "/indikatorer/", enhet=region.pk, period="quarter"),
            {"stats": True},
        ),
        (
            "Dashboards",
            "One indicator's run chart, 5 years",
            get(chief, "/indikatorer/BHK/", enhet=region.pk, period="month"),
            {"stats": True},
        ),
        ("Dashboards", "Board table", get(chief, "/indikatorer/styrelsetabell/", enhet=region.pk), {"stats": True}),
        (
            "Dashboards",
            "Access-log review, one handler, a year",
            get(
                strategist,
                "/loggranskning/",
                username=coordinator_user.username,
                date_from=f"{dt.date.today().year - 1}-01-01",
            ),
            {"stats": True},
        ),
        (
            "Action register",
            "Action list, the region (GET /atgarder/)",
            get(chief, "/atgarder/"),
            {"goal": ACTION_LIST_GOAL},
        ),
        (
            "Action register",
            "API: actions, the region, 50 a page (GET /api/v1/actions/)",
            get(chief, "/api/v1/actions/", page_size=50),
            {"list": True},
        ),
    ]
    results = []
    for group, label, call, kind in plan:
        if "goal" in kind:
            goal = kind["goal"]
        elif kind.get("stats"):
            goal = stats
        elif group == "Handler queue" and "export" not in label:
            goal = queue
        else:
            goal = (None, None)
        result = measure(
            group,
            label,
            call,
            repeat,
            writes=kind.get("writes", False),
            goal=goal,
            ratio_goal=LIST_RATIO_GOAL if kind.get("list") else None,
        )
        print_row(result)
        results.append(result)
    return results


# --- Importing measurements ------------------------------------------------------------------------------


def import_file(rows: int) -> tuple[bytes, str]:
    """A CSV file as Swedish Excel saves it: `rows` daily hygiene and pressure-ulcer points
    for the units the strategist may import for, none of them in the database yet."""
    from accounts.models import OrgUnit, User
    from accounts.roles import Perm
    from indicators.models import IndicatorDefinition, Measurement
    from indicators.services import may_enter

    user = User.objects.get(username="psstrateg")
    indicators = list(IndicatorDefinition.objects.filter(is_active=True, kind="proportion").order_by("code"))
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


def measurement_rows(content: bytes) -> list[tuple]:
    """The rows the import writes for the file, as COPY takes them (for the raw baseline)."""
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import User
    from indicators.models import IndicatorDefinition

    user = User.objects.get(username="psstrateg")
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


def import_results(rows: int, repeat: int) -> tuple[Result, Result, str]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test import Client

    from accounts.models import User
    from indicators.models import ImportBatch, Measurement

    content, shape = import_file(rows)
    client = Client()
    client.force_login(User.objects.get(username="psstrateg"))
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
    copied = measurement_rows(content)
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


# --- Concurrent reporters over HTTP ----------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """What a nurse's browser sends: cookies, the CSRF token from the form, no JavaScript."""

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


def report_once(browser: Browser, unit: int) -> tuple[float, float]:
    """Open the form, autosave, send. Returns (ms of the send, ms of the whole report)."""
    import json

    started = time.perf_counter()
    status, page, _ = browser.request("GET", "/rapportera/")
    assert status == 200, status
    browser.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, body, _ = browser.request(
        "POST",
        "/rapportera/spara/",
        {"client_key": str(uuid.uuid4()), "description": "Patienten föll vid toalettbesök."},
        ajax=True,
    )
    assert status == 200, (status, body[:500])
    draft = json.loads(body)
    sending = time.perf_counter()
    status, body, headers = browser.request(
        "POST",
        draft["edit_url"],
        {
            "version": draft["version"],
            "unit": unit,
            "occurred_at": (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "description": "Patienten föll vid toalettbesök, inga synliga skador.",
            "case_type": "care",
            "reported_kind": "happened",
            "action": "send",
        },
    )
    assert status == 302 and "skickad" in headers.get("Location", ""), (status, body[:1000])
    done = time.perf_counter()
    return (done - sending) * 1000, (done - started) * 1000


@dataclass
class LoadRun:
    label: str
    sends: list[float]
    flows: list[float]
    errors: list[str]
    seconds: float


def concurrent_reporting(env: dict, reporters: int, duration: float, workers: int) -> list[LoadRun]:
    from django.test import Client

    from accounts.models import Membership, User
    from accounts.roles import Role

    nurses = []
    for user in User.objects.filter(is_active=True, username__startswith="last.").order_by("pk"):
        membership = Membership.objects.filter(user=user, role=Role.REPORTER).first()
        if membership:
            nurses.append((user, membership.unit_id))
        if len(nurses) == reporters:
            break
    if len(nurses) < reporters:
        raise SystemExit(f"Only {len(nurses)} synthetic reporters; generate_load makes them (--users).")
    sessions = []
    for user, unit in nurses:
        client = Client()
        client.force_login(user)
        sessions.append((client.cookies["sessionid"].value, unit))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(ROOT / "var" / "bench-gunicorn.log", "ab")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "gunicorn", "psweb.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    runs = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("gunicorn did not start; see var/bench-gunicorn.log") from None
                time.sleep(0.3)
        for label, pause in (
            (f"{reporters} reporters, 1–3 s between reports", (1.0, 3.0)),
            (f"{reporters} reporters, no pause (saturation)", None),
        ):
            runs.append(_load(base, sessions, duration, pause, label))
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
    return runs


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
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    distro = ""
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip('"') + ", "
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; {distro}Python {platform.python_version()}; "
        f"PostgreSQL {server} on loopback (shared_buffers {buffers}, otherwise Debian's defaults)"
    )


def row(result: Result) -> str:
    raw = f"{result.raw:.1f}" if result.raw else "–"
    ratio = f"{result.ratio:.1f}×" if result.raw else "–"
    missed = " **missed**" if result.misses() else ""
    return f"| {result.label} | {result.median:.1f} | {result.p95:.1f} | {result.queries} | {raw} | {ratio} |{missed}"


HEADER = "| Page or call | median ms | p95 ms | queries | its SQL ms | ratio |\n|---|---:|---:|---:|---:|---:|"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--measurements", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reporters", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60, help="seconds of each concurrent-reporting run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/psweb_bench_scale")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (no drop, no loading)")
    parser.add_argument("--write", metavar="PATH", help="write the results as Markdown to PATH")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--limit-factor", type=float, default=1.0, help="with --check: goals times this")
    args = parser.parse_args()

    env = _bench_env(args.database_url)
    os.environ.update(env)
    _prepare_database(args.database_url, fresh=not args.keep)
    (ROOT / "var").mkdir(exist_ok=True)

    import django

    django.setup()
    from django.core.management import call_command

    from incidents.models import Incident
    from indicators.models import Measurement

    call_command("collectstatic", interactive=False, verbosity=0)  # production static storage
    loading = ""
    if not args.keep:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        out = io.StringIO()
        call_command("generate_load", incidents=args.incidents, measurements=args.measurements, force=True, stdout=out)
        loading = f"{out.getvalue().rstrip()}\ntotal (with migrate)  {time.perf_counter() - started:.0f} s"
        print(loading, flush=True)

    lines: list[str] = []

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    incidents = Incident.objects.count()
    emit(
        f"{incidents:,} incidents and {Measurement.objects.count():,} measurements in the database. "
        f"{args.repeat} requests each.".replace(",", " ")
    )
    emit()
    emit(HEADER)
    results = page_results(args.repeat, print_row=lambda result: emit(row(result)))

    preview, commit, shape = import_results(args.import_rows, max(3, args.repeat // 5))
    rate = args.import_rows / (commit.median / 1000)
    emit(row(preview))
    emit(row(commit))
    emit()
    emit(f"Import: {rate:,.0f} rows/s committed (goal ≥ {IMPORT_GOAL:,}); the file: {shape}.".replace(",", " "))

    runs = concurrent_reporting(env, args.reporters, args.duration, args.workers)
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

    misses = [miss for result in results for miss in result.misses(args.limit_factor)]
    if rate < IMPORT_GOAL / args.limit_factor:
        misses.append(f"import: {rate:.0f} rows/s < {IMPORT_GOAL / args.limit_factor:.0f}")
    paced = runs[0]
    if not paced.sends or percentile(paced.sends, 0.95) > SUBMIT_P95_GOAL * args.limit_factor:
        misses.append(f"concurrent reporting: send p95 above {SUBMIT_P95_GOAL * args.limit_factor:.0f} ms")
    if any(run.errors for run in runs):
        misses.append("concurrent reporting: errors")
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
