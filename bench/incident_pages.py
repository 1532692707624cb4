"""How fast the incident pages answer, at the size of a region's two years and beyond.

    .venv/bin/python bench/incident_pages.py --incidents 20000

Builds a database of its own on the PostgreSQL of DATABASE_URL (default: the local server,
database `psweb_bench`, dropped and created again), loads the demo organisation with N demo
incidents, then requests each page in-process through the whole Django stack (middleware,
views, templates; no network) as the demo users would, and prints one Markdown table:
median and 90th percentile in milliseconds over `--repeat` requests, and the number of SQL
queries of one request. The numbers in bench/RESULTS.md come from this script.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare_database(url: str, fresh: bool) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or fresh:
            conn.execute(f'CREATE DATABASE "{name}"')


def _timed(call, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def _queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/psweb_bench")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (no drop, no seeding)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psweb.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("EMAIL_URL", "dummymail://")  # notifications are built, not printed
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # in-process requests are plain HTTP
    _prepare_database(args.database_url, fresh=not args.keep)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from incidents.models import Incident, Status

    call_command("collectstatic", interactive=False, verbosity=0)  # production static storage
    started = time.perf_counter()
    if not args.keep:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", incidents=args.incidents, force=True, stdout=io.StringIO())
    seeded = time.perf_counter() - started

    nurse = User.objects.get(username="sjukskoterska")
    coordinator = User.objects.get(username="samordnare.med")
    reporter_client, handler_client = Client(), Client()
    reporter_client.force_login(nurse)
    handler_client.force_login(coordinator)
    handler_client.cookies["django_language"] = "sv"
    case = Incident.objects.visible_to(coordinator).filter(status=Status.IN_PROGRESS).order_by("-id").first()
    visible = Incident.objects.visible_to(coordinator).exclude(status=Status.DRAFT).count()

    def get(client, url, **query):
        def call():
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code)
            if response.streaming:
                b"".join(response.streaming_content)  # an export is only done when read

        return call

    def autosave():
        response = reporter_client.post(
            reverse("incidents:report-autosave-new"),
            {"client_key": str(uuid.uuid4()), "description": "Patienten föll vid toalettbesök."},
        )
        assert response.status_code == 200, response.content

    def report_and_send():
        draft = reporter_client.post(
            reverse("incidents:report-autosave-new"),
            {"client_key": str(uuid.uuid4()), "description": "Patienten föll vid toalettbesök."},
        ).json()
        edit_url = draft["edit_url"]
        response = reporter_client.post(
            edit_url,
            {
                "version": draft["version"],
                "unit": nurse_unit,
                "occurred_at": "2026-11-20T03:10",
                "description": "Patienten föll vid toalettbesök, inga synliga skador.",
                "case_type": "care",
                "reported_kind": "happened",
                "action": "send",
            },
        )
        assert response.status_code == 302 and "skickad" in response["Location"], response.content[:2000]

    from accounts.selectors import memberships_valid_for

    nurse_unit = memberships_valid_for(user=nurse)[0].unit_id
    api = Client()
    api.force_login(coordinator)
    rows = [
        ("Report form (GET /rapportera/)", get(reporter_client, "/rapportera/")),
        ("Autosave, first keystroke (POST)", autosave),
        ("Autosave then send a report (2 POSTs)", report_and_send),
        ("My reports (GET /mina-avvikelser/)", get(reporter_client, "/mina-avvikelser/")),
        ("Work queue, open incidents, 50 a page", get(handler_client, "/arenden/")),
        ("Work queue, closed incidents", get(handler_client, "/arenden/", status="closed")),
        ("Work queue, text search `fall`", get(handler_client, "/arenden/", q="fall")),
        ("Work queue, text search `läkemedel`", get(handler_client, "/arenden/", q="läkemedel")),
        ("Work queue CSV export", get(handler_client, "/arenden/export/")),
        ("Case page", get(handler_client, reverse("incidents:detail", kwargs={"pk": case.pk}))),
        ("API list, 50 a page", get(api, "/api/v1/incidents/", page_size=50)),
        ("API list, search `fall`", get(api, "/api/v1/incidents/", q="fall", page_size=50)),
        ("API retrieve", get(api, f"/api/v1/incidents/{case.pk}/")),
    ]
    total = Incident.objects.count()
    print(f"{total} incidents in the database ({visible} visible to the coordinator); seeding took {seeded:.0f} s.")
    print(f"{args.repeat} requests each, in-process, PostgreSQL at {args.database_url.rsplit('@', 1)[-1]}.\n")
    print("| Page or call | median ms | p90 ms | queries |")
    print("|---|---:|---:|---:|")
    for label, call in rows:
        call()  # warm: templates, caches, connection
        queries = _queries(call)
        median, p90 = _timed(call, args.repeat)
        print(f"| {label} | {median:.1f} | {p90:.1f} | {queries} |")


if __name__ == "__main__":
    main()
