"""The mixed load of `bench/scale.py` (issue 14, item 8) on a small database: fifty users —
reporters, coordinators, dashboard readers — against gunicorn on loopback for about 20 s.
Every request type is served, none fails, the report says what saturates first, and nothing
is left running or lying about afterwards.

The database is a throwaway one on the server of the integration tier's DATABASE_URL,
filled by `generate_load` through the benchmark itself (a few thousand incidents).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.integration.conftest import BASE_DIR, log_tail

pytestmark = pytest.mark.integration

LOAD_SECONDS = 20
# Loading (migrate, a few thousand incidents), gunicorn's start and the load itself.
RUN_TIMEOUT = 900
AT_LEAST = 3  # requests of every type
REQUEST_TYPES = {
    "report form",
    "autosave",
    "send report",
    "work queue",
    "queue search",
    "queue search counts",  # the counts a searched queue fetches after its page (htmx)
    "case page",
    "statistics page",
    "indicator dashboard",
}
SATURATION_FIELDS = {
    "gunicorn_cores",
    "postgres_cores",
    "postgres_all_cores",
    "driver_cores",
    "machine_busy",
    "db_connections_max",
    "db_connections_active_max",
    "lock_waits_max",
    "lock_wait_samples",
    "in_flight_max",
    "workers_all_busy_share",
    "verdict",
}


def _server_url(database_url: str, name: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


@pytest.fixture
def throwaway_database():
    """A database name on the integration tier's server; dropped afterwards, whatever happened
    (the benchmark creates it)."""
    import psycopg

    name = f"psweb_loadtest_{uuid.uuid4().hex[:10]}"
    yield _server_url(os.environ["DATABASE_URL"], name)
    with psycopg.connect(_server_url(os.environ["DATABASE_URL"], "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_fifty_users_are_served_without_error(throwaway_database, tmp_path):
    report, log = tmp_path / "load.json", tmp_path / "scale.log"
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_URL"}
    }
    command = [
        sys.executable,
        "bench/scale.py",
        "--database-url",
        throwaway_database,
        "--incidents",
        "3000",
        "--measurements",
        "500",
        "--units",
        "80",
        "--users",
        "200",
        "--only",
        "load",
        "--load-duration",
        str(LOAD_SECONDS),
        # Shorter pauses than a person's, so that 20 s see every kind of request a few times.
        "--think-factor",
        "0.3",
        "--load-json",
        str(report),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)  # the benchmark stops gunicorn on SIGTERM
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            pytest.fail(f"bench/scale.py ran over {RUN_TIMEOUT} s:\n{log_tail(log)}", pytrace=False)
    assert process.returncode == 0, log_tail(log)

    load = json.loads(report.read_text())

    assert load["seconds"] < LOAD_SECONDS + 45, "the load did not stop by itself"
    assert set(load["types"]) == REQUEST_TYPES, load["errors"]
    assert load["errors"] == []
    for kind, figures in load["types"].items():
        assert figures["errors"] == 0, kind
        assert figures["requests"] >= AT_LEAST, (kind, figures)
        assert 0 < figures["p50"] <= figures["p95"], (kind, figures)
    saturation = load["saturation"]
    assert set(saturation) >= SATURATION_FIELDS, saturation
    assert saturation["samples"] >= LOAD_SECONDS // 2
    assert saturation["gunicorn_cores"] > 0  # the workers did the work, and were measured
    assert saturation["db_connections_max"] >= 1
    assert saturation["sampler_failure"] == ""
    assert saturation["verdict"]
    assert not Path(f"/proc/{load['gunicorn_pid']}").exists(), "gunicorn was left running"
