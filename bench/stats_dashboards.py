"""How fast the statistics and dashboards answer at a million incidents and 100 000
measurements, for a whole care provider over five years.

    .venv/bin/python bench/stats_dashboards.py --incidents 1000000 --measurements 100000

Builds a database of its own on the PostgreSQL of --database-url (default: the local server,
database `psweb_bench_stats`, dropped and created again), loads it with `generate_load`, then
requests each endpoint and page in-process through the whole Django stack as the region's
chief physician (who sees the whole care provider) and prints one Markdown table: median and
95th percentile in milliseconds over --repeat requests, and the SQL queries of one request.
With --keep it reuses the database as it is. The numbers in bench/RESULTS.md come from this.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from incident_pages import _prepare_database, _queries  # noqa: E402 (after the path is set)


def _timed(call, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--measurements", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/psweb_bench_stats")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (no drop, no loading)")
    parser.add_argument("--limit-ms", type=float, default=0, help="exit 1 if a median is above this (CI guard)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psweb.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    _prepare_database(args.database_url, fresh=not args.keep)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import OrgUnit, User
    from incidents.models import Incident
    from indicators.models import Measurement

    call_command("collectstatic", interactive=False, verbosity=0)
    loaded = 0.0
    if not args.keep:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command(
            "generate_load",
            incidents=args.incidents,
            measurements=args.measurements,
            force=True,
            stdout=io.StringIO(),
        )
        loaded = time.perf_counter() - started

    chief = User.objects.get(username="chefslakare")
    region = OrgUnit.objects.get(parent=None, name="Region Västmanland")
    clinic = OrgUnit.objects.get(name="Medicinkliniken")
    client = Client()
    client.force_login(chief)
    client.cookies["django_language"] = "sv"
    five_years = {"from": f"{time.localtime().tm_year - 4}-01-01"}

    def get(url, **query):
        def call():
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code, response.content[:500])

        return call

    region_q = {"unit": region.pk, **five_years}
    rows = [
        (
            "API: counts by month, whole care provider, 5 years",
            get("/api/v1/stats/incidents/", group_by="period", **region_q),
        ),
        ("API: counts by month and category", get("/api/v1/stats/incidents/", group_by="period,category", **region_q)),
        (
            "API: counts by event class and status",
            get("/api/v1/stats/incidents/", group_by="event_class,status", **region_q),
        ),
        ("API: counts by unit (drill-down)", get("/api/v1/stats/incidents/", group_by="unit", **region_q)),
        ("API: counts by risk level", get("/api/v1/stats/incidents/", group_by="risk_level", **region_q)),
        ("API: counts, no unit (scope of the user)", get("/api/v1/stats/incidents/", group_by="period", **five_years)),
        ("API: summary (lead times, actions, causes)", get("/api/v1/stats/incidents/summary/", **region_q)),
        ("API: indicator series BHK, monthly", get("/api/v1/stats/indicators/BHK/", granularity="month", **region_q)),
        (
            "API: indicator series MJG, rolling 12",
            get("/api/v1/stats/indicators/MJG/", granularity="month", **region_q),
        ),
        ("Page: incident statistics, the region", get("/statistik/", enhet=region.pk)),
        ("Page: incident statistics, a clinic", get("/statistik/", enhet=clinic.pk)),
        ("Page: indicator dashboard, the region", get("/indikatorer/", enhet=region.pk, period="quarter")),
        ("Page: one indicator's run chart, 5 years", get("/indikatorer/BHK/", enhet=region.pk, period="month")),
        ("Page: board table", get("/indikatorer/styrelsetabell/", enhet=region.pk)),
        ("Export: incident statistics as XLSX", get("/statistik/", enhet=region.pk, format="xlsx")),
    ]
    incidents = Incident.objects.count()
    measurements = Measurement.objects.count()
    print(
        f"{incidents} incidents and {measurements} measurements in the database"
        + (f"; loading took {loaded:.0f} s." if loaded else ".")
    )
    print(f"{args.repeat} requests each, in-process, as the chief physician of the whole care provider.\n")
    print("| Endpoint or page | median ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    worst = 0.0
    for label, call in rows:
        call()  # warm: templates, caches, connection
        queries = _queries(call)
        median, p95 = _timed(call, args.repeat)
        worst = max(worst, median)
        print(f"| {label} | {median:.1f} | {p95:.1f} | {queries} |")
    if args.limit_ms and worst > args.limit_ms:
        print(f"\nA median of {worst:.0f} ms is above the limit of {args.limit_ms:.0f} ms.")
        sys.exit(1)


if __name__ == "__main__":
    main()
