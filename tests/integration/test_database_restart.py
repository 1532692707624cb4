"""PostgreSQL restarted under load (issue #6): psweb served by gunicorn on a PostgreSQL of the
test's own, with reporters sending reports through the API from several threads. The
database is stopped for a few seconds and started again while they send.

- Requests during the outage get a clear 503 (JSON, Retry-After), never a 500.
- psweb recovers by itself: reports succeed again after the restart, without restarting it.
- No half-written records: every incident that exists is complete (reference, timeline).
- Every report answered with success exists afterwards.

The PostgreSQL is Debian's (the system packages the integration tier uses), run as the
`postgres` user in a temporary directory on a free loopback port. Bounded: about a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.conftest import BASE_DIR, free_port, log_tail, stop_process, unavailable, wait_for

pytestmark = pytest.mark.integration

PG_BIN = (
    Path("/usr/lib/postgresql")
    / (sorted(os.listdir("/usr/lib/postgresql"))[-1] if os.path.isdir("/usr/lib/postgresql") else "15")
    / "bin"
)
OUTAGE_SECONDS = 5
THREADS = 4


class PrivatePostgres:
    def __init__(self):
        # Not below pytest's temporary directory: that one is private to root.
        self.home = Path(tempfile.mkdtemp(prefix="psweb-restart-"))
        self.dir = self.home / "pgdata"
        self.port = free_port()
        self.log = self.home / "postgres.log"

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, timeout=120, check=False
        )

    def init(self) -> None:
        if os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or not shutil.which("runuser"):
            unavailable("a private PostgreSQL needs root, runuser and Debian's PostgreSQL binaries")
        self.home.chmod(0o755)
        shutil.chown(self.home, "postgres", "postgres")
        result = self._as_postgres(
            str(PG_BIN / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        assert result.returncode == 0, result.stderr

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
        result = self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-o", options, "-l", str(self.log), "-w", "start"
        )
        assert result.returncode == 0, result.stderr + log_tail(self.log)

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/psweb"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """psweb with the demo organisation, served by gunicorn on the private PostgreSQL."""
    workdir = tmp_path_factory.mktemp("restart")
    postgres = PrivatePostgres()
    postgres.init()
    postgres.start()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "DEBUG": "false",
        "SECRET_KEY": "integration-tests-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "dummymail://",
        "DATABASE_CONN_MAX_AGE": "60",
        # The load below is one user at full speed: no rate limit may refuse it.
        "API_RATE_USER": "1000000/minute",
        "API_RATE_ADDRESS": "1000000/minute",
    }
    env.pop("CELERY_BROKER_URL", None)
    server = None
    try:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "-c", "CREATE DATABASE psweb"],
            check=True,
            capture_output=True,
        )
        for command in (["migrate", "--no-input"], ["seed_demo", "--incidents", "0", "--force"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr[-3000:]
        token = (
            subprocess.run(
                [sys.executable, "manage.py", "create_api_token", "sjukskoterska", "--name", "restart test"],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .split()[-1]
        )
        log = workdir / "gunicorn.log"
        with log.open("ab") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "psweb.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "2",
                    "--timeout",
                    "30",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _status(f"{base}/healthz") == 200, timeout=30, what="gunicorn", details=lambda: log_tail(log))
        yield {"base": base, "token": token, "postgres": postgres, "env": env, "log": log}
    finally:
        stop_process(server)
        postgres.remove()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback, our own server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _send(base: str, token: str, unit: int, marker: str) -> tuple[int, dict, str]:
    key = str(uuid.uuid4())
    body = json.dumps(
        {
            "unit": unit,
            "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
            "description": f"Patienten föll vid toalettbesök. {marker}",
            "case_type": "care",
            "reported_kind": "happened",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/api/v1/incidents/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read()), response.headers.get("Retry-After", "")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            parsed = json.loads(payload)
        except ValueError:
            parsed = {"raw": payload[:200].decode(errors="replace")}
        return error.code, parsed, error.headers.get("Retry-After", "")
    except OSError as error:
        return 0, {"error": str(error)}, ""


def test_a_database_restart_under_load_gives_503s_loses_nothing_and_recovers(served):
    base, token, postgres = served["base"], served["token"], served["postgres"]
    me_request = urllib.request.Request(f"{base}/api/v1/me/", headers={"Authorization": f"Token {token}"})  # noqa: S310
    with urllib.request.urlopen(me_request, timeout=10) as response:  # noqa: S310 (loopback)
        me = json.loads(response.read())
    unit = me["memberships"][0]["unit"]
    marker = f"last-{uuid.uuid4().hex[:8]}"
    results: list[tuple[float, int, dict, str]] = []
    stop_at = time.monotonic() + 3 + OUTAGE_SECONDS + 12
    lock = threading.Lock()

    def reporter():
        while time.monotonic() < stop_at:
            status, body, retry_after = _send(base, token, unit, marker)
            with lock:
                results.append((time.monotonic(), status, body, retry_after))
            if status != 201:
                time.sleep(0.2)

    threads = [threading.Thread(target=reporter) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    down_at = time.monotonic()
    postgres.stop()
    time.sleep(OUTAGE_SECONDS)
    postgres.start()
    up_at = time.monotonic()
    for thread in threads:
        thread.join(timeout=60)

    statuses = Counter(status for _, status, _, _ in results)
    assert statuses[500] == 0, statuses
    assert statuses[0] == 0, f"connections failed: {statuses}"  # gunicorn kept answering
    during = [(status, body, retry) for at, status, body, retry in results if down_at + 0.5 < at < up_at]
    assert during and {status for status, _, _ in during} == {503}, Counter(s for s, _, _ in during)
    assert all(body.get("code") == "unavailable" and retry == "30" for _, body, retry in during)
    after = [status for at, status, _, _ in results if at > up_at + 3]
    assert after and set(after) == {201}, Counter(after)  # recovered without a restart of psweb

    accepted = {body["reference"] for _, status, body, _ in results if status == 201}
    stored = _stored(served, marker)
    assert accepted <= set(stored), "a report answered with success is missing"
    assert all(complete for complete in stored.values()), "a half-written incident exists"
    print(f"{len(results)} requests: {dict(statuses)}; {len(accepted)} accepted, {len(stored)} stored")


def _stored(served, marker: str) -> dict[str, bool]:
    """reference -> whether the incident is complete (sent, with its timeline entry)."""
    # `marker` is made by the test itself (hex digits): no outside text reaches this query.
    query = (
        "SELECT i.reference, i.status = 'submitted' AND i.reported_at IS NOT NULL AND EXISTS ("  # noqa: S608
        " SELECT 1 FROM incidents_timelineentry t WHERE t.incident_id = i.id AND t.kind = 'submitted')"
        f" FROM incidents_incident i WHERE i.description LIKE '%{marker}%'"
    )
    output = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(served["postgres"].port),
            "-U",
            "postgres",
            "-d",
            "psweb",
            "-At",
            "-F",
            ",",
            "-c",
            query,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split(",") for line in output.splitlines() if line]
    return {reference: complete == "t" for reference, complete in rows}


def _call(base: str, token: str, method: str, path: str, payload: dict, key: str = "") -> tuple[int, dict]:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}{path}", data=json.dumps(payload).encode(), method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _all_at_once(work, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_report_sent_many_times_at_once_across_processes_makes_one_incident(served):
    """A double tap, a retry and a flaky network all at once: twelve requests with one key, on
    two gunicorn worker processes."""
    base, token = served["base"], served["token"]
    marker = f"dubbel-{uuid.uuid4().hex[:8]}"
    key = str(uuid.uuid4())
    payload = {
        "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
        "description": f"Patienten fick fel dos. {marker}",
        "case_type": "care",
        "reported_kind": "happened",
    }

    results = _all_at_once(lambda: _call(base, token, "POST", "/api/v1/incidents/", payload, key), 12)

    assert {status for status, _ in results} <= {200, 201}, [status for status, _ in results]
    assert len({body["reference"] for _, body in results}) == 1
    assert len(_stored(served, marker)) == 1


def test_edits_from_one_version_at_once_across_processes_one_wins_the_rest_are_told(served):
    base, token = served["base"], served["token"]
    status, draft = _call(base, token, "POST", "/api/v1/incidents/", {"draft": True, "description": "Utkast"})
    assert status == 201, draft

    def edit(number: int):
        return _call(
            base,
            token,
            "PATCH",
            f"/api/v1/incidents/{draft['id']}/",
            {"version": draft["version"], "description": f"Ändring {number}"},
        )

    results = _all_at_once(lambda: edit(threading.get_ident() % 1000), 10)

    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: 9}, statuses
    assert all(body["code"] == "stale_version" for status, body in results if status == 409)
